"""Event families declared once: their samplers (drawn by `gen` and the library alike), their
lowerings, and Multinomial's SymPy log density.

Oracles: analytical moments (within Monte-Carlo error: a mean is within 5 standard errors),
scipy.stats for the log density, finite differences for its gradient, and the sampler's own
calls, one event at a time, for the library's draws.
"""

from __future__ import annotations

import numpy as np
import pytest

import ppl
import ppl.distributions as tfd
from ppl.catalogue import draws
from ppl.catalogue.declare import sampler_name
from ppl.catalogue.distributions import DISTRIBUTIONS
from ppl.math import psd_kernels
from gradient_checks import check_gradient

stats = pytest.importorskip("scipy.stats")
special = pytest.importorskip("scipy.special")

CHAINS, DRAWS = 2, 2500


def assert_mean(samples, expected, axis=0):
    """The sample mean along ``axis`` is within 5 standard errors of ``expected`` (entrywise)."""
    samples = np.asarray(samples, dtype=float)
    count = samples.shape[axis]
    error = 5 * np.std(samples, axis=axis) / np.sqrt(count) + 1e-12
    np.testing.assert_array_less(np.abs(np.mean(samples, axis=axis) - expected), error)


def flat(fit, name):
    """A generated quantity's draws, chains and draws merged into one first axis."""
    values = fit[name]
    return values.reshape((-1,) + values.shape[2:])


# ---- `gen` draws from every event family, in one model ---------------------------------------

GEN_MODEL = """
data a: real<lower=0>[3]
data A: real<lower=0>[2, 3]
data p: simplex[3]
data P: simplex[4, 3]
data mu: real[2]
data L: cov_cholesky[2]
data C: cov[2]
data x: real[4]
param theta: real
theta ~ Normal(0, 1)
gen z ~ Dirichlet(a)
gen Z ~ Dirichlet(A)
gen c ~ Categorical(probs=p)
gen c_logits ~ Categorical(logits=log(p) + 1.5)
gen cs ~ Categorical(probs=P)
gen y ~ MultivariateNormalTriL(mu, L)
gen y_centred ~ MultivariateNormalTriL(scale_tril=L)
gen y_full ~ MVN(mu, C)
gen y_diag ~ MVNDiag(mu, [0.5, 2.0])
gen n ~ Multinomial(10, probs=p)
gen n_logits ~ Multinomial(7, logits=log(p))
gen F ~ LKJCholesky(3, 2.0)
gen R ~ LKJ(4, 0.7)
gen f ~ GaussianProcess(ExponentiatedQuadratic(1.5, 0.8), x, 0.1)
gen m ~ MixtureSameFamily(Categorical(probs=[0.3, 0.7]), Normal([-2.0, 3.0], [0.5, 1.0]))
gen rows: real[4, 3]
for i in range(4):
    gen rows[i] ~ Dirichlet(a * (i + 1))
"""

GEN_DATA = {
    "a": [1.0, 2.0, 3.0], "A": [[0.5, 0.5, 2.0], [4.0, 1.0, 1.0]], "p": [0.2, 0.3, 0.5],
    "P": [[0.1, 0.1, 0.8], [0.6, 0.2, 0.2], [1 / 3, 1 / 3, 1 / 3], [0.0, 0.5, 0.5]],
    "mu": [1.0, -1.0], "L": [[1.0, 0.0], [0.5, 2.0]], "C": [[1.0, 0.5], [0.5, 4.25]],
    "x": [0.0, 0.3, 1.0, 2.5],
}


@pytest.fixture(scope="module")
def gen_fit():
    model = ppl.model(GEN_MODEL, "event_draws.ppl")
    return model.sample(GEN_DATA, chains=CHAINS, warmup=100, draws=DRAWS, seed=11, progress=False)


def test_gen_dirichlet_draws_have_the_mean_a_over_its_sum(gen_fit):
    z = flat(gen_fit, "z")
    assert z.shape == (CHAINS * DRAWS, 3) and np.allclose(z.sum(axis=-1), 1.0) and np.all(z >= 0)
    a = np.array(GEN_DATA["a"])
    assert_mean(z, a / a.sum())
    Z = flat(gen_fit, "Z")                  # a batch of two concentrations: one draw each
    A = np.array(GEN_DATA["A"])
    assert Z.shape == (CHAINS * DRAWS, 2, 3)
    assert_mean(Z, A / A.sum(axis=-1, keepdims=True))
    # variance a_k (a0 - a_k) / (a0^2 (a0 + 1)), against the sample variance's own error
    a0 = a.sum()
    variance = a * (a0 - a) / (a0 ** 2 * (a0 + 1))
    assert_mean((z - a / a0) ** 2, variance)


def test_gen_into_the_rows_of_a_declared_array(gen_fit):
    rows = flat(gen_fit, "rows")
    a = np.array(GEN_DATA["a"])
    assert rows.shape == (CHAINS * DRAWS, 4, 3) and not np.any(np.isnan(rows))
    assert_mean(rows, np.broadcast_to(a / a.sum(), (4, 3)))
    # a larger concentration concentrates: the spread falls with i
    spread = rows.std(axis=0)[:, 0]
    assert np.all(np.diff(spread) < 0)


def test_gen_categorical_frequencies(gen_fit):
    p = np.array(GEN_DATA["p"])
    for name in ("c", "c_logits"):          # logits log(p) + 1.5 are the same probabilities
        c = flat(gen_fit, name)
        assert c.dtype == np.int64 and c.min() >= 0 and c.max() <= 2
        assert_mean(np.eye(3)[c], p)
    cs = flat(gen_fit, "cs")                # a batch of four probability vectors
    P = np.array(GEN_DATA["P"])
    assert cs.shape == (CHAINS * DRAWS, 4)
    assert_mean(np.eye(3)[cs], P)
    assert not np.any(cs[:, 3] == 0)        # a category of probability 0 is never drawn


def test_gen_multivariate_normal_mean_and_covariance(gen_fit):
    mu, L, C = (np.array(GEN_DATA[k]) for k in ("mu", "L", "C"))
    cases = {"y": (mu, L @ L.T), "y_centred": (np.zeros(2), L @ L.T), "y_full": (mu, C),
             "y_diag": (mu, np.diag([0.25, 4.0]))}
    for name, (mean, covariance) in cases.items():
        y = flat(gen_fit, name)
        assert y.shape == (CHAINS * DRAWS, 2), name
        assert_mean(y, mean)
        centred = y - mean
        assert_mean(centred[:, :, None] * centred[:, None, :], covariance)


def test_gen_multinomial_counts_sum_to_the_total_with_mean_n_p(gen_fit):
    p = np.array(GEN_DATA["p"])
    for name, total in (("n", 10), ("n_logits", 7)):
        n = flat(gen_fit, name)
        assert n.dtype == np.int64 and np.all(n >= 0) and np.all(n.sum(axis=-1) == total)
        assert_mean(n, total * p)


def test_gen_lkj_draws_are_correlation_factors_with_the_lkj_marginal(gen_fit):
    """Off-diagonal correlations of LKJ(eta) on K x K have the marginal 2 Beta(b, b) - 1,
    b = eta - 1 + K / 2, whose second moment is 1 / (2 b + 1)."""
    F = flat(gen_fit, "F")
    assert F.shape == (CHAINS * DRAWS, 3, 3)
    assert np.all(np.triu(F, 1) == 0) and np.all(np.diagonal(F, axis1=1, axis2=2) > 0)
    np.testing.assert_allclose(np.sum(F ** 2, axis=-1), 1.0, rtol=1e-12)
    correlations = (F @ np.swapaxes(F, 1, 2))[:, 1, 0]
    assert_mean(correlations ** 2, 1 / (2 * (2.0 - 1 + 3 / 2) + 1))
    R = flat(gen_fit, "R")
    assert R.shape == (CHAINS * DRAWS, 4, 4)
    np.testing.assert_array_equal(R, np.swapaxes(R, 1, 2))
    assert np.all(np.diagonal(R, axis1=1, axis2=2) == 1.0) and np.all(np.linalg.eigvalsh(R) > 0)
    assert_mean(R[:, 2, 0] ** 2, 1 / (2 * (0.7 - 1 + 4 / 2) + 1))


def test_gen_gaussian_process_has_the_kernel_covariance(gen_fit):
    x = np.array(GEN_DATA["x"])
    covariance = 1.5 ** 2 * np.exp(-(x[:, None] - x[None, :]) ** 2 / (2 * 0.8 ** 2)) + 0.1 * np.eye(4)
    f = flat(gen_fit, "f")
    assert f.shape == (CHAINS * DRAWS, 4)
    assert_mean(f, np.zeros(4))
    assert_mean(f[:, :, None] * f[:, None, :], covariance)


def test_gen_mixture_draws_a_component_then_its_value(gen_fit):
    m = flat(gen_fit, "m")
    assert_mean(m, 0.3 * -2.0 + 0.7 * 3.0)
    assert_mean(m < 0.5, 0.3)       # the components barely overlap at 0.5


def test_gen_code_calls_the_catalogue_samplers():
    code = ppl.model(GEN_MODEL, "event_draws.ppl").code()
    for name in ("dirichlet", "categorical_probs", "categorical_logits", "multivariate_normal_tril",
                 "multinomial_probs", "multinomial_logits", "lkj_cholesky", "lkj"):
        assert f"draws.{name}(" in code, name


def test_a_mixture_of_event_components_cannot_be_drawn_yet_and_says_where():
    model = ppl.model("param x: real\nx ~ Normal(0, 1)\n"
                      "gen z ~ MixtureSameFamily(Categorical(probs=[0.5, 0.5]),\n"
                      "                          MVNDiag([[0.0, 1.0], [1.0, 0.0]], [1.0, 1.0]))\n",
                      "mixture_of_vectors.ppl")
    with pytest.raises(ppl.ModelNotSupportedError) as caught:
        model.sample({}, chains=1, warmup=10, draws=10, progress=False)
    assert caught.value.line == 3 and "mixture_of_vectors.ppl:3:1" in str(caught.value)


# ---- the library draws with the same compiled sampler, one event per batch element ------------

LIBRARY_CASES = [
    (tfd.Dirichlet([[1.0, 2.0, 3.0], [0.5, 0.5, 0.5]]), "Dirichlet", ("concentration",)),
    (tfd.Categorical(probs=[[0.2, 0.8], [0.5, 0.5]]), "Categorical", ("probs",)),
    (tfd.Categorical(logits=[0.1, -1.0, 2.0]), "Categorical", ("logits",)),
    (tfd.Multinomial([4.0, 9.0], probs=[0.2, 0.3, 0.5]), "Multinomial", ("total_count", "probs")),
    (tfd.Multinomial(5.0, logits=[[0.1, 0.2], [3.0, -1.0]]), "Multinomial", ("total_count", "logits")),
    (tfd.LKJCholesky(3, [1.0, 4.0]), "LKJCholesky", ("dimension", "concentration")),
    (tfd.LKJ(3, 2.0), "LKJ", ("dimension", "concentration")),
]


@pytest.mark.parametrize("library, family, given", LIBRARY_CASES, ids=lambda v: v if isinstance(v, str) else None)
def test_the_library_draws_with_the_declared_sampler_one_event_at_a_time(library, family, given):
    """sample(count, seed) equals draws.<name> called once per batch element, in order, from
    Numba's generator seeded as the library seeds it: the library and `gen` share the sampler."""
    declaration = DISTRIBUTIONS[family]
    compiled = getattr(draws, sampler_name(declaration.sampler_for(given)))
    count = 3
    seed = int(np.random.default_rng(4).integers(2 ** 32))
    batch = library.batch_shape
    events = {}
    for name in given:
        value = np.asarray(library.parameters[name], dtype=float)
        event = value.shape[value.ndim - len(declaration.parameter(name).event):]
        events[name] = np.broadcast_to(value, batch + event)
    draws._seed(seed)
    expected = [compiled(*(events[name][index] for name in given))
                for _ in range(count) for index in np.ndindex(*batch)]
    expected = np.array(expected).reshape((count,) + batch + library.event_shape)
    np.testing.assert_array_equal(library.sample(count, seed=4), expected)


def test_the_multivariate_normals_and_gaussian_process_draw_with_the_tril_sampler():
    L = np.array([[1.0, 0.0], [0.5, 2.0]])
    loc = np.array([[1.0, -1.0], [0.0, 3.0]])
    cases = [
        (tfd.MultivariateNormalTriL(loc, L), loc, np.broadcast_to(L, (2, 2, 2))),
        (tfd.MultivariateNormalFullCovariance(loc, L @ L.T), loc,
         np.broadcast_to(np.linalg.cholesky(L @ L.T), (2, 2, 2))),
        (tfd.MultivariateNormalDiag(loc, [0.5, 2.0]), loc, np.broadcast_to(np.diag([0.5, 2.0]), (2, 2, 2))),
    ]
    seed = int(np.random.default_rng(9).integers(2 ** 32))
    for library, locs, factors in cases:
        draws._seed(seed)
        expected = np.array([[draws.multivariate_normal_tril(locs[b], factors[b]) for b in range(2)] for _ in range(4)])
        np.testing.assert_allclose(library.sample(4, seed=9), expected, rtol=1e-13, atol=1e-13)
    process = tfd.GaussianProcess(psd_kernels.ExponentiatedQuadratic(1.0, 0.5), np.array([[0.0], [0.4], [1.0]]))
    draws._seed(seed)
    expected = np.array([draws.multivariate_normal_tril(process.loc, process.scale_tril) for _ in range(5)])
    np.testing.assert_allclose(process.sample(5, seed=9), expected, rtol=1e-13, atol=1e-13)


def test_library_draws_keep_their_shapes_and_dtypes():
    assert tfd.Categorical(probs=[[0.2, 0.8]] * 3).sample((5, 2), seed=1).shape == (5, 2, 3)
    assert tfd.Categorical(probs=[0.2, 0.8]).sample(4, seed=1).dtype == np.int64
    counts = tfd.Multinomial(6.0, probs=[[0.2, 0.8], [0.5, 0.5]]).sample(7, seed=2)
    assert counts.shape == (7, 2, 2) and counts.dtype == np.float64 and np.all(counts.sum(-1) == 6)
    assert tfd.Dirichlet(np.ones((2, 4))).sample(3, seed=3).shape == (3, 2, 4)
    assert tfd.LKJ(3, 1.5, input_output_cholesky=True).sample(2, seed=1).shape == (2, 3, 3)


def test_a_seed_reproduces_event_draws():
    for library in (tfd.Dirichlet([1.0, 2.0]), tfd.Multinomial(5.0, probs=[0.5, 0.5]), tfd.LKJCholesky(3, 1.0)):
        np.testing.assert_array_equal(library.sample(4, seed=8), library.sample(4, seed=8))
        assert not np.array_equal(library.sample(4, seed=8), library.sample(4, seed=9))


# ---- Multinomial's declared log density, compiled --------------------------------------------

@pytest.mark.parametrize("parameterisation", ["probs", "logits"])
def test_compiled_multinomial_log_density_is_scipys_and_its_gradient_finite_differences(parameterisation):
    """Unconstrained params (no log-Jacobian), so the log density is the Multinomial's alone."""
    argument = "probs=softmax(eta)" if parameterisation == "probs" else "logits=eta"
    source = f"data y: int[4]\nparam eta: real[4]\ny ~ Multinomial(12, {argument})\n"
    y = np.array([3, 0, 5, 4])
    posterior = ppl.model(source, f"multinomial_{parameterisation}.ppl").condition({"y": y})
    rng = np.random.default_rng(2)
    for _ in range(3):
        u = rng.normal(0, 1.5, posterior.dim)
        expected = stats.multinomial.logpmf(y, 12, special.softmax(u))
        assert posterior.log_density(u) == pytest.approx(expected, rel=1e-10)
        check_gradient(posterior, u)


def test_library_multinomial_log_prob_is_the_declared_density_with_the_support_check():
    p = np.array([0.2, 0.0, 0.8])
    multinomial = tfd.Multinomial(5.0, probs=p)
    values = np.array([[1.0, 0.0, 4.0], [0.0, 0.0, 5.0], [1.0, 1.0, 3.0], [1.0, 0.0, 3.0], [2.0, 0.0, 3.5]])
    expected = [stats.multinomial.logpmf(values[0], 5, p), stats.multinomial.logpmf(values[1], 5, p),
                -np.inf,          # a category of probability 0 seen once
                -np.inf,          # counts summing to 4, not 5
                -np.inf]          # not integers
    np.testing.assert_allclose(multinomial.log_prob(values), expected, rtol=1e-12)
