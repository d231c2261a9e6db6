"""Time per log_density_gradient call: ppl's generated code beside a hand-written
Numba gradient of the same model, measured in the same run.

    python benchmarks/gradient.py [--repeats 7]

Models: the tour regression (examples/linreg.ppl) with N = 50 and N = 100000,
and the logistic regression (examples/logistic_regression.ppl) with N = 5000,
D = 25.  Each hand-written gradient is checked against the generated one
before timing.  Prints a table and the ratio generated / hand-written
(target: <= 1.3).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import numba
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import ppl  # noqa: E402

LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


@numba.njit(cache=True)
def linreg_gradient(u, grad, x, y):
    """w ~ Normal(0, 1); sigma ~ LogNormal(1, 5); y ~ Normal(w0 + w1 x0 + w2 x1, sigma); sigma = exp(u3)."""
    w0, w1, w2, log_sigma = u[0], u[1], u[2], u[3]
    sigma = math.exp(log_sigma)
    lp = -0.5 * (w0 * w0 + w1 * w1 + w2 * w2) - 3 * LOG_SQRT_2PI
    z_prior = (log_sigma - 1.0) / 5.0
    lp += -0.5 * z_prior * z_prior - math.log(5.0) - LOG_SQRT_2PI - log_sigma + log_sigma   # LogNormal + Jacobian
    g0, g1, g2 = -w0, -w1, -w2
    g_log_sigma = -z_prior / 5.0 - 1.0 + 1.0
    inverse_sigma = 1.0 / sigma
    sum_squares = 0.0
    for i in range(y.shape[0]):
        residual = (y[i] - (w0 + w1 * x[0, i] + w2 * x[1, i])) * inverse_sigma
        sum_squares += residual * residual
        d_mu = residual * inverse_sigma
        g0 += d_mu
        g1 += d_mu * x[0, i]
        g2 += d_mu * x[1, i]
    n = y.shape[0]
    lp += -0.5 * sum_squares - n * (log_sigma + LOG_SQRT_2PI)
    g_log_sigma += sum_squares - n
    grad[0], grad[1], grad[2], grad[3] = g0, g1, g2, g_log_sigma
    return lp


@numba.njit(cache=True)
def logistic_gradient(u, grad, X, y):
    """alpha ~ Normal(0, 2.5); beta ~ Normal(0, 2.5); y ~ Bernoulli(logits=alpha + X @ beta)."""
    alpha = u[0]
    beta = u[1:]
    k = beta.shape[0]
    lp = -0.5 * (alpha / 2.5) ** 2 - (k + 1) * (math.log(2.5) + LOG_SQRT_2PI)
    grad[0] = -alpha / 6.25
    for j in range(k):
        lp -= 0.5 * (beta[j] / 2.5) ** 2
        grad[1 + j] = -beta[j] / 6.25
    for i in range(y.shape[0]):
        eta = alpha
        for j in range(k):
            eta += X[i, j] * beta[j]
        # log p = y eta - softplus(eta)
        if eta > 0:
            softplus = eta + math.log1p(math.exp(-eta))
            probability = 1.0 / (1.0 + math.exp(-eta))
        else:
            softplus = math.log1p(math.exp(eta))
            probability = math.exp(eta) / (1.0 + math.exp(eta))
        lp += y[i] * eta - softplus
        d_eta = y[i] - probability
        grad[0] += d_eta
        for j in range(k):
            grad[1 + j] += d_eta * X[i, j]
    return lp


def seconds_per_call(function, *arguments, repeats: int) -> float:
    function(*arguments)
    calls = 1
    while True:   # enough calls for ~0.2 s per repeat
        start = time.perf_counter()
        for _ in range(calls):
            function(*arguments)
        elapsed = time.perf_counter() - start
        if elapsed > 0.2:
            break
        calls *= 4
    best = elapsed / calls
    for _ in range(repeats - 1):
        start = time.perf_counter()
        for _ in range(calls):
            function(*arguments)
        best = min(best, (time.perf_counter() - start) / calls)
    return best


def linreg_case(n: int, rng):
    x = rng.normal(size=(2, n))
    y = 0.5 + x[0] * 1.2 - x[1] * 0.4 + rng.normal(scale=0.8, size=n)
    post = ppl.compile(ROOT / "examples" / "linreg.ppl").condition({"N": n, "x": x, "y": y})
    return post, linreg_gradient, (x, y)


def logistic_case(n: int, k: int, rng):
    X = rng.normal(size=(n, k))
    beta = rng.normal(scale=0.5, size=k)
    y = (rng.random(n) < 1 / (1 + np.exp(-(0.3 + X @ beta)))).astype(np.int64)
    post = ppl.compile(ROOT / "examples" / "logistic_regression.ppl").condition({"N": n, "K": k, "X": X, "y": y})
    return post, logistic_gradient, (X, y)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    os.environ.setdefault("PPL_CACHE_DIR", os.path.join(tempfile.gettempdir(), "ppl-benchmark-cache"))
    rng = np.random.default_rng(0)
    cases = [("tour regression", 50, lambda: linreg_case(50, rng)),
             ("tour regression", 100_000, lambda: linreg_case(100_000, rng)),
             ("logistic regression (D=25)", 5000, lambda: logistic_case(5000, 25, rng))]
    print(f"{'model':28s} {'N':>7s} {'generated':>12s} {'hand-written':>13s} {'ratio':>7s}")
    worst = 0.0
    for name, n, build in cases:
        post, handwritten, data = build()
        u = rng.uniform(-0.5, 0.5, post.dim)
        generated_gradient = np.zeros(post.dim)
        handwritten_gradient = np.zeros(post.dim)
        value = post._module.log_density_gradient(u, generated_gradient, post.real_data, post.int_data)
        expected = handwritten(u, handwritten_gradient, *data)
        assert abs(value - expected) <= 1e-9 * max(1.0, abs(expected)), (value, expected)
        assert np.allclose(generated_gradient, handwritten_gradient, rtol=1e-9, atol=1e-9)
        generated = seconds_per_call(post._module.log_density_gradient, u, generated_gradient, post.real_data,
                                     post.int_data, repeats=args.repeats)
        reference = seconds_per_call(handwritten, u, handwritten_gradient, *data, repeats=args.repeats)
        ratio = generated / reference
        worst = max(worst, ratio)
        print(f"{name:28s} {n:7d} {generated * 1e6:10.2f}us {reference * 1e6:11.2f}us {ratio:7.2f}")
    print(f"\nworst ratio generated / hand-written: {worst:.2f} (target <= 1.3)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
