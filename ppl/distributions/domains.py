"""What a catalogue constraint allows, as NumPy predicates.

The catalogue declares each parameter's domain and each family's support as
one of the closed set of constraints in ``ppl/catalogue/constraints.py``;
``ppl/catalogue/supports.py`` turns a constraint into its NumPy predicate.
From that one declaration the library derives both checks:

* ``validate_parameter``: a parameter outside its domain raises
  ``ParameterError`` naming the parameter (``Normal(0., -1.)``: "scale must be
  positive (x > 0); got -1.0");
* ``in_support``: where ``log_prob``'s value lies outside the support the
  density is 0, so ``log_prob`` is -inf there (rather than whatever the
  formula gives outside the region it was written for).  The compiled
  language and the binder's check of data use the same predicate.

Bounded supports (``lower``, ``interval``, ``count_up_to_total``,
``category``, ``multinomial_counts``) take their bounds from the parameters
named by the declaration's ``support_bounds`` (or, for categories, from K).
"""

from __future__ import annotations

import numpy as np

from ppl.catalogue import supports
from ppl.catalogue.supports import SIMPLEX_TOLERANCE
from ppl.distributions.base import ParameterError, require

# words for the message of a parameter outside its domain; scalar domains only
_DOMAIN_WORDS = {
    "real": "a real number",
    "positive": "positive (x > 0)",
    "nonnegative": "non-negative (x >= 0)",
    "unit_interval": "in the open interval (0, 1)",
    "probability": "a probability, in [0, 1]",
    "integer": "an integer",
    "nonnegative_integer": "a non-negative integer",
    "positive_integer": "a positive integer",
    "binary": "0 or 1",
}


def validate_parameter(constraint, name: str, value: np.ndarray) -> None:
    """Raise ParameterError naming `name` unless every entry of value is in the constraint."""
    if constraint.name == "simplex":
        require(supports.in_support(constraint, value), name,
                "non-negative entries summing to 1 along the last axis", value)
        return
    if constraint.name not in _DOMAIN_WORDS:
        raise ParameterError(f"no domain check for the constraint {constraint.name!r}")  # pragma: no cover
    require(supports.in_support(constraint, value), name, _DOMAIN_WORDS[constraint.name], value)


def in_support(constraint, value: np.ndarray, bounds: tuple = (), categories: int | None = None) -> np.ndarray:
    """A boolean array: where value lies in the support (event axes reduced away)."""
    try:
        return supports.in_support(constraint, value, bounds, categories)
    except ValueError as error:
        raise ParameterError(str(error)) from None   # pragma: no cover


__all__ = ["SIMPLEX_TOLERANCE", "in_support", "validate_parameter"]
