"""What a catalogue constraint allows, as NumPy predicates.

The catalogue declares each parameter's domain and each family's support as
one of the closed set of constraints in ``ppl/catalogue/constraints.py``.
From that one declaration the library derives both checks:

* ``validate_parameter``: a parameter outside its domain raises
  ``ParameterError`` naming the parameter (``Normal(0., -1.)``: "scale must be
  positive (x > 0); got -1.0");
* ``in_support``: where ``log_prob``'s value lies outside the support the
  density is 0, so ``log_prob`` is -inf there (rather than whatever the
  formula gives outside the region it was written for).

Bounded supports (``lower``, ``interval``, ``count_up_to_total``,
``category``, ``multinomial_counts``) take their bounds from the parameters
named by the declaration's ``support_bounds`` (or, for categories, from K).
"""

from __future__ import annotations

import numpy as np

from ppl.distributions.base import ParameterError, require

# relative tolerance for "sums to one"
SIMPLEX_TOLERANCE = 1e-6


def _is_integer(x):
    return np.isfinite(x) & (x == np.floor(x))


# constraint name → (predicate on an array, words for the message); scalar domains only
_SCALAR_DOMAINS = {
    "real": (lambda x: ~np.isnan(x), "a real number"),
    "positive": (lambda x: x > 0, "positive (x > 0)"),
    "nonnegative": (lambda x: x >= 0, "non-negative (x >= 0)"),
    "unit_interval": (lambda x: (x > 0) & (x < 1), "in the open interval (0, 1)"),
    "integer": (_is_integer, "an integer"),
    "nonnegative_integer": (lambda x: _is_integer(x) & (x >= 0), "a non-negative integer"),
    "positive_integer": (lambda x: _is_integer(x) & (x >= 1), "a positive integer"),
    "binary": (lambda x: (x == 0) | (x == 1), "0 or 1"),
}


def validate_parameter(constraint, name: str, value: np.ndarray) -> None:
    """Raise ParameterError naming `name` unless every entry of value is in the constraint."""
    if constraint.name == "simplex":
        require(value >= 0, name, "non-negative entries summing to 1 along the last axis", value)
        totals = np.sum(value, axis=-1)
        require(np.abs(totals - 1.0) <= SIMPLEX_TOLERANCE, name,
                "non-negative entries summing to 1 along the last axis", value)
        return
    predicate, words = _SCALAR_DOMAINS[constraint.name]
    require(predicate(value), name, words, value)


def in_support(constraint, value: np.ndarray, bounds: tuple = (), categories: int | None = None) -> np.ndarray:
    """A boolean array: where value lies in the support (event axes reduced away)."""
    name = constraint.name
    if name in _SCALAR_DOMAINS:
        return _SCALAR_DOMAINS[name][0](value)
    if name == "lower":
        (lower,) = bounds
        return value >= lower
    if name == "interval":
        low, high = bounds
        return (value >= low) & (value < high)
    if name == "count_up_to_total":
        (total,) = bounds
        return _is_integer(value) & (value >= 0) & (value <= total)
    if name == "category":
        return _is_integer(value) & (value >= 0) & (value < categories)
    if name == "simplex":
        return np.all(value >= 0, axis=-1) & (np.abs(np.sum(value, axis=-1) - 1.0) <= SIMPLEX_TOLERANCE)
    if name == "multinomial_counts":
        (total,) = bounds
        return np.all(_is_integer(value) & (value >= 0), axis=-1) & (np.sum(value, axis=-1) == total)
    raise ParameterError(f"no support check for the constraint {name!r}")  # pragma: no cover
