"""The closed set of constraints, and the one registry from constraint to transform.

A constraint says which values are allowed.  It plays three roles:

* the type of a `param` (`real<lower=0>`, `simplex[K]`): it picks the
  transform from unconstrained reals, and so the log-det-Jacobian;
* the domain of a distribution's parameter (a Normal's scale is positive);
* the support of a distribution (a Poisson draws non-negative integers).

A scalar constraint says which values it allows as an interval: ``lower`` and
``upper`` are a number, ``None`` (unbounded) or a ``Given`` end that the
distribution supplies (HalfCauchy's ``loc``, Binomial's ``total_count``, a
Categorical's number of categories), each end closed unless ``lower_open`` /
``upper_open``; int constraints hold integers only.  ``ppl/catalogue/supports.py``
derives everything that checks a support from that one interval: the binder's
check of data, the library's -inf outside the support, the compiled log
density's -inf and the checker's rule for params.

Samplers and code generation never name a specific constraint: they look it
up here.  ``event_rank`` is the number of trailing axes one constrained value
occupies (a simplex is a vector, a Cholesky factor a matrix); declared sizes
to the left of those are batch (`simplex[J, K]`: J simplexes of size K).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union


@dataclass(frozen=True)
class Given:
    """An end of a support that the distribution gives: ``which`` is the position of the
    parameter in its ``support_bounds`` (0, 1), or ``"K"``, the number of categories (the size
    of its parameters' event axis)."""
    which: Union[int, str]


End = Union[float, Given, None]


@dataclass(frozen=True)
class Constraint:
    name: str
    dtype: str = "real"          # "real" or "int": the values allowed
    event_rank: int = 0          # trailing axes of one constrained value
    declared_rank: int = 0       # sizes written in a declaration per value (corr_cholesky[K] → 1)
    transform: str = ""          # how an unconstrained vector maps onto it (for params)
    bounded: bool = True         # False only for all reals / all integers
    description: str = ""
    lower: End = None            # scalar constraints: the interval of values allowed
    upper: End = None
    lower_open: bool = False
    upper_open: bool = False

    def __str__(self) -> str:
        return self.name

    def __reduce__(self):
        # unpickle (e.g. an IR loaded from the model cache) to the one shared instance,
        # so that `constraint is SIMPLEX` holds everywhere
        return (constraint_named, (self.name,))


def constraint_named(name: str) -> "Constraint":
    return _ALL[name]


# ---- scalar domains -----------------------------------------------------------
REAL = Constraint("real", transform="identity", bounded=False, description="any real number")
POSITIVE = Constraint("positive", transform="x = exp(u)", description="x > 0", lower=0.0, lower_open=True)
NONNEGATIVE = Constraint("nonnegative", transform="x = exp(u)", description="x >= 0", lower=0.0)
UNIT_INTERVAL = Constraint("unit_interval", transform="x = sigmoid(u)", description="0 < x < 1",
                           lower=0.0, upper=1.0, lower_open=True, upper_open=True)
# a probability, its edges included (Bernoulli's probs = 1 is certain success; a Beta's value)
PROBABILITY = Constraint("probability", transform="x = sigmoid(u)", description="0 <= x <= 1",
                         lower=0.0, upper=1.0)
# bounds given in a declaration; the bound values are expressions.  As the support of a
# distribution, the ends are parameters (HalfCauchy's loc; Uniform's low and high)
LOWER = Constraint("lower", transform="x = lower + exp(u)", description="x > lower", lower=Given(0))
UPPER = Constraint("upper", transform="x = upper - exp(u)", description="x < upper", upper=Given(0))
INTERVAL = Constraint("interval", transform="x = lower + (upper - lower) * sigmoid(u)",
                      description="lower < x < upper", lower=Given(0), upper=Given(1), upper_open=True)

# ---- integer domains ----------------------------------------------------------
INTEGER = Constraint("integer", dtype="int", bounded=False, description="any integer")
NONNEGATIVE_INTEGER = Constraint("nonnegative_integer", dtype="int", description="0, 1, 2, ...", lower=0.0)
POSITIVE_INTEGER = Constraint("positive_integer", dtype="int", description="1, 2, 3, ...", lower=1.0)
BINARY = Constraint("binary", dtype="int", description="0 or 1", lower=0.0, upper=1.0)
COUNT_UP_TO_TOTAL = Constraint("count_up_to_total", dtype="int", description="0, 1, ..., total_count",
                               lower=0.0, upper=Given(0))
CATEGORY = Constraint("category", dtype="int", description="0, 1, ..., K - 1", lower=0.0, upper=Given("K"),
                      upper_open=True)
# an ordinal outcome: one more category than the cutpoints (OrderedLogistic's K cutpoints)
ORDINAL = Constraint("ordinal", dtype="int", description="0, 1, ..., K (K the number of cutpoints)", lower=0.0,
                     upper=Given("K"))
MULTINOMIAL_COUNTS = Constraint("multinomial_counts", dtype="int", event_rank=1,
                                description="K non-negative integers summing to total_count")

# ---- structured (vector and matrix) constraints --------------------------------
SIMPLEX = Constraint("simplex", event_rank=1, declared_rank=1,
                     transform="stick-breaking (K - 1 unconstrained coordinates)",
                     description="K non-negative reals summing to 1")
ORDERED = Constraint("ordered", event_rank=1, declared_rank=1,
                     transform="x[0] = u[0], x[k] = x[k-1] + exp(u[k])",
                     description="strictly increasing reals")
POSITIVE_ORDERED = Constraint("positive_ordered", event_rank=1, declared_rank=1,
                              transform="x[0] = exp(u[0]), x[k] = x[k-1] + exp(u[k])",
                              description="strictly increasing positive reals")
CORR_CHOLESKY = Constraint("corr_cholesky", event_rank=2, declared_rank=1,
                           transform="tanh of canonical partial correlations (K(K-1)/2 coordinates)",
                           description="lower-triangular Cholesky factor of a K x K correlation matrix")
CORR = Constraint("corr", event_rank=2, declared_rank=1,
                  transform="L @ L.T with L a corr_cholesky factor (K(K-1)/2 coordinates)",
                  description="K x K correlation matrix")
COV_CHOLESKY = Constraint("cov_cholesky", event_rank=2, declared_rank=1,
                          transform="lower triangle, log of the diagonal (K(K+1)/2 coordinates)",
                          description="lower-triangular factor with positive diagonal")
COV = Constraint("cov", event_rank=2, declared_rank=1,
                 transform="L @ L.T with L a cov_cholesky factor (K(K+1)/2 coordinates)",
                 description="K x K symmetric positive-definite matrix")

_ALL: dict[str, Constraint] = {value.name: value for value in list(globals().values())
                               if isinstance(value, Constraint)}

# the constrained shapes a declaration may name, by the name used in the language
DECLARABLE_SHAPES: dict[str, Constraint] = {
    c.name: c for c in (SIMPLEX, ORDERED, POSITIVE_ORDERED, CORR_CHOLESKY, CORR, COV_CHOLESKY, COV)
}

# Names modellers bring from other systems, with what to write instead.
FOREIGN_TYPE_HINTS: dict[str, str] = {
    "vector": "write `real[N]` for a vector of N reals",
    "row_vector": "write `real[N]` for a vector of N reals",
    "matrix": "write `real[N, K]` for an N x K matrix",
    "array": "write the element type with its sizes, e.g. `real[J, K]`",
    "float": "the real type is called `real`",
    "double": "the real type is called `real`",
    "integer": "the integer type is called `int`",
    "cholesky_factor_corr": "write `corr_cholesky[K]`",
    "cholesky_factor_cov": "write `cov_cholesky[K]`",
    "corr_matrix": "write `corr[K]`",
    "cov_matrix": "write `cov[K]`",
    "unit_vector": "unit vectors are not supported; normalise a `real[K]` param yourself",
    "sum_to_zero_vector": "sum-to-zero vectors are not supported; use `real[K - 1]` and append minus its sum",
    "positive": "write `real<lower=0>`",
}
