"""cdf and log_cdf of the families built on the incomplete gamma and beta functions,
and of the discrete families, against scipy.

One table, CASES, names each family's constructor, random (batched) parameters
and its scipy.stats twin; the generic tests run over every row: cdf and log_cdf
at points from both tails to the body, monotonicity, the limits 0 and 1.
Separate tests check log_cdf where the cdf underflows (against closed forms or
leading asymptotic terms) and the special functions themselves against
scipy.special over a grid with a from 1e-3 to 1e4.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest
import scipy.special
import scipy.stats as st

import ppl.distributions as tfd
from ppl.catalogue import special_functions as special

BATCH = (4,)
# quantiles from the far tails to the body; scipy's ppf maps them to points
QUANTILES = np.array([1e-12, 1e-8, 1e-4, 0.01, 0.2, 0.5, 0.8, 0.99, 1 - 1e-4, 1 - 1e-8])


@dataclass
class Case:
    name: str
    make: Callable                 # make(**parameters) -> Distribution
    parameters: Callable           # parameters(rng, shape) -> dict
    oracle: Callable               # oracle(parameters) -> frozen scipy.stats distribution
    discrete: bool = False


def _positive(rng, shape, low=0.5, high=5.0):
    return rng.uniform(low, high, size=shape)


def _categorical_oracle(parameters):
    probs = scipy.special.softmax(parameters["logits"], axis=-1)

    class Oracle:
        """scipy has no batched categorical: its cdf is the running sum, done here with cumsum."""

        @staticmethod
        def cdf(x):
            cumulative = np.cumsum(probs, axis=-1)
            k = np.floor(x)
            index = np.clip(k, 0, probs.shape[-1] - 1).astype(int)
            gathered = np.take_along_axis(np.broadcast_to(cumulative, index.shape + probs.shape[-1:]),
                                          index[..., None], -1)[..., 0]
            return np.where(k < 0, 0.0, np.where(k >= probs.shape[-1] - 1, 1.0, gathered))

        @staticmethod
        def logcdf(x):
            with np.errstate(divide="ignore"):
                return np.log(Oracle.cdf(x))

        @staticmethod
        def ppf(q):
            return np.sum(np.cumsum(probs, axis=-1) < np.asarray(q)[..., None], axis=-1).astype(float)

    return Oracle


class _HalfStudentTOracle:
    """scipy has no half-t: P(|T| <= z) = I_(z²/(ν + z²))(1/2, ν/2), which keeps the digits
    of both tails (1 - 2 sf(z) loses them near z = 0)."""

    def __init__(self, df, loc, scale):
        self.t, self.df, self.loc, self.scale = st.t(df), df, loc, scale

    def cdf(self, x):
        z = np.maximum((x - self.loc) / self.scale, 0.0)
        return scipy.special.betainc(0.5, self.df / 2, z ** 2 / (self.df + z ** 2))

    def logcdf(self, x):
        z = np.maximum((x - self.loc) / self.scale, 0.0)
        with np.errstate(divide="ignore"):
            return np.where(self.cdf(x) < 0.5, np.log(self.cdf(x)),
                            np.log1p(-scipy.special.betainc(self.df / 2, 0.5, self.df / (self.df + z ** 2))))

    def ppf(self, q):
        return self.loc + self.scale * self.t.isf((1 - q) / 2)


CASES = [
    Case("Gamma", tfd.Gamma, lambda r, s: dict(concentration=_positive(r, s, 0.3, 40), rate=_positive(r, s)),
         lambda p: st.gamma(p["concentration"], scale=1 / p["rate"])),
    Case("Chi2", tfd.Chi2, lambda r, s: dict(df=_positive(r, s, 0.5, 30)), lambda p: st.chi2(p["df"])),
    Case("InverseGamma", tfd.InverseGamma,
         lambda r, s: dict(concentration=_positive(r, s, 0.5, 20), scale=_positive(r, s)),
         lambda p: st.invgamma(p["concentration"], scale=p["scale"])),
    Case("Beta", tfd.Beta, lambda r, s: dict(concentration1=_positive(r, s, 0.3, 50),
                                             concentration0=_positive(r, s, 0.3, 50)),
         lambda p: st.beta(p["concentration1"], p["concentration0"])),
    Case("StudentT", tfd.StudentT, lambda r, s: dict(df=_positive(r, s, 0.5, 30), loc=r.normal(size=s),
                                                     scale=_positive(r, s)),
         lambda p: st.t(p["df"], p["loc"], p["scale"])),
    Case("HalfStudentT", tfd.HalfStudentT, lambda r, s: dict(df=_positive(r, s, 0.5, 30), loc=r.normal(size=s),
                                                             scale=_positive(r, s)),
         lambda p: _HalfStudentTOracle(p["df"], p["loc"], p["scale"])),
    Case("Bernoulli(probs)", lambda probs: tfd.Bernoulli(probs=probs),
         lambda r, s: dict(probs=r.uniform(0.05, 0.95, s)), lambda p: st.bernoulli(p["probs"]), discrete=True),
    Case("Bernoulli(logits)", lambda logits: tfd.Bernoulli(logits=logits), lambda r, s: dict(logits=r.normal(size=s)),
         lambda p: st.bernoulli(scipy.special.expit(p["logits"])), discrete=True),
    Case("Binomial(probs)", lambda total_count, probs: tfd.Binomial(total_count, probs=probs),
         lambda r, s: dict(total_count=r.integers(1, 200, s).astype(float), probs=r.uniform(0.05, 0.95, s)),
         lambda p: st.binom(p["total_count"], p["probs"]), discrete=True),
    Case("Binomial(logits)", lambda total_count, logits: tfd.Binomial(total_count, logits=logits),
         lambda r, s: dict(total_count=r.integers(1, 200, s).astype(float), logits=2 * r.normal(size=s)),
         lambda p: st.binom(p["total_count"], scipy.special.expit(p["logits"])), discrete=True),
    Case("BetaBinomial", tfd.BetaBinomial,
         lambda r, s: dict(total_count=r.integers(1, 60, s).astype(float), concentration1=_positive(r, s),
                           concentration0=_positive(r, s)),
         lambda p: st.betabinom(p["total_count"], p["concentration1"], p["concentration0"]), discrete=True),
    Case("Poisson(rate)", lambda rate: tfd.Poisson(rate=rate), lambda r, s: dict(rate=_positive(r, s, 0.1, 300)),
         lambda p: st.poisson(p["rate"]), discrete=True),
    Case("Poisson(log_rate)", lambda log_rate: tfd.Poisson(log_rate=log_rate),
         lambda r, s: dict(log_rate=r.normal(size=s) * 2), lambda p: st.poisson(np.exp(p["log_rate"])), discrete=True),
    # TFP's NegativeBinomial counts successes (probability probs) before total_count failures:
    # scipy's nbinom(n, q) counts failures before n successes of probability q, so q = 1 - probs
    Case("NegativeBinomial(probs)", lambda total_count, probs: tfd.NegativeBinomial(total_count, probs=probs),
         lambda r, s: dict(total_count=_positive(r, s, 0.5, 40), probs=r.uniform(0.05, 0.95, s)),
         lambda p: st.nbinom(p["total_count"], 1 - p["probs"]), discrete=True),
    Case("NegativeBinomial(logits)", lambda total_count, logits: tfd.NegativeBinomial(total_count, logits=logits),
         lambda r, s: dict(total_count=_positive(r, s, 0.5, 40), logits=r.normal(size=s)),
         lambda p: st.nbinom(p["total_count"], scipy.special.expit(-p["logits"])), discrete=True),
    Case("Categorical", lambda logits: tfd.Categorical(logits=logits),
         lambda r, s: dict(logits=r.normal(size=s + (5,)) * 2), _categorical_oracle, discrete=True),
]
CASE_IDS = [case.name for case in CASES]


def build(case, shape, seed=0):
    parameters = case.parameters(np.random.default_rng(seed), shape)
    return case.make(**parameters), parameters, case.oracle(parameters)


def points_for(case, oracle):
    """[len(QUANTILES) (+ offsets), *BATCH] points: the oracle's quantiles; for the discrete
    families also those plus 0.5 (the cdf there is the cdf at the integer part)."""
    points = oracle.ppf(QUANTILES.reshape((-1,) + (1,) * len(BATCH)) * np.ones(BATCH))
    if case.discrete:
        points = np.concatenate([points, points + 0.5, points - 0.25])
    return points


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_cdf_and_log_cdf_match_scipy_batched(case):
    distribution, _, oracle = build(case, BATCH, seed=1)
    x = points_for(case, oracle)
    expected = oracle.cdf(x)
    # rtol 1e-9 down to 1e-12 quantiles: both sides are accurate there (the special-function
    # test below measures ~1e-12); atol only absorbs values that are exactly 0 on one side
    np.testing.assert_allclose(distribution.cdf(x), expected, rtol=1e-9, atol=1e-300)
    # log_cdf near 0 (cdf near 1) is log1p(-survival) here, but log(cdf) in scipy, whose
    # absolute error is ~1e-16: hence the atol
    with np.errstate(divide="ignore"):
        expected_log = oracle.logcdf(x)
    finite = np.isfinite(expected_log)
    np.testing.assert_allclose(distribution.log_cdf(x)[finite], expected_log[finite], rtol=1e-9, atol=1e-14)
    assert distribution.cdf(x).shape == x.shape


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_cdf_of_scalar_parameters_broadcasts_over_points(case):
    distribution, _, oracle = build(case, (), seed=2)
    x = oracle.ppf(np.array([[1e-6, 0.3], [0.7, 1 - 1e-6]]))
    assert distribution.cdf(x).shape == (2, 2)
    np.testing.assert_allclose(distribution.cdf(x), oracle.cdf(x), rtol=1e-9)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_cdf_is_monotone_with_limits_zero_and_one(case):
    distribution, _, oracle = build(case, BATCH, seed=3)
    low, high = oracle.ppf(1e-14 * np.ones(BATCH)), oracle.ppf((1 - 1e-14) * np.ones(BATCH))
    span = high - low
    grid = np.linspace(low - 0.1 * span - 1.0, high + 0.1 * span + 1.0, 400)
    cdf = distribution.cdf(grid)
    assert np.all(cdf[1:] >= cdf[:-1] * (1 - 4 * np.finfo(float).eps)), "cdf decreases"
    log_cdf = distribution.log_cdf(grid)
    assert np.all(log_cdf[1:] >= log_cdf[:-1] - 1e-14), "log_cdf decreases"
    assert np.all((cdf >= 0) & (cdf <= 1))
    np.testing.assert_array_equal(distribution.cdf(np.full(BATCH, -np.inf)), 0.0)
    np.testing.assert_array_equal(distribution.cdf(np.full(BATCH, np.inf)), 1.0)
    np.testing.assert_array_equal(distribution.log_cdf(np.full(BATCH, np.inf)), 0.0)
    assert np.all(distribution.log_cdf(np.full(BATCH, -np.inf)) == -np.inf)


def test_discrete_cdfs_below_the_support_and_beyond_its_top():
    assert tfd.Poisson(rate=2.0).cdf(-0.5) == 0.0
    assert tfd.Binomial(5.0, probs=0.3).cdf(5.0) == 1.0 and tfd.Binomial(5.0, probs=0.3).cdf(7.5) == 1.0
    assert tfd.BetaBinomial(4.0, 2.0, 3.0).cdf(4.0) == 1.0
    assert tfd.Categorical(logits=[0.0, 1.0, 2.0]).cdf(2.0) == 1.0
    assert tfd.Bernoulli(probs=0.3).cdf(0.99) == pytest.approx(0.7, rel=1e-15)
    np.testing.assert_allclose(tfd.Categorical(probs=[0.2, 0.5, 0.3]).cdf([-0.1, 0.0, 1.7, 2.0]), [0, 0.2, 0.7, 1.0])


# ---- log_cdf where the cdf underflows ------------------------------------------------------

def test_log_cdf_is_finite_where_the_cdf_underflows():
    """Each against a closed form or its leading term (exact to rounding at these points)."""
    a, x = 5.0, 1e-100      # P(a, x) = x^a / Γ(a + 1) (1 + O(x))
    assert tfd.Gamma(a, 1.0).cdf(x) == 0.0
    np.testing.assert_allclose(tfd.Gamma(a, 1.0).log_cdf(x), a * math.log(x) - math.lgamma(a + 1), rtol=1e-13)
    np.testing.assert_allclose(tfd.Chi2(4.0).log_cdf(1e-200), 2 * math.log(1e-200 / 2) - math.lgamma(3), rtol=1e-13)
    # InverseGamma(3, 1) at x: Q(3, 1/x) = e^(-1/x) (1 + 1/x + 1/(2x²)) exactly
    z = 1000.0
    np.testing.assert_allclose(tfd.InverseGamma(3.0, 1.0).log_cdf(1 / z), -z + math.log1p(z + z * z / 2),
                               rtol=1e-13)
    # Beta(2, 3) near 0: I_x = x² / (2 B(2, 3)) (1 + O(x)), B(2, 3) = 1/12
    np.testing.assert_allclose(tfd.Beta(2.0, 3.0).log_cdf(1e-200), 2 * math.log(1e-200) + math.log(6.0), rtol=1e-13)
    # StudentT(ν) far left: F(t) = Γ((ν+1)/2) ν^(ν/2 - 1) / (Γ(ν/2) √π) |t|^-ν (1 + O(t^-2))
    nu, t = 3.0, -1e150
    leading = (math.lgamma((nu + 1) / 2) - math.lgamma(nu / 2) - 0.5 * math.log(math.pi)
               + (nu / 2 - 1) * math.log(nu) - nu * math.log(-t))
    assert tfd.StudentT(nu, 0.0, 1.0).cdf(t) == 0.0
    np.testing.assert_allclose(tfd.StudentT(nu, 0.0, 1.0).log_cdf(t), leading, rtol=1e-13)
    # HalfStudentT near its floor: P(|T| <= z) ≈ 2 z f(0) (its cdf only underflows where z² does)
    z = 1e-150
    half = math.log(2 * z) + math.lgamma((nu + 1) / 2) - math.lgamma(nu / 2) - 0.5 * math.log(nu * math.pi)
    np.testing.assert_allclose(tfd.HalfStudentT(nu, 0.0, 1.0).log_cdf(z), half, rtol=1e-12)
    np.testing.assert_allclose(tfd.Poisson(rate=1000.0).log_cdf(0.0), -1000.0, rtol=1e-14)
    np.testing.assert_allclose(tfd.Poisson(log_rate=math.log(1000.0)).log_cdf(1.0), -1000.0 + math.log(1001.0),
                               rtol=1e-13)
    np.testing.assert_allclose(tfd.Binomial(2000.0, probs=0.9).log_cdf(0.0), 2000 * math.log(0.1), rtol=1e-13)
    np.testing.assert_allclose(tfd.NegativeBinomial(400.0, logits=0.0).log_cdf(0.0), 400 * math.log(0.5),
                               rtol=1e-13)
    np.testing.assert_allclose(tfd.Bernoulli(logits=800.0).log_cdf(0.0), -800.0, rtol=1e-14)
    np.testing.assert_allclose(tfd.Categorical(logits=[-1000.0, 0.0]).log_cdf(0.0), -1000.0, rtol=1e-14)
    np.testing.assert_allclose(tfd.BetaBinomial(300.0, 50.0, 0.5).log_cdf(0.0),
                               st.betabinom(300, 50, 0.5).logpmf(0), rtol=1e-10)


def test_log_cdf_near_one_keeps_the_survival_digits():
    """log F = log1p(-S) when S is tiny: log(cdf) would round to 0."""
    survival = st.gamma(2.0).sf(60.0)
    np.testing.assert_allclose(tfd.Gamma(2.0, 1.0).log_cdf(60.0), -survival, rtol=1e-12)
    survival = st.t(5.0).sf(1e4)
    np.testing.assert_allclose(tfd.StudentT(5.0, 0.0, 1.0).log_cdf(1e4), -survival, rtol=1e-10)


# ---- the special functions --------------------------------------------------------------

SHAPES = np.logspace(-3, 4, 29)


def _gamma_grid():
    fractions = np.concatenate([np.logspace(-4, -0.01, 20), [0.9, 0.99, 1.0, 1.01, 1.1], np.logspace(0.01, 1.2, 20)])
    shape, fraction = np.meshgrid(SHAPES, fractions, indexing="ij")
    # around the body (a ± a few √a) as well as multiplicative tails
    body = SHAPES[:, None] + np.sqrt(SHAPES)[:, None] * np.linspace(-4, 4, 9)
    x = np.concatenate([shape * fraction, np.maximum(body, 1e-6)], axis=1)
    return np.broadcast_to(SHAPES[:, None], x.shape), x


def _compare(ours, theirs, body_mask, body_rtol, tail_rtol):
    representable = (theirs > 1e-300) & (theirs < 1.0)
    relative = np.abs(ours - theirs) / np.where(representable, theirs, 1.0)
    assert np.max(relative[representable & body_mask], initial=0) < body_rtol
    assert np.max(relative[representable], initial=0) < tail_rtol


def test_incomplete_gamma_matches_scipy_over_a_from_1e_minus_3_to_1e4():
    a, x = _gamma_grid()
    lower, upper = scipy.special.gammainc(a, x), scipy.special.gammaincc(a, x)
    body = (lower > 1e-3) & (upper > 1e-3)
    # body: observed ≤ 3e-13 (the worst at a = 1e-3, where Q = 1 - P); tails: the
    # prefactor's exponent is hundreds, so ~1e-12 relative is the conditioning, not an error
    _compare(special.gammainc(a, x), lower, body, 2e-12, 2e-11)
    _compare(special.gammaincc(a, x), upper, body, 2e-12, 2e-11)
    log_lower, log_upper = special.log_incomplete_gamma(a, x)
    shown = lower > 1e-300
    np.testing.assert_allclose(log_lower[shown], np.log(lower[shown]), rtol=1e-12, atol=2e-12)
    shown = upper > 1e-300
    np.testing.assert_allclose(log_upper[shown], np.log(upper[shown]), rtol=1e-12, atol=2e-12)


def test_incomplete_gamma_edges():
    assert special.gammainc(2.0, 0.0) == 0.0 and special.gammaincc(2.0, 0.0) == 1.0
    assert special.gammainc(2.0, np.inf) == 1.0 and special.gammaincc(2.0, np.inf) == 0.0
    assert np.isnan(special.gammainc(-1.0, 1.0)) and np.isnan(special.gammainc(1.0, np.nan))
    # a = 1: P = 1 - e^-x exactly
    x = np.logspace(-8, 2, 50)
    np.testing.assert_allclose(special.gammainc(1.0, x), -np.expm1(-x), rtol=1e-14)


def test_incomplete_beta_matches_scipy_over_a_and_b_from_1e_minus_3_to_1e4():
    a, b = np.meshgrid(SHAPES[::2], SHAPES[::2], indexing="ij")
    a, b = a[..., None], b[..., None]
    mean = a / (a + b)
    spread = np.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
    near_the_mean = np.clip(mean + spread * np.linspace(-4, 4, 9), 1e-300, 1 - 1e-16)
    fixed = np.broadcast_to(np.concatenate([np.logspace(-12, -1, 6), np.linspace(0.2, 0.8, 4),
                                            1 - np.logspace(-1, -12, 6)]), a.shape[:2] + (16,))
    x = np.concatenate([near_the_mean, fixed], axis=-1)
    a, b = np.broadcast_to(a, x.shape), np.broadcast_to(b, x.shape)
    expected = scipy.special.betainc(a, b, x)
    body = (expected > 1e-3) & (expected < 1 - 1e-3)
    # body: observed ≤ 1.5e-12 (near x = 1 with b = 1e-3, where I is 1 - (the mirrored
    # fraction)); tails: scipy itself is off there — at a = 3162, b = 31.6, x = 0.794
    # mpmath gives 1.2735356335769e-264, ours 1.2735356335770e-264, scipy 1.2735356303e-264
    _compare(special.betainc(a, b, x), expected, body, 5e-12, 1e-8)
    log_lower, log_upper = special.log_incomplete_beta(a, b, x)
    shown = expected > 1e-300
    np.testing.assert_allclose(log_lower[shown], np.log(expected[shown]), rtol=1e-10, atol=1e-12)
    # in the body 1 - I is well conditioned (scipy's betainc(b, a, 1 - x) is not: 1 - 1e-300 is 1)
    np.testing.assert_allclose(np.exp(log_upper[body]), 1 - expected[body], rtol=5e-12, atol=1e-15)


def test_incomplete_beta_edges_and_closed_forms():
    assert special.betainc(2.0, 3.0, 0.0) == 0.0 and special.betainc(2.0, 3.0, 1.0) == 1.0
    assert np.isnan(special.betainc(0.0, 3.0, 0.5))
    x = np.linspace(0.001, 0.999, 50)
    np.testing.assert_allclose(special.betainc(1.0, 1.0, x), x, rtol=1e-14)
    np.testing.assert_allclose(special.betainc(2.0, 1.0, x), x ** 2, rtol=1e-14)
    np.testing.assert_allclose(special.betainc(1.0, 3.0, x), -np.expm1(3 * np.log1p(-x)), rtol=1e-13)


def test_stirling_correction_is_continuous_at_its_switch():
    z = np.array([9.999999, 10.0, 10.000001, 1e-3, 1.0, 1e4])
    expected = scipy.special.gammaln(z) - ((z - 0.5) * np.log(z) - z + 0.5 * math.log(2 * math.pi))
    # scipy's difference of two lgammas of size z log z carries ~5e-12 absolute at z = 1e4
    # (where the series 1/(12 z) - 1/(360 z³) is exact to 1e-22)
    np.testing.assert_allclose(special.stirling_correction(z), expected, rtol=1e-9, atol=2e-11)
    assert special.stirling_correction(1e4) == pytest.approx(1 / 12e4 - 1 / 360e12, rel=1e-15)
