"""Constraint transforms: from unconstrained reals onto each constraint's values.

One registry, `TRANSFORMS`, from the name of a real-valued constraint in
`ppl.catalogue.constraints` to its transform.  Samplers and the code
generator look a transform up here and never name a constraint.

* Scalar transforms (`real`, `lower`, `upper`, `interval` and the fixed-bound
  `positive`, `nonnegative`, `unit_interval`, `probability`) are SymPy expressions in
  `ppl.transforms.scalar`: the compiler inlines the forward map, the
  log-det-Jacobian and their partial derivatives; the Python library uses
  NumPy functions lambdified from them.
* Event transforms (`simplex`, `ordered`, `positive_ordered` in
  `ppl.transforms.vector`; `corr_cholesky`, `corr`, `cov_cholesky`, `cov` in
  `ppl.transforms.matrix`) are hand-written Numba functions over one event:
  `constrain(u, x_out) -> log_det_jacobian`, `unconstrain(x, u_out)`,
  `constrain_vjp(u, x_adjoint, u_adjoint_out)`.

Importing this package imports neither SymPy nor Numba; they load when a
transform's functions are first asked for.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Transform:
    """How one constraint's values are reached from unconstrained reals.

    `free_size(K)` is the number of unconstrained coordinates of one event of
    declared size K (1 for a scalar), `constrained_shape(K)` the shape of one
    constrained event.
    """

    name: str
    kind: str                                   # "scalar" or "event"
    event_rank: int                             # trailing axes of one constrained value
    free_size: Callable[[int], int]
    constrained_shape: Callable[[int], tuple[int, ...]]
    module: str                                 # where the functions live
    formula: str

    def _function(self, suffix: str):
        if self.kind != "event":
            raise TypeError(f"{self.name} is a scalar transform: see ppl.transforms.scalar")
        return getattr(importlib.import_module(self.module), f"{self.name}_{suffix}")

    @property
    def constrain(self) -> Callable:
        """Numba: constrain(unconstrained, x_out) -> log_det_jacobian."""
        return self._function("constrain")

    @property
    def unconstrain(self) -> Callable:
        """Numba: unconstrain(x, unconstrained_out)."""
        return self._function("unconstrain")

    @property
    def constrain_vjp(self) -> Callable:
        """Numba: constrain_vjp(unconstrained, x_adjoint, unconstrained_adjoint_out), adding
        the gradient of sum(x_adjoint * x(u)) + log_det_jacobian(u)."""
        return self._function("constrain_vjp")

    def expressions(self):
        """The SymPy expressions of a scalar transform (imports SymPy)."""
        if self.kind != "scalar":
            raise TypeError(f"{self.name} is an event transform: it has no SymPy expressions")
        from ppl.transforms.scalar import scalar_transform_expressions
        return scalar_transform_expressions(self.name)

    def numpy(self):
        """The NumPy functions of a scalar transform (imports SymPy)."""
        if self.kind != "scalar":
            raise TypeError(f"{self.name} is an event transform: use its Numba functions")
        from ppl.transforms.scalar import numpy_scalar_transform
        return numpy_scalar_transform(self.name)


def _scalar(name: str, formula: str) -> Transform:
    return Transform(name, "scalar", 0, lambda size: 1, lambda size: (), "ppl.transforms.scalar", formula)


def _vector(name: str, free_size: Callable[[int], int], formula: str) -> Transform:
    return Transform(name, "event", 1, free_size, lambda size: (size,), "ppl.transforms.vector", formula)


def _matrix(name: str, free_size: Callable[[int], int], formula: str) -> Transform:
    return Transform(name, "event", 2, free_size, lambda size: (size, size), "ppl.transforms.matrix", formula)


def _strictly_lower(size: int) -> int:
    return size * (size - 1) // 2


def _lower(size: int) -> int:
    return size * (size + 1) // 2


TRANSFORMS: dict[str, Transform] = {t.name: t for t in (
    _scalar("real", "x = u"),
    _scalar("positive", "x = exp(u)"),
    _scalar("nonnegative", "x = exp(u)"),
    _scalar("unit_interval", "x = sigmoid(u)"),
    _scalar("probability", "x = sigmoid(u)"),
    _scalar("lower", "x = lower + exp(u)"),
    _scalar("upper", "x = upper - exp(u)"),
    _scalar("interval", "x = lower + (upper - lower) * sigmoid(u)"),
    _vector("simplex", lambda size: size - 1, "stick-breaking: z_k = sigmoid(u_k - log(K - k - 1))"),
    _vector("ordered", lambda size: size, "x_0 = u_0, x_k = x_{k-1} + exp(u_k)"),
    _vector("positive_ordered", lambda size: size, "x_0 = exp(u_0), x_k = x_{k-1} + exp(u_k)"),
    _matrix("corr_cholesky", _strictly_lower, "tanh(u) as canonical partial correlations, row by row"),
    _matrix("corr", _strictly_lower, "L @ L.T, L = corr_cholesky(u)"),
    _matrix("cov_cholesky", _lower, "lower triangle row by row, exp on the diagonal"),
    _matrix("cov", _lower, "L @ L.T, L = cov_cholesky(u)"),
)}


def transform(name: str) -> Transform:
    """The transform of the constraint `name`, with a message naming the known ones."""
    try:
        return TRANSFORMS[name]
    except KeyError:
        raise KeyError(f"no transform for constraint {name!r}; known: {', '.join(TRANSFORMS)}") from None


def event_transform(name: str) -> Transform:
    """The event (vector or matrix) transform `name`."""
    found = transform(name)
    if found.kind != "event":
        raise KeyError(f"{name!r} is a scalar transform, not an event transform")
    return found


__all__ = ["TRANSFORMS", "Transform", "event_transform", "transform"]
