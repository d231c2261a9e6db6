"""A one-line progress bar on stderr while chains run in native code.

Native code writes each chain's [iterations done, divergences] into an array;
this thread-free bar is redrawn by the caller every 0.1 s while it waits for the
chains (ppl/sampling/run.py).  Off when stderr
is not a terminal (CI logs, notebooks capture stderr differently) or when
the user asks (`progress=False`)."""

from __future__ import annotations

import sys
import time


class ProgressBar:
    def __init__(self, total: int, enabled: bool, stream=None):
        self.stream = stream or sys.stderr
        self.enabled = enabled and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.total = max(total, 1)
        self.started = time.perf_counter()
        self.width = 0

    def update(self, done: int, divergences: int, phase: str) -> None:
        if not self.enabled:
            return
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        fraction = min(done / self.total, 1.0)
        bar = "#" * int(30 * fraction)
        text = (f"\r{phase:8s} [{bar:<30s}] {done}/{self.total} iterations, {done / elapsed:,.0f} it/s, "
                f"{divergences} divergent")
        self.width = max(self.width, len(text))
        self.stream.write(text.ljust(self.width))
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()


class CountLine:
    """One line on stderr counting finished tasks (fits), for `ppl.fit_many` and `ppl.sbc`:
    redrawn as each one finishes; off when stderr is not a terminal or progress=False."""

    def __init__(self, total: int, enabled: bool, noun: str = "fits", stream=None):
        self.stream = stream or sys.stderr
        self.enabled = enabled and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.total = total
        self.noun = noun
        self.done = 0
        self.failed = 0
        self.started = time.perf_counter()
        self.width = 0

    def count(self, failed: bool = False) -> None:
        self.done += 1
        self.failed += bool(failed)
        if not self.enabled:
            return
        elapsed = time.perf_counter() - self.started
        text = f"\r{self.done}/{self.total} {self.noun} done, {self.failed} failed, {elapsed:.1f} s"
        self.width = max(self.width, len(text))
        self.stream.write(text.ljust(self.width))
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
