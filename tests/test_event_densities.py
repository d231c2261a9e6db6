"""Event log densities compiled from the catalogue's SymPy definitions (codegen/event_density.py):
values against scipy (or Stan's formula where scipy has none) to 1e-10, gradients against
central finite differences, with batch axes on the value, on the parameters and on both,
and as `D(...).log_prob(x)` expressions."""

import numpy as np
import pytest

import ppl

stats = pytest.importorskip("scipy.stats")
special = pytest.importorskip("scipy.special")


@pytest.fixture(scope="module", autouse=True)
def private_cache(tmp_path_factory):
    patch = pytest.MonkeyPatch()
    patch.setenv("PPL_CACHE_DIR", str(tmp_path_factory.mktemp("ppl-cache")))
    yield
    patch.undo()


rng = np.random.default_rng(11)
K = 4
SIMPLEX_ROWS = rng.dirichlet(np.full(K, 2.0), 3)
CONCENTRATIONS = rng.uniform(0.5, 4.0, (3, K))
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


# name → (model text, data, reference(constrained params) -> log density without the Jacobian)
CASES = {
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


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_match_the_reference_and_gradients_finite_differences(name):
    text, data, reference = CASES[name]
    post = ppl.model(text, f"{name}.ppl").condition(data)
    points = np.random.default_rng(5)
    for _ in range(3):
        u = points.uniform(-1.0, 1.0, size=post.dim)
        params = post.constrain(u)
        assert post.log_prob(params) == pytest.approx(reference(params), rel=1e-10, abs=1e-10)
        value, gradient = post.log_density_gradient(u)
        step = 1e-6
        numeric = np.array([(post.log_density(u + step * e) - post.log_density(u - step * e)) / (2 * step)
                            for e in np.eye(post.dim)])
        assert value == pytest.approx(post.log_density(u), rel=1e-12)
        assert np.all(np.abs(gradient - numeric) <= 1e-6 * np.maximum(1.0, np.abs(numeric))), (gradient, numeric)


def test_a_category_outside_the_logits_has_log_density_minus_infinity():
    post = ppl.model("data y: int\nparam eta: real[3]\ny ~ Categorical(logits=eta)\n").condition({"y": 3})
    assert post.log_density(np.zeros(3)) == -np.inf
