"""Generated log densities and gradients: values against NumPy references written
by hand (and scipy), gradients against central finite differences of the generated log density."""

import numpy as np
import pytest
import scipy.special as special
import scipy.stats as stats

import ppl
from gradient_checks import check_gradient


Y = np.array([0.5, 1.0, -0.3, 2.0, 1.4])
X = np.array([[0.2, -1.0, 0.3, 0.8, 1.1], [1.5, 0.4, -0.7, 0.1, -0.2]])


def sigmoid(v):
    return 1 / (1 + np.exp(-v))


CASES = {
    "scalars_and_bounds": (
        "data N: int\ndata y: real[N]\nparam mu: real\nparam sigma: real<lower=0>\n"
        "target += -0.5 * mu ** 2 - 0.5 * sum(((y - mu) / sigma) ** 2) - N * log(sigma)\n",
        {"N": 5, "y": Y},
        lambda u: (-0.5 * u[0] ** 2 - 0.5 * np.sum(((Y - u[0]) / np.exp(u[1])) ** 2) - 5 * u[1] + u[1])),
    "interval_and_upper_bounds_on_params": (
        "param a: real<lower=-1, upper=2>\nparam b: real<lower=0, upper=a + 3>\nparam c: real<upper=a>\n"
        "target += -a ** 2 - (b - 1) ** 2 - c ** 2\n",
        {},
        lambda u: _bounded_reference(u)),
    "matmul_slices_and_deterministics": (
        "data N: int\ndata x: real[2, N]\ndata y: real[N]\nparam w: real[3]\n"
        "mu = w[0] + w[1:] @ x\ntarget += -0.5 * sum((y - mu) ** 2) - 0.5 * dot(w, w)\n",
        {"N": 5, "x": X, "y": Y},
        lambda u: -0.5 * np.sum((Y - (u[0] + u[1:] @ X)) ** 2) - 0.5 * u @ u),
    "matrix_times_vector_and_transpose": (
        "data N: int\ndata x: real[2, N]\nparam w: real[2]\nparam v: real[N]\n"
        "a = x.T @ w\nb = w @ x\nc = x @ v\ntarget += -sum(a ** 2) - sum(b) - 0.5 * sum(c ** 2) - 0.1 * sum(v ** 2)\n",
        {"N": 5, "x": X},
        lambda u: (-np.sum((X.T @ u[:2]) ** 2) - np.sum(u[:2] @ X) - 0.5 * np.sum((X @ u[2:]) ** 2)
                   - 0.1 * np.sum(u[2:] ** 2))),
    "loops_locals_and_filled_arrays": (
        "data T: int\ndata r: real[T]\nparam a: real<lower=0, upper=1>\nparam s0: real<lower=0>\n"
        "s: real[T]\ns[0] = s0\nfor t in range(1, T):\n    prev = s[t - 1]\n    s[t] = sqrt(0.1 + a * prev ** 2 + 0.2 * r[t - 1] ** 2)\n"
        "for t in range(T):\n    target += -log(s[t]) - 0.5 * (r[t] / s[t]) ** 2\n",
        {"T": 5, "r": Y},
        lambda u: _garch_reference(u)),
    "gathers_elementwise_builtins_and_if": (
        "data N: int\ndata g: int<lower=0, upper=2>[N]\ndata y: real[N]\nparam alpha: real[3]\nparam tau: real<lower=0>\n"
        "m = alpha[g]\nfor i in range(N):\n    if g[i] == 0:\n        target += -softplus(m[i] - y[i])\n"
        "    else:\n        target += log_sigmoid(m[i] * y[i]) + lgamma(tau + 1.0)\n"
        "target += -exp(tau) + log1p(tau) + sum(tanh(alpha)) - sum(square(alpha))\n",
        {"N": 5, "g": [0, 1, 2, 1, 0], "y": Y},
        None),
    "list_literals_and_means": (
        "param a: real\nparam b: real\nv = [a, b, a * b]\ntarget += -mean(v ** 2) - logsumexp(v)\n",
        {},
        lambda u: (-np.mean(np.array([u[0], u[1], u[0] * u[1]]) ** 2)
                   - np.log(np.sum(np.exp([u[0], u[1], u[0] * u[1]]))))),
}


def _bounded_reference(u):
    a = -1 + 3 * sigmoid(u[0])
    b = (a + 3) * sigmoid(u[1])
    c = a - np.exp(u[2])
    jacobian = (np.log(3) + np.log(sigmoid(u[0])) + np.log(sigmoid(-u[0]))
                + np.log(a + 3) + np.log(sigmoid(u[1])) + np.log(sigmoid(-u[1])) + u[2])
    return -a ** 2 - (b - 1) ** 2 - c ** 2 + jacobian


def _garch_reference(u):
    a, s0 = sigmoid(u[0]), np.exp(u[1])
    jacobian = np.log(sigmoid(u[0])) + np.log(sigmoid(-u[0])) + u[1]
    s = np.empty(5)
    s[0] = s0
    for t in range(1, 5):
        s[t] = np.sqrt(0.1 + a * s[t - 1] ** 2 + 0.2 * Y[t - 1] ** 2)
    return np.sum(-np.log(s) - 0.5 * (Y / s) ** 2) + jacobian


@pytest.mark.parametrize("name", sorted(CASES))
def test_generated_log_density_and_gradient(name):
    text, data, reference = CASES[name]
    post = ppl.model(text, f"{name}.ppl").condition(data)
    rng = np.random.default_rng(1)
    for _ in range(3):
        u = rng.uniform(-1.5, 1.5, size=post.dim)
        if reference is not None:
            assert post.log_density(u) == pytest.approx(reference(u), rel=1e-12, abs=1e-12)
        check_gradient(post, u)


def test_constrain_returns_params_in_their_spaces():
    post = ppl.model("param mu: real\nparam sigma: real<lower=0>\nparam p: real<lower=0, upper=1>[2]\n"
                     "target += -mu ** 2 - sigma - sum(p)\n").condition({})
    values = post.constrain(np.array([0.5, 0.0, -20.0, 20.0]))
    assert values["mu"] == 0.5 and values["sigma"] == 1.0
    assert 0 < values["p"][0] < 1e-8 and 1 - 1e-8 < values["p"][1] < 1


event_rng = np.random.default_rng(11)
K = 4
SIMPLEX_ROWS = event_rng.dirichlet(np.full(K, 2.0), 3)
CONCENTRATIONS = event_rng.uniform(0.5, 4.0, (3, K))
CATEGORIES = np.array([0, 3, 1, 1, 2])


def correlation_factor(seed):
    matrix = np.random.default_rng(seed).normal(size=(K, K))
    covariance = matrix @ matrix.T + np.eye(K)
    scale = np.sqrt(np.diag(covariance))
    return np.linalg.cholesky(covariance / np.outer(scale, scale))


def lkj_cholesky_reference(factor, eta):
    """Stan's lkj_corr_cholesky_lpdf, with the normaliser of Lewandowski, Kurowicka and Joe
    (2009), eq. 16, through scipy's betaln."""
    size = factor.shape[0]
    log_normaliser = sum((2 * eta - 2 + size - k) * (size - k) * np.log(2.0)
                         + (size - k) * special.betaln(eta + (size - k - 1) / 2, eta + (size - k - 1) / 2)
                         for k in range(1, size))
    return sum((size - k - 1 + 2 * (eta - 1)) * np.log(factor[k, k]) for k in range(1, size)) - log_normaliser


# name → (model text, data, None or reference(constrained params) -> log density without the
# Jacobian, against scipy or Stan's formula where scipy has none).  The Dirichlet, Categorical
# and LKJCholesky rows test the event densities emitted from the catalogue's SymPy definitions
# (codegen/event_density.py): batch axes on the value, on the parameters and on both, and
# `D(...).log_prob(x)` expressions.
EVENT_CASES = {
    "gp_cholesky_mvn": (
        "data N: int\ndata x: real[N]\ndata y: real[N]\nparam rho: real<lower=0>\nparam alpha: real<lower=0>\n"
        "param sigma: real<lower=0>\n_C = exp_quad_cov(x, alpha, rho) + diag(ones(N) * sigma)\n"
        "y ~ MVNTriL(zeros(N), cholesky(_C))\ntarget += -rho - alpha - sigma\n",
        {"N": 5, "x": [-2.0, -1.0, 0.0, 1.0, 2.0], "y": Y}, None),
    "full_covariance_and_gaussian_process": (
        "data N: int\ndata x: real[N]\ndata y: real[N]\nparam a: real<lower=0>\nparam l: real<lower=0>\n"
        "y ~ MVN(zeros(N), exp_quad_cov(x, a, l) + 0.1 * eye(N))\n"
        "y ~ GaussianProcess(ExponentiatedQuadratic(a, l), x, observation_noise_variance=0.2)\n",
        {"N": 5, "x": [-2.0, -1.0, 0.0, 1.0, 2.0], "y": Y}, None),
    "lkj_and_scaled_cholesky": (
        "data N: int\ndata Y: real[N, 3]\nparam mu: real[3]\nparam sigma: real<lower=0>[3]\n"
        "param L: corr_cholesky[3]\nL ~ LKJCholesky(3, 2.0)\nY ~ MVNTriL(mu, diag(sigma) @ L)\n"
        "target += -sum(sigma) - 0.1 * dot(mu, mu)\n",
        {"N": 4, "Y": np.arange(12.0).reshape(4, 3) / 5.0 - 1.0}, None),
    "dirichlet_and_categorical": (
        "data N: int\ndata y: int<lower=0, upper=2>[N]\nparam theta: simplex[3]\nparam eta: real[3]\n"
        "theta ~ Dirichlet([2.0, 1.5, 3.0])\ny ~ Categorical(probs=theta)\ny ~ Categorical(logits=eta)\n"
        "target += -0.5 * dot(eta, eta)\n",
        {"N": 5, "y": [0, 2, 2, 1, 0]}, None),
    "mvn_diag_and_ordered": (
        "data K: int\ndata v: real[K]\nparam mu: ordered[K]\nparam s: positive_ordered[K]\n"
        "v ~ MVNDiag(mu, s)\ntarget += -0.1 * dot(mu, mu) - sum(s)\n",
        {"K": 3, "v": [0.3, -1.0, 2.0]}, None),
    "dirichlet": (
        "data K: int\ndata x: simplex[K]\nparam alpha: real<lower=0>[K]\nx ~ Dirichlet(alpha)\n",
        {"K": K, "x": SIMPLEX_ROWS[0]},
        lambda p: stats.dirichlet(p["alpha"]).logpdf(SIMPLEX_ROWS[0])),
    "dirichlet_of_a_simplex_param": (
        "data K: int\ndata a: real[K]\nparam theta: simplex[K]\ntheta ~ Dirichlet(a)\n",
        {"K": K, "a": CONCENTRATIONS[0]},
        lambda p: stats.dirichlet(CONCENTRATIONS[0]).logpdf(p["theta"])),
    "dirichlet_batch_on_the_value": (
        "data K: int\ndata X: simplex[3, K]\nparam alpha: real<lower=0>[K]\nX ~ Dirichlet(alpha)\n",
        {"K": K, "X": SIMPLEX_ROWS},
        lambda p: sum(stats.dirichlet(p["alpha"]).logpdf(x) for x in SIMPLEX_ROWS)),
    "dirichlet_batch_on_both": (
        "data K: int\ndata X: simplex[3, K]\nparam A: real<lower=0>[3, K]\nX ~ Dirichlet(A)\n",
        {"K": K, "X": SIMPLEX_ROWS},
        lambda p: sum(stats.dirichlet(a).logpdf(x) for a, x in zip(p["A"], SIMPLEX_ROWS))),
    "categorical_logits": (
        "data K: int\ndata N: int\ndata y: int[N]\nparam eta: real[K]\ny ~ Categorical(logits=eta)\n",
        {"K": K, "N": 5, "y": CATEGORIES},
        lambda p: special.log_softmax(p["eta"])[CATEGORIES].sum()),
    "categorical_logits_per_observation": (
        "data K: int\ndata N: int\ndata y: int[N]\nparam eta: real[N, K]\ny ~ Categorical(logits=eta)\n",
        {"K": K, "N": 5, "y": CATEGORIES},
        lambda p: special.log_softmax(p["eta"], axis=-1)[np.arange(5), CATEGORIES].sum()),
    "categorical_probs": (
        "data K: int\ndata N: int\ndata y: int[N]\nparam theta: simplex[K]\ny ~ Categorical(probs=theta)\n",
        {"K": K, "N": 5, "y": CATEGORIES},
        lambda p: np.log(p["theta"][CATEGORIES]).sum()),
    "lkj_cholesky_concentration": (
        "data K: int\ndata L: corr_cholesky[K]\nparam eta: real<lower=0>\nL ~ LKJCholesky(K, eta)\n",
        {"K": K, "L": correlation_factor(1)},
        lambda p: lkj_cholesky_reference(correlation_factor(1), p["eta"])),
    "lkj_cholesky_factor": (
        "data K: int\nparam L: corr_cholesky[K]\nL ~ LKJCholesky(K, 1.7)\n",
        {"K": K},
        lambda p: lkj_cholesky_reference(p["L"], 1.7)),
    "log_prob_expressions": (
        "data K: int\ndata X: simplex[3, K]\nparam alpha: real<lower=0>[K]\nparam eta: real[K]\n"
        "target += sum(Dirichlet(alpha).log_prob(X)) + 2 * Categorical(logits=eta).log_prob(3)\n",
        {"K": K, "X": SIMPLEX_ROWS},
        lambda p: (sum(stats.dirichlet(p["alpha"]).logpdf(x) for x in SIMPLEX_ROWS)
                   + 2 * special.log_softmax(p["eta"])[3])),
}


@pytest.mark.parametrize("name", sorted(EVENT_CASES))
def test_event_distribution_values_and_gradients(name):
    text, data, reference = EVENT_CASES[name]
    post = ppl.model(text, f"{name}.ppl").condition(data)
    rng = np.random.default_rng(2)
    for _ in range(3):
        u = rng.uniform(-1.0, 1.0, size=post.dim)
        if reference is not None:
            params = post.constrain(u)
            assert post.log_prob(params) == pytest.approx(reference(params), rel=1e-10, abs=1e-10)
        check_gradient(post, u)


def test_event_log_densities_match_scipy():
    import scipy.stats

    x = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])
    post = ppl.model(EVENT_CASES["gp_cholesky_mvn"][0]).condition(EVENT_CASES["gp_cholesky_mvn"][1])
    u = np.array([0.2, -0.3, 0.1])
    rho, alpha, sigma = np.exp(u)
    covariance = alpha ** 2 * np.exp(-(x[:, None] - x[None, :]) ** 2 / (2 * rho ** 2)) + sigma * np.eye(5)
    expected = scipy.stats.multivariate_normal(np.zeros(5), covariance).logpdf(Y) - rho - alpha - sigma + u.sum()
    assert post.log_density(u) == pytest.approx(expected, rel=1e-10)
