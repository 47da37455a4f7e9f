"""A one-line progress display (pages/s, errors) on a terminal; silent otherwise."""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO


class Progress:
    def __init__(self, enabled: bool | None = None, *, stream: TextIO | None = None,
                 interval: float = 0.2) -> None:
        self.stream = stream or sys.stderr
        isatty = getattr(self.stream, "isatty", lambda: False)
        self.enabled = bool(isatty()) if enabled is None else enabled
        self.interval = interval
        self.started = time.monotonic()
        self._last = 0.0
        self._lock = threading.Lock()
        self._shown = False

    def update(self, *, done: int, errors: int, pending: int, deferred: int = 0,
               force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        with self._lock:
            if not force and now - self._last < self.interval:
                return
            self._last = now
            rate = done / max(now - self.started, 1e-6)
            line = (f"\r抓取 {done} 页  {rate:.1f} 页/秒  错误 {errors}  待抓取 {pending}"
                    + (f"  推迟 {deferred}" if deferred else ""))
            self.stream.write(line + "\033[K")
            self.stream.flush()
            self._shown = True

    def close(self) -> None:
        if self.enabled and self._shown:
            self.stream.write("\n")
            self.stream.flush()
