"""What the generated code's index checks cost (issue #9, item 3: under 3% of gradient speed).

    python benchmarks/index_checks.py [--repeats 7] [--budget 0.05] [--models ar_k garch11]

For every gallery model, the generated module as ppl writes it and the same module with every
index, slice and size check taken out (each `if ...: raise IndexError("ppl: ...", ...)`, found in
the module's syntax tree, and the loops that only fed such checks), both written back by
`ast.unparse` so that they differ by the checks alone, compiled side by side in one process with
Numba's own bounds checking off; each gradient is timed over the same data and point, interleaved,
best of `repeats`.  Prints how many checks the gradient and the whole module lost, the time per
call of each and the ratio (checked / unchecked)."""

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
            checked_times, unchecked_times = [], []
            for _ in range(args.repeats):
                checked_times.append(seconds_per_call(checked.log_density_gradient, u, real_data, int_data,
                                                        args.budget))
                unchecked_times.append(seconds_per_call(unchecked.log_density_gradient, u, real_data, int_data,
                                                          args.budget))
            rows.append((path.stem, removed.get("log_density_gradient", 0), sum(removed.values()),
                         min(checked_times), min(unchecked_times)))
    print(f"numba {numba.__version__}, NUMBA_BOUNDSCHECK={numba.config.BOUNDSCHECK}, "
          f"repeats {args.repeats}, budget {args.budget} s")
    print(f"{'model':28s} {'gradient checks':>15s} {'module checks':>13s} {'checked us':>11s} "
          f"{'unchecked us':>13s} {'ratio':>7s}")
    for name, in_gradient, in_module, checked, unchecked in rows:
        print(f"{name:28s} {in_gradient:15d} {in_module:13d} {checked * 1e6:11.2f} {unchecked * 1e6:13.2f} "
              f"{checked / unchecked:7.3f}")
    ratios = [checked / unchecked for _, _, _, checked, unchecked in rows]
    if ratios:
        print(f"\nall models: geometric mean ratio {np.exp(np.mean(np.log(ratios))):.3f}, "
              f"max {max(ratios):.3f} (target: under 1.03)")


if __name__ == "__main__":
    main()
