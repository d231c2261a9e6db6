"""Scalar constraint transforms, each written once as a SymPy expression.

Every scalar transform maps an unconstrained real u onto the constrained value
x, given the bounds `lower` and `upper` (expressions of data or of earlier
params, so their gradients matter):

    real           x = u                                   log|dx/du| = 0
    lower          x = lower + exp(u)                      log|dx/du| = u
    upper          x = upper - exp(u)                      log|dx/du| = u
    interval       x = lower + (upper - lower) sigmoid(u)  log|dx/du| = log(upper - lower)
                                                                        + log_sigmoid(u) + log_sigmoid(-u)
    positive, nonnegative   `lower` with lower = 0
    unit_interval, probability   `interval` with lower = 0, upper = 1

Source: Stan Reference Manual, chapter "Constraint Transforms", sections
"Lower bounded scalar", "Upper bounded scalar" and "Lower and upper bounded
scalar" (https://mc-stan.org/docs/reference-manual/transforms.html).

Only the forward map and its inverse are written by hand.  SymPy derives
log|dx/du| (then rewritten into a numerically stable form with `expand_log`
and the `log_sigmoid` / `softplus` functions below) and the partial
derivatives of x and of log|dx/du| with respect to u, lower and upper, which
the compiler inlines into its reverse sweep.  The NumPy versions are
lambdified from the same expressions.

Importing this module imports SymPy; `ppl.transforms` loads it only on request.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np
import sympy

from ppl.catalogue import special_functions
from ppl.catalogue.sympy_functions import log_sigmoid, sigmoid, softplus

# ---- the SymPy functions (ppl.catalogue.sympy_functions) written out ----


def to_elementary(expression: sympy.Expr) -> sympy.Expr:
    """The expression with sigmoid, softplus and log_sigmoid written out in exp and log
    (for checking identities; never for evaluation)."""
    return (expression
            .replace(sigmoid, lambda argument: 1 / (1 + sympy.exp(-argument)))
            .replace(softplus, lambda argument: sympy.log(1 + sympy.exp(argument)))
            .replace(log_sigmoid, lambda argument: -sympy.log(1 + sympy.exp(-argument))))


# ---- the transforms -------------------------------------------------------------

unconstrained = sympy.Symbol("u", real=True)
constrained = sympy.Symbol("x", real=True)
lower = sympy.Symbol("lower", real=True)
upper = sympy.Symbol("upper", real=True)
# upper - lower, positive for every valid pair of bounds; used while deriving so that
# SymPy can drop the absolute value in log|dx/du|
_width = sympy.Symbol("width", positive=True)
_BOUND_SYMBOLS = {"lower": lower, "upper": upper}

# name -> (forward map x(u, lower, upper), inverse map u(x, lower, upper), bounds read)
_DEFINITIONS: dict[str, tuple[sympy.Expr, sympy.Expr, tuple[str, ...]]] = {
    "real": (unconstrained, constrained, ()),
    "lower": (lower + sympy.exp(unconstrained), sympy.log(constrained - lower), ("lower",)),
    "upper": (upper - sympy.exp(unconstrained), sympy.log(upper - constrained), ("upper",)),
    "interval": (lower + (upper - lower) * sigmoid(unconstrained),
                 sympy.log(constrained - lower) - sympy.log(upper - constrained), ("lower", "upper")),
}

# constraints whose transform is one of the above with fixed bounds
_FIXED_BOUNDS: dict[str, tuple[str, dict]] = {
    "positive": ("lower", {lower: 0}),
    "nonnegative": ("lower", {lower: 0}),
    "unit_interval": ("interval", {lower: 0, upper: 1}),
    "probability": ("interval", {lower: 0, upper: 1}),
}

SCALAR_TRANSFORM_NAMES: tuple[str, ...] = tuple(_DEFINITIONS) + tuple(_FIXED_BOUNDS)


@dataclass(frozen=True)
class ScalarTransformExpressions:
    """One scalar transform as SymPy expressions of `unconstrained` (u), `lower` and `upper`
    (`inverse` is an expression of `constrained` (x) and the bounds)."""

    name: str
    unconstrained: sympy.Symbol
    constrained: sympy.Symbol
    lower: sympy.Symbol
    upper: sympy.Symbol
    bounds: tuple[str, ...]                 # the bounds the transform reads
    forward: sympy.Expr                     # x(u, lower, upper)
    inverse: sympy.Expr                     # u(x, lower, upper), written by hand
    log_det_jacobian_derived: sympy.Expr    # log|dx/du| as SymPy derives it
    log_det_jacobian: sympy.Expr            # the same, in a numerically stable form
    forward_gradient: tuple[sympy.Expr, sympy.Expr, sympy.Expr]            # dx/du, dx/dlower, dx/dupper
    log_det_jacobian_gradient: tuple[sympy.Expr, sympy.Expr, sympy.Expr]   # d log|dx/du| / d(u, lower, upper)

    @property
    def arguments(self) -> tuple[sympy.Symbol, sympy.Symbol, sympy.Symbol]:
        return (self.unconstrained, self.lower, self.upper)


def _stable_log(expression: sympy.Expr) -> sympy.Expr:
    """log(expression) expanded into a sum, with log(sigmoid(a)) -> log_sigmoid(a) and
    log(1 + exp(a)) -> softplus(a), so that no exp can overflow."""
    expanded = sympy.expand_log(sympy.log(expression), force=True)
    wild = sympy.Wild("a")
    expanded = expanded.replace(sympy.log(sigmoid(wild)), log_sigmoid(wild))
    expanded = expanded.replace(sympy.log(1 + sympy.exp(wild)), softplus(wild))
    return expanded


def _stable_derivative(expression: sympy.Expr, argument: sympy.Symbol) -> sympy.Expr:
    """d expression / d argument, with 1 - sigmoid(a) written sigmoid(-a) (no cancellation)."""
    wild = sympy.Wild("a")
    return sympy.diff(expression, argument).replace(1 - sigmoid(wild), sigmoid(-wild))


@lru_cache(maxsize=None)
def scalar_transform_expressions(name: str) -> ScalarTransformExpressions:
    """The SymPy expressions of the scalar transform `name` (see SCALAR_TRANSFORM_NAMES)."""
    base_name, fixed_bounds = _FIXED_BOUNDS.get(name, (name, {}))
    if base_name not in _DEFINITIONS:
        raise KeyError(f"no scalar transform named {name!r}; known: {', '.join(SCALAR_TRANSFORM_NAMES)}")
    forward, inverse, bounds = _DEFINITIONS[base_name]
    # derive with upper = lower + width (width > 0) so that |dx/du| loses its absolute value
    derivative = sympy.diff(forward, unconstrained).subs(upper, lower + _width)
    # sigmoid(...) is positive: stand in positive symbols for it while taking the absolute value
    stand_ins = {call: sympy.Dummy(positive=True) for call in derivative.atoms(sigmoid)}
    absolute_derivative = sympy.Abs(derivative.subs(stand_ins)).subs({v: k for k, v in stand_ins.items()})
    log_det_jacobian_derived = sympy.log(absolute_derivative).subs(_width, upper - lower)
    log_det_jacobian = _stable_log(absolute_derivative).subs(_width, upper - lower)
    forward = forward.subs(fixed_bounds)
    inverse = inverse.subs(fixed_bounds)
    log_det_jacobian_derived = log_det_jacobian_derived.subs(fixed_bounds)
    log_det_jacobian = log_det_jacobian.subs(fixed_bounds)
    arguments = (unconstrained, lower, upper)
    return ScalarTransformExpressions(
        name=name, unconstrained=unconstrained, constrained=constrained, lower=lower, upper=upper,
        bounds=tuple(b for b in bounds if _BOUND_SYMBOLS[b] not in fixed_bounds),
        forward=forward, inverse=inverse,
        log_det_jacobian_derived=log_det_jacobian_derived, log_det_jacobian=log_det_jacobian,
        forward_gradient=tuple(_stable_derivative(forward, a) for a in arguments),
        log_det_jacobian_gradient=tuple(_stable_derivative(log_det_jacobian, a) for a in arguments),
    )


# ---- NumPy versions ---------------------------------------------------------------


def lambdify_numpy(arguments, expressions) -> Callable:
    """`sympy.lambdify` with the stable NumPy forms of sigmoid, softplus and log_sigmoid
    (``ppl.catalogue.special_functions``);
    every output is broadcast against the inputs, as a float64 array."""
    compiled = sympy.lambdify(arguments, expressions, modules=[special_functions.SYMPY_FUNCTIONS, "numpy"])

    def broadcast(*values):
        values = [np.asarray(v, dtype=np.float64) for v in values]
        outputs = compiled(*values)
        shape = np.broadcast_shapes(*(v.shape for v in values))
        if isinstance(outputs, (tuple, list)):
            return tuple(np.broadcast_to(np.asarray(o, dtype=np.float64), shape).copy() for o in outputs)
        return np.broadcast_to(np.asarray(outputs, dtype=np.float64), shape).copy()

    return broadcast


@dataclass(frozen=True)
class NumpyScalarTransform:
    """Vectorised NumPy functions of one scalar transform; the bounds broadcast against the
    values.  A bound the transform reads must be given; one it does not read may be left out."""

    name: str
    bounds: tuple[str, ...]
    _constrain: Callable
    _unconstrain: Callable
    _forward_gradient: Callable
    _log_det_jacobian_gradient: Callable

    def _bound_values(self, lower, upper):
        for bound_name, value in (("lower", lower), ("upper", upper)):
            if value is None and bound_name in self.bounds:
                raise TypeError(f"the {self.name} transform needs its {bound_name} bound")
        return (0.0 if lower is None else lower), (0.0 if upper is None else upper)

    def constrain(self, unconstrained, lower=None, upper=None):
        """(x, log|dx/du|) at u."""
        return self._constrain(unconstrained, *self._bound_values(lower, upper))

    def unconstrain(self, constrained, lower=None, upper=None):
        """u at x."""
        return self._unconstrain(constrained, *self._bound_values(lower, upper))

    def forward_gradient(self, unconstrained, lower=None, upper=None):
        """(dx/du, dx/dlower, dx/dupper) at u."""
        return self._forward_gradient(unconstrained, *self._bound_values(lower, upper))

    def log_det_jacobian_gradient(self, unconstrained, lower=None, upper=None):
        """(d/du, d/dlower, d/dupper) of log|dx/du| at u."""
        return self._log_det_jacobian_gradient(unconstrained, *self._bound_values(lower, upper))


@lru_cache(maxsize=None)
def numpy_scalar_transform(name: str) -> NumpyScalarTransform:
    """The scalar transform `name` as NumPy functions lambdified from its SymPy expressions."""
    expressions = scalar_transform_expressions(name)
    arguments = expressions.arguments
    return NumpyScalarTransform(
        name=name,
        bounds=expressions.bounds,
        _constrain=lambdify_numpy(arguments, (expressions.forward, expressions.log_det_jacobian)),
        _unconstrain=lambdify_numpy((expressions.constrained, expressions.lower, expressions.upper),
                                    expressions.inverse),
        _forward_gradient=lambdify_numpy(arguments, expressions.forward_gradient),
        _log_det_jacobian_gradient=lambdify_numpy(arguments, expressions.log_det_jacobian_gradient),
    )
