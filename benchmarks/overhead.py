"""Where the time of a warm `sample` call goes, besides the chains' own native time.

Issue 13, item 1: from the `sample` call to its return, at most the chains' native
time plus 5 ms on a small model.  Each model is compiled, conditioned and sampled
once (loading or compiling everything), then `posterior.sample(chains=4, warmup=1000,
draws=1000, seed=1, progress=False)` is timed `--repeats` times, with the phases
marked by wrapping the functions that begin and end them (nothing in ppl is
changed for the measurement):

* settings: `_check_settings`;
* set-up: the rest of what `sample` does before `_run_chains` (initial points,
  buffers, the progress bar);
* thread start: `_run_chains` called → the first chain's native call begins;
* chains: the first native call's start → the last one's end, the chains' wall
  time (with more chains than cores, chains run one after another on a thread);
* wake-up: the last native call's end → `_run_chains` returns (noticing the chains
  are done, joining the threads);
* assembly: `Fit.from_chains` (constrained draws, deterministics, generated
  quantities, statistics, the Fit);
* rest: whatever remains of the call.

Prints the median of each phase in ms and the overhead, total − chains.

    python benchmarks/overhead.py [--models linreg_known_noise,eight_schools_noncentered] [--repeats 15]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import ppl  # noqa: E402
from ppl.results import fit as fit_module  # noqa: E402
from ppl.sampling import fisher_chain, stan_chain  # noqa: E402
from ppl.sampling import run as run_module  # noqa: E402

PHASES = ("settings", "set-up", "thread start", "chains", "wake-up", "assembly", "rest")


class Marks:
    """Time stamps of the phase boundaries of one `sample` call, from wrapped functions."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.native = []            # (start, end) of every native chain call
        self.spans = {}             # name -> (start, end) of the wrapped Python functions

    def wrap_span(self, owner, name):
        original = getattr(owner, name)

        def wrapped(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.spans[name] = (started, time.perf_counter())
        setattr(owner, name, wrapped)

    def wrap_native(self):
        for entry in (fisher_chain, stan_chain):   # one per warmup adaptation: whichever `sample` uses
            self._wrap_entry(entry)

    def _wrap_entry(self, entry):
        original = entry.run_chain

        def wrapped(*args):
            started = time.perf_counter()
            status = original(*args)
            ended = time.perf_counter()
            with self.lock:
                self.native.append((started, ended))
            return status
        entry.run_chain = wrapped

    def phases(self, called, returned) -> dict:
        settings = self.spans["_check_settings"]
        run_chains = self.spans["_run_chains"]
        assembly = self.spans["from_chains"]
        first = min(start for start, _ in self.native)
        last = max(end for _, end in self.native)
        phases = {"settings": settings[1] - settings[0],
                  "set-up": run_chains[0] - called - (settings[1] - settings[0]),
                  "thread start": first - run_chains[0],
                  "chains": last - first,
                  "wake-up": run_chains[1] - last,
                  "assembly": assembly[1] - assembly[0]}
        phases["rest"] = returned - run_chains[1] - phases["assembly"]
        phases["total"] = returned - called
        return phases


def instrument() -> Marks:
    marks = Marks()
    marks.wrap_span(run_module, "_check_settings")
    marks.wrap_span(run_module, "_run_chains")
    marks.wrap_native()
    original = fit_module.Fit.from_chains.__func__

    def from_chains(cls, *args, **kwargs):
        started = time.perf_counter()
        try:
            return original(cls, *args, **kwargs)
        finally:
            marks.spans["from_chains"] = (started, time.perf_counter())
    fit_module.Fit.from_chains = classmethod(from_chains)
    return marks


def measure(name, marks, repeats, settings) -> dict:
    posterior = ppl.compile(ROOT / "examples" / f"{name}.ppl").condition(ROOT / "examples" / f"{name}.data.json")
    posterior.sample(**settings)           # loads the samplers; the timed calls are all "second calls"
    runs = []
    for _ in range(repeats):
        marks.reset()
        called = time.perf_counter()
        posterior.sample(**settings)
        runs.append(marks.phases(called, time.perf_counter()))
    return {phase: statistics.median(run[phase] for run in runs) for phase in (*PHASES, "total")} | \
        {"overhead": statistics.median(run["total"] - run["chains"] for run in runs)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default="linreg_known_noise,eight_schools_noncentered")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=1000)
    parser.add_argument("--draws", type=int, default=1000)
    arguments = parser.parse_args(argv)
    settings = dict(chains=arguments.chains, warmup=arguments.warmup, draws=arguments.draws, seed=1,
                    progress=False)
    marks = instrument()
    print(f"warm sample(chains={arguments.chains}, warmup={arguments.warmup}, draws={arguments.draws}, seed=1): "
          f"median of {arguments.repeats} calls, ms")
    header = ["model", *PHASES, "total", "overhead"]
    print(" | ".join(header))
    for name in arguments.models.split(","):
        figures = measure(name, marks, arguments.repeats, settings)
        print(" | ".join([name] + [f"{1e3 * figures[column]:.2f}" for column in header[1:]]), flush=True)


if __name__ == "__main__":
    main()
