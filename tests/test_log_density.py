"""Every distribution's SymPy log density, checked against independent oracles.

One row per family and parameterisation: how to draw valid parameters and
points of the support, and scipy's log density in TFP's parameterisation.
The generic bodies check (a) the lambdified NumPy log density against
scipy.stats, (b) every SymPy derivative against finite differences of that
NumPy log density, and (c) that the compiler's printer accepts every scalar
family's expressions.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest

stats = pytest.importorskip("scipy.stats")
special = pytest.importorskip("scipy.special")

from ppl.catalogue import density, special_functions  # noqa: E402
from ppl.catalogue.distributions import DISTRIBUTIONS  # noqa: E402

# Families whose log density is a matrix computation (or a composition of
# other families): the compiler gives them hand-written adjoint rules.
DEFERRED_TO_HAND_WRITTEN_RULES = {
    "MultivariateNormalDiag", "MultivariateNormalTriL", "MultivariateNormalFullCovariance",
    "LKJ", "GaussianProcess", "MixtureSameFamily",
    "Wishart", "InverseWishart", "WishartCholesky", "InverseWishartCholesky",
}

POINTS = 20
K = 4   # categories for the vector families


@dataclass(frozen=True)
class Row:
    family: str
    given: tuple[str, ...]
    parameters: Callable   # rng -> {name: array of POINTS values (POINTS x K for vectors)}
    value: Callable        # (rng, parameters) -> POINTS points of the support
    scipy: Callable        # (x, parameters) -> log p(x) by scipy
    size: int | None = None

    @property
    def id(self) -> str:
        return f"{self.family}({', '.join(self.given)})"


def positive(rng, low=0.2, high=5.0):
    return np.exp(rng.uniform(np.log(low), np.log(high), POINTS))


def real(rng, spread=3.0):
    return rng.normal(0.0, spread, POINTS)


def unit(rng):
    return rng.uniform(0.05, 0.95, POINTS)


def counts(rng, high=30):
    return rng.integers(0, high, POINTS).astype(float)


def simplex(rng):
    return rng.dirichlet(np.full(K, 2.0), POINTS)


def sigmoid(x):
    return special.expit(x)


def random_correlation_factors(rng):
    """POINTS Cholesky factors of random K x K correlation matrices."""
    matrices = rng.normal(size=(POINTS, K, K))
    covariances = matrices @ np.swapaxes(matrices, -1, -2) + np.eye(K)
    scales = np.sqrt(np.diagonal(covariances, axis1=-2, axis2=-1))
    return np.linalg.cholesky(covariances / (scales[..., :, None] * scales[..., None, :]))


def lkj_cholesky_reference(x, p):
    """Stan's lkj_corr_cholesky_lpdf: sum_{k>=1} (K - k - 1 + 2 (eta - 1)) log L_kk minus the
    log of the normaliser of Lewandowski, Kurowicka and Joe (2009), eq. 16, with scipy's betaln."""
    eta = p["concentration"]
    log_normaliser = sum((2 * eta - 2 + K - k) * (K - k) * np.log(2.0)
                         + (K - k) * special.betaln(eta + (K - k - 1) / 2, eta + (K - k - 1) / 2)
                         for k in range(1, K))
    exponents = K - np.arange(K) - 1 + 2 * (eta[:, None] - 1)
    return np.sum(exponents[:, 1:] * np.log(np.diagonal(x, axis1=-2, axis2=-1)[:, 1:]), axis=-1) - log_normaliser


def loc_scale(rng):
    return {"loc": real(rng), "scale": positive(rng)}


def around_loc(rng, p):
    return p["loc"] + p["scale"] * rng.normal(0.0, 2.0, POINTS)


def above_loc(rng, p):
    return p["loc"] + p["scale"] * np.abs(rng.normal(0.0, 2.0, POINTS)) + 1e-3


def student_parameters(rng):
    return {"df": positive(rng, 0.5, 30.0), **loc_scale(rng)}


def binomial_parameters(name):
    def draw(rng):
        total_count = rng.integers(0, 40, POINTS).astype(float)
        return {"total_count": total_count, name: real(rng, 2.0) if name == "logits" else unit(rng)}
    return draw


def up_to_total(rng, p):
    return np.floor(rng.uniform(0.0, 1.0, POINTS) * (p["total_count"] + 1))


def negative_binomial_parameters(name):
    def draw(rng):
        return {"total_count": positive(rng, 0.3, 40.0), name: real(rng, 2.0) if name == "logits" else unit(rng)}
    return draw


def categorical_scipy(log_probabilities):
    def log_pmf(x, p):
        table = log_probabilities(p)
        return np.array([stats.multinomial.logpmf(np.eye(K)[int(k)], 1, np.exp(row)) for k, row in zip(x, table)])
    return log_pmf


def multinomial_parameters(name):
    def draw(rng):
        total_count = rng.integers(0, 25, POINTS).astype(float)
        return {"total_count": total_count, name: rng.normal(0, 2, (POINTS, K)) if name == "logits" else simplex(rng)}
    return draw


def multinomial_counts(rng, p):
    """POINTS count vectors summing to their total_count (some categories 0)."""
    return np.array([rng.multinomial(int(n), np.full(K, 1.0 / K)) for n in p["total_count"]], dtype=float)


def multinomial_scipy(probabilities):
    def log_pmf(x, p):
        return np.array([stats.multinomial.logpmf(v, int(n), q)
                         for v, n, q in zip(x, p["total_count"], probabilities(p))])
    return log_pmf


def geometric_parameters(name):
    def draw(rng):
        return {name: real(rng, 2.0) if name == "logits" else unit(rng)}
    return draw


def nb2_parameters(rng):
    return {"mean": positive(rng, 0.3, 30.0), "concentration": positive(rng, 0.3, 40.0)}


def nb2_scipy(x, p):
    """NegativeBinomial2(mean, phi) is scipy's nbinom(phi, phi / (mean + phi))."""
    return stats.nbinom.logpmf(x, p["concentration"], p["concentration"] / (p["mean"] + p["concentration"]))


def with_gate(parameters):
    def draw(rng):
        return {**parameters(rng), "gate": unit(rng)}
    return draw


def counts_with_zeros(rng, p):
    """Counts, a quarter of them 0 (the zero-inflated and hurdle families score zeros by a case of their own)."""
    return np.where(rng.random(POINTS) < 0.25, 0.0, counts(rng))


def zero_inflated_scipy(count_log_pmf):
    def log_pmf(x, p):
        gate = p["gate"]
        return np.where(x == 0, np.log(gate + (1 - gate) * np.exp(count_log_pmf(0.0, p))),
                        np.log1p(-gate) + count_log_pmf(x, p))
    return log_pmf


def hurdle_scipy(count_log_pmf):
    def log_pmf(x, p):
        gate = p["gate"]
        return np.where(x == 0, np.log(gate),
                        np.log1p(-gate) + count_log_pmf(x, p) - np.log1p(-np.exp(count_log_pmf(0.0, p))))
    return log_pmf


def truncated_normal_parameters(rng):
    """Intervals about the location, in either tail (10 to 30 scales out) and one-sided."""
    loc, scale = real(rng), positive(rng)
    start = rng.choice([-30.0, -12.0, -2.0, 0.5, 10.0], POINTS) + rng.uniform(-0.5, 0.5, POINTS)
    width = positive(rng, 0.1, 6.0)
    low, high = loc + scale * start, loc + scale * (start + width)
    low[::7], high[3::7] = -np.inf, np.inf
    return {"loc": loc, "scale": scale, "low": low, "high": high}


def inside_interval(rng, p):
    low = np.where(np.isfinite(p["low"]), p["low"], p["high"] - 3 * p["scale"])
    high = np.where(np.isfinite(p["high"]), p["high"], low + 3 * p["scale"])
    return low + (high - low) * unit(rng)


def kumaraswamy_reference(x, p):
    """a b x^(a-1) (1 - x^a)^(b-1), the derivative of the cdf 1 - (1 - x^a)^b (Kumaraswamy 1980)."""
    a, b = p["concentration1"], p["concentration0"]
    return np.log(a * b) + (a - 1) * np.log(x) + (b - 1) * np.log1p(-x ** a)


def ordered_parameters(rng):
    """Increasing cutpoints (K of them: the outcome is 0 ... K) and a location."""
    steps = np.concatenate([rng.normal(0, 2, (POINTS, 1)), positive(rng, 0.05, 3.0)[:, None]
                            * rng.uniform(0.3, 1.5, (POINTS, K - 1))], axis=1)
    return {"cutpoints": np.cumsum(steps, axis=1), "loc": real(rng, 2.0)}


def ordered_scipy(cdf):
    """log(F(c[k] - loc) - F(c[k-1] - loc)) with c[-1] = -inf, c[K] = inf, F scipy's cdf of a
    symmetric law: as F(loc - c[k-1]) - F(loc - c[k]) where both lie above loc, so that it does
    not underflow there."""
    def log_pmf(x, p):
        edges = np.concatenate([np.full((POINTS, 1), -np.inf), p["cutpoints"], np.full((POINTS, 1), np.inf)], axis=1)
        k = x.astype(int)
        rows = np.arange(POINTS)
        low, high = edges[rows, k] - p["loc"], edges[rows, k + 1] - p["loc"]
        return np.where(low > 0, np.log(cdf(-low) - cdf(-high)), np.log(cdf(high) - cdf(low)))
    return log_pmf


ROWS = [
    Row("Normal", ("loc", "scale"), loc_scale, around_loc,
        lambda x, p: stats.norm.logpdf(x, p["loc"], p["scale"])),
    Row("HalfNormal", ("scale",), lambda r: {"scale": positive(r)},
        lambda r, p: p["scale"] * np.abs(r.normal(0, 2, POINTS)) + 1e-3,
        lambda x, p: stats.halfnorm.logpdf(x, scale=p["scale"])),
    Row("LogNormal", ("loc", "scale"), lambda r: {"loc": real(r, 1.0), "scale": positive(r, 0.2, 2.0)},
        lambda r, p: np.exp(p["loc"] + p["scale"] * r.normal(0, 1.5, POINTS)),
        lambda x, p: stats.lognorm.logpdf(x, s=p["scale"], scale=np.exp(p["loc"]))),
    Row("StudentT", ("df", "loc", "scale"), student_parameters, around_loc,
        lambda x, p: stats.t.logpdf(x, p["df"], p["loc"], p["scale"])),
    Row("HalfStudentT", ("df", "loc", "scale"), student_parameters, above_loc,
        lambda x, p: np.log(2.0) + stats.t.logpdf(x, p["df"], p["loc"], p["scale"])),
    Row("Cauchy", ("loc", "scale"), loc_scale, around_loc,
        lambda x, p: stats.cauchy.logpdf(x, p["loc"], p["scale"])),
    Row("HalfCauchy", ("loc", "scale"), loc_scale, above_loc,
        lambda x, p: stats.halfcauchy.logpdf(x, p["loc"], p["scale"])),
    Row("Exponential", ("rate",), lambda r: {"rate": positive(r)},
        lambda r, p: r.exponential(2.0, POINTS) / p["rate"] + 1e-3,
        lambda x, p: stats.expon.logpdf(x, scale=1.0 / p["rate"])),
    Row("Gamma", ("concentration", "rate"), lambda r: {"concentration": positive(r, 0.3, 20.0), "rate": positive(r)},
        lambda r, p: positive(r, 0.05, 10.0),
        lambda x, p: stats.gamma.logpdf(x, p["concentration"], scale=1.0 / p["rate"])),
    Row("InverseGamma", ("concentration", "scale"),
        lambda r: {"concentration": positive(r, 0.3, 20.0), "scale": positive(r)},
        lambda r, p: positive(r, 0.05, 10.0),
        lambda x, p: stats.invgamma.logpdf(x, p["concentration"], scale=p["scale"])),
    Row("Beta", ("concentration1", "concentration0"),
        lambda r: {"concentration1": positive(r, 0.3, 20.0), "concentration0": positive(r, 0.3, 20.0)},
        lambda r, p: unit(r),
        lambda x, p: stats.beta.logpdf(x, p["concentration1"], p["concentration0"])),
    Row("Uniform", ("low", "high"), lambda r: (lambda low: {"low": low, "high": low + positive(r)})(real(r)),
        lambda r, p: p["low"] + (p["high"] - p["low"]) * unit(r),
        lambda x, p: stats.uniform.logpdf(x, p["low"], p["high"] - p["low"])),
    Row("Laplace", ("loc", "scale"), loc_scale, around_loc,
        lambda x, p: stats.laplace.logpdf(x, p["loc"], p["scale"])),
    Row("Logistic", ("loc", "scale"), loc_scale, around_loc,
        lambda x, p: stats.logistic.logpdf(x, p["loc"], p["scale"])),
    Row("Weibull", ("concentration", "scale"), lambda r: {"concentration": positive(r, 0.3, 8.0), "scale": positive(r)},
        lambda r, p: p["scale"] * positive(r, 0.05, 3.0),
        lambda x, p: stats.weibull_min.logpdf(x, p["concentration"], scale=p["scale"])),
    Row("Chi2", ("df",), lambda r: {"df": positive(r, 0.5, 30.0)}, lambda r, p: positive(r, 0.05, 40.0),
        lambda x, p: stats.chi2.logpdf(x, p["df"])),
    Row("Bernoulli", ("logits",), lambda r: {"logits": real(r, 2.0)},
        lambda r, p: r.integers(0, 2, POINTS).astype(float),
        lambda x, p: stats.bernoulli.logpmf(x, sigmoid(p["logits"]))),
    Row("Bernoulli", ("probs",), lambda r: {"probs": unit(r)},
        lambda r, p: r.integers(0, 2, POINTS).astype(float),
        lambda x, p: stats.bernoulli.logpmf(x, p["probs"])),
    Row("Binomial", ("total_count", "logits"), binomial_parameters("logits"), up_to_total,
        lambda x, p: stats.binom.logpmf(x, p["total_count"], sigmoid(p["logits"]))),
    Row("Binomial", ("total_count", "probs"), binomial_parameters("probs"), up_to_total,
        lambda x, p: stats.binom.logpmf(x, p["total_count"], p["probs"])),
    Row("BetaBinomial", ("total_count", "concentration1", "concentration0"),
        lambda r: {"total_count": r.integers(0, 40, POINTS).astype(float),
                   "concentration1": positive(r, 0.3, 20.0), "concentration0": positive(r, 0.3, 20.0)},
        up_to_total,
        lambda x, p: stats.betabinom.logpmf(x, p["total_count"], p["concentration1"], p["concentration0"])),
    Row("Poisson", ("rate",), lambda r: {"rate": positive(r, 0.1, 30.0)}, lambda r, p: counts(r, 40),
        lambda x, p: stats.poisson.logpmf(x, p["rate"])),
    Row("Poisson", ("log_rate",), lambda r: {"log_rate": real(r, 1.5)}, lambda r, p: counts(r, 40),
        lambda x, p: stats.poisson.logpmf(x, np.exp(p["log_rate"]))),
    # TFP counts successes, probs the success probability; scipy's nbinom counts the other outcome
    Row("NegativeBinomial", ("total_count", "logits"), negative_binomial_parameters("logits"), lambda r, p: counts(r),
        lambda x, p: stats.nbinom.logpmf(x, p["total_count"], sigmoid(-p["logits"]))),
    Row("NegativeBinomial", ("total_count", "probs"), negative_binomial_parameters("probs"), lambda r, p: counts(r),
        lambda x, p: stats.nbinom.logpmf(x, p["total_count"], 1.0 - p["probs"])),
    Row("Gumbel", ("loc", "scale"), loc_scale, around_loc,
        lambda x, p: stats.gumbel_r.logpdf(x, p["loc"], p["scale"])),
    Row("Pareto", ("concentration", "scale"), lambda r: {"concentration": positive(r, 0.3, 8.0), "scale": positive(r)},
        lambda r, p: p["scale"] * positive(r, 1.0, 20.0),
        lambda x, p: stats.pareto.logpdf(x, p["concentration"], scale=p["scale"])),
    Row("Pareto", ("concentration",), lambda r: {"concentration": positive(r, 0.3, 8.0)},
        lambda r, p: positive(r, 1.0, 20.0),
        lambda x, p: stats.pareto.logpdf(x, p["concentration"])),
    Row("VonMises", ("loc", "concentration"),
        lambda r: {"loc": real(r, 2.0), "concentration": positive(r, 0.01, 800.0)},
        lambda r, p: p["loc"] + r.uniform(-np.pi, np.pi, POINTS),
        lambda x, p: stats.vonmises.logpdf(x, p["concentration"], loc=p["loc"])),
    Row("SkewNormal", ("loc", "scale", "skewness"), lambda r: {**loc_scale(r), "skewness": real(r, 4.0)},
        around_loc, lambda x, p: stats.skewnorm.logpdf(x, p["skewness"], p["loc"], p["scale"])),
    Row("TruncatedNormal", ("loc", "scale", "low", "high"), truncated_normal_parameters, inside_interval,
        lambda x, p: stats.truncnorm.logpdf(x, (p["low"] - p["loc"]) / p["scale"], (p["high"] - p["loc"]) / p["scale"],
                                            p["loc"], p["scale"])),
    Row("Kumaraswamy", ("concentration1", "concentration0"),
        lambda r: {"concentration1": positive(r, 0.3, 10.0), "concentration0": positive(r, 0.3, 10.0)},
        lambda r, p: unit(r), kumaraswamy_reference),
    Row("LogitNormal", ("loc", "scale"), lambda r: {"loc": real(r, 1.5), "scale": positive(r, 0.2, 3.0)},
        lambda r, p: unit(r),
        lambda x, p: stats.norm.logpdf(special.logit(x), p["loc"], p["scale"]) - np.log(x) - np.log1p(-x)),
    # TFP's Geometric counts the failures before the first success; scipy's geom the trials
    Row("Geometric", ("logits",), geometric_parameters("logits"), lambda r, p: counts(r),
        lambda x, p: stats.geom.logpmf(x + 1, sigmoid(p["logits"]))),
    Row("Geometric", ("probs",), geometric_parameters("probs"), lambda r, p: counts(r),
        lambda x, p: stats.geom.logpmf(x + 1, p["probs"])),
    Row("NegativeBinomial2", ("mean", "concentration"), nb2_parameters, lambda r, p: counts(r), nb2_scipy),
    Row("ZeroInflatedPoisson", ("rate", "gate"), with_gate(lambda r: {"rate": positive(r, 0.1, 30.0)}),
        counts_with_zeros, zero_inflated_scipy(lambda x, p: stats.poisson.logpmf(x, p["rate"]))),
    Row("ZeroInflatedNegativeBinomial2", ("mean", "concentration", "gate"), with_gate(nb2_parameters),
        counts_with_zeros, zero_inflated_scipy(nb2_scipy)),
    Row("HurdlePoisson", ("rate", "gate"), with_gate(lambda r: {"rate": positive(r, 0.01, 30.0)}),
        counts_with_zeros, hurdle_scipy(lambda x, p: stats.poisson.logpmf(x, p["rate"]))),
    Row("HurdleNegativeBinomial2", ("mean", "concentration", "gate"), with_gate(nb2_parameters),
        counts_with_zeros, hurdle_scipy(nb2_scipy)),
    Row("OrderedLogistic", ("cutpoints", "loc"), ordered_parameters,
        lambda r, p: r.integers(0, K + 1, POINTS).astype(float), ordered_scipy(special.expit), size=K),
    Row("OrderedProbit", ("cutpoints", "loc"), ordered_parameters,
        lambda r, p: r.integers(0, K + 1, POINTS).astype(float), ordered_scipy(stats.norm.cdf), size=K),
    Row("Categorical", ("logits",), lambda r: {"logits": r.normal(0, 2, (POINTS, K))},
        lambda r, p: r.integers(0, K, POINTS).astype(float),
        categorical_scipy(lambda p: special.log_softmax(p["logits"], axis=-1)), size=K),
    Row("Categorical", ("probs",), lambda r: {"probs": simplex(r)},
        lambda r, p: r.integers(0, K, POINTS).astype(float),
        categorical_scipy(lambda p: np.log(p["probs"])), size=K),
    Row("Dirichlet", ("concentration",),
        lambda r: {"concentration": np.exp(r.uniform(np.log(0.3), np.log(10.0), (POINTS, K)))},
        lambda r, p: simplex(r),
        lambda x, p: np.array([stats.dirichlet.logpdf(v, a) for v, a in zip(x, p["concentration"])]), size=K),
    Row("Multinomial", ("total_count", "probs"), multinomial_parameters("probs"), multinomial_counts,
        multinomial_scipy(lambda p: p["probs"]), size=K),
    Row("Multinomial", ("total_count", "logits"), multinomial_parameters("logits"), multinomial_counts,
        multinomial_scipy(lambda p: special.softmax(p["logits"], axis=-1)), size=K),
    Row("LKJCholesky", ("dimension", "concentration"), lambda r: {"concentration": positive(r, 0.3, 5.0)},
        lambda r, p: random_correlation_factors(r), lkj_cholesky_reference, size=K),
]


def draw(row: Row, seed: int = 0):
    rng = np.random.default_rng([seed, sum(map(ord, row.id))])
    parameters = row.parameters(rng)
    return row.value(rng, parameters), parameters


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.id)
def test_log_density_matches_scipy(row):
    x, parameters = draw(row)
    ours = density.numpy_log_density(row.family, row.given, row.size)(x, **parameters)
    expected = row.scipy(x, parameters)
    assert ours.shape == (POINTS,)
    assert np.all(np.isfinite(expected))
    np.testing.assert_allclose(ours, expected, rtol=1e-10, atol=1e-12)


def _entry(index: str) -> tuple[int, ...]:
    """The event entry of a derivative's name: "2]" → (2,), "1, 1]" → (1, 1)."""
    return tuple(int(i) for i in index[:-1].split(","))


def _perturbed(row, x, parameters, name, offset):
    """(x, parameters) with the input called `name` ("x", "scale", "logits[2]") moved by offset."""
    base, _, index = name.partition("[")
    values = {"x": x, **parameters}
    moved = np.array(values[base], dtype=float, copy=True)
    if index:
        moved[(..., *_entry(index))] += offset
    else:
        moved += offset
    values[base] = moved
    return values.pop("x"), values


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.id)
def test_derivatives_match_finite_differences(row):
    """Each SymPy derivative against a five-point central difference of the NumPy log density."""
    x, parameters = draw(row, seed=1)
    log_density = density.numpy_log_density(row.family, row.given, row.size)
    derivatives = density.numpy_log_density_derivatives(row.family, row.given, row.size)(x, **parameters)
    assert set(derivatives) == set(density.log_density_derivatives(row.family, row.given, row.size))
    value = log_density(x, **parameters)
    for name, analytic in derivatives.items():
        base, _, index = name.partition("[")
        at = {"x": x, **parameters}[base]
        at = at[(..., *_entry(index))] if index else at
        step = 1e-4 * np.maximum(np.abs(at), 1e-2)
        estimates = []
        for multiple in (-2, -1, 1, 2):
            moved_x, moved = _perturbed(row, x, parameters, name, multiple * step)
            estimates.append(log_density(moved_x, **moved))
        finite_difference = (estimates[0] - 8 * estimates[1] + 8 * estimates[2] - estimates[3]) / (12 * step)
        # relative 1e-6, plus the difference quotient's rounding error, about eps |log p| / step
        rounding = 1e-13 * (1.0 + np.abs(value)) / step
        np.testing.assert_array_less(np.abs(analytic - finite_difference),
                                     1e-6 * np.abs(finite_difference) + rounding, err_msg=name)


def test_derivatives_are_taken_for_the_value_and_real_parameters():
    assert set(density.log_density_derivatives("Normal", ("loc", "scale"))) == {"x", "loc", "scale"}
    # an integer total_count and a discrete value are not differentiated
    assert set(density.log_density_derivatives("Binomial", ("total_count", "logits"))) == {"logits"}
    # NegativeBinomial's total_count is real
    assert set(density.log_density_derivatives("NegativeBinomial", ("total_count", "probs"))) == {
        "total_count", "probs"}
    assert set(density.log_density_derivatives("Dirichlet", ("concentration",), size=2)) == {
        "x[0]", "x[1]", "concentration[0]", "concentration[1]"}


def test_every_family_has_a_log_density_or_is_deferred():
    for declaration in set(DISTRIBUTIONS.values()):
        deferred = declaration.name in DEFERRED_TO_HAND_WRITTEN_RULES
        assert (declaration.log_density is None) == deferred, declaration.name
        if deferred:
            given = density.parameterisations(declaration)[0]
            with pytest.raises(NotImplementedError):
                density.log_density_expression(declaration.name, given)


def test_every_parameterisation_has_a_row():
    tested = {(row.family, row.given) for row in ROWS}
    for declaration in set(DISTRIBUTIONS.values()):
        if declaration.log_density is not None:
            for given in density.parameterisations(declaration):
                assert (declaration.name, given) in tested, (declaration.name, given)


def test_scalar_families_print_as_numba_code():
    """The compiler inlines the scalar families' expressions: every function in them
    and in their derivatives must be in the Numba printer's table."""
    from codegen.sympy_numba import emit_assignments

    for row in ROWS:
        if row.size is None:
            expression, _, _ = density.log_density_expression(row.family, row.given)
            outputs = {"log_density": expression}
            derivatives = density.log_density_derivatives(row.family, row.given)
            outputs.update({f"d_{name}": derivative for name, derivative in derivatives.items()})
            assert emit_assignments(outputs)


def test_expression_symbols_and_defaults():
    expression, x, symbols = density.log_density_expression("Normal", ("loc", "scale"))
    assert set(symbols) == {"loc", "scale"} and symbols["scale"].is_positive and x.is_real
    # a parameter left out takes TFP's default: Uniform(high=h) is Uniform(0, h)
    expression, x, symbols = density.log_density_expression("Uniform", ("high",))
    assert set(symbols) == {"high"}
    assert float(expression.subs(symbols["high"], 4)) == pytest.approx(-np.log(4.0))


@pytest.mark.parametrize("family, given, size, error", [
    ("Bernoulli", ("logits", "probs"), None, ValueError),      # both alternatives
    ("Bernoulli", (), None, ValueError),                        # neither
    ("Normal", ("loc",), None, ValueError),                     # a required parameter missing
    ("Normal", ("loc", "sigma"), None, ValueError),              # not a parameter
    ("Categorical", ("logits",), None, ValueError),             # vector parameters need a size
    ("Normal", ("loc", "scale"), 3, ValueError),                # scalar families take no size
    ("Nomral", ("loc", "scale"), None, KeyError),               # no such family
    ("MVN", ("loc", "covariance_matrix"), None, NotImplementedError),
])
def test_bad_requests_raise(family, given, size, error):
    with pytest.raises(error):
        density.log_density_expression(family, given, size)


def test_numpy_log_density_broadcasts_and_checks_arguments():
    normal = density.numpy_log_density("Normal", ("loc", "scale"))
    assert normal(np.zeros((3, 1)), loc=np.zeros(4), scale=1.0).shape == (3, 4)
    assert np.shape(normal(0.0, loc=0.0, scale=1.0)) == ()
    uniform = density.numpy_log_density("Uniform", ("low", "high"))
    assert uniform(np.zeros(5), low=0.0, high=np.e).tolist() == [-1.0] * 5
    with pytest.raises(TypeError):
        normal(0.0, loc=0.0)
    # the logits forms are stable far out
    bernoulli = density.numpy_log_density("Bernoulli", ("logits",))
    np.testing.assert_allclose(bernoulli(np.array([1.0, 0.0]), logits=np.array([-800.0, 800.0])), [-800.0, -800.0])


def test_special_functions_match_scipy():
    rng = np.random.default_rng(3)
    x = np.concatenate([np.exp(rng.uniform(-6, 6, 500)), np.linspace(0.5, 3.0, 51), np.arange(1.0, 60.0),
                        -np.exp(rng.uniform(-3, 3, 50))])
    np.testing.assert_allclose(special_functions.lgamma(x), special.gammaln(x), rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(special_functions.digamma(x), special.digamma(x), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(special_functions.trigamma(x), special.polygamma(1, x), rtol=1e-12, atol=1e-13)
    assert np.isinf(special_functions.lgamma(np.array([0.0, -1.0, -2.0]))).all()


def test_importing_ppl_does_not_import_sympy():
    code = ("import sys, ppl, ppl.catalogue.distributions, ppl.catalogue.declare; "
            "print('sympy' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
