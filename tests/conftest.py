"""Shared fixtures: the real vocabulary and the committed demo corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from guidecheck.vocab import FieldVocab, load_field_vocab

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"


@pytest.fixture(scope="session")
def vocab() -> FieldVocab:
    return load_field_vocab()


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS
