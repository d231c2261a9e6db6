"""optimize, laplace, pathfinder and variational (ADVI meanfield) on the gallery: first-call and warm times, gradients, the
cost of calling the compiled gradient from Python, and accuracy against a NUTS run.

For each model with data:

* first call (a fresh process, the model already in ppl's and Numba's caches): the time of
  `condition`, then of the first `optimize`, `laplace`, `pathfinder` and `variational` calls in
  that order,
  each with its default settings and seed 1 (the first call pays for loading the model's
  other compiled functions from Numba's cache: log_density, log_density_terms, saved_draws);
* warm: the median of three more calls of each;
* per gradient: one call of the compiled `log_density_gradient` from Python (the dispatcher),
  through `ppl.inference.density.LogDensity` (what the optimisers call), and from a Numba loop
  (what a library compiled in native code would pay), each the mean of 20,000 calls;
* accuracy: NUTS (4 chains x 1000 draws, seed 1) as the reference; for laplace, pathfinder and
  variational the largest |mean - NUTS mean| / NUTS sd over the param elements, and the range of their
  sd / NUTS sd.

    python benchmarks/inference.py [--models linreg,garch11] [--output benchmarks/results/inference.md]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EXAMPLES = ROOT / "examples"
METHODS = ("optimize", "laplace", "pathfinder", "variational")
APPROXIMATIONS = ("laplace", "pathfinder", "variational")   # the methods that answer with draws


def first_calls(name: str) -> dict:
    """Run in a fresh process: condition, then each method once, timed."""
    import ppl

    warnings.simplefilter("ignore")
    model = ppl.compile(EXAMPLES / f"{name}.ppl")
    started = time.perf_counter()
    posterior = model.condition(EXAMPLES / f"{name}.data.json")
    times = {"condition": time.perf_counter() - started}
    for method in METHODS:
        started = time.perf_counter()
        try:
            getattr(posterior, method)(seed=1)
        except ppl.ModelError:       # reported by the parent, which meets it too
            pass
        times[method] = time.perf_counter() - started
    return times


def per_gradient(posterior) -> dict:
    import numba

    from ppl.inference.density import LogDensity

    gradient_function = posterior._module.log_density_gradient
    u, gradient = np.zeros(posterior.dim), np.zeros(posterior.dim)
    data = (posterior.real_data, posterior.int_data)
    calls = 20000

    @numba.njit
    def native_loop(function, u, gradient, real_data, int_data, count):
        total = 0.0
        for _ in range(count):
            total += function(u, gradient, real_data, int_data)
        return total

    native_loop(gradient_function, u, gradient, *data, 1)
    started = time.perf_counter()
    native_loop(gradient_function, u, gradient, *data, calls)
    native = (time.perf_counter() - started) / calls
    started = time.perf_counter()
    for _ in range(calls):
        gradient_function(u, gradient, *data)
    dispatcher = (time.perf_counter() - started) / calls
    density = LogDensity(posterior, jacobian=True)
    started = time.perf_counter()
    for _ in range(calls):
        density.value_and_gradient(u)
    wrapped = (time.perf_counter() - started) / calls
    return {"native_us": native * 1e6, "dispatcher_us": dispatcher * 1e6, "log_density_us": wrapped * 1e6}


def accuracy(reference, fit) -> tuple[float, float, float]:
    errors, ratios = [], []
    for name in reference.names("param"):
        draws = reference[name].reshape(-1, *reference[name].shape[2:])
        mean, sd = draws.mean(axis=0), draws.std(axis=0)
        approximation = fit[name].reshape(-1, *fit[name].shape[2:])
        keep = sd > 0
        errors.append(np.max(np.abs(approximation.mean(axis=0) - mean)[keep] / sd[keep], initial=0.0))
        ratios.extend(np.ravel(approximation.std(axis=0)[keep] / sd[keep]))
    return float(max(errors)), float(min(ratios)), float(max(ratios))


def measure(name: str) -> dict:
    import ppl

    warnings.simplefilter("ignore")
    model = ppl.compile(EXAMPLES / f"{name}.ppl")
    posterior = model.condition(EXAMPLES / f"{name}.data.json")
    row = {"model": name, "dim": posterior.dim, "errors": {}}
    for method in METHODS:                   # warms every cache the fresh process will load
        try:
            getattr(posterior, method)(seed=1)
        except ppl.ModelError as error:      # a located reason why this method cannot answer
            row["errors"][method] = error.message
    worker = subprocess.run([sys.executable, __file__, "--first-calls", name], capture_output=True, text=True,
                            check=True)
    row["first"] = json.loads(worker.stdout.strip().splitlines()[-1])
    row["warm"], results = {}, {}
    for method in METHODS:
        if method in row["errors"]:
            continue
        times = []
        for _ in range(3):
            started = time.perf_counter()
            results[method] = getattr(posterior, method)(seed=1)
            times.append(time.perf_counter() - started)
        row["warm"][method] = statistics.median(times)
    if "optimize" in results:
        row["optimize_gradients"] = results["optimize"].gradient_evaluations
        row["optimize_status"] = results["optimize"].status
    if "pathfinder" in results:
        row["pathfinder_gradients"] = int(results["pathfinder"].timing["gradient_evaluations"][0])
        row["pareto_k"] = results["pathfinder"].settings["pareto_k"]
    row.update(per_gradient(posterior))
    reference = posterior.sample(seed=1, progress=False)
    for method in APPROXIMATIONS:
        if method in results:
            row[method + "_accuracy"] = accuracy(reference, results[method])
    return row


def table(rows: list[dict]) -> str:
    lines = ["| model | dim | condition s | optimize first / warm s | laplace first / warm s | "
             "pathfinder first / warm s | variational first / warm s | optimize gradients | pathfinder gradients | "
             "k-hat | gradient µs native / dispatcher / LogDensity | laplace max mean err (sd), sd ratio | "
             "pathfinder max mean err (sd), sd ratio | variational max mean err (sd), sd ratio |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        first, warm = row["first"], row["warm"]
        cells = [row["model"], str(row["dim"]), f"{first['condition']:.3f}"]
        cells += [f"{first[m]:.3f} / {warm[m]:.3f}" if m in warm else "error" for m in METHODS]
        status = "" if row.get("optimize_status", "converged") == "converged" else f" ({row['optimize_status']})"
        cells += [f"{row['optimize_gradients']}{status}" if "optimize_gradients" in row else "error",
                  str(row.get("pathfinder_gradients", "error")),
                  f"{row['pareto_k']:.2f}" if "pareto_k" in row else "error",
                  f"{row['native_us']:.2f} / {row['dispatcher_us']:.2f} / {row['log_density_us']:.2f}"]
        for method in APPROXIMATIONS:
            if method + "_accuracy" in row:
                error, low, high = row[method + "_accuracy"]
                cells.append(f"{error:.2f}, {low:.2f}–{high:.2f}")
            else:
                cells.append("error")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=None, help="comma-separated gallery models (default: all with data)")
    parser.add_argument("--output", default=None, help="also write the table to this Markdown file")
    parser.add_argument("--first-calls", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.first_calls:
        print(json.dumps(first_calls(args.first_calls)))
        return
    names = args.models.split(",") if args.models else sorted(
        path.stem for path in EXAMPLES.glob("*.ppl") if (EXAMPLES / f"{path.stem}.data.json").exists())
    rows = []
    for name in names:
        try:
            rows.append(measure(name))
        except Exception as error:   # a model a method cannot handle: say so and go on
            print(f"{name}: {type(error).__name__}: {str(error).splitlines()[0]}", file=sys.stderr)
        else:
            print(table(rows[-1:]).splitlines()[-1], flush=True)
    text = table(rows) + "".join(f"\n- {row['model']}, {method}: {message}" for row in rows
                                 for method, message in row["errors"].items())
    print("\n" + text)
    if args.output:
        Path(args.output).write_text(text)


if __name__ == "__main__":
    main()
