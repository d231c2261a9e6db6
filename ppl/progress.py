"""The progress of the chains while they run in native code: which phase each is in, how
far it is, and the divergences of the draws kept apart from those of warmup.

Native code writes each chain's [iterations done, divergences] into an array
(ppl/sampling/chain.py); the sampler driver (ppl/sampling/run.py) records each chain's
divergences at the end of its warmup and redraws the bar every 0.1 s while it waits.  So
the bar can say what the diagnosis will: divergences after warmup count (a warmup that
diverges while it adapts its step size is normal), warmup's are shown apart.

    sampling [#################-------------]  57% | chains S 80%, S 71%, W 45%, W 33% | 9,870 it/s |
    0 divergent (12 in warmup)

(one line on the terminal).

On a terminal the line is redrawn in place on stderr; in a Jupyter notebook (IPython
already imported and a kernel running) it is an HTML progress bar updated in place,
through IPython.display (no new dependency).  Elsewhere (a CI log, stderr redirected to
a file) and with `progress=False` nothing is drawn.  The first compilation of the sampler
library is announced before this bar, with its usual duration (ppl/first_run.py).
"""

from __future__ import annotations

import html
import shutil
import sys
import time
from dataclasses import dataclass

import numpy as np

# more chains than this are counted by phase rather than listed
LISTED_CHAINS = 8
BAR_WIDTH = 30


@dataclass(frozen=True)
class ChainProgress:
    """Where the chains are: per chain, the iterations done (warmup and sampling together),
    every divergence so far, and the divergences of its warmup once it has ended (-1 before)."""
    iterations: np.ndarray
    divergences: np.ndarray
    warmup_divergences: np.ndarray
    started: np.ndarray          # whether the chain has started (threads take chains in turn)


def phases(progress: ChainProgress, warmup: int, draws: int) -> list[str]:
    """Each chain's phase: "queued", "warmup", "sampling" or "done"."""
    result = []
    for iterations, warmup_over, started in zip(progress.iterations, progress.warmup_divergences, progress.started):
        if not started:
            result.append("queued")
        elif iterations >= warmup + draws:
            result.append("done")
        elif warmup_over < 0 and warmup > 0:
            result.append("warmup")
        else:
            result.append("sampling")
    return result


def divergence_counts(progress: ChainProgress) -> tuple[int, int]:
    """(after warmup, during warmup), over all chains."""
    ended = progress.warmup_divergences >= 0
    during = np.where(ended, progress.warmup_divergences, progress.divergences)
    after = np.where(ended, progress.divergences - progress.warmup_divergences, 0)
    return int(after.sum()), int(during.sum())


def overall_phase(chain_phases: list[str]) -> str:
    if all(phase == "done" for phase in chain_phases):
        return "done"
    if any(phase in ("warmup", "queued") for phase in chain_phases):
        return "warmup"
    return "sampling"


def chains_text(chain_phases: list[str], progress: ChainProgress, warmup: int, draws: int) -> str:
    """`S 80%, W 45%, queued` per chain (W warmup, S sampling; the share of that chain's
    iterations done), or counts by phase for more than LISTED_CHAINS chains."""
    if len(chain_phases) > LISTED_CHAINS:
        counts = {phase: chain_phases.count(phase) for phase in ("warmup", "sampling", "done", "queued")}
        return ", ".join(f"{count} {phase}" for phase, count in counts.items() if count)
    total = max(warmup + draws, 1)
    parts = []
    for phase, iterations in zip(chain_phases, progress.iterations):
        if phase == "queued":
            parts.append("queued")
        elif phase == "done":
            parts.append("done")
        else:
            parts.append(f"{phase[0].upper()} {100 * min(int(iterations), total) // total}%")
    return ", ".join(parts)


def render_text(progress: ChainProgress, warmup: int, draws: int, elapsed: float, columns: int | None = None) -> str:
    """The bar's line (without the carriage return).  Within `columns` (a terminal's width, so
    that redrawing in place never wraps), the bar narrows first, then the rate goes, then the
    chains; the phase and the divergences stay to the last."""
    chain_phases = phases(progress, warmup, draws)
    total = max(len(chain_phases) * (warmup + draws), 1)
    done = int(min(progress.iterations.sum(), total))
    fraction = done / total
    after, during = divergence_counts(progress)
    rate = f" | {done / max(elapsed, 1e-9):,.0f} it/s"
    divergent = f" | {after} divergent ({during} in warmup)"
    chains = chains_text(chain_phases, progress, warmup, draws)

    def line(width, chains, rate):
        filled = int(width * fraction)
        bar = f" [{'#' * filled}{'-' * (width - filled)}]" if width else ""
        listed = f" | chains {chains}" if chains else ""
        return f"{overall_phase(chain_phases):8s}{bar} {100 * fraction:3.0f}%{listed}{rate}{divergent}"

    text = line(BAR_WIDTH, chains, rate)
    if columns is None or len(text) <= columns:
        return text
    for chains, rate in ((chains, rate), (chains, ""), ("", "")):
        width = min(BAR_WIDTH, BAR_WIDTH - (len(line(BAR_WIDTH, chains, rate)) - columns))
        if width >= 10:
            return line(width, chains, rate)
    return line(max(width, 0), "", "")[:columns]


def render_html(progress: ChainProgress, warmup: int, draws: int, elapsed: float) -> str:
    """The notebook's bar: an HTML <progress> element and the same words as the terminal's."""
    chain_phases = phases(progress, warmup, draws)
    total = max(len(chain_phases) * (warmup + draws), 1)
    done = int(min(progress.iterations.sum(), total))
    after, during = divergence_counts(progress)
    words = (f"{overall_phase(chain_phases)}: {done}/{total} iterations | chains "
             f"{chains_text(chain_phases, progress, warmup, draws)} | {done / max(elapsed, 1e-9):,.0f} it/s | "
             f"{after} divergent ({during} in warmup)")
    return (f'<div class="ppl-progress"><progress value="{done}" max="{total}" style="width: 30em"></progress> '
            f"<span>{html.escape(words)}</span></div>")


def in_notebook() -> bool:
    """Whether this process is a Jupyter kernel: IPython already imported (never imported here
    for the question) and its shell attached to a kernel."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    try:
        shell = ipython.get_ipython()
    except Exception:   # noqa: BLE001 - an IPython without get_ipython: no notebook
        return False
    return shell is not None and getattr(shell, "kernel", None) is not None


class ProgressBar:
    """Draws ChainProgress on a terminal stream (in place, with carriage returns) or, in a
    notebook, as an HTML display updated in place; silent otherwise."""

    def __init__(self, chains: int, warmup: int, draws: int, enabled: bool, stream=None, notebook=None):
        self.stream = stream or sys.stderr
        self.warmup, self.draws = int(warmup), int(draws)
        self.notebook = in_notebook() if notebook is None else notebook
        terminal = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.enabled = bool(enabled) and (self.notebook or terminal)
        self.started = time.perf_counter()
        self.width = 0
        self._display = None

    def update(self, progress: ChainProgress) -> None:
        if not self.enabled:
            return
        elapsed = time.perf_counter() - self.started
        if self.notebook:
            self._show_html(render_html(progress, self.warmup, self.draws, elapsed))
            return
        columns = shutil.get_terminal_size().columns - 1   # the cursor's column: a full line would wrap
        text = render_text(progress, self.warmup, self.draws, elapsed, columns)
        self.width = max(self.width, len(text))
        self.stream.write("\r" + text.ljust(self.width))
        self.stream.flush()

    def _show_html(self, markup: str) -> None:
        from IPython.display import HTML, display

        if self._display is None:
            self._display = display(HTML(markup), display_id=True)
        else:
            self._display.update(HTML(markup))

    def close(self) -> None:
        """A terminal's line is cleared (the summary follows); a notebook keeps its last bar."""
        if self.enabled and not self.notebook:
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
