"""Seconds per call of each convergence diagnostic on 4 chains x 1000 draws of 10,000
scalar quantities (AR(1) chains with coefficient 0.5), and their total.

The target (issue 5) is the total of the ArviZ-convention diagnostics, ``rhat`` to
``bfmi``, under 2 s; TFP's two functions and ``summary_columns`` (what
``fit.summary()`` calls: four of the diagnostics from one pass) are timed beside it.
The compiled kernels are warmed up (and compiled, on first use) before timing.

    python benchmarks/diagnostics.py [--chains 4] [--draws 1000] [--quantities 10000] [--repeats 3]

Each figure is the best of ``--repeats`` calls.  With ``--check-arviz`` the first
20 quantities are also compared with ArviZ (if installed), which is not timed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ppl import diagnostics  # noqa: E402


def autoregressive_draws(chains, draws, quantities, coefficient, seed=0):
    """[chains, draws, quantities] stationary AR(1) chains with unit marginal variance."""
    rng = np.random.default_rng(seed)
    innovations = rng.standard_normal((chains, draws, quantities)) * np.sqrt(1 - coefficient ** 2)
    values = np.empty_like(innovations)
    values[:, 0] = rng.standard_normal((chains, quantities))
    for draw in range(1, draws):
        values[:, draw] = coefficient * values[:, draw - 1] + innovations[:, draw]
    return values


def diagnostics_to_time(draws):
    energy = draws[:, :, 0]
    return {
        "rhat": lambda: diagnostics.rhat(draws),
        "rhat(split)": lambda: diagnostics.rhat(draws, method="split"),
        "ess_bulk": lambda: diagnostics.ess_bulk(draws),
        "ess_tail": lambda: diagnostics.ess_tail(draws),
        "ess_mean": lambda: diagnostics.ess_mean(draws),
        "ess_quantile(0.3)": lambda: diagnostics.ess_quantile(draws, 0.3),
        "mcse_mean": lambda: diagnostics.mcse_mean(draws),
        "mcse_sd": lambda: diagnostics.mcse_sd(draws),
        "mcse_quantile(0.3)": lambda: diagnostics.mcse_quantile(draws, 0.3),
        "bfmi": lambda: diagnostics.bfmi(energy),
    }


def others_to_time(draws):
    return {
        "summary_columns": lambda: diagnostics.summary_columns(draws),
        "potential_scale_reduction": lambda: diagnostics.potential_scale_reduction(np.moveaxis(draws, 0, 1)),
        "effective_sample_size": lambda: diagnostics.effective_sample_size(
            np.moveaxis(draws, 0, 1), cross_chain_dims=1, filter_beyond_positive_pairs=True),
    }


def best_time(function, repeats):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def check_against_arviz(draws):
    try:
        import arviz
    except ImportError:
        print("arviz not installed; skipping the comparison")
        return
    arviz.Numba.disable_numba()  # ArviZ 0.23's numba path of mcse(method="sd") fails on NumPy 2
    pairs = {
        "rhat": (diagnostics.rhat, lambda x: arviz.rhat(x, method="rank")),
        "ess_bulk": (diagnostics.ess_bulk, lambda x: arviz.ess(x, method="bulk")),
        "ess_tail": (diagnostics.ess_tail, lambda x: arviz.ess(x, method="tail")),
        "mcse_sd": (diagnostics.mcse_sd, lambda x: arviz.mcse(x, method="sd")),
        "mcse_quantile(0.3)": (lambda x: diagnostics.mcse_quantile(x, 0.3),
                               lambda x: arviz.mcse(x, method="quantile", prob=0.3)),
    }
    sample = draws[:, :, :20]
    for name, (ours, theirs) in pairs.items():
        expected = np.array([float(theirs(sample[:, :, i])) for i in range(sample.shape[2])])
        error = np.max(np.abs(ours(sample) - expected) / np.abs(expected))
        print(f"  {name:28s} max relative difference from ArviZ {error:.1e}")
    subset = np.ascontiguousarray(draws[:, :, :1000])   # ArviZ takes quantities one by one: a subset
    print(f"  seconds on {subset.shape[2]} of the quantities, ArviZ {arviz.__version__} (NumPy path) vs ppl:")
    dataset = arviz.convert_to_dataset(subset)
    on_dataset = {"rhat": lambda: arviz.rhat(dataset, method="rank"),
                  "ess_bulk": lambda: arviz.ess(dataset, method="bulk"),
                  "ess_tail": lambda: arviz.ess(dataset, method="tail"),
                  "mcse_sd": lambda: arviz.mcse(dataset, method="sd"),
                  "mcse_quantile(0.3)": lambda: arviz.mcse(dataset, method="quantile", prob=0.3)}
    for name, (ours, _) in pairs.items():
        theirs_seconds = best_time(on_dataset[name], 1)
        ours_seconds = best_time(lambda: ours(subset), 3)
        print(f"  {name:28s} {theirs_seconds:7.3f} s vs {ours_seconds:7.3f} s ({theirs_seconds / ours_seconds:5.0f}x)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--quantities", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--check-arviz", action="store_true")
    arguments = parser.parse_args()

    draws = autoregressive_draws(arguments.chains, arguments.draws, arguments.quantities, coefficient=0.5)
    start = time.perf_counter()
    diagnostics.rhat(draws[:, :, :8])
    print(f"first call (loads or compiles the kernels): {time.perf_counter() - start:.2f} s")
    print(f"{arguments.chains} chains x {arguments.draws} draws x {arguments.quantities} quantities, "
          f"{os.cpu_count()} cores")
    total = 0.0
    for name, function in diagnostics_to_time(draws).items():
        seconds = best_time(function, arguments.repeats)
        total += seconds
        print(f"  {name:28s} {seconds:7.3f} s")
    print(f"  {'total (target < 2 s)':28s} {total:7.3f} s")
    for name, function in others_to_time(draws).items():
        print(f"  {name:28s} {best_time(function, arguments.repeats):7.3f} s")
    if arguments.check_arviz:
        check_against_arviz(draws)


if __name__ == "__main__":
    main()
