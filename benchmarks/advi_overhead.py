"""What ADVI's native loop saves over NumPy around the compiled gradient, and its first call.

    python benchmarks/advi_overhead.py [--iterations 20000]

On an iid normal with one unknown mean (a gradient of a few nanoseconds, so the loop's own
cost shows): the time per iteration of `variational` (one gradient draw per step, no ELBO
estimates in between), of the same meanfield update written in NumPy calling the model's
compiled gradient from Python, and of that gradient call alone from Python; then the first
and a second `variational` call with Stan's defaults in this process (the first loads the
ADVI library from Numba's cache, or compiles it on a cold cache).  Run it in a new process
for the first-call figure.  docs/inference.md ("ADVI") quotes the figures.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

MODEL = """
data N: int<lower=1>
data y: real[N]
data sigma: real<lower=0>
param mu: real
mu ~ Normal(0, 10)
y ~ Normal(mu, sigma)
"""


def numpy_meanfield(posterior, iterations: int, eta: float = 0.1) -> float:
    """Seconds per iteration of Stan's meanfield update in NumPy, one gradient draw per step."""
    gradient_function = posterior._module.log_density_gradient
    real_data, int_data = posterior.real_data, posterior.int_data
    generator = np.random.default_rng(0)
    dim = posterior.dim
    mean, log_sd = np.zeros(dim), np.zeros(dim)
    mean_history, scale_history, gradient = np.zeros(dim), np.zeros(dim), np.zeros(dim)
    started = time.perf_counter()
    for iteration in range(1, iterations + 1):
        z = generator.standard_normal(dim)
        gradient_function(mean + np.exp(log_sd) * z, gradient, real_data, int_data)
        scale_gradient = gradient * z * np.exp(log_sd) + 1.0
        weight = 1.0 if iteration == 1 else 0.1
        mean_history = (1 - weight) * mean_history + weight * gradient ** 2
        scale_history = (1 - weight) * scale_history + weight * scale_gradient ** 2
        step = eta / np.sqrt(iteration)
        mean += step * gradient / (1 + np.sqrt(mean_history))
        log_sd += step * scale_gradient / (1 + np.sqrt(scale_history))
    return (time.perf_counter() - started) / iterations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=20000)
    args = parser.parse_args()
    import ppl

    y = np.random.default_rng(1).normal(3.0, 2.0, 20)
    posterior = ppl.model(MODEL).condition({"N": len(y), "y": y, "sigma": 2.0})

    started = time.perf_counter()
    posterior.variational(seed=1)
    first = time.perf_counter() - started
    started = time.perf_counter()
    fit = posterior.variational(seed=1)
    second = time.perf_counter() - started
    print(f"variational with Stan's defaults: first call {first:.3f} s, second {second:.4f} s "
          f"({fit.settings['iterations']} iterations)")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        started = time.perf_counter()
        posterior.variational(seed=0, eta=0.1, iter=args.iterations, tol_rel_obj=1e-12, eval_elbo=args.iterations,
                              elbo_samples=1, draws=1)
        native = (time.perf_counter() - started) / args.iterations
    in_numpy = numpy_meanfield(posterior, args.iterations)
    gradient_function, gradient = posterior._module.log_density_gradient, np.zeros(posterior.dim)
    u = np.zeros(posterior.dim)
    started = time.perf_counter()
    for _ in range(args.iterations):
        gradient_function(u, gradient, posterior.real_data, posterior.int_data)
    call = (time.perf_counter() - started) / args.iterations
    print(f"per iteration: native {native * 1e6:.2f} us, NumPy loop {in_numpy * 1e6:.2f} us "
          f"(the gradient call from Python alone {call * 1e6:.2f} us)")


if __name__ == "__main__":
    main()
