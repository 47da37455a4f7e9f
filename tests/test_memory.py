"""gc_paused: the collector is off during a bulk phase and what the phase made is not
rescanned when it comes back on."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from guidecheck.memory import gc_paused


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


@pytest.fixture(autouse=True)
def _collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_collector_is_off_inside_and_on_again_after() -> None:
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def _collections() -> int:
    return sum(stats["collections"] for stats in gc.get_stats())


def test_what_the_phase_made_is_not_rescanned_when_the_collector_resumes() -> None:
    with gc_paused():
        made = [[i] for i in range(50_000)]
        before = _collections()
    after = _collections()  # allocates: a collection due now would run here
    assert after == before
    young = {id(obj) for obj in gc.get_objects(generation=0)}
    assert not any(id(obj) in young for obj in made[:100])
    assert gc.get_freeze_count() == 0  # nothing is left frozen


def test_a_cycle_made_during_the_pause_is_still_collected() -> None:
    with gc_paused():
        a, b = _Node(), _Node()
        a.other, b.other = b, a
        ref = weakref.ref(a)
        del a, b
    gc.collect()
    assert ref() is None


def test_a_nested_pause_and_a_disabled_collector_are_left_as_they_were() -> None:
    with gc_paused():
        with gc_paused():
            pass
        assert not gc.isenabled()
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()
