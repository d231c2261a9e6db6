"""Convergence diagnostics against their oracles: ArviZ on a table of chains (rank R-hat,
ESS, MCSE, BFMI), scipy for the two special functions, the closed-form ESS of AR(1)
chains, and slow, obvious reference implementations of TFP's formulas."""

import math

import numpy as np
import pytest
import scipy.special
import scipy.stats

from ppl import diagnostics
from ppl.diagnostics.beta_quantile import beta_quantile
from ppl.diagnostics import inverse_normal_cdf


def autoregressive(rng, chains, draws, coefficient, shape=()):
    """Stationary AR(1) chains with unit marginal variance, [chains, draws, *shape]."""
    innovations = rng.standard_normal((chains, draws) + shape) * math.sqrt(1 - coefficient ** 2)
    values = np.empty_like(innovations)
    values[:, 0] = rng.standard_normal((chains,) + shape)
    for draw in range(1, draws):
        values[:, draw] = coefficient * values[:, draw - 1] + innovations[:, draw]
    return values


def chain_table():
    rng = np.random.default_rng(20240601)
    return {
        "iid normal": rng.standard_normal((4, 1000)),
        "AR(1) 0.9, odd draws": autoregressive(rng, 4, 999, 0.9),
        "AR(1) -0.7 (antithetic)": autoregressive(rng, 4, 500, -0.7),
        "different means": rng.standard_normal((4, 200)) + np.arange(4)[:, None],
        "different scales": rng.standard_normal((4, 300)) * np.array([1.0, 1.0, 1.0, 4.0])[:, None],
        "heavy tails": rng.standard_cauchy((2, 157)),
        "ties (integers)": rng.integers(0, 5, (3, 101)).astype(float),
        "offset and scaled": 10.0 + 3.0 * rng.standard_normal((4, 300)),
        "one chain": rng.standard_normal((1, 400)),
        "four draws": rng.standard_normal((2, 4)),
        "three draws": rng.standard_normal((3, 3)),
        "constant": np.full((4, 100), 2.5),
        "random walk (FFT autocovariance)": np.cumsum(rng.standard_normal((4, 400)), axis=1),
        "lognormal, long right tail": np.exp(2.0 * rng.standard_normal((4, 1000))),
        "many ties (counts)": rng.poisson(3.0, (4, 1000)).astype(float),
        "small spread around a large offset": 1e3 + 1e-2 * rng.standard_normal((4, 300)),
        "each chain constant": np.repeat(np.arange(4.0)[:, None], 50, axis=1),
    }


CHAINS = chain_table()


@pytest.fixture(scope="module")
def arviz():
    arviz = pytest.importorskip("arviz")
    # ArviZ 0.23's Numba path of mcse(method="sd") calls float() on a 1-d array, which
    # NumPy 2 refuses; its NumPy path computes the same statistics.
    numba_was_on = arviz.Numba.numba_flag
    arviz.Numba.disable_numba()
    yield arviz
    if numba_was_on:
        arviz.Numba.enable_numba()


def arviz_pairs(arviz):
    return {
        "rhat": (diagnostics.rhat, lambda x: arviz.rhat(x, method="rank")),
        "rhat split": (lambda x: diagnostics.rhat(x, method="split"), lambda x: arviz.rhat(x, method="split")),
        "ess_bulk": (diagnostics.ess_bulk, lambda x: arviz.ess(x, method="bulk")),
        "ess_tail": (diagnostics.ess_tail, lambda x: arviz.ess(x, method="tail")),
        "ess_mean": (diagnostics.ess_mean, lambda x: arviz.ess(x, method="mean")),
        "ess_quantile 0.3": (lambda x: diagnostics.ess_quantile(x, 0.3),
                             lambda x: arviz.ess(x, method="quantile", prob=0.3)),
        "ess_quantile 0.95": (lambda x: diagnostics.ess_quantile(x, 0.95),
                              lambda x: arviz.ess(x, method="quantile", prob=0.95)),
        "mcse_mean": (diagnostics.mcse_mean, lambda x: arviz.mcse(x, method="mean")),
        "mcse_sd": (diagnostics.mcse_sd, lambda x: arviz.mcse(x, method="sd")),
        "mcse_quantile 0.3": (lambda x: diagnostics.mcse_quantile(x, 0.3),
                              lambda x: arviz.mcse(x, method="quantile", prob=0.3)),
        "mcse_quantile 0.05": (lambda x: diagnostics.mcse_quantile(x, 0.05),
                               lambda x: arviz.mcse(x, method="quantile", prob=0.05)),
    }


def assert_matches(ours, theirs):
    ours, theirs = np.asarray(ours, float), np.asarray(theirs, float)
    assert ours.shape == theirs.shape
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
    np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=0, equal_nan=True)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # ArviZ's 0 / 0 on constant chains
@pytest.mark.parametrize("case", list(CHAINS))
def test_matches_arviz(arviz, case):
    draws = CHAINS[case]
    for name, (ours, theirs) in arviz_pairs(arviz).items():
        expected = np.asarray(theirs(draws), float)
        if np.ndim(expected):  # ArviZ returns a length-1 array for some degenerate inputs
            expected = expected.reshape(())
        try:
            assert_matches(ours(draws), expected)
        except AssertionError as error:
            raise AssertionError(f"{name} on {case}: ours {ours(draws)}, ArviZ {expected}") from error


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_bfmi_matches_arviz(arviz):
    rng = np.random.default_rng(3)
    energy = 50.0 + np.cumsum(rng.standard_normal((4, 500)), axis=1) * 0.1 + rng.standard_normal((4, 500))
    assert_matches(diagnostics.bfmi(energy), arviz.bfmi(energy))
    assert_matches(diagnostics.bfmi(np.ones((2, 10))), arviz.bfmi(np.ones((2, 10))))


def test_trailing_shape_matches_arviz_quantity_by_quantity(arviz):
    draws = autoregressive(np.random.default_rng(5), 4, 300, 0.6, shape=(3, 2))
    for name, (ours, theirs) in arviz_pairs(arviz).items():
        result = ours(draws)
        assert result.shape == (3, 2), name
        expected = np.array([[float(theirs(draws[:, :, i, j])) for j in range(2)] for i in range(3)])
        assert_matches(result, expected)


# ---------------------------------------------------------------------------------------
# Without ArviZ


def test_trailing_shape_is_kept_and_each_quantity_is_independent():
    draws = autoregressive(np.random.default_rng(7), 4, 200, 0.3, shape=(3, 2))
    functions = [diagnostics.rhat, diagnostics.ess_bulk, diagnostics.ess_tail, diagnostics.ess_mean,
                 diagnostics.mcse_mean, diagnostics.mcse_sd, lambda x: diagnostics.rhat(x, method="split"),
                 lambda x: diagnostics.ess_quantile(x, 0.2), lambda x: diagnostics.mcse_quantile(x, 0.7)]
    for function in functions:
        result = function(draws)
        assert result.shape == (3, 2)
        one_at_a_time = np.array([[function(draws[:, :, i, j]) for j in range(2)] for i in range(3)])
        np.testing.assert_allclose(result, one_at_a_time, rtol=1e-12)


ALL_DIAGNOSTICS = {
    "rhat": diagnostics.rhat, "rhat split": lambda x: diagnostics.rhat(x, method="split"),
    "ess_bulk": diagnostics.ess_bulk, "ess_tail": diagnostics.ess_tail, "ess_mean": diagnostics.ess_mean,
    "ess_quantile": lambda x: diagnostics.ess_quantile(x, 0.4), "mcse_mean": diagnostics.mcse_mean,
    "mcse_sd": diagnostics.mcse_sd, "mcse_quantile": lambda x: diagnostics.mcse_quantile(x, 0.4),
}


def test_threads_and_the_fft_fallback_change_nothing(monkeypatch):
    rng = np.random.default_rng(8)
    draws = np.concatenate([autoregressive(rng, 3, 201, 0.95, shape=(20,)),
                            rng.standard_normal((3, 201, 17))], axis=2)
    alone = {name: function(draws) for name, function in ALL_DIAGNOSTICS.items()}
    monkeypatch.setattr(diagnostics, "_ELEMENTS_PER_THREAD", 600)   # several threads, uneven slices
    for name, function in ALL_DIAGNOSTICS.items():
        np.testing.assert_array_equal(function(draws), alone[name], err_msg=name)
    monkeypatch.setattr(diagnostics, "_DIRECT_LAGS", 0)             # every autocovariance by FFT
    for name, function in ALL_DIAGNOSTICS.items():
        np.testing.assert_allclose(function(draws), alone[name], rtol=1e-10, atol=0, err_msg=name)


def test_summary_columns_are_the_functions_results():
    rng = np.random.default_rng(9)
    for draws in (autoregressive(rng, 4, 300, 0.7, shape=(2, 3)), autoregressive(rng, 2, 301, 0.2, shape=(4,)),
                  rng.standard_normal((1, 50))):
        columns = diagnostics.summary_columns(draws)
        np.testing.assert_array_equal(columns["r_hat"], diagnostics.rhat(draws))
        np.testing.assert_array_equal(columns["ess_bulk"], diagnostics.ess_bulk(draws))
        np.testing.assert_array_equal(columns["ess_tail"], diagnostics.ess_tail(draws))
        np.testing.assert_array_equal(columns["mcse_mean"], diagnostics.mcse_mean(draws))


def test_infinite_draws_give_an_answer_without_crashing():
    draws = np.random.default_rng(10).standard_normal((2, 100, 3))
    draws[0, 5, 0], draws[1, 7, 0], draws[1, 9, 1] = np.inf, -np.inf, np.inf
    for name, function in ALL_DIAGNOSTICS.items():
        result = function(draws)
        assert result.shape == (3,), name
        assert np.all(np.isfinite(result[2])), name   # the finite quantity is unaffected


@pytest.mark.parametrize("case", ["normal", "cauchy", "lognormal", "integers", "constant", "infinities",
                                  "tiny range", "two values"])
def test_sorting_kernels_agree_with_numpy(case):
    from ppl.diagnostics import ranking
    rng = np.random.default_rng(12)
    size = 3001
    values = {"normal": rng.standard_normal(size), "cauchy": rng.standard_cauchy(size),
              "lognormal": np.exp(3.0 * rng.standard_normal(size)),
              "integers": rng.integers(0, 4, size).astype(float), "constant": np.full(size, -2.0),
              "infinities": np.concatenate([[np.inf, -np.inf, np.inf], rng.standard_normal(size - 3)]),
              "tiny range": 1.0 + 1e-300 * rng.standard_normal(size),
              "two values": np.where(rng.random(size) < 0.01, 1e300, -1e300)}[case]
    order, sorted_values = np.empty(size, np.int64), np.empty(size)
    scratch = ranking.sort_scratch(size)
    ranking.sort_with_order(values, order, sorted_values, scratch)
    np.testing.assert_array_equal(sorted_values, np.sort(values))
    np.testing.assert_array_equal(values[order], sorted_values)
    np.testing.assert_array_equal(np.sort(order), np.arange(size))
    expected = np.sort(values)
    low, scale = ranking.selection_histogram(values, scratch)
    for first, second in [(0, 0), (0, 1), (1499, 1500), (size - 2, size - 1), (10, 2900), (700, 702)]:
        assert (ranking.order_statistic_pair(values, first, second, low, scale, scratch)
                == (expected[first], expected[second]))


def test_iid_chains_have_rhat_near_one_and_ess_near_the_number_of_draws():
    draws = np.random.default_rng(11).standard_normal((4, 2000, 5))
    assert np.all(np.abs(diagnostics.rhat(draws) - 1) < 0.01)
    for ess in (diagnostics.ess_bulk(draws), diagnostics.ess_mean(draws), diagnostics.ess_tail(draws)):
        assert np.all(np.abs(ess / 8000 - 1) < 0.15)


@pytest.mark.parametrize("coefficient", [0.5, 0.9])
def test_ess_of_autoregressive_chains_is_n_times_one_minus_phi_over_one_plus_phi(coefficient):
    draws = autoregressive(np.random.default_rng(13), 4, 25_000, coefficient)
    expected = draws.size * (1 - coefficient) / (1 + coefficient)
    assert abs(diagnostics.ess_mean(draws) / expected - 1) < 0.1
    assert abs(diagnostics.ess_bulk(draws) / expected - 1) < 0.1
    single_chain = diagnostics.effective_sample_size(draws[0], filter_beyond_positive_pairs=True)
    assert abs(single_chain / (25_000 * (1 - coefficient) / (1 + coefficient)) - 1) < 0.1
    cross_chain = diagnostics.effective_sample_size(draws.T, cross_chain_dims=1, filter_beyond_positive_pairs=True)
    assert abs(cross_chain / expected - 1) < 0.1


def test_badly_mixed_chains_are_flagged():
    rng = np.random.default_rng(17)
    different_means = rng.standard_normal((4, 500)) + np.array([0.0, 0.0, 0.0, 1.5])[:, None]
    different_scales = rng.standard_normal((4, 500)) * np.array([1.0, 1.0, 1.0, 5.0])[:, None]
    assert diagnostics.rhat(different_means) > 1.1
    assert diagnostics.rhat(different_means, method="split") > 1.1
    assert diagnostics.potential_scale_reduction(different_means.T) > 1.1
    assert diagnostics.rhat(different_scales) > 1.1  # only the folded (tail) R-hat sees this
    assert diagnostics.rhat(different_scales, method="split") < 1.05


def test_constant_chains_follow_arviz_conventions():
    constant = np.full((4, 100), 3.0)
    assert np.isnan(diagnostics.rhat(constant))
    assert diagnostics.ess_bulk(constant) == 400
    assert diagnostics.ess_tail(constant) == 400
    assert diagnostics.ess_mean(constant) == 400
    assert diagnostics.mcse_mean(constant) == 0
    assert np.isnan(diagnostics.mcse_sd(constant))
    assert diagnostics.mcse_quantile(constant, 0.5) == 0


def test_too_few_draws_or_chains_give_nan_and_nan_draws_poison_their_quantity():
    rng = np.random.default_rng(19)
    assert np.isnan(diagnostics.rhat(rng.standard_normal((1, 100))))
    assert np.isnan(diagnostics.ess_bulk(rng.standard_normal((4, 3))))
    draws = rng.standard_normal((4, 100, 2))
    draws[1, 5, 0] = np.nan
    for function in (diagnostics.rhat, diagnostics.ess_bulk, diagnostics.ess_tail, diagnostics.mcse_sd):
        result = function(draws)
        assert np.isnan(result[0]) and np.isfinite(result[1])


def test_bfmi_of_independent_and_of_random_walk_energies():
    rng = np.random.default_rng(23)
    independent = rng.standard_normal((3, 20_000))
    np.testing.assert_allclose(diagnostics.bfmi(independent), 2.0, rtol=0.05)  # E(dE^2) = 2 Var E
    random_walk = np.cumsum(rng.standard_normal((3, 2000)), axis=1)
    assert np.all(diagnostics.bfmi(random_walk) < 0.3)
    assert diagnostics.bfmi(independent).shape == (3,)


@pytest.mark.parametrize("bad", [np.zeros(10), np.float64(1.0), np.zeros((0, 10))])
def test_invalid_shapes_name_the_expected_layout(bad):
    for function in (diagnostics.rhat, diagnostics.ess_bulk, diagnostics.ess_tail, diagnostics.ess_mean,
                     diagnostics.mcse_mean, diagnostics.mcse_sd):
        with pytest.raises(ValueError, match=r"\[chains, draws\] or \[chains, draws, \*shape\]"):
            function(bad)
    with pytest.raises(ValueError, match=r"\[chains, draws\]"):
        diagnostics.bfmi(np.zeros(10))


def test_invalid_arguments_raise():
    draws = np.zeros((2, 10))
    with pytest.raises(ValueError, match="rank"):
        diagnostics.rhat(draws, method="folded")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        diagnostics.ess_quantile(draws, 1.5)
    with pytest.raises(ValueError, match="independent_chain_ndims"):
        diagnostics.potential_scale_reduction(np.zeros((10, 2)), independent_chain_ndims=0)
    with pytest.raises(ValueError, match=r"\[draws, chain dimensions"):
        diagnostics.potential_scale_reduction(np.zeros(10), independent_chain_ndims=1)
    with pytest.raises(ValueError, match="at least 4 draws"):
        diagnostics.potential_scale_reduction(np.zeros((3, 2)), split_chains=True)
    with pytest.raises(ValueError, match="at least 2 chains"):
        diagnostics.effective_sample_size(np.zeros((10, 1)), cross_chain_dims=1)


# ---------------------------------------------------------------------------------------
# Special functions


def test_inverse_normal_cdf_matches_scipy_to_full_precision():
    probabilities = np.concatenate([
        [1e-300, 1e-200, 1e-100, 1e-50, 1e-20, 1e-10, 1e-5, 0.02425, 0.0242500001, 0.25, 0.2500001,
         0.49999999, 0.5 - 1e-12, 0.5 + 1e-12, 0.75, 0.97575, 1 - 1e-10, 1 - 1e-16],
        np.linspace(1e-4, 1 - 1e-4, 2001),
        (np.arange(1, 8000) - 0.375) / (8000 + 0.25),
    ])
    np.testing.assert_allclose(inverse_normal_cdf(probabilities), scipy.special.ndtri(probabilities),
                               rtol=1e-14, atol=0)
    assert inverse_normal_cdf(0.5) == 0.0
    assert inverse_normal_cdf(0.0) == -np.inf and inverse_normal_cdf(1.0) == np.inf
    assert np.isnan(inverse_normal_cdf(1.5)) and np.isnan(inverse_normal_cdf(np.nan))


def test_beta_quantile_matches_scipy():
    probability = np.array([0.1586553, 0.8413447, 0.5, 0.01, 0.99])[:, None]
    a = np.array([1.0, 1.3, 2.5, 31.0, 200.5, 1500.0, 4000.0, 1.0, 60000.0])
    b = np.array([1.0, 7.0, 2.5, 1.2, 3000.5, 1500.0, 30.0, 9000.0, 40000.0])
    ours = np.array([[beta_quantile(p, alpha, beta) for alpha, beta in zip(a, b)] for p in probability[:, 0]])
    np.testing.assert_allclose(ours, scipy.stats.beta.ppf(probability, a, b), rtol=1e-10, atol=0)
    assert np.isnan(beta_quantile(0.5, np.nan, 2.0))


# ---------------------------------------------------------------------------------------
# TFP convention


def reference_rhat(states):
    """Brooks and Gelman's R for [N, M] draws, written out."""
    n, m = states.shape
    chain_means = states.mean(axis=0)
    within = np.mean([np.sum((states[:, j] - chain_means[j]) ** 2) / (n - 1) for j in range(m)])
    between_over_n = np.sum((chain_means - chain_means.mean()) ** 2) / (m - 1)
    return (m + 1) / m * ((n - 1) / n * within + between_over_n) / within - (n - 1) / (m * n)


def test_potential_scale_reduction_formula_and_chain_dimensions():
    rng = np.random.default_rng(29)
    states = rng.standard_normal((500, 6, 3)) + np.array([0.0, 0.1, 0.4])
    result = diagnostics.potential_scale_reduction(states)
    assert result.shape == (3,)
    for i in range(3):
        np.testing.assert_allclose(result[i], reference_rhat(states[:, :, i]), rtol=1e-12)
    iid = diagnostics.potential_scale_reduction(rng.standard_normal((4000, 4)))
    assert abs(iid - 1) < 0.01
    # two chain dimensions are one chain dimension of their product
    grid = states.reshape(500, 2, 3, 3)
    np.testing.assert_allclose(diagnostics.potential_scale_reduction(grid, independent_chain_ndims=2), result,
                               rtol=1e-12)
    # ... while with one chain dimension the second is a quantity axis
    assert diagnostics.potential_scale_reduction(grid, independent_chain_ndims=1).shape == (3, 3)
    pair = diagnostics.potential_scale_reduction([states, states[:, :, 0]])
    assert isinstance(pair, list) and pair[1].shape == ()


def test_split_potential_scale_reduction_is_the_classic_split_rhat_squared_and_corrected():
    states = np.random.default_rng(31).standard_normal((400, 4)) + np.linspace(0, 0.3, 4)
    chains, halves = 8, 200
    ours_split = diagnostics.rhat(states.T, method="split")
    expected = (chains + 1) / chains * ours_split ** 2 - (halves - 1) / (chains * halves)
    np.testing.assert_allclose(diagnostics.potential_scale_reduction(states, split_chains=True), expected,
                               rtol=1e-12)
    odd = diagnostics.potential_scale_reduction(states[:399], split_chains=True)  # TFP drops the last draw
    np.testing.assert_allclose(odd, diagnostics.potential_scale_reduction(states[:398], split_chains=True),
                               rtol=1e-12)


def reference_tfp_ess(chain, filter_threshold=0.0, filter_beyond_lag=None, positive_pairs=False):
    """tfp.mcmc.effective_sample_size for one [N] chain, with loops."""
    n = len(chain)
    centred = chain - chain.mean()
    lags = n if filter_beyond_lag is None else min(n, filter_beyond_lag + 1)
    autocovariance = np.array([np.dot(centred[:n - k], centred[k:]) / (n - k) for k in range(lags)])
    correlation = autocovariance / autocovariance[0]
    terms = [(n - k) / n * correlation[k] for k in range(lags)]
    if positive_pairs:
        total = 0.0
        for k in range(lags // 2):
            if correlation[2 * k] + correlation[2 * k + 1] < 0:
                break
            total += terms[2 * k] + terms[2 * k + 1]
    else:
        total = 0.0
        for k in range(lags):
            if filter_threshold is not None and correlation[k] < filter_threshold:
                break
            total += terms[k]
    return n / (-1 + 2 * total)


def reference_cross_chain_ess(states, positive_pairs):
    """TFP's cross-chain ESS for [N, C] draws, with loops."""
    n, c = states.shape
    centred = states - states.mean(axis=0)
    autocovariance = np.array([[np.dot(centred[:n - k, j], centred[k:, j]) / (n - k) for j in range(c)]
                               for k in range(n)])
    biased_within = autocovariance[0].mean()
    between_over_n = states.mean(axis=0).var(ddof=1)
    correlation = 1 - (biased_within - autocovariance.mean(axis=1)) / (biased_within + between_over_n)
    total = 0.0
    for k in range(n // 2 if positive_pairs else n):
        if positive_pairs:
            if correlation[2 * k] + correlation[2 * k + 1] < 0:
                break
            total += (n - 2 * k) / n * correlation[2 * k] + (n - 2 * k - 1) / n * correlation[2 * k + 1]
        else:
            if correlation[k] < 0:
                break
            total += (n - k) / n * correlation[k]
    return c * n / (-1 + 2 * total)


def test_effective_sample_size_follows_tfp_formulas():
    rng = np.random.default_rng(37)
    states = autoregressive(rng, 3, 301, 0.6).T  # [301, 3]: three chains
    per_chain = diagnostics.effective_sample_size(states)
    assert per_chain.shape == (3,)
    for j in range(3):
        chain = states[:, j]
        np.testing.assert_allclose(per_chain[j], reference_tfp_ess(chain), rtol=1e-10)
        for options, reference in [
            (dict(filter_threshold=0.2), dict(filter_threshold=0.2)),
            (dict(filter_threshold=-0.05), dict(filter_threshold=-0.05)),
            (dict(filter_threshold=None, filter_beyond_lag=40), dict(filter_threshold=None, filter_beyond_lag=40)),
            (dict(filter_beyond_lag=7), dict(filter_beyond_lag=7)),
            (dict(filter_beyond_positive_pairs=True), dict(positive_pairs=True)),
            (dict(filter_beyond_positive_pairs=True, filter_beyond_lag=10),
             dict(positive_pairs=True, filter_beyond_lag=10)),
        ]:
            np.testing.assert_allclose(diagnostics.effective_sample_size(chain, **options),
                                       reference_tfp_ess(chain, **reference), rtol=1e-10)
    for positive_pairs in (False, True):
        np.testing.assert_allclose(
            diagnostics.effective_sample_size(states, cross_chain_dims=1, filter_beyond_positive_pairs=positive_pairs),
            reference_cross_chain_ess(states, positive_pairs), rtol=1e-10)


def test_effective_sample_size_of_iid_draws_is_the_number_of_draws():
    rng = np.random.default_rng(41)
    states = rng.standard_normal((10_000, 4))
    np.testing.assert_allclose(diagnostics.effective_sample_size(states, filter_beyond_positive_pairs=True),
                               10_000, rtol=0.2)  # the truncated sum of noisy autocorrelations
    np.testing.assert_allclose(diagnostics.effective_sample_size(states, cross_chain_dims=1), 40_000, rtol=0.1)
    # cross_chain_dims reduces its axes away; other axes remain quantities
    grid = rng.standard_normal((500, 2, 3, 4))
    assert diagnostics.effective_sample_size(grid, cross_chain_dims=[1, 2]).shape == (4,)
    assert diagnostics.effective_sample_size(grid).shape == (2, 3, 4)
    pair = diagnostics.effective_sample_size((grid, grid[:, 0]), cross_chain_dims=[1, None])
    assert isinstance(pair, tuple) and pair[0].shape == (3, 4) and pair[1].shape == (3, 4)


def test_background_compilation_is_skipped_once_the_kernels_are_loaded(monkeypatch):
    diagnostics.rhat(np.zeros((2, 10)))            # loads (or compiles) the kernels in this process
    monkeypatch.setattr(diagnostics, "_background_compilation", None)
    diagnostics.compile_in_background()
    assert diagnostics._background_compilation is None


def test_a_running_background_compilation_is_waited_for(monkeypatch):
    class Compilation:
        waited = False

        def wait(self):
            Compilation.waited = True

    monkeypatch.setattr(diagnostics, "_background_compilation", Compilation())
    draws = np.random.default_rng(13).standard_normal((2, 50))
    assert np.isfinite(diagnostics.ess_bulk(draws))
    assert Compilation.waited and diagnostics._background_compilation is None


def test_all_lists_exactly_the_diagnostics():
    public = {name for name, value in vars(diagnostics).items()
              if callable(value) and not name.startswith("_")
              and getattr(value, "__module__", "").startswith("ppl.diagnostics")}
    assert set(diagnostics.__all__) == public - {"inverse_normal_cdf", "compile_in_background"}
