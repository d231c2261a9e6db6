"""Supports: the values a distribution gives positive density, and every check that follows.

A declaration says its support once: a constraint of ``ppl/catalogue/constraints.py``
(``support=BINARY``) and, where an end of it is a parameter, which one
(``support_bounds=("total_count",)``).  A scalar constraint is an interval whose ends are
numbers, parameters (``Given``) or absent, closed unless declared open, of integers or of
reals.  Everything that checks a support is derived here from that interval:

* ``in_support``: a NumPy predicate, elementwise; the binder checks observed data with it
  (``codegen/supports.py``) and the library's ``log_prob`` is -inf where it fails;
* ``condition``: the same interval as a SymPy boolean in the value and the bounds; the
  compiled log density is -inf where it fails (``codegen/fuse.py``);
* ``ends``: the interval with its ends resolved to the arguments given, for the checker's
  rule that a param's declared bounds lie inside the support of what scores it;
* ``describe``: the words for messages (``{0, 1}``, ``x >= 0``, ``{0, 1, ..., n}``).

Event supports (the simplex, multinomial counts, correlation matrices and their Cholesky
factors) are checked with NumPy only: compiled code meets them in params, whose transforms
keep them, and in data, which the binder checks.

This module imports SymPy only inside ``condition``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ppl.catalogue.constraints import Constraint, Given

# absolute tolerance for "sums to one" and the other equalities of event supports
SIMPLEX_TOLERANCE = 1e-6
MATRIX_TOLERANCE = 1e-8


@dataclass(frozen=True)
class Ends:
    """A scalar support with its ends resolved: each end a number, an argument (whatever the
    caller passed for it: an array, an IR expression, a SymPy expression) or None."""
    lower: object
    upper: object
    lower_open: bool
    upper_open: bool
    integer: bool


def is_scalar(constraint: Constraint) -> bool:
    return constraint.event_rank == 0


def is_checked(constraint: Constraint) -> bool:
    """Whether a value can lie outside the support at all (all reals is no restriction)."""
    return constraint.bounded


def ends(constraint: Constraint, bounds=(), categories=None) -> Ends:
    """The interval of a scalar support; ``bounds`` are the arguments for its ``Given`` ends,
    in the order of the declaration's ``support_bounds``, and ``categories`` the number of
    categories (Categorical)."""

    def resolve(end):
        if isinstance(end, Given):
            return categories if end.which == "K" else bounds[end.which]
        return end

    return Ends(resolve(constraint.lower), resolve(constraint.upper), constraint.lower_open,
                constraint.upper_open, constraint.dtype == "int")


# ---- NumPy ------------------------------------------------------------------------------

def _is_integer(x):
    return np.isfinite(x) & (x == np.floor(x))


def in_support(constraint: Constraint, value, bounds=(), categories=None) -> np.ndarray:
    """A boolean array: where value lies in the support (event axes reduced away).  NaN is
    never in a support; an infinite value is where the interval reaches it."""
    value = np.asarray(value, dtype=np.float64)
    name = constraint.name
    if is_scalar(constraint):
        interval = ends(constraint, bounds, categories)
        with np.errstate(invalid="ignore"):
            inside = ~np.isnan(value)
            if interval.integer:
                inside = inside & _is_integer(value)
            if interval.lower is not None:
                lower = np.asarray(interval.lower, dtype=np.float64)
                inside = inside & ((value > lower) if interval.lower_open else (value >= lower))
            if interval.upper is not None:
                upper = np.asarray(interval.upper, dtype=np.float64)
                inside = inside & ((value < upper) if interval.upper_open else (value <= upper))
        return inside
    with np.errstate(invalid="ignore"):
        if name == "simplex":
            return (np.all(value >= 0, axis=-1)
                    & (np.abs(np.sum(value, axis=-1) - 1.0) <= SIMPLEX_TOLERANCE))
        if name == "multinomial_counts":
            (total,) = bounds
            return (np.all(_is_integer(value) & (value >= 0), axis=-1)
                    & (np.sum(value, axis=-1) == np.asarray(total, dtype=np.float64)))
        if name in ("corr", "cov"):
            return _positive_definite(value, unit_diagonal=name == "corr")
        if name in ("corr_cholesky", "cov_cholesky"):
            return _cholesky_factor(value, unit_rows=name == "corr_cholesky")
    raise ValueError(f"no support check for the constraint {name!r}")


def _positive_definite(value, unit_diagonal: bool):
    symmetric = np.all(np.abs(value - np.swapaxes(value, -1, -2)) <= MATRIX_TOLERANCE, axis=(-2, -1))
    finite = np.all(np.isfinite(value), axis=(-2, -1))
    safe = np.where(finite[..., None, None], value, 0.0)
    positive = np.all(np.linalg.eigvalsh((safe + np.swapaxes(safe, -1, -2)) / 2) > 0, axis=-1)
    inside = symmetric & finite & positive
    if unit_diagonal:
        inside = inside & np.all(np.abs(np.diagonal(value, axis1=-2, axis2=-1) - 1.0) <= MATRIX_TOLERANCE, axis=-1)
    return inside


def _cholesky_factor(value, unit_rows: bool):
    upper = np.triu(np.ones(value.shape[-2:], dtype=bool), 1)
    inside = np.all(np.where(upper, value == 0.0, True), axis=(-2, -1))
    inside = inside & np.all(np.diagonal(value, axis1=-2, axis2=-1) > 0, axis=-1)
    inside = inside & np.all(np.isfinite(value), axis=(-2, -1))
    if unit_rows:
        inside = inside & np.all(np.abs(np.sum(value ** 2, axis=-1) - 1.0) <= MATRIX_TOLERANCE, axis=-1)
    return inside


# ---- SymPy --------------------------------------------------------------------------------

def condition(constraint: Constraint, x, bounds=(), categories=None):
    """The scalar support as a SymPy boolean in x (and the bounds given as SymPy expressions):
    ``x >= 0``, ``(x >= 0) & (x <= n)``.  Integer-ness is not part of it: the values of a
    distribution over integers are ints in the language."""
    import sympy

    interval = ends(constraint, bounds, categories)
    parts = []
    if interval.lower is not None:
        lower = sympy.sympify(interval.lower)
        parts.append(sympy.StrictGreaterThan(x, lower) if interval.lower_open else sympy.GreaterThan(x, lower))
    if interval.upper is not None:
        upper = sympy.sympify(interval.upper)
        parts.append(sympy.StrictLessThan(x, upper) if interval.upper_open else sympy.LessThan(x, upper))
    return sympy.And(*parts)


# ---- words ----------------------------------------------------------------------------------

def _number(value) -> str:
    value = float(value)
    return str(int(value)) if value == int(value) else f"{value:g}"


def describe(constraint: Constraint, bound_texts=(), categories=None) -> str:
    """The support in words, its given ends named by ``bound_texts`` (the arguments as written):
    ``{0, 1}``, ``{0, 1, 2, ...}``, ``{0, 1, ..., n}``, ``x >= 0``, ``0 <= x <= 1``,
    ``low <= x < high``, or an event support's description."""
    if not is_scalar(constraint):
        return constraint.description
    if not constraint.bounded:
        return "finite integers" if constraint.dtype == "int" else "finite reals"
    interval = ends(constraint, tuple(bound_texts),
                    None if categories is None else (f"{categories}" if isinstance(categories, int) else categories))
    texts = [None if end is None else (end if isinstance(end, str) else _number(end))
             for end in (interval.lower, interval.upper)]
    lower, upper = texts
    if interval.integer:
        first = lower if not interval.lower_open else f"{lower} + 1"
        if upper is None:
            start = int(float(first))
            return "{" + ", ".join(str(start + k) for k in range(3)) + ", ...}"
        if interval.upper_open:
            last = str(int(upper) - 1) if upper.isdigit() else f"{upper} - 1"
        else:
            last = upper
        if last.isdigit() and first.isdigit() and int(last) - int(first) <= 2:
            return "{" + ", ".join(str(k) for k in range(int(first), int(last) + 1)) + "}"
        return "{" + f"{first}, {int(first) + 1}, ..., {last}" + "}" if first.isdigit() else \
            "{" + f"{first}, ..., {last}" + "}"
    left = "" if lower is None else f"{lower} {'<' if interval.lower_open else '<='} "
    right = "" if upper is None else f" {'<' if interval.upper_open else '<='} {upper}"
    if lower is not None and upper is None:
        return f"x {'>' if interval.lower_open else '>='} {lower}"
    return f"{left}x{right}"


__all__ = ["Ends", "condition", "describe", "ends", "in_support", "is_checked", "is_scalar"]
