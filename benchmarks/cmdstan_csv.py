"""Seconds to write and read CmdStan CSV files: `fit.to_cmdstan_csv` and
`ppl.read_cmdstan_csv` beside `arviz.from_cmdstan` and `cmdstanpy.from_csv(...).draws()`
reading the same files (each when installed), for a Fit of 4 chains x 1000 draws of a
10 x 10 param (107 columns with the sampler's seven).

    python benchmarks/cmdstan_csv.py [--chains 4] [--draws 1000] [--size 10] [--repeats 3]

Each figure is the best of ``--repeats``.  Writing is bound by printing each float in the
shortest form that reads back exactly (Python's repr)."""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings

import numpy as np


def synthetic_fit(chains: int, draws: int, size: int):
    from ppl.results.fit import Fit

    rng = np.random.default_rng(0)
    stats = {"accept_stat": rng.uniform(size=(chains, draws)), "step_size": np.full((chains, draws), 0.3),
             "tree_depth": np.full((chains, draws), 3), "n_leapfrog": np.full((chains, draws), 7),
             "diverging": np.zeros((chains, draws), dtype=bool), "energy": rng.normal(size=(chains, draws)),
             "lp": rng.normal(size=(chains, draws))}
    return Fit({"theta": rng.normal(size=(chains, draws, size, size))}, stats, kinds={"theta": "param"},
               step_size=np.full(chains, 0.3), inverse_metric=np.ones((chains, size * size)), seed=1, method="nuts",
               settings={"chains": chains, "warmup": 1000, "draws": draws, "thin": 1, "metric": "diag"})


def best(function, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--size", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    import ppl

    fit = synthetic_fit(args.chains, args.draws, args.size)
    folder = tempfile.mkdtemp()
    paths = [str(p) for p in fit.to_cmdstan_csv(folder)]
    assert np.array_equal(ppl.read_cmdstan_csv(paths)["theta"], fit["theta"])
    figures = {"fit.to_cmdstan_csv": best(lambda: fit.to_cmdstan_csv(folder), args.repeats),
               "ppl.read_cmdstan_csv": best(lambda: ppl.read_cmdstan_csv(paths), args.repeats)}
    try:
        import arviz
        figures["arviz.from_cmdstan"] = best(lambda: arviz.from_cmdstan(paths), args.repeats)
    except ImportError:
        pass
    try:
        import cmdstanpy
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            figures["cmdstanpy.from_csv(...).draws()"] = best(lambda: cmdstanpy.from_csv(paths).draws(),
                                                              args.repeats)
    except ImportError:
        pass
    columns = 7 + args.size * args.size
    print(f"{args.chains} chains x {args.draws} draws x {columns} columns (best of {args.repeats}):")
    for name, seconds in figures.items():
        print(f"  {name:34s} {seconds:6.2f} s")


if __name__ == "__main__":
    main()
