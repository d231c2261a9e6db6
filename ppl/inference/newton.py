"""Newton's method for `optimize(algorithm="newton")`, as Stan's: the Hessian from finite
differences of the gradient (ppl/inference/hessian.py) made negative definite, and a step
halved until the log density increases.

Away from the mode the Hessian may have positive eigenvalues (the log density is not concave
there); as Stan does, each eigenvalue is replaced by minus its absolute value (and kept away
from zero), so the step is always one of increase.  It costs 2 * dim gradients per iteration
and a dim x dim eigendecomposition: for small models whose L-BFGS path is long.
"""

from __future__ import annotations

import math

import numpy as np

from ppl.inference.hessian import finite_difference_hessian
from ppl.inference.lbfgs import (CONVERGED, LINE_SEARCH_FAILED, MAX_ITERATIONS, OptimizationPath, Tolerances,
                                 convergence_test)

MAX_HALVINGS = 50
SMALLEST_CURVATURE = 1e-8


class _NewtonInverse:
    """The inverse of the negated, regularised Hessian, for the relative-gradient test."""

    def __init__(self, eigenvalues, eigenvectors):
        self.eigenvalues, self.eigenvectors = eigenvalues, eigenvectors

    def apply(self, vector):
        return self.eigenvectors @ ((self.eigenvectors.T @ vector) / self.eigenvalues)


def maximize_newton(value_and_gradient, start: np.ndarray, *, tolerances: Tolerances = Tolerances(),
                    max_iters: int = 2000) -> OptimizationPath:
    with np.errstate(over="ignore", invalid="ignore"):
        return _maximize_newton(value_and_gradient, start, tolerances, max_iters)


def _maximize_newton(value_and_gradient, start, tolerances, max_iters):
    x = np.array(start, dtype=float)
    value, gradient = value_and_gradient(x)
    path = OptimizationPath()
    path.append(x, value, gradient)
    path.evaluations = 1
    for _ in range(max_iters):
        hessian = finite_difference_hessian(value_and_gradient, x)
        path.evaluations += 2 * len(x)
        if not np.all(np.isfinite(hessian)):
            path.status, path.message = LINE_SEARCH_FAILED, "the Hessian is not finite at the current point"
            return path
        eigenvalues, eigenvectors = np.linalg.eigh(-hessian)
        eigenvalues = np.maximum(np.abs(eigenvalues), SMALLEST_CURVATURE)
        inverse = _NewtonInverse(eigenvalues, eigenvectors)
        direction = inverse.apply(gradient)
        for _ in range(MAX_HALVINGS):
            candidate = x + direction
            new_value, new_gradient = value_and_gradient(candidate)
            path.evaluations += 1
            if math.isfinite(new_value) and np.all(np.isfinite(new_gradient)) and new_value >= value:
                break
            direction = 0.5 * direction
        else:
            path.status = LINE_SEARCH_FAILED
            path.message = "no step along Newton's direction increases the log density"
            return path
        path.append(candidate, new_value, new_gradient)
        # the tests are written for f = -log density
        passed = convergence_test(tolerances, -value, -new_value, -new_gradient, candidate - x, inverse)
        x, value, gradient = candidate, new_value, new_gradient
        if passed:
            path.status, path.message = CONVERGED, passed
            return path
    path.status = MAX_ITERATIONS
    path.message = f"the maximum number of iterations ({max_iters}) was reached before convergence"
    return path
