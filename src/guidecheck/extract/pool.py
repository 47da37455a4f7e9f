"""Extraction of many files over a process pool: tasks in chunks, each chunk's guides
and read errors sent back packed (see :func:`extract_all`).

A file that cannot be read is one :class:`~guidecheck.extract.files.ReadError` and the
others carry on.
"""

from __future__ import annotations

import copyreg
import dataclasses
import io
import os
import pickle
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from guidecheck import model
from guidecheck.errors import GuidecheckError
from guidecheck.extract.files import ReadError, extract_bytes, extract_file
from guidecheck.memory import gc_paused
from guidecheck.model import Guide
from guidecheck.vocab import load_field_vocab

CHUNK = 64  # files per task: big enough to amortize pickling, small enough to balance


def _extract_chunk(tasks: Sequence[tuple[Any, ...]]) -> tuple[list[Guide], list[ReadError]]:
    """Tasks: ``(path, channel)`` for a file, ``(url, channel, body, charset)`` for a
    stored page (a crawl snapshot).

    The cyclic garbage collector is paused for the chunk (:func:`gc_paused`): in a
    worker it ran a young collection every 700 allocations and rescanned the memos
    again and again, about a tenth of a page's extraction. Extraction makes no
    reference cycles: after a chunk of HTML pages or DOCX files a collection finds
    nothing to free.
    """
    vocab = load_field_vocab()
    guides: list[Guide] = []
    errors: list[ReadError] = []
    _read_ahead(task[0] for task in tasks if len(task) == 2)
    with gc_paused():
        for path, channel, *page in tasks:
            try:
                if page:
                    guides.extend(extract_bytes(page[0], path, channel=channel, vocab=vocab,
                                                header_charset=page[1]))
                else:
                    guides.extend(extract_file(Path(path), channel=channel, vocab=vocab))
            except GuidecheckError as exc:
                errors.append(ReadError(path, str(getattr(exc, "reason", None) or exc)))
            except Exception as exc:
                errors.append(
                    ReadError(path, f"抽取时出错（{type(exc).__name__}: {exc}），请报告此文件")
                )
    return guides, errors


def _read_ahead(paths: Iterable[str]) -> None:
    """Ask the kernel to start reading a chunk's files now (``POSIX_FADV_WILLNEED``), so
    that a page not in the page cache is read from disk while the pages before it are
    parsed. A scan of 100,000 saved pages outgrows the cache; without this each worker
    waited for its reads (iowait), and a core stood idle. A file that cannot be opened
    is left to the extraction, which reports it."""
    advise = getattr(os, "posix_fadvise", None)
    if advise is None:  # not on this platform: the reads simply block
        return
    for path in paths:
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO: no wait
        except OSError:
            continue
        try:
            advise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
        except OSError:
            pass
        finally:
            os.close(fd)


# A chunk's result goes back to the main process as one pickle in which every model
# object is (its class's filler, its field values): the dataclasses' own pickling calls
# dataclasses.fields() per object on both sides, and the main process unpickles the
# results of all workers (about 2x faster both ways, same objects back). Each filler
# is a global of this module, so the unpickler calls it directly, one Python call
# per object (a scan's main process fills about 47 objects a page).


def _model_classes() -> list[type]:
    classes = [c for c in vars(model).values() if isinstance(c, type) and dataclasses.is_dataclass(c)]
    return [c for c in [*classes, ReadError] if "__slots__" in vars(c)]


def _reducer(cls: type) -> Any:
    slots = model.slots(cls)
    fill, values = slots.from_values, slots.values
    name = f"_fill_{cls.__name__}"
    fill.__module__, fill.__qualname__ = __name__, name  # where pickle finds it
    globals()[name] = fill
    return lambda obj: (fill, (values(obj),))


_DISPATCH = copyreg.dispatch_table.copy()
_DISPATCH.update({cls: _reducer(cls) for cls in _model_classes()})


def _pack(result: Any) -> bytes:
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _DISPATCH
    pickler.dump(result)
    return buffer.getvalue()


def _extract_chunk_packed(tasks: Sequence[tuple[Any, ...]]) -> bytes:
    """:func:`_extract_chunk` in a worker: its result packed for the way back."""
    return _pack(_extract_chunk(tasks))


def iter_extract(
    tasks: Sequence[tuple[Any, ...]], *, jobs: int | None = None
) -> Iterator[tuple[int, list[Guide], list[ReadError]]]:
    """Extract tasks over ``jobs`` processes (default: CPU count), yielding each chunk's
    (number of tasks, guides, read errors) in task order as soon as it is back, so the
    caller can work on it while the workers go on."""
    jobs = max(1, jobs or os.cpu_count() or 1)
    chunk = max(1, min(CHUNK, len(tasks) // (jobs * 4) or 1))
    chunks = [tasks[i : i + chunk] for i in range(0, len(tasks), chunk)]
    if jobs == 1 or len(chunks) == 1:
        for part in chunks:
            yield len(part), *_extract_chunk(part)
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        results = pool.map(_extract_chunk_packed, chunks)
        try:
            for part, packed in zip(chunks, results):
                yield len(part), *pickle.loads(packed)
        finally:
            results.close()  # a caller that stops early: chunks not started are cancelled


def extract_all(
    tasks: Sequence[tuple[Any, ...]], *, jobs: int | None = None
) -> tuple[list[Guide], list[ReadError]]:
    """Extract tasks (see :func:`_extract_chunk`) over ``jobs`` processes (default:
    CPU count): every guide and every read error, in task order."""
    guides: list[Guide] = []
    errors: list[ReadError] = []
    for _n, g, e in iter_extract(tasks, jobs=jobs):
        guides.extend(g)
        errors.extend(e)
    return guides, errors
