"""What the generated code's index checks cost (issue #9, item 3: under 3% of gradient speed).

    python benchmarks/index_checks.py [--repeats 7] [--budget 0.05] [--models ar_k garch11]

For every gallery model, the generated module as ppl writes it and the same module with its
index, slice and size checks taken out (each `if not ...: raise IndexError(...)`, and the
`for _index in ...flat:` loop around a gather's), compiled side by side in one process; each
gradient is timed over the same data and point, interleaved, best of `repeats`.  Prints the
time per call of each and the ratio (checked / unchecked).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import ppl  # noqa: E402
from codegen.build import model_folder  # noqa: E402


def without_checks(source: str) -> tuple[str, int]:
    """The module's text with its index checks removed, and how many were removed."""
    lines = source.split("\n")
    drop = set()
    for k, line in enumerate(lines):
        if "raise IndexError(" in line:
            drop |= {k, k - 1}
            if lines[k - 2].lstrip().startswith("for _index in "):
                drop.add(k - 2)
    kept = [line for k, line in enumerate(lines) if k not in drop]
    return "\n".join(kept), sum("raise IndexError(" in line for line in lines)


def load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def seconds_per_call(function, u, real_data, int_data, budget=0.05) -> float:
    gradient = np.zeros_like(u)
    calls, started = 0, time.perf_counter()
    while time.perf_counter() - started < budget:
        for _ in range(20):
            function(u, gradient, real_data, int_data)
        calls += 20
    return (time.perf_counter() - started) / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--budget", type=float, default=0.05, help="seconds per timing")
    parser.add_argument("--models", nargs="*", help="gallery model names (default: all)")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for path in sorted((ROOT / "examples").glob("*.ppl")):
            if args.models and path.stem not in args.models:
                continue
            model = ppl.compile(path)
            posterior = model.condition(path.with_suffix(".data.json"))
            generated = (model_folder(model.source.text) / "model.py").read_text()
            stripped, checks = without_checks(generated)
            target = Path(folder) / f"unchecked_{path.stem}.py"
            target.write_text(stripped)
            unchecked = load(target, f"unchecked_{path.stem}")
            u = np.random.default_rng(0).uniform(-0.5, 0.5, posterior.dim)
            real_data, int_data = posterior.real_data, posterior.int_data
            for module in (posterior._module, unchecked):   # compile and warm both
                module.log_density_gradient(u, np.zeros_like(u), real_data, int_data)
            checked_times, unchecked_times = [], []
            for _ in range(args.repeats):
                checked_times.append(seconds_per_call(posterior._module.log_density_gradient, u, real_data, int_data,
                                                        args.budget))
                unchecked_times.append(seconds_per_call(unchecked.log_density_gradient, u, real_data, int_data,
                                                          args.budget))
            rows.append((path.stem, checks, min(checked_times), min(unchecked_times)))
    print(f"{'model':28s} {'checks':>6s} {'checked us':>11s} {'unchecked us':>13s} {'ratio':>7s}")
    for name, checks, checked, unchecked in rows:
        print(f"{name:28s} {checks:6d} {checked * 1e6:11.2f} {unchecked * 1e6:13.2f} {checked / unchecked:7.3f}")
    ratios = [checked / unchecked for _, checks, checked, unchecked in rows if checks]
    if ratios:
        print(f"\nmodels with checks: geometric mean ratio {np.exp(np.mean(np.log(ratios))):.3f}, "
              f"max {max(ratios):.3f} (target: under 1.03)")


if __name__ == "__main__":
    main()
