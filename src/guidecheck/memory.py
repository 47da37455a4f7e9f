"""Memory management for bulk phases (no I/O)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector during a bulk phase.

    Reading a large document, or a whole scan's extraction and comparison, makes many
    small objects that all stay referenced until the phase ends (blocks, cells, guides,
    values, findings): the collector frees nothing, yet rescans the growing heap again
    and again (about a fifth of a large handbook's extraction; main-process CPU
    13.8 → 7.5 s on a 20,000-page scan). Reference counting still frees everything;
    the collector resumes afterwards if it was running.

    On the way out, what the phase made goes to the oldest generation unscanned
    (``gc.freeze()`` then ``gc.unfreeze()``). Left young, all of it was scanned by the
    first collection after the pause: 0.7 s at the end of a 20,000-page scan, with one
    core working. Cycles made during the pause, if any, wait for a full collection.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        gc.enable()
