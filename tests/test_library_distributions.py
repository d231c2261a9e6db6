"""ppl.distributions against independent oracles, one table for every family.

Each row of ROWS builds a family from random parameters of a given batch
shape; the generic tests below run over every row: the shapes of sample,
log_prob and the moments (scalar and batched parameters, sample shapes),
log_prob against scipy.stats at the distribution's own draws, and sample
moments against the analytical mean and variance within 5 Monte Carlo
standard errors.  LKJ's normaliser is checked by numerical integration
(dimension 2) and the known volume π²/2 of the 3 x 3 correlation matrices.
"""

from __future__ import annotations

import math
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pytest
import scipy.integrate
import scipy.special
import scipy.stats as st

import ppl.distributions as tfd
from ppl.distributions import ParameterError, ShapeError
from ppl.distributions.lkj import log_normaliser

K = 3   # categories / vector size of the multivariate rows


# ---- random parameters -------------------------------------------------------------

def real(rng, shape):
    return rng.normal(size=shape)


def positive(rng, shape, low=0.5, high=3.0):
    return rng.uniform(low, high, size=shape)


def unit(rng, shape):
    return rng.uniform(0.15, 0.85, size=shape)


def counts(rng, shape):
    return rng.integers(1, 12, size=shape).astype(float)


def simplex(rng, shape):
    return scipy.special.softmax(rng.normal(size=shape + (K,)), axis=-1)


def scale_tril(rng, shape):
    lower = np.tril(rng.normal(size=shape + (K, K)) * 0.5, -1)
    return lower + np.eye(K) * rng.uniform(0.5, 2.0, size=shape + (K,))[..., None]


def each_batch_member(batch_shape, function):
    """An array over batch_shape of function(index) (for scipy's unbatched multivariate densities)."""
    result = np.empty(batch_shape)
    for index in np.ndindex(*batch_shape):
        result[index] = function(index)
    return result


# ---- the table -------------------------------------------------------------------------

@dataclass
class Row:
    name: str
    make: Callable                       # make(**parameters) -> Distribution
    parameters: Callable                 # parameters(rng, batch_shape) -> dict
    event_shape: tuple = ()
    scipy_log_prob: Callable | None = None   # scipy_log_prob(parameters, x) -> array
    moments: bool = True                 # finite mean and variance (and fourth moment) to test
    extra: dict = field(default_factory=dict)


def _multivariate_normal_scipy(covariance_of):
    def log_prob(p, x):
        covariance = covariance_of(p)
        batch = np.broadcast_shapes(x.shape[:-1], p["loc"].shape[:-1])
        x = np.broadcast_to(x, batch + (K,))
        loc = np.broadcast_to(p["loc"], batch + (K,))
        covariance = np.broadcast_to(covariance, batch + (K, K))
        return each_batch_member(batch, lambda i: st.multivariate_normal(loc[i], covariance[i]).logpdf(x[i]))
    return log_prob


def _lkj_parameters(rng, shape):
    return {"dimension": K, "concentration": positive(rng, shape)}


def _wishart_parameters(scale_name):
    """df above K - 1 and a batch of scale matrices (or their Cholesky factors)."""
    def parameters(rng, shape):
        roots = rng.normal(size=shape + (K, K))
        scale = roots @ np.swapaxes(roots, -1, -2) + K * np.eye(K)
        return {"df": K + positive(rng, shape),
                scale_name: np.linalg.cholesky(scale) if scale_name == "scale_tril" else scale}
    return parameters


ROWS = [
    Row("Normal", tfd.Normal, lambda r, s: dict(loc=real(r, s), scale=positive(r, s)),
        scipy_log_prob=lambda p, x: st.norm(p["loc"], p["scale"]).logpdf(x)),
    Row("HalfNormal", tfd.HalfNormal, lambda r, s: dict(scale=positive(r, s)),
        scipy_log_prob=lambda p, x: st.halfnorm(scale=p["scale"]).logpdf(x)),
    Row("LogNormal", tfd.LogNormal, lambda r, s: dict(loc=real(r, s) * 0.3, scale=positive(r, s, 0.2, 0.5)),
        scipy_log_prob=lambda p, x: st.lognorm(s=p["scale"], scale=np.exp(p["loc"])).logpdf(x)),
    Row("StudentT", tfd.StudentT, lambda r, s: dict(df=positive(r, s, 6, 9), loc=real(r, s), scale=positive(r, s)),
        scipy_log_prob=lambda p, x: st.t(p["df"], p["loc"], p["scale"]).logpdf(x)),
    Row("HalfStudentT", tfd.HalfStudentT,
        lambda r, s: dict(df=positive(r, s, 6, 9), loc=real(r, s), scale=positive(r, s)),
        scipy_log_prob=lambda p, x: math.log(2) + st.t(p["df"], p["loc"], p["scale"]).logpdf(x)),
    Row("Cauchy", tfd.Cauchy, lambda r, s: dict(loc=real(r, s), scale=positive(r, s)),
        scipy_log_prob=lambda p, x: st.cauchy(p["loc"], p["scale"]).logpdf(x), moments=False),
    Row("HalfCauchy", tfd.HalfCauchy, lambda r, s: dict(loc=real(r, s), scale=positive(r, s)),
        scipy_log_prob=lambda p, x: st.halfcauchy(p["loc"], p["scale"]).logpdf(x), moments=False),
    Row("Laplace", tfd.Laplace, lambda r, s: dict(loc=real(r, s), scale=positive(r, s)),
        scipy_log_prob=lambda p, x: st.laplace(p["loc"], p["scale"]).logpdf(x)),
    Row("Logistic", tfd.Logistic, lambda r, s: dict(loc=real(r, s), scale=positive(r, s)),
        scipy_log_prob=lambda p, x: st.logistic(p["loc"], p["scale"]).logpdf(x)),
    Row("Exponential", tfd.Exponential, lambda r, s: dict(rate=positive(r, s)),
        scipy_log_prob=lambda p, x: st.expon(scale=1 / p["rate"]).logpdf(x)),
    Row("Gamma", tfd.Gamma, lambda r, s: dict(concentration=positive(r, s), rate=positive(r, s)),
        scipy_log_prob=lambda p, x: st.gamma(p["concentration"], scale=1 / p["rate"]).logpdf(x)),
    Row("InverseGamma", tfd.InverseGamma, lambda r, s: dict(concentration=positive(r, s, 6, 9), scale=positive(r, s)),
        scipy_log_prob=lambda p, x: st.invgamma(p["concentration"], scale=p["scale"]).logpdf(x)),
    Row("Chi2", tfd.Chi2, lambda r, s: dict(df=positive(r, s, 1, 6)),
        scipy_log_prob=lambda p, x: st.chi2(p["df"]).logpdf(x)),
    Row("Weibull", tfd.Weibull, lambda r, s: dict(concentration=positive(r, s, 0.8, 3), scale=positive(r, s)),
        scipy_log_prob=lambda p, x: st.weibull_min(p["concentration"], scale=p["scale"]).logpdf(x)),
    Row("Beta", tfd.Beta, lambda r, s: dict(concentration1=positive(r, s), concentration0=positive(r, s)),
        scipy_log_prob=lambda p, x: st.beta(p["concentration1"], p["concentration0"]).logpdf(x)),
    Row("Uniform", tfd.Uniform, lambda r, s: (lambda low: dict(low=low, high=low + positive(r, s)))(real(r, s)),
        scipy_log_prob=lambda p, x: st.uniform(p["low"], p["high"] - p["low"]).logpdf(x)),
    Row("Bernoulli(logits)", lambda logits: tfd.Bernoulli(logits=logits), lambda r, s: dict(logits=real(r, s)),
        scipy_log_prob=lambda p, x: st.bernoulli(scipy.special.expit(p["logits"])).logpmf(x)),
    Row("Bernoulli(probs)", lambda probs: tfd.Bernoulli(probs=probs), lambda r, s: dict(probs=unit(r, s)),
        scipy_log_prob=lambda p, x: st.bernoulli(p["probs"]).logpmf(x)),
    Row("Binomial(probs)", lambda total_count, probs: tfd.Binomial(total_count, probs=probs),
        lambda r, s: dict(total_count=counts(r, s), probs=unit(r, s)),
        scipy_log_prob=lambda p, x: st.binom(p["total_count"], p["probs"]).logpmf(x)),
    Row("Binomial(logits)", lambda total_count, logits: tfd.Binomial(total_count, logits=logits),
        lambda r, s: dict(total_count=counts(r, s), logits=real(r, s)),
        scipy_log_prob=lambda p, x: st.binom(p["total_count"], scipy.special.expit(p["logits"])).logpmf(x)),
    Row("BetaBinomial", tfd.BetaBinomial,
        lambda r, s: dict(total_count=counts(r, s), concentration1=positive(r, s), concentration0=positive(r, s)),
        scipy_log_prob=lambda p, x: st.betabinom(p["total_count"], p["concentration1"],
                                                 p["concentration0"]).logpmf(x)),
    Row("Poisson(rate)", lambda rate: tfd.Poisson(rate=rate), lambda r, s: dict(rate=positive(r, s, 0.5, 8)),
        scipy_log_prob=lambda p, x: st.poisson(p["rate"]).logpmf(x)),
    Row("Poisson(log_rate)", lambda log_rate: tfd.Poisson(log_rate=log_rate), lambda r, s: dict(log_rate=real(r, s)),
        scipy_log_prob=lambda p, x: st.poisson(np.exp(p["log_rate"])).logpmf(x)),
    Row("NegativeBinomial(probs)", lambda total_count, probs: tfd.NegativeBinomial(total_count, probs=probs),
        lambda r, s: dict(total_count=positive(r, s, 1, 6), probs=unit(r, s)),
        scipy_log_prob=lambda p, x: st.nbinom(p["total_count"], 1 - p["probs"]).logpmf(x)),
    Row("NegativeBinomial(logits)", lambda total_count, logits: tfd.NegativeBinomial(total_count, logits=logits),
        lambda r, s: dict(total_count=positive(r, s, 1, 6), logits=real(r, s) * 0.5),
        scipy_log_prob=lambda p, x: st.nbinom(p["total_count"], scipy.special.expit(-p["logits"])).logpmf(x)),
    Row("Gumbel", tfd.Gumbel, lambda r, s: dict(loc=real(r, s), scale=positive(r, s)),
        scipy_log_prob=lambda p, x: st.gumbel_r(p["loc"], p["scale"]).logpdf(x), moments=False),
    Row("Pareto", tfd.Pareto, lambda r, s: dict(concentration=positive(r, s, 2.5, 6), scale=positive(r, s)),
        scipy_log_prob=lambda p, x: st.pareto(p["concentration"], scale=p["scale"]).logpdf(x), moments=False),
    Row("VonMises", tfd.VonMises, lambda r, s: dict(loc=real(r, s), concentration=positive(r, s, 0.3, 20)),
        scipy_log_prob=lambda p, x: st.vonmises(p["concentration"], loc=p["loc"]).logpdf(x), moments=False),
    Row("SkewNormal", tfd.SkewNormal, lambda r, s: dict(loc=real(r, s), scale=positive(r, s), skewness=real(r, s) * 3),
        scipy_log_prob=lambda p, x: st.skewnorm(p["skewness"], p["loc"], p["scale"]).logpdf(x), moments=False),
    Row("TruncatedNormal", tfd.TruncatedNormal,
        lambda r, s: (lambda loc, scale, low: dict(loc=loc, scale=scale, low=low, high=low + positive(r, s, 0.2, 4)))(
            real(r, s), positive(r, s), real(r, s) * 3),
        scipy_log_prob=lambda p, x: st.truncnorm((p["low"] - p["loc"]) / p["scale"],
                                                 (p["high"] - p["loc"]) / p["scale"], p["loc"], p["scale"]).logpdf(x),
        moments=False),
    Row("Kumaraswamy", tfd.Kumaraswamy, lambda r, s: dict(concentration1=positive(r, s), concentration0=positive(r, s)),
        moments=False),
    Row("LogitNormal", tfd.LogitNormal, lambda r, s: dict(loc=real(r, s), scale=positive(r, s, 0.3, 2)),
        scipy_log_prob=lambda p, x: st.norm(p["loc"], p["scale"]).logpdf(scipy.special.logit(x)) - np.log(x * (1 - x)),
        moments=False),
    Row("Geometric(probs)", lambda probs: tfd.Geometric(probs=probs), lambda r, s: dict(probs=unit(r, s)),
        scipy_log_prob=lambda p, x: st.geom(p["probs"], loc=-1).logpmf(x), moments=False),
    Row("Geometric(logits)", lambda logits: tfd.Geometric(logits=logits), lambda r, s: dict(logits=real(r, s)),
        scipy_log_prob=lambda p, x: st.geom(scipy.special.expit(p["logits"]), loc=-1).logpmf(x), moments=False),
    Row("NegativeBinomial2", tfd.NegativeBinomial2,
        lambda r, s: dict(mean=positive(r, s, 0.5, 8), concentration=positive(r, s)),
        scipy_log_prob=lambda p, x: st.nbinom(p["concentration"], p["concentration"] / (p["mean"] + p["concentration"])
                                              ).logpmf(x), moments=False),
    Row("ZeroInflatedPoisson", tfd.ZeroInflatedPoisson, lambda r, s: dict(rate=positive(r, s, 0.5, 8), gate=unit(r, s)),
        moments=False),
    Row("ZeroInflatedNegativeBinomial2", tfd.ZeroInflatedNegativeBinomial2,
        lambda r, s: dict(mean=positive(r, s, 0.5, 8), concentration=positive(r, s), gate=unit(r, s)), moments=False),
    Row("HurdlePoisson", tfd.HurdlePoisson, lambda r, s: dict(rate=positive(r, s, 0.05, 8), gate=unit(r, s)),
        moments=False),
    Row("HurdleNegativeBinomial2", tfd.HurdleNegativeBinomial2,
        lambda r, s: dict(mean=positive(r, s, 0.05, 8), concentration=positive(r, s), gate=unit(r, s)), moments=False),
    Row("OrderedLogistic", tfd.OrderedLogistic,
        lambda r, s: dict(cutpoints=np.cumsum(positive(r, s + (K,)), axis=-1) - 3, loc=real(r, s)), moments=False),
    Row("OrderedProbit", tfd.OrderedProbit,
        lambda r, s: dict(cutpoints=np.cumsum(positive(r, s + (K,)), axis=-1) - 3, loc=real(r, s)), moments=False),
    Row("Categorical(logits)", lambda logits: tfd.Categorical(logits=logits),
        lambda r, s: dict(logits=real(r, s + (K,))),
        scipy_log_prob=lambda p, x: np.take_along_axis(
            np.broadcast_to(scipy.special.log_softmax(p["logits"], axis=-1), x.shape + (K,)),
            x.astype(int)[..., None], -1)[..., 0],
        moments=False),
    Row("Categorical(probs)", lambda probs: tfd.Categorical(probs=probs), lambda r, s: dict(probs=simplex(r, s)),
        scipy_log_prob=lambda p, x: np.take_along_axis(np.broadcast_to(np.log(p["probs"]), x.shape + (K,)),
                                                       x.astype(int)[..., None], -1)[..., 0],
        moments=False),
    Row("Dirichlet", tfd.Dirichlet, lambda r, s: dict(concentration=positive(r, s + (K,))), event_shape=(K,),
        scipy_log_prob=lambda p, x: each_batch_member(
            np.broadcast_shapes(x.shape[:-1], p["concentration"].shape[:-1]),
            lambda i: st.dirichlet(np.broadcast_to(p["concentration"], x.shape)[i]).logpdf(x[i]))),
    Row("Multinomial(probs)", lambda total_count, probs: tfd.Multinomial(total_count, probs=probs),
        lambda r, s: dict(total_count=counts(r, s), probs=simplex(r, s)), event_shape=(K,),
        scipy_log_prob=lambda p, x: each_batch_member(
            x.shape[:-1], lambda i: st.multinomial(np.broadcast_to(p["total_count"], x.shape[:-1])[i],
                                                   np.broadcast_to(p["probs"], x.shape)[i]).logpmf(x[i]))),
    Row("Multinomial(logits)", lambda total_count, logits: tfd.Multinomial(total_count, logits=logits),
        lambda r, s: dict(total_count=counts(r, s), logits=real(r, s + (K,))), event_shape=(K,),
        scipy_log_prob=lambda p, x: each_batch_member(
            x.shape[:-1], lambda i: st.multinomial(
                np.broadcast_to(p["total_count"], x.shape[:-1])[i],
                np.broadcast_to(scipy.special.softmax(p["logits"], axis=-1), x.shape)[i]).logpmf(x[i]))),
    Row("MultivariateNormalDiag", tfd.MultivariateNormalDiag,
        lambda r, s: dict(loc=real(r, s + (K,)), scale_diag=positive(r, s + (K,))), event_shape=(K,),
        scipy_log_prob=_multivariate_normal_scipy(lambda p: p["scale_diag"][..., :, None] ** 2 * np.eye(K))),
    Row("MultivariateNormalTriL", tfd.MultivariateNormalTriL,
        lambda r, s: dict(loc=real(r, s + (K,)), scale_tril=scale_tril(r, s)), event_shape=(K,),
        scipy_log_prob=_multivariate_normal_scipy(lambda p: p["scale_tril"] @ np.swapaxes(p["scale_tril"], -1, -2))),
    Row("MultivariateNormalFullCovariance", tfd.MultivariateNormalFullCovariance,
        lambda r, s: dict(loc=real(r, s + (K,)),
                          covariance_matrix=(lambda L: L @ np.swapaxes(L, -1, -2))(scale_tril(r, s))),
        event_shape=(K,), scipy_log_prob=_multivariate_normal_scipy(lambda p: p["covariance_matrix"])),
    Row("LKJ", tfd.LKJ, _lkj_parameters, event_shape=(K, K), moments=False),
    Row("LKJCholesky", tfd.LKJCholesky, _lkj_parameters, event_shape=(K, K), moments=False),
    Row("Wishart", tfd.Wishart, _wishart_parameters("scale_matrix"), event_shape=(K, K), moments=False),
    Row("InverseWishart", tfd.InverseWishart, _wishart_parameters("scale_matrix"), event_shape=(K, K),
        moments=False),
    Row("WishartCholesky", tfd.WishartCholesky, _wishart_parameters("scale_tril"), event_shape=(K, K),
        moments=False),
    Row("InverseWishartCholesky", tfd.InverseWishartCholesky, _wishart_parameters("scale_tril"),
        event_shape=(K, K), moments=False),
    Row("Independent", lambda loc, scale: tfd.Independent(tfd.Normal(loc, scale), 1),
        lambda r, s: dict(loc=real(r, s + (K,)), scale=positive(r, s + (K,))), event_shape=(K,),
        scipy_log_prob=lambda p, x: np.sum(st.norm(p["loc"], p["scale"]).logpdf(x), axis=-1)),
    Row("Sample", lambda rate: tfd.Sample(tfd.Exponential(rate), [2, K]),
        lambda r, s: dict(rate=positive(r, s)), event_shape=(2, K),
        scipy_log_prob=lambda p, x: np.sum(st.expon(scale=1 / p["rate"][..., None, None]).logpdf(x), axis=(-2, -1))),
    Row("MixtureSameFamily", lambda logits, loc, scale: tfd.MixtureSameFamily(
            tfd.Categorical(logits=logits), tfd.Normal(loc, scale)),
        lambda r, s: dict(logits=real(r, s + (K,)), loc=real(r, s + (K,)) * 3, scale=positive(r, s + (K,))),
        scipy_log_prob=lambda p, x: scipy.special.logsumexp(
            scipy.special.log_softmax(p["logits"], axis=-1) + st.norm(p["loc"], p["scale"]).logpdf(x[..., None]),
            axis=-1)),
]
ROW_IDS = [row.name for row in ROWS]
SCIPY_ROWS = [row for row in ROWS if row.scipy_log_prob is not None]
MOMENT_ROWS = [row for row in ROWS if row.moments]


def build(row, batch_shape, seed=0):
    parameters = row.parameters(np.random.default_rng(seed), tuple(batch_shape))
    return row.make(**parameters), parameters


# ---- the catalogue and the package -------------------------------------------------------

def test_every_catalogue_family_has_a_class_and_all_is_exact():
    from ppl.catalogue.distributions import DISTRIBUTIONS

    for name in DISTRIBUTIONS:
        assert name in tfd.__all__, f"the catalogue's {name} has no class in ppl.distributions"
        assert issubclass(getattr(tfd, name), tfd.Distribution)
    for name in tfd.__all__:
        assert hasattr(tfd, name), f"__all__ names {name}, which ppl.distributions lacks"
    assert tfd.MVN is tfd.MultivariateNormalFullCovariance
    assert tfd.MVNDiag is tfd.MultivariateNormalDiag and tfd.MVNTriL is tfd.MultivariateNormalTriL


def test_importing_the_library_imports_neither_sympy_nor_scipy():
    code = ("import sys, ppl.distributions, ppl.math.psd_kernels; "
            "print(sorted(m for m in ('sympy', 'scipy') if m in sys.modules))")
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "[]"


def test_scalar_log_densities_come_from_the_catalogue(monkeypatch):
    """log_prob calls ppl.catalogue.density.numpy_log_density: no second copy of the formula."""
    import ppl.catalogue.density as density

    calls = []
    original = density.numpy_log_density

    def spy(family, given, size=None):
        calls.append((family, tuple(given), size))
        return original(family, given, size=size)

    monkeypatch.setattr(density, "numpy_log_density", spy)
    tfd.Normal(0.0, 1.0).log_prob(0.5)
    tfd.Dirichlet([1.0, 2.0, 3.0]).log_prob([0.2, 0.3, 0.5])
    assert calls == [("Normal", ("loc", "scale"), None), ("Dirichlet", ("concentration",), 3)]


# ---- shapes ------------------------------------------------------------------------------

@pytest.mark.parametrize("batch_shape", [(), (2,), (2, 3)], ids=["scalar", "batch2", "batch2x3"])
@pytest.mark.parametrize("row", ROWS, ids=ROW_IDS)
def test_shapes(row, batch_shape):
    distribution, _ = build(row, batch_shape)
    assert distribution.batch_shape == batch_shape
    assert distribution.event_shape == row.event_shape
    full = batch_shape + row.event_shape
    assert distribution.sample(seed=1).shape == full
    assert distribution.sample(4, seed=1).shape == (4,) + full
    draws = distribution.sample([5, 4], seed=np.random.default_rng(2))
    assert draws.shape == (5, 4) + full
    assert distribution.log_prob(draws).shape == (5, 4) + batch_shape
    assert distribution.prob(draws[0]).shape == (4,) + batch_shape
    assert np.all(np.isfinite(distribution.log_prob(draws)))
    for statistic in ("mean", "variance", "stddev", "mode"):
        try:
            value = getattr(distribution, statistic)()
        except NotImplementedError:
            continue
        assert value.shape == full, statistic
    text = repr(distribution)
    assert text.startswith(f"ppl.distributions.{type(distribution).__name__}(")
    assert f"batch_shape={list(batch_shape)}" in text and f"event_shape={list(row.event_shape)}" in text


def test_sample_seeds_are_reproducible():
    normal = tfd.Normal([0.0, 1.0], 2.0)
    np.testing.assert_array_equal(normal.sample(5, seed=7), normal.sample(5, seed=7))
    assert not np.array_equal(normal.sample(5, seed=7), normal.sample(5, seed=8))


# ---- one sampler per family: the catalogue's, for the library and `gen` alike ------------------

SCALAR_PARAMETERS = {"loc": 0.3, "scale": 1.7, "df": 4.5, "rate": 2.5, "log_rate": 0.8, "concentration": 2.2,
                     "concentration1": 1.5, "concentration0": 2.5, "low": -1.0, "high": 2.0,
                     "total_count": 7.0, "logits": -0.4, "probs": 0.35, "mean": 3.5, "skewness": -2.0, "gate": 0.3}


def _scalar_parameterisations():
    from ppl.catalogue.density import parameterisations
    from ppl.catalogue.distributions import DISTRIBUTIONS

    for declaration in sorted(set(DISTRIBUTIONS.values()), key=lambda d: d.name):
        if not declaration.event and not any(p.event or p.kind != "value" for p in declaration.parameters):
            for given in parameterisations(declaration):
                yield declaration, given


@pytest.mark.parametrize("declaration, given", list(_scalar_parameterisations()),
                         ids=lambda v: v.name if hasattr(v, "name") else ",".join(v))
def test_scalar_families_have_one_sampler_that_gen_and_the_library_call(declaration, given):
    """The declaration's sampler, compiled for `gen` (draws.<name>) and broadcast for the
    library (draw_array), gives the same draws from the same seed; the library's sample is it."""
    from ppl.catalogue import draws
    from ppl.catalogue.declare import sampler_name

    sampler = declaration.sampler_for(given)
    compiled = getattr(draws, sampler_name(sampler))
    arguments = [SCALAR_PARAMETERS[name] for name in given]
    draws._seed(5)
    one_at_a_time = [compiled(*arguments) for _ in range(6)]
    broadcast = draws.draw_array(sampler, [np.full(6, value) for value in arguments], seed=5)
    np.testing.assert_array_equal(broadcast, one_at_a_time)
    library = getattr(tfd, declaration.name)(**dict(zip(given, arguments)))
    seed = int(np.random.default_rng(3).integers(2 ** 32))
    np.testing.assert_array_equal(library.sample(6, seed=3), draws.draw_array(sampler, [np.full(6, v) for v in arguments],
                                                                              seed=seed))


def test_a_family_declared_only_in_the_catalogue_gets_a_class():
    """A class made from the declaration alone (what a new catalogue file gets) has the
    written class's log_prob and draws."""
    from ppl.catalogue.distributions import DISTRIBUTIONS
    from ppl.distributions.catalogued import declared_class

    Gamma = declared_class(DISTRIBUTIONS["Gamma"])
    made, written = Gamma(2.0, rate=[1.0, 3.0]), tfd.Gamma(2.0, [1.0, 3.0])
    assert made.batch_shape == (2,) and repr(made).startswith("ppl.distributions.Gamma(")
    np.testing.assert_array_equal(made.log_prob([[0.5], [2.0]]), written.log_prob([[0.5], [2.0]]))
    np.testing.assert_array_equal(made.sample(4, seed=9), written.sample(4, seed=9))
    with pytest.raises(ParameterError, match="rate"):
        Gamma(2.0, -1.0)


# ---- log_prob against scipy -----------------------------------------------------------------

@pytest.mark.parametrize("batch_shape", [(), (4,)], ids=["scalar", "batched"])
@pytest.mark.parametrize("row", SCIPY_ROWS, ids=[row.name for row in SCIPY_ROWS])
def test_log_prob_matches_scipy(row, batch_shape):
    distribution, parameters = build(row, batch_shape, seed=3)
    points = distribution.sample(6, seed=4)
    expected = row.scipy_log_prob(parameters, points)
    np.testing.assert_allclose(distribution.log_prob(points), expected, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(distribution.prob(points), np.exp(expected), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name, distribution, outside", [
    ("HalfNormal", tfd.HalfNormal(1.0), -0.5),
    ("Exponential", tfd.Exponential(2.0), -1.0),
    ("Beta", tfd.Beta(2.0, 3.0), 1.5),
    ("Uniform", tfd.Uniform(0.0, 1.0), 1.0),
    ("HalfCauchy", tfd.HalfCauchy(1.0, 2.0), 0.5),
    ("Poisson", tfd.Poisson(rate=3.0), 1.5),
    ("Binomial", tfd.Binomial(5, probs=0.3), 6.0),
    ("Bernoulli", tfd.Bernoulli(probs=0.3), 2.0),
    ("Categorical", tfd.Categorical(logits=[0.0, 1.0]), 2.0),
    ("Dirichlet", tfd.Dirichlet([1.0, 2.0]), [0.5, 0.6]),
    ("Multinomial", tfd.Multinomial(3, probs=[0.5, 0.5]), [1.0, 1.0]),
], ids=lambda value: value if isinstance(value, str) else "")
def test_log_prob_is_minus_infinity_outside_the_support(name, distribution, outside):
    assert distribution.log_prob(outside) == -np.inf


CDF_ROWS = {
    "Normal": lambda p: st.norm(p["loc"], p["scale"]),
    "HalfNormal": lambda p: st.halfnorm(scale=p["scale"]),
    "LogNormal": lambda p: st.lognorm(s=p["scale"], scale=np.exp(p["loc"])),
    "Cauchy": lambda p: st.cauchy(p["loc"], p["scale"]),
    "HalfCauchy": lambda p: st.halfcauchy(p["loc"], p["scale"]),
    "Laplace": lambda p: st.laplace(p["loc"], p["scale"]),
    "Logistic": lambda p: st.logistic(p["loc"], p["scale"]),
    "Exponential": lambda p: st.expon(scale=1 / p["rate"]),
    "Weibull": lambda p: st.weibull_min(p["concentration"], scale=p["scale"]),
    "Uniform": lambda p: st.uniform(p["low"], p["high"] - p["low"]),
}


@pytest.mark.parametrize("name", sorted(CDF_ROWS))
def test_cdf_matches_scipy(name):
    row = next(row for row in ROWS if row.name == name)
    distribution, parameters = build(row, (4,), seed=5)
    points = np.concatenate([distribution.sample(5, seed=6), np.full((1, 4), -10.0), np.full((1, 4), 10.0)])
    oracle = CDF_ROWS[name](parameters)
    np.testing.assert_allclose(distribution.cdf(points), oracle.cdf(points), rtol=1e-9, atol=1e-12)
    inside = oracle.cdf(points) > 0
    np.testing.assert_allclose(distribution.log_cdf(points)[inside], oracle.logcdf(points)[inside], rtol=1e-8,
                               atol=1e-12)


def test_normal_log_cdf_far_in_the_lower_tail():
    z = np.array([-5.0, -19.0, -21.0, -40.0])
    np.testing.assert_allclose(tfd.Normal(0.0, 1.0).log_cdf(z), st.norm.logcdf(z), rtol=1e-9)


# ---- the samplers of the families without moments, against their laws ---------------------------

def _zero_inflated(count_pmf):
    return lambda p, k: np.where(k == 0, p["gate"] + (1 - p["gate"]) * count_pmf(p, 0),
                                 (1 - p["gate"]) * count_pmf(p, k))


def _hurdle(count_pmf):
    return lambda p, k: np.where(k == 0, p["gate"], (1 - p["gate"]) * count_pmf(p, k) / (1 - count_pmf(p, 0)))


def _poisson_pmf(p, k):
    return st.poisson(p["rate"]).pmf(k)


def _nb2_pmf(p, k):
    return st.nbinom(p["concentration"], p["concentration"] / (p["mean"] + p["concentration"])).pmf(k)


def _ordered_pmf(cdf):
    """P(k) = F(c[k] - loc) - F(c[k-1] - loc), c[-1] = -inf, c[K] = inf."""
    def pmf(p, k):
        k = k.astype(int)
        cutpoints = np.concatenate([[-np.inf], p["cutpoints"], [np.inf]])
        return cdf(cutpoints[k + 1] - p["loc"]) - cdf(cutpoints[k] - p["loc"])
    return pmf


# continuous families: scipy's frozen law (cdf) of one batch member's parameters
CONTINUOUS_LAWS = {
    "Gumbel": lambda p: st.gumbel_r(p["loc"], p["scale"]),
    "Pareto": lambda p: st.pareto(p["concentration"], scale=p["scale"]),
    "VonMises": lambda p: st.vonmises(p["concentration"], loc=p["loc"]),
    "SkewNormal": lambda p: st.skewnorm(p["skewness"], p["loc"], p["scale"]),
    "TruncatedNormal": lambda p: st.truncnorm((p["low"] - p["loc"]) / p["scale"], (p["high"] - p["loc"]) / p["scale"],
                                              p["loc"], p["scale"]),
    # the cdf 1 - (1 - x^a)^b, by its formula
    "Kumaraswamy": lambda p: type("KumaraswamyLaw", (), {"cdf": staticmethod(
        lambda x: 1 - (1 - x ** p["concentration1"]) ** p["concentration0"])})(),
    "LogitNormal": lambda p: type("LogitNormalLaw", (), {"cdf": staticmethod(
        lambda x: st.norm(p["loc"], p["scale"]).cdf(scipy.special.logit(x)))})(),
}

# discrete families: the probability of each count k (an array) given one batch member's parameters
DISCRETE_LAWS = {
    "Geometric(probs)": lambda p, k: st.geom(p["probs"], loc=-1).pmf(k),
    "Geometric(logits)": lambda p, k: st.geom(scipy.special.expit(p["logits"]), loc=-1).pmf(k),
    "NegativeBinomial2": _nb2_pmf,
    "ZeroInflatedPoisson": _zero_inflated(_poisson_pmf),
    "ZeroInflatedNegativeBinomial2": _zero_inflated(_nb2_pmf),
    "HurdlePoisson": _hurdle(_poisson_pmf),
    "HurdleNegativeBinomial2": _hurdle(_nb2_pmf),
    "OrderedLogistic": _ordered_pmf(scipy.special.expit),
    "OrderedProbit": _ordered_pmf(st.norm.cdf),
}

LAW_DRAWS = 20_000


@pytest.mark.parametrize("name", sorted(CONTINUOUS_LAWS))
def test_continuous_draws_follow_their_law(name):
    """Kolmogorov-Smirnov against the law's cdf, for each of two batch members (fixed seeds)."""
    row = next(row for row in ROWS if row.name == name)
    distribution, parameters = build(row, (2,), seed=11)
    draws = distribution.sample(LAW_DRAWS, seed=12)
    for member in range(2):
        law = CONTINUOUS_LAWS[name]({key: np.asarray(value)[member] for key, value in parameters.items()})
        assert scipy.stats.kstest(draws[:, member], law.cdf).pvalue > 1e-4, (name, member)


@pytest.mark.parametrize("name", sorted(DISCRETE_LAWS))
def test_discrete_draws_follow_their_law(name):
    """Each count's frequency within 5 standard errors of its probability, and the counts seen
    are the counts the law gives mass to (the total of the probabilities checked is about 1)."""
    row = next(row for row in ROWS if row.name == name)
    distribution, parameters = build(row, (2,), seed=13)
    draws = distribution.sample(LAW_DRAWS, seed=14)
    for member in range(2):
        member_parameters = {key: np.asarray(value)[member] for key, value in parameters.items()}
        counts_seen = np.arange(0, int(draws[:, member].max()) + 1)
        probabilities = DISCRETE_LAWS[name](member_parameters, counts_seen.astype(float))
        frequencies = np.array([np.mean(draws[:, member] == k) for k in counts_seen])
        error = 5 * np.sqrt(probabilities * (1 - probabilities) / LAW_DRAWS) + 2 / LAW_DRAWS
        np.testing.assert_array_less(np.abs(frequencies - probabilities), error, err_msg=f"{name}[{member}]")
        assert probabilities.sum() > 0.995, (name, member)


# ---- sample moments --------------------------------------------------------------------------

DRAWS = 20_000


@pytest.mark.parametrize("row", MOMENT_ROWS, ids=[row.name for row in MOMENT_ROWS])
def test_sample_moments_match_mean_and_variance(row):
    distribution, _ = build(row, (2,), seed=8)
    draws = distribution.sample(DRAWS, seed=9).astype(np.float64)
    mean, variance = distribution.mean(), distribution.variance()
    np.testing.assert_allclose(distribution.stddev(), np.sqrt(variance), rtol=1e-12)
    centred = draws - mean
    standard_error_of_mean = np.sqrt(variance / DRAWS)
    assert np.all(np.abs(draws.mean(axis=0) - mean) <= 5 * standard_error_of_mean + 1e-12), row.name
    # the sample variance's standard error from the sample's fourth central moment
    fourth = np.mean(centred ** 4, axis=0)
    standard_error_of_variance = np.sqrt(np.maximum(fourth - variance ** 2, 0.0) / DRAWS)
    assert np.all(np.abs(np.mean(centred ** 2, axis=0) - variance) <= 5 * standard_error_of_variance + 1e-12), row.name


def test_multivariate_normal_sample_covariance():
    distribution, parameters = build(next(row for row in ROWS if row.name == "MultivariateNormalTriL"), ())
    draws = distribution.sample(DRAWS, seed=10)
    covariance = distribution.covariance()
    np.testing.assert_allclose(covariance, parameters["scale_tril"] @ parameters["scale_tril"].T)
    standard_error = np.sqrt((covariance ** 2 + np.outer(np.diag(covariance), np.diag(covariance))) / DRAWS)
    assert np.all(np.abs(np.cov(draws.T) - covariance) <= 5 * standard_error)


# ---- LKJ ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("concentration", [0.5, 1.0, 2.5, 7.0])
def test_lkj_normaliser_by_numerical_integration_in_dimension_2(concentration):
    # a 2 x 2 correlation matrix is its one off-diagonal r in (-1, 1), det = 1 - r²
    integral, _ = scipy.integrate.quad(lambda r: (1 - r * r) ** (concentration - 1), -1, 1)
    assert log_normaliser(2, concentration) == pytest.approx(math.log(integral), rel=1e-9)
    for family in (tfd.LKJ, tfd.LKJCholesky):
        density = family(2, concentration)
        def value(r):
            if family is tfd.LKJ:
                return np.array([[1.0, r], [r, 1.0]])
            return np.array([[1.0, 0.0], [r, math.sqrt(1 - r * r)]])
        total, _ = scipy.integrate.quad(lambda r: float(density.prob(value(r))), -1, 1)
        assert total == pytest.approx(1.0, rel=1e-7)


def test_lkj_normaliser_is_the_volume_of_3x3_correlation_matrices_at_concentration_1():
    assert math.exp(log_normaliser(3, 1.0)) == pytest.approx(math.pi ** 2 / 2, rel=1e-12)


def test_lkj_tour_shapes_and_draws_are_correlation_matrices():
    distribution = tfd.LKJ(dimension=10, concentration=[1.5, 3.0])
    assert distribution.batch_shape == (2,) and distribution.event_shape == (10, 10)
    draws = distribution.sample(500, seed=11)
    assert draws.shape == (500, 2, 10, 10)
    np.testing.assert_allclose(draws, np.swapaxes(draws, -1, -2))
    np.testing.assert_allclose(np.diagonal(draws, axis1=-2, axis2=-1), 1.0)
    assert np.linalg.eigvalsh(draws).min() > 0
    assert np.all(np.isfinite(distribution.log_prob(draws)))
    # each off-diagonal correlation has the marginal 2 Beta(β, β) - 1, β = η - 1 + K/2
    beta = np.array([1.5, 3.0]) - 1 + 5
    off_diagonal = draws[:, :, 2, 7]
    variance = 1 / (2 * beta + 1)
    assert np.all(np.abs(off_diagonal.var(axis=0) - variance) <= 5 * variance * math.sqrt(2 / 500))
    np.testing.assert_array_equal(distribution.mean(), np.broadcast_to(np.eye(10), (2, 10, 10)))


def test_lkj_cholesky_agrees_with_lkj_through_the_jacobian():
    # p_L(L) = p_R(L Lᵀ) Π_k L_kk^(K - k - 1), the Jacobian of L ↦ L Lᵀ
    cholesky = tfd.LKJCholesky(4, [0.7, 2.0])
    factors = cholesky.sample(6, seed=12)
    jacobian = np.sum((4 - np.arange(4) - 1) * np.log(np.diagonal(factors, axis1=-2, axis2=-1)), axis=-1)
    expected = tfd.LKJ(4, [0.7, 2.0]).log_prob(factors @ np.swapaxes(factors, -1, -2)) + jacobian
    np.testing.assert_allclose(cholesky.log_prob(factors), expected, rtol=1e-10)
    np.testing.assert_allclose(np.sum(factors ** 2, axis=-1), 1.0)
    np.testing.assert_array_equal(np.triu(factors, 1), 0.0)


# ---- errors ------------------------------------------------------------------------------------

def test_shape_error_prints_both_shapes():
    normal = tfd.Normal(loc=[0.0, 2.0, 4.0], scale=1.0)
    with pytest.raises(ShapeError, match=r"Incompatible shapes: \[200\] vs\. \[3\]"):
        normal.log_prob(np.zeros(200))
    xs = np.linspace(-3, 3, 200)
    assert normal.log_prob(xs[..., None]).shape == (200, 3)
    np.testing.assert_allclose(normal.log_prob(xs[..., None]), st.norm([0.0, 2.0, 4.0], 1.0).logpdf(xs[..., None]))
    with pytest.raises(ShapeError, match=r"Incompatible shapes: \[2\] vs\. \[3\]"):
        tfd.Normal(loc=[0.0, 1.0], scale=[1.0, 2.0, 3.0])


@pytest.mark.parametrize("make, parameter", [
    (lambda: tfd.Normal(0.0, -1.0), "scale"),
    (lambda: tfd.Gamma(1.0, [1.0, -2.0]), "rate"),
    (lambda: tfd.Beta(0.0, 1.0), "concentration1"),
    (lambda: tfd.Bernoulli(probs=1.5), "probs"),
    (lambda: tfd.Binomial(2.5, probs=0.5), "total_count"),
    (lambda: tfd.Categorical(probs=[0.5, 0.6]), "probs"),
    (lambda: tfd.MultivariateNormalDiag(scale_diag=[1.0, -1.0]), "scale_diag"),
    (lambda: tfd.MultivariateNormalFullCovariance(covariance_matrix=[[1.0, 2.0], [2.0, 1.0]]), "covariance_matrix"),
    (lambda: tfd.LKJ(3, -1.0), "concentration"),
], ids=["Normal", "Gamma", "Beta", "Bernoulli", "Binomial", "Categorical", "MVNDiag", "MVN", "LKJ"])
def test_parameter_error_names_the_parameter(make, parameter):
    with pytest.raises(ParameterError, match=parameter):
        make()


def test_alternative_parameters_need_exactly_one():
    with pytest.raises(ParameterError, match="exactly one of logits= or probs="):
        tfd.Bernoulli(logits=0.0, probs=0.5)
    with pytest.raises(ParameterError, match="exactly one of rate= or log_rate="):
        tfd.Poisson()


def test_event_shape_mismatch_is_a_shape_error():
    with pytest.raises(ShapeError):
        tfd.MultivariateNormalTriL(loc=np.zeros(2), scale_tril=np.eye(3))
    with pytest.raises(ShapeError, match=r"event shape \[3\]"):
        tfd.MultivariateNormalDiag(scale_diag=np.ones(3)).log_prob(np.zeros(2))
