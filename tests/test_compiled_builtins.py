"""Built-ins and constructs with structural rules (sd, max, min, softmax, log_softmax, cumsum,
reductions along an axis, diag of a matrix, gathers combined with other indices, event
`.log_prob`, covariance functions and GaussianProcess kernels): one table, each row a small
model checked three ways: its log density against NumPy/SciPy at random unconstrained points,
its generated gradient against central finite differences, and the same built-ins on data
only (computed once, as transformed data)."""

import numpy as np
import pytest
import scipy.special
import scipy.stats

import ppl
from gradient_checks import finite_difference_gradient

X = np.array([[0.3, -1.2, 0.8, 2.0], [1.1, 0.4, -0.6, 0.2], [-0.5, 1.7, 0.9, -1.4]])
POINTS = np.array([0.0, 0.7, 1.5, 3.0])
OTHER_POINTS = np.array([-1.0, 0.4, 2.2])
FEATURE_POINTS = np.array([[0.0, 1.0], [0.5, -0.3], [1.2, 0.8], [2.0, 0.1]])
Y = np.array([0.4, -0.2, 1.1, 0.3])
GROUP = np.array([0, 2, 1, 2, 0, 1])
ITEM = np.array([3, 1, 0, 0, 2, 3])


def squared_distances(first, second):
    first, second = (p[:, None] if p.ndim == 1 else p for p in (first, second))
    return np.sum((first[:, None, :] - second[None, :, :]) ** 2, axis=-1)


def matern(two_nu, first, second, amplitude, length_scale):
    r = np.sqrt(two_nu * squared_distances(first, second)) / length_scale
    polynomial = {1: 1.0, 3: 1 + r, 5: 1 + r + r ** 2 / 3}[two_nu]
    return amplitude ** 2 * polynomial * np.exp(-r)


def exp_quad(first, second, amplitude, length_scale):
    return amplitude ** 2 * np.exp(-squared_distances(first, second) / (2 * length_scale ** 2))


def _reductions(u):
    x = u[:5]
    return -sd(x) + np.max(x) - 2 * np.min(x) - 0.1 * x @ x


def sd(x, axis=None):
    return np.std(x, axis=axis, ddof=1)


def _axis_reductions(u):
    m, a = u[:12].reshape(3, 4), u[12:].reshape(2, 3, 2)
    return (-np.sum(sd(m, axis=0)) - np.sum(np.max(m, axis=1)) + np.sum(np.min(m, axis=0))
            + np.sum(scipy.special.logsumexp(m, axis=1)) - 0.1 * np.sum(m ** 2)
            - np.sum(np.sum(a, axis=1) ** 2) - np.sum(np.mean(a, axis=2)) - np.sum(sd(a, axis=0)))


def _maps(u):
    x, m = u[:4], u[4:].reshape(3, 4)
    weights = np.array([1.0, 2.0, 3.0, 4.0])
    return (np.sum(scipy.special.softmax(x) * weights) + np.sum(scipy.special.log_softmax(x)[1:])
            - 0.1 * np.sum(np.cumsum(x) ** 2) + np.sum(scipy.special.softmax(m, axis=0)[0] * weights)
            + np.sum(scipy.special.log_softmax(m, axis=1)[:, 0]) - 0.05 * np.sum(np.cumsum(m, axis=0) ** 2))


def _diagonals(u):
    square, wide = u[:9].reshape(3, 3), u[9:].reshape(3, 4)
    return -np.sum((np.diag(square) - 1.0) ** 2) + np.sum(np.diag(wide)) - 0.1 * np.sum(wide ** 2)


def _gathers(u):
    b, beta, sigma = u[:6].reshape(3, 2), u[6:18].reshape(3, 4), np.exp(u[18])
    y = np.linspace(-1.0, 1.5, 6)
    return (np.sum(scipy.stats.norm(beta[GROUP, ITEM] + b[GROUP, 0], sigma).logpdf(y)) + u[18]
            - 0.5 * np.sum(b ** 2) - 0.5 * np.sum(beta ** 2) - np.sum(X[GROUP, 1:] * beta[GROUP, :3])
            - 0.1 * np.sum(beta[:, ITEM] ** 2) - sigma)


def _event_log_prob(u):
    mu, log_s, theta_u, eta = u[:3], u[3], u[4:6], u[6:9]
    s = np.exp(log_s)
    theta, log_jacobian = _simplex(theta_u)
    mvn = scipy.stats.multivariate_normal(mu, s * np.eye(3) + 0.5).logpdf(X[:, :3]).sum()
    tril = np.linalg.cholesky(np.eye(3) * s + 0.2)
    batched = scipy.stats.multivariate_normal(mu, tril @ tril.T).logpdf(X[:, 1:])
    dirichlet = scipy.stats.dirichlet([2.0, 1.5, 3.0]).logpdf(theta)
    categorical = scipy.special.log_softmax(eta)[2]
    diagonal = np.sum(scipy.stats.norm(mu, s).logpdf(X[0, :3]))
    return (mvn + 0.5 * np.sum(batched) + 2 * dirichlet + categorical + diagonal + log_s + log_jacobian
            - 0.5 * eta @ eta)


def _simplex(free):
    """ppl's simplex transform (stick breaking, as Stan) for K = 3: the simplex and its log-Jacobian."""
    from ppl.transforms import vector

    theta = np.empty(3)
    log_jacobian = vector.simplex_constrain(np.ascontiguousarray(free), theta)
    return theta, log_jacobian


def _covariances(u):
    a, l = np.exp(u[0]), np.exp(u[1])
    return (-np.sum(matern(3, POINTS, OTHER_POINTS, a, l)) - np.sum(matern(1, POINTS, POINTS, a, l) ** 2)
            + np.sum(matern(5, FEATURE_POINTS, FEATURE_POINTS, a, l)) - np.sum(exp_quad(POINTS, OTHER_POINTS, a, l))
            + 0.5 * np.sum(exp_quad(FEATURE_POINTS, FEATURE_POINTS[:2], a, l)) + u[0] + u[1] - a - l)


def _gp_kernels(u):
    a, l = np.exp(u[0]), np.exp(u[1])
    total = u[0] + u[1] - a - l
    for two_nu, points in ((5, POINTS), (1, POINTS), (3, FEATURE_POINTS)):
        covariance = matern(two_nu, points, points, a, l) + 0.1 * np.eye(4)
        total += scipy.stats.multivariate_normal(np.zeros(4), covariance).logpdf(Y)
    covariance = exp_quad(FEATURE_POINTS, FEATURE_POINTS, a, l) + 0.2 * np.eye(4)
    return total + scipy.stats.multivariate_normal(np.zeros(4), covariance).logpdf(Y)


DATA = {"X": X, "x": POINTS, "z": OTHER_POINTS, "F": FEATURE_POINTS, "y": Y, "group": GROUP, "item": ITEM}
DECLARATIONS = ("data X: real[3, 4]\ndata x: real[4]\ndata z: real[3]\ndata F: real[4, 2]\ndata y: real[4]\n"
                "data group: int<lower=0, upper=2>[6]\ndata item: int<lower=0, upper=3>[6]\n")

# name → (model text after the data declarations, reference log density of u)
CASES = {
    "sd_max_min": (
        "param v: real[5]\ntarget += -sd(v) + max(v) - 2 * min(v) - 0.1 * dot(v, v)\n", _reductions),
    "reductions_along_an_axis": (
        "param M: real[3, 4]\n"
        "target += -sum(sd(M, axis=0)) - sum(max(M, axis=1)) + sum(min(M, axis=0))\n"
        "target += sum(logsumexp(M, axis=1)) - 0.1 * sum(M ** 2)\n"
        "param A: real[2, 3, 2]\ntarget += -sum(sum(A, axis=1) ** 2) - sum(mean(A, axis=2)) - sum(sd(A, axis=0))\n",
        _axis_reductions),
    "softmax_log_softmax_cumsum": (
        "param v: real[4]\nparam M: real[3, 4]\nw = [1.0, 2.0, 3.0, 4.0]\n"
        "target += sum(softmax(v) * w) + sum(log_softmax(v)[1:]) - 0.1 * sum(cumsum(v) ** 2)\n"
        "target += sum(softmax(M, axis=0)[0] * w) + sum(log_softmax(M, axis=1)[:, 0])\n"
        "target += -0.05 * sum(cumsum(M, axis=0) ** 2)\n", _maps),
    "diag_of_a_matrix": (
        "param S: real[3, 3]\nparam W: real[3, 4]\n"
        "target += -sum((diag(S) - 1.0) ** 2) + sum(diag(W)) - 0.1 * sum(W ** 2)\n", _diagonals),
    "gathers_with_other_indices": (
        "param b: real[3, 2]\nparam beta: real[3, 4]\nparam sigma: real<lower=0>\n"
        "obs = [-1.0, -0.5, 0.0, 0.5, 1.0, 1.5]\n"
        "obs ~ Normal(beta[group, item] + b[group, 0], sigma)\n"
        "target += -0.5 * sum(b ** 2) - 0.5 * sum(beta ** 2) - sum(X[group, 1:] * beta[group, :3])\n"
        "target += -0.1 * sum(beta[:, item] ** 2) - sigma\n", _gathers),
    "event_log_prob": (
        "param mu: real[3]\nparam s: real<lower=0>\nparam theta: simplex[3]\nparam eta: real[3]\n"
        "target += sum(MVN(mu, s * eye(3) + 0.5).log_prob(X[:, :3]))\n"
        "target += 0.5 * sum(MVNTriL(mu, cholesky(s * eye(3) + 0.2)).log_prob(X[:, 1:]))\n"
        "target += 2 * Dirichlet([2.0, 1.5, 3.0]).log_prob(theta) + Categorical(logits=eta).log_prob(2)\n"
        "target += MVNDiag(mu, s * ones(3)).log_prob(X[0, :3]) - 0.5 * dot(eta, eta)\n", _event_log_prob),
    "covariance_functions": (
        "param a: real<lower=0>\nparam l: real<lower=0>\n"
        "target += -sum(matern32_cov(x, z, a, l)) - sum(matern12_cov(x, a, l) ** 2)\n"
        "target += sum(matern52_cov(F, a, l)) - sum(exp_quad_cov(x, z, a, l))\n"
        "target += 0.5 * sum(exp_quad_cov(F, F[:2], a, l)) - a - l\n", _covariances),
    "gaussian_process_kernels": (
        "param a: real<lower=0>\nparam l: real<lower=0>\n"
        "y ~ GaussianProcess(Matern52(a, l), x, observation_noise_variance=0.1)\n"
        "y ~ GaussianProcess(Matern12(a, l), x, observation_noise_variance=0.1)\n"
        "y ~ GaussianProcess(Matern32(a, l), F, observation_noise_variance=0.1)\n"
        "y ~ GaussianProcess(ExponentiatedQuadratic(a, l), F, observation_noise_variance=0.2)\n"
        "target += -a - l\n", _gp_kernels),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_log_density_matches_numpy_and_gradient_matches_finite_differences(name):
    text, reference = CASES[name]
    post = ppl.model(DECLARATIONS + text, f"{name}.ppl").condition(DATA)
    rng = np.random.default_rng(3)
    for _ in range(3):
        u = rng.uniform(-1.0, 1.0, size=post.dim)
        assert post.log_density(u) == pytest.approx(reference(u), rel=1e-10, abs=1e-10)
        value, gradient = post.log_density_gradient(u)
        assert value == pytest.approx(post.log_density(u), rel=1e-12, abs=1e-12)
        numeric = finite_difference_gradient(post, u)
        assert np.all(np.abs(gradient - numeric) / np.maximum(1.0, np.abs(numeric)) < 1e-6), (gradient, numeric)


def test_the_same_builtins_on_data_only():
    """Transformed data: every construct above on data, computed once when data is bound
    (int results included), then read by the model as a constant."""
    text = DECLARATIONS + (
        "t1 = sd(X) + max(X) - min(X[0]) + sum(sd(X, axis=1)) + sum(max(X, axis=0)) + sum(logsumexp(X, axis=0))\n"
        "t2 = sum(softmax(X, axis=0)[1]) + sum(log_softmax(X[0])) + sum(cumsum(X, axis=1)[:, 3])\n"
        "t3 = cumsum(item)[5] + max(group) + min(item) + sum(item[group])\n"
        "t4 = sum(diag(X)) + sum(X[group, 2]) + sum(X[group, item])\n"
        "t5 = sum(matern32_cov(x, z, 1.5, 0.8)) + sum(exp_quad_cov(F, F, 1.0, 2.0))\n"
        "t6 = MVN(zeros(3), eye(3) + 0.5).log_prob(X[0, :3]) + Dirichlet([2.0, 1.5, 3.0]).log_prob([0.2, 0.3, 0.5])\n"
        "t7 = GaussianProcess(Matern12(1.2, 0.7), x, observation_noise_variance=0.1).log_prob(y)\n"
        "param mu: real\ntarget += -0.5 * mu ** 2 + mu * (t1 + t2 + t3 + t4 + t5 + t6 + t7)\n")
    post = ppl.model(text, "data_only.ppl").condition(DATA)
    expected = (
        sd(X) + X.max() - X[0].min() + sd(X, axis=1).sum() + X.max(axis=0).sum()
        + scipy.special.logsumexp(X, axis=0).sum()
        + scipy.special.softmax(X, axis=0)[1].sum() + scipy.special.log_softmax(X[0]).sum()
        + np.cumsum(X, axis=1)[:, 3].sum()
        + np.cumsum(ITEM)[5] + GROUP.max() + ITEM.min() + ITEM[GROUP].sum()
        + np.diag(X).sum() + X[GROUP, 2].sum() + X[GROUP, ITEM].sum()
        + matern(3, POINTS, OTHER_POINTS, 1.5, 0.8).sum() + exp_quad(FEATURE_POINTS, FEATURE_POINTS, 1.0, 2.0).sum()
        + scipy.stats.multivariate_normal(np.zeros(3), np.eye(3) + 0.5).logpdf(X[0, :3])
        + scipy.stats.dirichlet([2.0, 1.5, 3.0]).logpdf([0.2, 0.3, 0.5])
        + scipy.stats.multivariate_normal(np.zeros(4), matern(1, POINTS, POINTS, 1.2, 0.7)
                                          + 0.1 * np.eye(4)).logpdf(Y))
    for mu in (-0.7, 0.4):
        assert post.log_density(np.array([mu])) == pytest.approx(-0.5 * mu ** 2 + mu * expected, rel=1e-10)
