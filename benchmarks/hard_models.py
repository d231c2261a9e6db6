"""The data of the benchmark's hard models, from a fixed seed.

    python -m benchmarks.hard_models            # writes examples/<name>.data.json
    python -m benchmarks.hard_models --check    # exits 1 if a stored file differs

The three models are hard for a sampler with a diagonal metric, each in its own way:

- ``correlated_regression``: N=5000 rows, K=25 predictors whose Gram matrix XᵀX has condition
  number 1e5 (singular values of X spread log-evenly over a factor of 10^2.5, directions a
  random rotation, so no rescaling of single coordinates undoes it). The posterior of beta is
  nearly Gaussian with scales that differ by a factor of about 300 along oblique directions.
- ``tight_gaussian``: three coordinates, two of them with correlation -0.99999 (scales 1, 2,
  0.5): the narrow direction is about 450 times thinner than the long one.
- ``funnel``: Neal's funnel (Neal 2003, "Slice sampling", section 8): v ~ Normal(0, 3) and nine
  x ~ Normal(0, exp(v/2)); the needed step size changes by orders of magnitude with v. Its only
  data is the number of x's.

The regression's X and y are stored with 5 decimals (1.2 MB of JSON); after the rounding XᵀX's
condition number is 1.00001e5. ``--check`` compares numbers to 1e-5 (another LAPACK may round a
last decimal differently), not bytes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SEED = 20261206
REGRESSION_ROWS = 5000
REGRESSION_PREDICTORS = 25
REGRESSION_GRAM_CONDITION = 1e5
TIGHT_CORRELATION = -0.99999
TIGHT_SCALES = (1.0, 2.0, 0.5)
FUNNEL_SIZE = 9


def correlated_regression(rng) -> dict:
    """Predictors X = sqrt(N) Q diag(s) Vᵀ with Q orthonormal columns orthogonal to the
    intercept, V a random rotation and s log-spaced so that cond(XᵀX) = s_max² / s_min²."""
    n, k = REGRESSION_ROWS, REGRESSION_PREDICTORS
    z = rng.standard_normal((n, k))
    z -= z.mean(axis=0)                                   # columns orthogonal to the intercept
    q, _ = np.linalg.qr(z)
    rotation, _ = np.linalg.qr(rng.standard_normal((k, k)))
    singular = np.logspace(0.0, -0.5 * np.log10(REGRESSION_GRAM_CONDITION), k)
    x = np.sqrt(n) * q @ np.diag(singular) @ rotation.T
    x = np.round(x, 5)
    alpha = 1.0
    beta = np.round(rng.normal(0.0, 1.0, k), 3)
    sigma = 1.0
    y = np.round(alpha + x @ beta + rng.normal(0.0, sigma, n), 5)
    return {"N": n, "K": k, "X": x.tolist(), "y": y.tolist()}


def tight_gaussian(rng) -> dict:
    """Mean and Cholesky factor of the covariance; rng unused (the model is fixed)."""
    scales = np.asarray(TIGHT_SCALES)
    correlation = np.eye(3)
    correlation[0, 1] = correlation[1, 0] = TIGHT_CORRELATION
    covariance = correlation * np.outer(scales, scales)
    return {"D": 3, "mu": [0.0, 0.0, 0.0], "L": np.linalg.cholesky(covariance).tolist()}


def funnel(rng) -> dict:
    return {"K": FUNNEL_SIZE}


GENERATORS = {"correlated_regression": correlated_regression, "tight_gaussian": tight_gaussian, "funnel": funnel}


def generate(name: str) -> dict:
    """The data of one hard model; each model has its own stream of the fixed seed."""
    index = sorted(GENERATORS).index(name)
    return GENERATORS[name](np.random.default_rng([SEED, index]))


def path_of(name: str) -> Path:
    return EXAMPLES / f"{name}.data.json"


def matches(stored, generated, tolerance=2e-5) -> bool:
    """Same keys, equal integers, reals equal to the stored decimals."""
    if set(stored) != set(generated):
        return False
    for key, value in generated.items():
        a, b = np.asarray(stored[key]), np.asarray(value)
        if a.shape != b.shape or not np.allclose(a, b, rtol=0.0, atol=tolerance):
            return False
    return True


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.hard_models", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the stored files instead of writing")
    args = parser.parse_args(argv)
    status = 0
    for name in GENERATORS:
        data = generate(name)
        if args.check:
            same = path_of(name).exists() and matches(json.loads(path_of(name).read_text()), data)
            print(f"{name}: {'same' if same else 'DIFFERS'}")
            status |= not same
        else:
            path_of(name).write_text(json.dumps(data))
            print(f"wrote {path_of(name)}")
    return status


if __name__ == "__main__":
    sys.exit(main())
