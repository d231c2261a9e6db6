"""Wishart, InverseWishart and their Cholesky forms: densities against scipy.stats (the Cholesky
forms with a Jacobian computed by finite differences), kernel adjoints against finite
differences, draws against the closed-form means, compiled models against scipy and finite
differences, and a sampled model against its conjugate posterior.  LKJ, compiled by a kernel of
the same module (ppl/runtime/matrix_densities.py), against the library's LKJ."""

import numpy as np
import pytest
import scipy.stats as st

import ppl
import ppl.distributions as tfd
from gradient_checks import check_gradient
from ppl.distributions.base import ParameterError
from ppl.runtime import matrix_densities

K = 3


def spd(rng, size=K):
    a = rng.normal(size=(size, size))
    return a @ a.T + size * np.eye(size)


def log_jacobian_by_differences(factor):
    """log |det d(L Lᵀ)/dL| over the lower triangles, by central differences (the oracle for
    the Cholesky forms' Jacobian term)."""
    rows, columns = np.tril_indices(factor.shape[0])
    columns_of_jacobian = []
    for i, j in zip(rows, columns):
        step = np.zeros_like(factor)
        step[i, j] = 1e-6
        plus, minus = (factor + step) @ (factor + step).T, (factor - step) @ (factor - step).T
        columns_of_jacobian.append(((plus - minus) / 2e-6)[rows, columns])
    return np.linalg.slogdet(np.array(columns_of_jacobian))[1]


# ---- the library against scipy -------------------------------------------------------------------

def test_log_prob_matches_scipy_batched():
    rng = np.random.default_rng(0)
    scales = np.stack([spd(rng), spd(rng)])
    dfs = np.array([3.5, 7.0])
    values = np.stack([spd(rng), spd(rng)])
    wishart, inverse = tfd.Wishart(dfs, scales), tfd.InverseWishart(dfs, scales)
    assert wishart.batch_shape == (2,) and wishart.event_shape == (K, K)
    expected_wishart = [st.wishart(dfs[b], scales[b]).logpdf(values[b]) for b in range(2)]
    expected_inverse = [st.invwishart(dfs[b], scales[b]).logpdf(values[b]) for b in range(2)]
    np.testing.assert_allclose(wishart.log_prob(values), expected_wishart, rtol=1e-12)
    np.testing.assert_allclose(inverse.log_prob(values), expected_inverse, rtol=1e-12)

    factors, scale_factors = np.linalg.cholesky(values), np.linalg.cholesky(scales)
    jacobians = [log_jacobian_by_differences(f) for f in factors]
    np.testing.assert_allclose(tfd.WishartCholesky(dfs, scale_factors).log_prob(factors),
                               np.add(expected_wishart, jacobians), rtol=1e-8)
    np.testing.assert_allclose(tfd.InverseWishartCholesky(dfs, scale_factors).log_prob(factors),
                               np.add(expected_inverse, jacobians), rtol=1e-8)


def test_values_outside_the_support_and_bad_parameters():
    rng = np.random.default_rng(1)
    scale = spd(rng)
    not_positive_definite = np.diag([1.0, -1.0, 2.0])
    not_symmetric = scale + np.triu(np.ones((K, K)), 1)
    assert np.all(tfd.Wishart(4.0, scale).log_prob(np.stack([not_positive_definite, not_symmetric])) == -np.inf)
    upper = np.linalg.cholesky(scale).T
    assert tfd.WishartCholesky(4.0, np.linalg.cholesky(scale)).log_prob(upper) == -np.inf
    with pytest.raises(ParameterError, match="df must be greater than K - 1 = 2"):
        tfd.Wishart(1.5, scale)
    with pytest.raises(ParameterError, match="scale_matrix"):
        tfd.InverseWishart(4.0, not_positive_definite)
    with pytest.raises(ParameterError, match="scale_tril"):
        tfd.InverseWishartCholesky(4.0, upper)


@pytest.mark.parametrize("family", ["Wishart", "InverseWishart", "WishartCholesky", "InverseWishartCholesky"])
def test_draws_have_the_closed_form_mean(family):
    """E[W] = ν S and E[W] = S / (ν - K - 1) (for the Cholesky forms, of L Lᵀ), within five
    standard errors of the sample mean; Cholesky draws are lower triangular."""
    rng = np.random.default_rng(2)
    scale, df, count = spd(rng), 7.5, 20000
    cholesky_form = family.endswith("Cholesky")
    distribution = getattr(tfd, family)(df, np.linalg.cholesky(scale) if cholesky_form else scale)
    draws = distribution.sample(count, seed=3)
    if cholesky_form:
        assert np.all(np.triu(draws, 1) == 0) and np.all(np.diagonal(draws, axis1=1, axis2=2) > 0)
        draws = draws @ np.swapaxes(draws, -1, -2)
    expected = df * scale if family.startswith("Wishart") else scale / (df - K - 1)
    if not cholesky_form:
        np.testing.assert_allclose(distribution.mean(), expected, rtol=1e-12)
    standard_error = draws.std(axis=0) / np.sqrt(count)
    assert np.all(np.abs(draws.mean(axis=0) - expected) < 5 * standard_error)
    assert np.all(np.isfinite(distribution.log_prob(draws[:5] if not cholesky_form else
                                                    np.linalg.cholesky(draws[:5]))))


# ---- the kernels' adjoints against finite differences -------------------------------------------------

@pytest.mark.parametrize("kernel", ["wishart", "inverse_wishart", "wishart_cholesky", "inverse_wishart_cholesky"])
def test_kernel_adjoints_match_finite_differences(kernel):
    """Full forms along symmetric directions (their adjoint is the symmetric gradient), Cholesky
    forms along lower-triangular ones; df by its returned share."""
    rng = np.random.default_rng(4)
    value, scale, df = spd(rng), spd(rng), 5.3
    if kernel.endswith("cholesky"):
        value, scale = np.linalg.cholesky(value), np.linalg.cholesky(scale)
    log_density = getattr(matrix_densities, f"{kernel}_log_density")
    value_adj, scale_adj = np.zeros((K, K)), np.zeros((K, K))
    df_adj = getattr(matrix_densities, f"{kernel}_log_density_vjp")(value, df, scale, 2.0, value_adj, scale_adj)
    step = 1e-6
    for _ in range(3):
        direction = rng.normal(size=(K, K))
        direction = np.tril(direction) if kernel.endswith("cholesky") else direction + direction.T
        along_value = (log_density(value + step * direction, df, scale)
                       - log_density(value - step * direction, df, scale)) / (2 * step)
        along_scale = (log_density(value, df, scale + step * direction)
                       - log_density(value, df, scale - step * direction)) / (2 * step)
        assert np.sum(value_adj * direction) == pytest.approx(2 * along_value, rel=1e-6, abs=1e-8)
        assert np.sum(scale_adj * direction) == pytest.approx(2 * along_scale, rel=1e-6, abs=1e-8)
    along_df = (log_density(value, df + step, scale) - log_density(value, df - step, scale)) / (2 * step)
    assert df_adj == pytest.approx(2 * along_df, rel=1e-6)
    assert np.isnan(log_density(value, K - 1.0, scale))   # improper at df <= K - 1: rejected


# ---- compiled models --------------------------------------------------------------------------------

ALL_FAMILIES = """
data K: int<lower=1>
data G: int<lower=1>
data S: cov[K]
data L_S: cov_cholesky[K]
data Y: cov[G, K]
param nu: real<lower=K - 1>
param W: cov[K]
param V: cov[K]
param LW: cov_cholesky[K]
param LV: cov_cholesky[K]
nu ~ Gamma(10, 1)
W ~ Wishart(nu, S)
V ~ InverseWishart(nu + 1, W)
LW ~ WishartCholesky(nu, L_S)
LV ~ InverseWishartCholesky(4.5, LW)
Y ~ InverseWishart(nu + 2, V)
each = Wishart(nu, S).log_prob(Y)
target += 0.5 * sum(Wishart(nu + ones(G), S).log_prob(Y))
gen W_draw ~ Wishart(nu, W)
gen LV_draw ~ InverseWishartCholesky(nu + 2, LW)
"""


@pytest.mark.filterwarnings("ignore::ppl.results.fit.SamplerWarning")   # 10 draws after 30 warmup: only the gen draws matter
def test_compiled_densities_match_scipy_and_gradients_finite_differences():
    rng = np.random.default_rng(5)
    scale = spd(rng)
    observed = st.invwishart(6.0, np.eye(K)).rvs(2, random_state=6)
    data = {"K": K, "G": 2, "S": scale, "L_S": np.linalg.cholesky(scale), "Y": observed}
    model = ppl.model(ALL_FAMILIES, "wishart_families.ppl")
    posterior = model.condition(data)
    assert posterior.dim == 1 + 4 * K * (K + 1) // 2
    for _ in range(2):
        u = rng.normal(size=posterior.dim) * 0.3
        check_gradient(posterior, u)
        params = posterior.constrain(u)
        nu, W, V, LW, LV = (float(params["nu"]), params["W"], params["V"], params["LW"], params["LV"])
        expected = (st.gamma(10).logpdf(nu) + st.wishart(nu, scale).logpdf(W) + st.invwishart(nu + 1, W).logpdf(V)
                    + st.wishart(nu, scale).logpdf(LW @ LW.T) + log_jacobian_by_differences(LW)
                    + st.invwishart(4.5, LW @ LW.T).logpdf(LV @ LV.T) + log_jacobian_by_differences(LV)
                    + sum(st.invwishart(nu + 2, V).logpdf(y) + 0.5 * st.wishart(nu + 1, scale).logpdf(y)
                          for y in observed))
        assert posterior.log_prob(params) == pytest.approx(expected, rel=1e-8)
        np.testing.assert_allclose(posterior.deterministics(u)["each"],
                                   [st.wishart(nu, scale).logpdf(y) for y in observed], rtol=1e-12)
    fit = model.sample(data, chains=1, warmup=30, draws=10, seed=7, progress=False)
    assert fit["W_draw"].shape == (1, 10, K, K) and np.all(np.linalg.eigvalsh(fit["W_draw"]) > 0)
    assert np.all(np.triu(fit["LV_draw"], 1) == 0) and np.all(np.diagonal(fit["LV_draw"], axis1=-2, axis2=-1) > 0)


def test_a_value_outside_the_support_is_a_data_error():
    model = ppl.model("data K: int\ndata X: real[K, K]\nparam nu: real<lower=3>\nX ~ Wishart(nu, eye(K))\n",
                      "wishart_data.ppl")
    with pytest.raises(ppl.DataError) as caught:
        model.condition({"K": 2, "X": [[1.0, 2.0], [2.0, 1.0]]})
    assert "outside the support" in str(caught.value) and caught.value.line == 4


CONJUGATE = """
data K: int<lower=1>
data N: int<lower=1>
data nu0: real
data S0: cov[K]
data L_Psi: cov_cholesky[K]
data y: real[N, K]
data z: real[N, K]
param Lambda: cov[K]
param L: cov_cholesky[K]
Lambda ~ Wishart(nu0, S0)
y ~ MVN(zeros(K), inverse(Lambda))
L ~ InverseWishartCholesky(nu0, L_Psi)
z ~ MVNTriL(zeros(K), L)
Sigma = L @ L.T
"""


def test_a_normal_with_unknown_precision_samples_its_conjugate_posterior():
    """Λ ~ Wishart(ν0, S0), y_n ~ N(0, Λ⁻¹): Λ | y ~ Wishart(ν0 + N, (S0⁻¹ + Σ y yᵀ)⁻¹), mean
    (ν0 + N)(S0⁻¹ + YᵀY)⁻¹; and L Lᵀ = Σ ~ InverseWishart(ν0, Ψ), z_n ~ N(0, Σ):
    Σ | z ~ InverseWishart(ν0 + N, Ψ + ZᵀZ), mean (Ψ + ZᵀZ) / (ν0 + N - K - 1)."""
    rng = np.random.default_rng(8)
    size, count, nu0 = 2, 25, 4.0
    scale, psi = np.array([[1.0, 0.3], [0.3, 0.5]]), np.array([[2.0, -0.4], [-0.4, 1.0]])
    y = rng.multivariate_normal(np.zeros(size), [[1.0, 0.5], [0.5, 2.0]], size=count)
    z = rng.multivariate_normal(np.zeros(size), [[0.5, 0.2], [0.2, 1.5]], size=count)
    data = {"K": size, "N": count, "nu0": nu0, "S0": scale, "L_Psi": np.linalg.cholesky(psi), "y": y, "z": z}
    fit = ppl.model(CONJUGATE, "wishart_conjugate.ppl").sample(data, chains=2, warmup=300, draws=600, seed=9,
                                                              progress=False)
    precision_mean = (nu0 + count) * np.linalg.inv(np.linalg.inv(scale) + y.T @ y)
    covariance_mean = (psi + z.T @ z) / (nu0 + count - size - 1)
    rows = fit.summary(include="all").to_dict()   # Sigma is a deterministic
    for name, expected in (("Lambda", precision_mean), ("Sigma", covariance_mean)):
        for i in range(size):
            for j in range(size):
                row = rows[f"{name}[{i}, {j}]"]
                assert abs(row["mean"] - expected[i, j]) < 5 * row["mcse_mean"], (name, i, j, row, expected)


def test_lkj_compiles_against_the_librarys_density_and_finite_differences():
    """The kernel's normaliser (a loop, with its derivative in the concentration) against the
    library's (the catalogue's SymPy sum, checked by numerical integration elsewhere)."""
    model = ppl.model("""
data K: int
param eta: real<lower=0>
param R: corr[K]
param Rs: corr[2, K]
eta ~ Gamma(4, 2)
R ~ LKJ(K, eta)
Rs ~ LKJ(K, 2.5)
each = LKJ(K, eta + 1).log_prob(Rs)
""", "lkj_compiled.ppl")
    posterior = model.condition({"K": 3})
    rng = np.random.default_rng(10)
    for _ in range(2):
        u = rng.normal(size=posterior.dim)
        check_gradient(posterior, u)
        params = posterior.constrain(u)
        eta = float(params["eta"])
        expected = (st.gamma(4, scale=0.5).logpdf(eta) + tfd.LKJ(3, eta).log_prob(params["R"])
                    + tfd.LKJ(3, 2.5).log_prob(params["Rs"]).sum())
        assert posterior.log_prob(params) == pytest.approx(expected, rel=1e-10)
        np.testing.assert_allclose(posterior.deterministics(u)["each"], tfd.LKJ(3, eta + 1).log_prob(params["Rs"]),
                                   rtol=1e-10)


def test_a_batch_of_cholesky_factors_and_a_batch_of_dfs():
    """cholesky() of a [G, K, K] batch (one kernel call per matrix, each with its adjoint), and
    .log_prob with a df per batch element, against NumPy and finite differences."""
    model = ppl.model("""
data S: cov[2]
param Ws: cov[3, 2]
param dfs: real<lower=1>[3]
Ws ~ Wishart(3.0, S)
Ls = cholesky(Ws)
target += sum(InverseWishartCholesky(dfs, cholesky(S)).log_prob(Ls))
""", "batched_cholesky.ppl")
    scale = np.array([[2.0, 0.3], [0.3, 1.0]])
    posterior = model.condition({"S": scale})
    rng = np.random.default_rng(11)
    for _ in range(2):
        u = rng.normal(size=posterior.dim) * 0.5
        check_gradient(posterior, u)
        params = posterior.constrain(u)
        factors = posterior.deterministics(u)["Ls"]
        np.testing.assert_allclose(factors, np.linalg.cholesky(params["Ws"]), rtol=1e-12)
        expected = sum(st.wishart(3.0, scale).logpdf(w) + st.invwishart(df, scale).logpdf(w)
                       + log_jacobian_by_differences(f) for w, df, f in zip(params["Ws"], params["dfs"], factors))
        assert posterior.log_prob(params) == pytest.approx(expected, rel=1e-8)
