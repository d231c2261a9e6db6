"""Matrix products in generated code and the kernels behind them (issue #13, item 2).

Matrix-vector products and the adjoints that are such products call event_kernels.matrix_vector,
vector_matrix and matrix_times_transpose, which may reorder their sums into SIMD lanes; the
others stay strict-order loops.  Oracles: finite
differences for the gradients; NumPy's log density and its closed-form gradient
(d/dM of -|Y - M|^2 / 2 is Y - M, pushed through the product by matrix calculus) to 1e-12
relative, the tolerance the reordering is allowed; math.fsum for the kernels' sums.
"""

import math

import numpy as np
import pytest

import ppl
from gradient_checks import check_gradient
from ppl.runtime import event_kernels, special

ROWS, INNER, COLUMNS = 7, 11, 5   # inner size above 8: not unrolled into elementwise terms

# name -> (model text, data maker, NumPy log likelihood's pieces: product and its adjoints)
PRODUCT_MODELS = {
    "data matrix @ param vector": ("""
data N: int
data K: int
data X: real[N, K]
data y: real[N]
param w: real[K]
w ~ Normal(0, 1)
y ~ Normal(X @ w, 1)
""", {"X": (ROWS, INNER), "y": (ROWS,)}, {"w": (INNER,)}),
    "param vector @ data matrix": ("""
data N: int
data K: int
data X: real[K, N]
data y: real[N]
param w: real[K]
w ~ Normal(0, 1)
y ~ Normal(w @ X, 1)
""", {"X": (INNER, ROWS), "y": (ROWS,)}, {"w": (INNER,)}),
    "param matrix @ data vector": ("""
data N: int
data K: int
data v: real[K]
data y: real[N]
param W: real[N, K]
W ~ Normal(0, 1)
y ~ Normal(W @ v, 1)
""", {"v": (INNER,), "y": (ROWS,)}, {"W": (ROWS, INNER)}),
    "param matrix @ param vector": ("""
data N: int
data K: int
data y: real[N]
param W: real[N, K]
param v: real[K]
W ~ Normal(0, 1)
v ~ Normal(0, 1)
y ~ Normal(W @ v, 1)
""", {"y": (ROWS,)}, {"W": (ROWS, INNER), "v": (INNER,)}),
    "param vector @ param matrix": ("""
data N: int
data K: int
data y: real[N]
param W: real[K, N]
param v: real[K]
W ~ Normal(0, 1)
v ~ Normal(0, 1)
y ~ Normal(v @ W, 1)
""", {"y": (ROWS,)}, {"W": (INNER, ROWS), "v": (INNER,)}),
    "data matrix @ param matrix": ("""
data N: int
data K: int
data M: int
data X: real[N, K]
data Y: real[N, M]
param B: real[K, M]
B ~ Normal(0, 1)
Y ~ Normal(X @ B, 1)
""", {"X": (ROWS, INNER), "Y": (ROWS, COLUMNS)}, {"B": (INNER, COLUMNS)}),
    "param matrix @ data matrix": ("""
data N: int
data K: int
data M: int
data X: real[K, M]
data Y: real[N, M]
param A: real[N, K]
A ~ Normal(0, 1)
Y ~ Normal(A @ X, 1)
""", {"X": (INNER, COLUMNS), "Y": (ROWS, COLUMNS)}, {"A": (ROWS, INNER)}),
    "param matrix @ param matrix": ("""
data N: int
data K: int
data M: int
data Y: real[N, M]
param A: real[N, K]
param B: real[K, M]
A ~ Normal(0, 1)
B ~ Normal(0, 1)
Y ~ Normal(A @ B, 1)
""", {"Y": (ROWS, COLUMNS)}, {"A": (ROWS, INNER), "B": (INNER, COLUMNS)}),
}


def _posterior(name, seed=0):
    text, data_shapes, param_shapes = PRODUCT_MODELS[name]
    rng = np.random.default_rng(seed)
    data = {"N": ROWS, "K": INNER, **({"M": COLUMNS} if "data M" in text else {})}
    data.update({key: rng.normal(size=shape) for key, shape in data_shapes.items()})
    return ppl.model(text).condition(data), data, param_shapes


def _numpy_log_density_and_gradient(text, data, params):
    """The model's log density and gradient by NumPy: standard normal priors, and the likelihood
    -|obs - product|^2 / 2 whose adjoint obs - product goes back through the product."""
    log_normal = -0.5 * math.log(2 * math.pi)
    value = sum(float(np.sum(-0.5 * p ** 2 + log_normal)) for p in params.values())
    gradient = {key: -p for key, p in params.items()}
    scope = {**data, **params}
    line = next(line for line in text.splitlines() if line.startswith(("y ~", "Y ~")))
    observed_name = line.split()[0]
    left_name, right_name = line.split("(")[1].split(",")[0].split(" @ ")
    left, right = scope[left_name], scope[right_name]
    product = left @ right
    residual = scope[observed_name] - product
    value += float(np.sum(-0.5 * residual ** 2 + log_normal))
    if left_name in params:
        gradient[left_name] = gradient[left_name] + (
            np.outer(residual, right) if left.ndim == 2 and right.ndim == 1 else residual @ right.T)
    if right_name in params:
        gradient[right_name] = gradient[right_name] + (
            np.outer(left, residual) if left.ndim == 1 and right.ndim == 2 else left.T @ residual)
    return value, gradient


@pytest.mark.parametrize("name", sorted(PRODUCT_MODELS))
def test_product_gradients_equal_finite_differences(name):
    post, _, _ = _posterior(name)
    u = np.random.default_rng(1).normal(size=post.dim)
    check_gradient(post, u)


@pytest.mark.parametrize("name", sorted(PRODUCT_MODELS))
def test_product_value_and_gradient_equal_numpy_to_1e_12(name):
    """The reordered sums stay within 1e-12 relative of exact linear algebra (NumPy's BLAS)."""
    post, data, param_shapes = _posterior(name)
    rng = np.random.default_rng(2)
    params = {key: rng.normal(size=shape) for key, shape in param_shapes.items()}
    u = post.unconstrain(params)
    value, gradient = post.log_density_gradient(u)
    expected_value, expected_gradient = _numpy_log_density_and_gradient(PRODUCT_MODELS[name][0], data, params)
    assert value == pytest.approx(expected_value, rel=1e-12)
    expected = np.concatenate([expected_gradient[key].ravel() for key in param_shapes])
    assert np.max(np.abs(gradient - expected)) <= 1e-12 * np.max(np.abs(expected))


def test_int_data_matrix_times_param_vector():
    """An int matrix meets the float kernel (int @ real is real), as NumPy's matmul."""
    post = ppl.model("""
data N: int
data K: int
data A: int[N, K]
data y: real[N]
param w: real[K]
y ~ Normal(A @ w, 1)
""").condition({"N": 3, "K": 10, "A": np.arange(30).reshape(3, 10) - 12, "y": np.array([0.5, -1.0, 2.0])})
    w = np.linspace(-1.0, 1.0, 10)
    value, gradient = post.log_density_gradient(w)
    matrix = np.arange(30).reshape(3, 10) - 12.0
    residual = np.array([0.5, -1.0, 2.0]) - matrix @ w
    assert value == pytest.approx(float(np.sum(-0.5 * residual ** 2)) - 1.5 * math.log(2 * math.pi), rel=1e-12)
    np.testing.assert_allclose(gradient, matrix.T @ residual, rtol=1e-12)


@pytest.mark.parametrize("rows, inner", [(0, 3), (1, 1), (5, 1), (5000, 25), (3, 1000)])
def test_matrix_vector_is_within_rounding_of_the_exact_sum(rows, inner):
    """Each entry within 4 units in the last place of the exact sum, scaled by sum |terms|."""
    rng = np.random.default_rng(rows + inner)
    matrix, vector = rng.normal(size=(rows, inner)), rng.normal(size=inner)
    out = event_kernels.matrix_vector(matrix, vector)
    assert out.shape == (rows,)
    for r in range(rows):
        terms = matrix[r] * vector
        exact = math.fsum(terms)
        assert abs(out[r] - exact) <= 4 * inner * np.finfo(float).eps * np.sum(np.abs(terms)) + 1e-300


def test_matrix_vector_of_strided_operands():
    """A transposed or sliced matrix (Numba's 'A' and 'F' layouts) gives the same products."""
    rng = np.random.default_rng(3)
    matrix = rng.normal(size=(9, 12))
    vector = rng.normal(size=24)[::2]
    for operand in (matrix, matrix.T[:, :9].T, matrix[:, ::2], np.asfortranarray(matrix)):
        np.testing.assert_allclose(event_kernels.matrix_vector(operand, vector[:operand.shape[1]]),
                                   operand @ vector[:operand.shape[1]], rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("rows, columns", [(0, 3), (1, 4), (3, 5), (4, 1), (5000, 25), (7, 1000)])
def test_vector_matrix_is_within_rounding_of_the_exact_sum(rows, columns):
    """vector @ matrix adds four rows at a time (every row count, the leftover rows included)."""
    rng = np.random.default_rng(rows * 7 + columns)
    vector, matrix = rng.normal(size=rows), rng.normal(size=(rows, columns))
    out = event_kernels.vector_matrix(vector, matrix)
    assert out.shape == (columns,)
    for c in range(columns):
        terms = vector * matrix[:, c]
        assert abs(out[c] - math.fsum(terms)) <= 4 * max(rows, 1) * np.finfo(float).eps * np.sum(np.abs(terms))


def test_matrix_times_transpose_equals_numpy():
    rng = np.random.default_rng(4)
    left, right = rng.normal(size=(6, 13)), rng.normal(size=(4, 13))
    np.testing.assert_allclose(event_kernels.matrix_times_transpose(left, right), left @ right.T,
                               rtol=1e-13, atol=1e-13)
    assert event_kernels.matrix_times_transpose(left[:0], right).shape == (0, 4)


def _softplus_two_branches(x):
    return x + math.log1p(math.exp(-x)) if x > 0.0 else math.log1p(math.exp(x))


def _sigmoid_two_branches(x):
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def test_branch_free_softplus_and_sigmoid_are_bitwise_the_two_branch_forms():
    """special.softplus and sigmoid share exp(-|x|) without a branch; every value, the edges
    included, is bitwise the one of the two-branch formulas they replaced."""
    values = np.concatenate([np.linspace(-40, 40, 4001), [0.0, -0.0, 1e-300, -1e-300, 709.0, -745.0, 800.0,
                                                          -800.0, math.inf, -math.inf]])
    for x in values:
        x = float(x)
        assert special.softplus(x) == _softplus_two_branches(x)
        assert special.sigmoid(x) == _sigmoid_two_branches(x)
    assert math.isnan(special.softplus(math.nan)) and math.isnan(special.sigmoid(math.nan))


def test_cholesky_and_forward_substitution_equal_lapack_to_1e_12():
    """The Cholesky factor and L^-1 b, whose inner sums are the same SIMD dot products, against
    LAPACK (NumPy, SciPy) on a GP covariance of 100 points."""
    import scipy.linalg

    rng = np.random.default_rng(5)
    points = np.sort(rng.uniform(-3.0, 3.0, 100))
    covariance = 1.3 * np.exp(-0.5 * (points[:, None] - points[None, :]) ** 2 / 0.8 ** 2) + 0.05 * np.eye(100)
    factor = event_kernels.cholesky(covariance)
    expected = np.linalg.cholesky(covariance)
    assert np.max(np.abs(factor - expected)) <= 1e-12 * np.max(np.abs(expected))
    right_side = rng.normal(size=100)
    solved = event_kernels.solve_lower(factor, right_side)
    expected_solution = scipy.linalg.solve_triangular(expected, right_side, lower=True)
    assert np.max(np.abs(solved - expected_solution)) <= 1e-12 * np.max(np.abs(expected_solution))
