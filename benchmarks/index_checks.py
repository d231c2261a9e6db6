"""What the generated code's index checks cost (issue #9, item 3: under 3% of gradient speed).

    python benchmarks/index_checks.py [--repeats 200] [--budget 0.005] [--models ar_k garch11]

For every gallery model, the generated module as ppl writes it and the same module with every
index, slice and size check taken out (each `if ...: raise IndexError("ppl: ...", ...)`, found in
the module's syntax tree, and the loops that only fed such checks), both written back by
`ast.unparse` so that they differ by the checks alone, compiled side by side in one process with
Numba's own bounds checking off; each gradient is timed over the same data and point, in
`repeats` pairs of back-to-back timings.  Prints how many checks the gradient and the whole module
lost, the best time per call of each, and the median and quartiles of the pairs' ratios
(checked / unchecked)."""

from __future__ import annotations

import argparse
import ast
import importlib.util
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ["NUMBA_BOUNDSCHECK"] = "0"   # Numba's own bounds checks off in both modules, whatever the shell says

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numba  # noqa: E402

import ppl  # noqa: E402
from codegen.build import model_folder  # noqa: E402


def _is_check(node) -> bool:
    """`if COND: raise IndexError("ppl: ...", ...)`: one of the generated code's index, slice and
    size checks (ppl.errors lists their tags)."""
    if not (isinstance(node, ast.If) and not node.orelse and len(node.body) == 1
            and isinstance(node.body[0], ast.Raise)):
        return False
    raised = node.body[0].exc
    return (isinstance(raised, ast.Call) and isinstance(raised.func, ast.Name) and raised.func.id == "IndexError"
            and bool(raised.args) and isinstance(raised.args[0], ast.Constant)
            and str(raised.args[0].value).startswith("ppl: "))


class _WithoutChecks(ast.NodeTransformer):
    """Removes every check, and the loops that only fed checks (`for _index in g.flat:`, the
    position loops of transformed data's checks)."""

    def __init__(self):
        self.removed: dict[str, int] = {}
        self.function = ""

    def visit_FunctionDef(self, node):
        self.function = node.name
        return self._strip(node)

    def visit_If(self, node):
        if _is_check(node):
            self.removed[self.function] = self.removed.get(self.function, 0) + 1
            return None
        return self._strip(node)

    def visit_For(self, node):
        node = self._strip(node)
        feeds_checks_only = all(isinstance(s, ast.Assign) and all(isinstance(t, ast.Name) and t.id == "_index"
                                                                  for t in s.targets)
                                for s in node.body if not isinstance(s, ast.Pass))
        return None if feeds_checks_only else node

    def _strip(self, node):
        self.generic_visit(node)
        for field in ("body", "orelse"):
            if field == "body" and not getattr(node, field):
                node.body = [ast.Pass()]
        return node


def without_checks(source: str) -> tuple[str, str, dict]:
    """The module's text as the checked baseline and with its checks removed (both written back
    by `ast.unparse`, so that they differ only by the checks), and how many checks each function
    lost."""
    tree = ast.parse(source)
    checked = ast.unparse(tree)
    stripper = _WithoutChecks()
    stripped = ast.unparse(ast.fix_missing_locations(stripper.visit(tree)))
    if "IndexError" in stripped:
        raise RuntimeError("a check was left in the unchecked module: update _is_check")
    return checked, stripped, stripper.removed


def load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def seconds_per_call(function, u, real_data, int_data, budget=0.05) -> float:
    """CPU seconds of this thread per call (`time.thread_time`): the time the scheduler gives to
    the other processes of a shared machine is not counted, as wall-clock time would count it."""
    gradient = np.zeros_like(u)
    calls, started = 0, time.thread_time()
    while time.thread_time() - started < budget:
        for _ in range(20):
            function(u, gradient, real_data, int_data)
        calls += 20
    return (time.thread_time() - started) / calls


def paired_timings(checked, unchecked, arguments, pairs: int, budget: float):
    """Each gradient timed `pairs` times, the two timings of a pair back to back (in a random
    order): on a shared machine the load changes between pairs far more than within one, so the
    ratio within a pair is steadier than a ratio of two separate bests.  Returns the best time
    per call of each and the ratio (checked / unchecked) of every pair."""
    order = np.random.default_rng(1)
    best_checked, best_unchecked, ratios = np.inf, np.inf, []
    for _ in range(pairs):
        if order.random() < 0.5:
            first = seconds_per_call(checked, *arguments, budget)
            second = seconds_per_call(unchecked, *arguments, budget)
        else:
            second = seconds_per_call(unchecked, *arguments, budget)
            first = seconds_per_call(checked, *arguments, budget)
        best_checked, best_unchecked = min(best_checked, first), min(best_unchecked, second)
        ratios.append(first / second)
    return best_checked, best_unchecked, np.array(ratios)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200, help="pairs of timings per model")
    parser.add_argument("--budget", type=float, default=0.005, help="seconds per timing")
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
            checked_text, unchecked_text, removed = without_checks(generated)
            modules = []
            for kind, text in (("checked", checked_text), ("unchecked", unchecked_text)):
                target = Path(folder) / f"{kind}_{path.stem}.py"
                target.write_text(text)
                modules.append(load(target, f"{kind}_{path.stem}"))
            checked, unchecked = modules
            u = np.random.default_rng(0).uniform(-0.5, 0.5, posterior.dim)
            real_data, int_data = posterior.real_data, posterior.int_data
            for module in modules:   # compile and warm both
                module.log_density_gradient(u, np.zeros_like(u), real_data, int_data)
            rows.append((path.stem, removed.get("log_density_gradient", 0), sum(removed.values()),
                         *paired_timings(checked.log_density_gradient, unchecked.log_density_gradient,
                                         (u, real_data, int_data), args.repeats, args.budget)))
    print(f"numba {numba.__version__}, NUMBA_BOUNDSCHECK={numba.config.BOUNDSCHECK}, "
          f"{args.repeats} pairs of {args.budget} s timings per model")
    print(f"{'model':28s} {'gradient':>8s} {'module':>6s} {'checked us':>10s} {'unchecked us':>12s} "
          f"{'ratio':>6s} {'ratio q25-q75':>14s}")
    print(f"{'':28s} {'checks':>8s} {'checks':>6s}")
    for name, in_gradient, in_module, checked, unchecked, ratios in rows:
        q25, q50, q75 = np.quantile(ratios, [0.25, 0.5, 0.75])
        print(f"{name:28s} {in_gradient:8d} {in_module:6d} {checked * 1e6:10.2f} {unchecked * 1e6:12.2f} "
              f"{q50:6.3f} {q25:6.3f}-{q75:.3f}")
    medians = [np.median(ratios) for *_, ratios in rows]
    if medians:
        print(f"\nall models: geometric mean of the median ratios {np.exp(np.mean(np.log(medians))):.3f}, "
              f"max {max(medians):.3f} (target: under 1.03)")


if __name__ == "__main__":
    main()
