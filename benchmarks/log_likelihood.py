"""What the pointwise log-likelihood and the prior predictive cost (docs/compiler.md, "The
pointwise log-likelihood"; ppl/prior.py): one native call over many draws, and the
emitter's extra work per cold compile.

    python benchmarks/log_likelihood.py
"""

import time
import warnings
from pathlib import Path

import numpy as np

import ppl

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def main() -> None:
    warnings.simplefilter("ignore")
    for name, draws in (("linreg", 4000), ("correlated_mvn", 4000), ("correlated_regression", 1000)):
        posterior = ppl.compile(EXAMPLES / f"{name}.ppl").condition(EXAMPLES / f"{name}.data.json")
        unconstrained = np.random.default_rng(0).normal(scale=0.3, size=(draws, posterior.dim))
        posterior.log_likelihood(unconstrained[:2])   # compiles it
        started = time.perf_counter()
        terms = posterior.log_likelihood(unconstrained)
        seconds = time.perf_counter() - started
        count = sum(values[0].size for values in terms.values())
        print(f"{name}: log_likelihood of {draws} draws x {count} terms: {seconds:.3f} s "
              f"({1e6 * seconds / draws:.1f} us per draw)")
    model = ppl.compile(EXAMPLES / "eight_schools_centered.ppl")
    data = EXAMPLES / "eight_schools_centered.data.json"
    model.sample_prior_predictive(data, draws=10, seed=1)   # compiles the library's samplers
    started = time.perf_counter()
    model.sample_prior_predictive(data, draws=1000, seed=1)
    print(f"eight_schools_centered: sample_prior_predictive of 1000 draws: {time.perf_counter() - started:.2f} s")

    from codegen.dataflow import analyse
    from codegen.emit_model import emit_module

    for name in ("linreg", "correlated_mvn", "normal_mixture", "radon_hierarchical"):
        program = ppl.compile(EXAMPLES / f"{name}.ppl").ir
        times = []
        for _ in range(3):
            started = time.perf_counter()
            emit_module(program, analyse(program))
            times.append(time.perf_counter() - started)
        print(f"{name}: emit_module (every generated function, log_likelihood included): {min(times):.3f} s")


if __name__ == "__main__":
    main()
