"""The log density an optimiser or approximation works on, with or without the Jacobian.

With the Jacobian (`jacobian=True`) it is the posterior's own density on the unconstrained
scale, whose mode is the MAP of the unconstrained parameters (what Stan's `jacobian=true`
optimises, and the scale Laplace and Pathfinder approximate).  Without it, it is the density
of the constrained params (Stan's default for `optimize`: a penalised maximum likelihood),
written as a function of u:

    log p(theta(u))  =  log p_u(u) - log |J(u)|.

The model compiles the gradient with the Jacobian only, so the gradient without it is that
gradient minus the log-Jacobian's, which is taken by central differences.  The log-Jacobian
is summed from the model's running totals after each param declaration
(`log_density_terms`), not as the difference of two whole log densities, so its differences
are not drowned by the rounding of a large likelihood.
"""

from __future__ import annotations

import numpy as np

# central differences: the step that balances truncation (h^2) against rounding (eps / h)
CENTRAL_DIFFERENCE_STEP = np.finfo(float).eps ** (1.0 / 3.0)


class LogDensity:
    """`value(u)` and `value_and_gradient(u)` of the log density, with or without the Jacobian;
    `evaluations` counts the gradients taken (a gradient without the Jacobian costs one
    compiled gradient and 2 * dim log-Jacobians, counted as one)."""

    def __init__(self, posterior, jacobian: bool):
        self.posterior = posterior
        self.jacobian = bool(jacobian)
        self.dim = posterior.dim
        self.evaluations = 0
        module = posterior._module
        self._gradient = module.log_density_gradient
        self._log_density = module.log_density
        self._terms = module.log_density_terms
        self._data = (posterior.real_data, posterior.int_data)
        spans = posterior._facts.term_spans
        declarations = {p.span for p in posterior.model.ir.params
                        if p.constraint.constraint.transform != "identity"}
        # the running totals around each param declaration: their differences are the log-Jacobian
        self._jacobian_terms = [k for k, span in enumerate(spans) if span in declarations]
        self._running_totals = np.zeros(max(len(spans), 1))

    @property
    def has_jacobian_terms(self) -> bool:
        return bool(self._jacobian_terms)

    def log_jacobian(self, u: np.ndarray) -> float:
        """log |J(u)|: what the transforms of the params add to the log density at u."""
        if not self._jacobian_terms:
            return 0.0
        totals = self._running_totals
        self._terms(u, *self._data, totals)
        return float(sum(totals[k] - (totals[k - 1] if k else 0.0) for k in self._jacobian_terms))

    def value(self, u: np.ndarray) -> float:
        value = float(self._log_density(u, *self._data))
        return value if self.jacobian else value - self.log_jacobian(u)

    def value_and_gradient(self, u: np.ndarray) -> tuple[float, np.ndarray]:
        u = np.ascontiguousarray(u, dtype=np.float64)
        gradient = np.zeros(self.dim)
        value = float(self._gradient(u, gradient, *self._data))
        self.evaluations += 1
        if self.jacobian or not self._jacobian_terms:
            return value, gradient
        return value - self.log_jacobian(u), gradient - self.log_jacobian_gradient(u)

    def log_jacobian_gradient(self, u: np.ndarray) -> np.ndarray:
        """The log-Jacobian's gradient by central differences, one coordinate at a time."""
        gradient = np.empty(self.dim)
        shifted = u.copy()
        for i in range(self.dim):
            step = CENTRAL_DIFFERENCE_STEP * max(1.0, abs(u[i]))
            shifted[i] = u[i] + step
            above = self.log_jacobian(shifted)
            shifted[i] = u[i] - step
            below = self.log_jacobian(shifted)
            shifted[i] = u[i]
            gradient[i] = (above - below) / (2.0 * step)
        return gradient
