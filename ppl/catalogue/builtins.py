"""Built-in functions of the language: one row each.

``kind`` names the shape rule the checker applies (codegen/check_calls.py):

* ``elementwise``: arguments broadcast (NumPy rules); the result has the
  broadcast shape.  ``result`` says its dtype: ``real``, or ``same`` (int in,
  int out, as `abs`).
* ``reduction``: one array and an optional ``axis=`` keyword (an int literal,
  negative allowed); without it the whole array reduces to a scalar.
* ``along_axis``: one array, an optional ``axis=`` (default -1); the result
  has the argument's shape (`softmax`, `cumsum`).
* anything else: a rule of that name, for functions whose shapes are special
  (`dot`, `diag`, `exp_quad_cov`, `zeros`, ...).

The derivatives the compiler needs are declared with the function (a later
stage); the checker only needs the shapes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Builtin:
    name: str
    kind: str
    arity: tuple[int, int]              # (fewest, most) positional arguments
    keywords: tuple[str, ...] = ()
    result: str = "real"                # "real", "int", or "same" (the arguments' dtype)
    description: str = ""


def _elementwise(name: str, description: str, arity: int = 1, result: str = "real") -> Builtin:
    return Builtin(name, "elementwise", (arity, arity), result=result, description=description)


_ROWS = [
    _elementwise("exp", "e to the power x"),
    _elementwise("log", "natural logarithm"),
    _elementwise("log1p", "log(1 + x), accurate for small x"),
    _elementwise("expm1", "exp(x) - 1, accurate for small x"),
    _elementwise("sqrt", "square root"),
    _elementwise("square", "x * x", result="same"),
    _elementwise("abs", "absolute value", result="same"),
    _elementwise("sin", "sine"),
    _elementwise("cos", "cosine"),
    _elementwise("tan", "tangent"),
    _elementwise("tanh", "hyperbolic tangent"),
    _elementwise("sigmoid", "1 / (1 + exp(-x)) (Stan's inv_logit)"),
    _elementwise("logit", "log(x / (1 - x))"),
    _elementwise("softplus", "log(1 + exp(x))"),
    _elementwise("log_sigmoid", "log(sigmoid(x)) = -softplus(-x)"),
    _elementwise("erf", "the error function"),
    _elementwise("Phi", "the standard normal CDF"),
    _elementwise("lgamma", "log of the absolute gamma function"),
    _elementwise("pow", "x ** y", arity=2),
    _elementwise("log_mix", "log(theta exp(a) + (1 - theta) exp(b)), computed stably", arity=3),
    _elementwise("log10", "base-10 logarithm"),
    _elementwise("log2", "base-2 logarithm"),
    _elementwise("log1m", "log(1 - x), accurate for small x (Stan's log1m)"),
    _elementwise("log1m_exp", "log(1 - exp(x)) for x < 0, computed stably"),
    _elementwise("log_diff_exp", "log(exp(a) - exp(b)) for a > b, computed stably", arity=2),
    _elementwise("lbeta", "log of the beta function, lgamma(a) + lgamma(b) - lgamma(a + b)", arity=2),
    _elementwise("lchoose", "log of the binomial coefficient, lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1)",
                 arity=2),
    _elementwise("digamma", "d/dx lgamma(x)"),
    _elementwise("inv_logit", "1 / (1 + exp(-x)), Stan's name for sigmoid"),
    _elementwise("fmin", "the smaller of a and b, elementwise (a on ties); the gradient flows to the one taken",
                 arity=2, result="same"),
    _elementwise("fmax", "the larger of a and b, elementwise (a on ties); the gradient flows to the one taken",
                 arity=2, result="same"),
    _elementwise("clip", "x limited to [low, high] elementwise (np.clip); the gradient flows to the value taken",
                 arity=3, result="same"),
    Builtin("where", "where", (3, 3), result="same",
            description="where(cond, a, b): a where cond is true (non-zero), else b, elementwise with "
                        "broadcasting (np.where); the gradient flows to the branch taken"),
    Builtin("sum", "reduction", (1, 1), ("axis",), result="same", description="sum of elements"),
    Builtin("mean", "reduction", (1, 1), ("axis",), description="arithmetic mean"),
    Builtin("sd", "reduction", (1, 1), ("axis",),
            description="sample standard deviation with the N - 1 divisor (as Stan's sd)"),
    Builtin("logsumexp", "reduction", (1, 1), ("axis",), description="log(sum(exp(x))), computed stably"),
    Builtin("max", "reduction", (1, 1), ("axis",), result="same", description="largest element"),
    Builtin("min", "reduction", (1, 1), ("axis",), result="same", description="smallest element"),
    Builtin("softmax", "along_axis", (1, 1), ("axis",), description="exp(x) / sum(exp(x)) along an axis"),
    Builtin("log_softmax", "along_axis", (1, 1), ("axis",), description="x - logsumexp(x) along an axis"),
    Builtin("cumsum", "along_axis", (1, 1), ("axis",), result="same", description="running sum along an axis"),
    Builtin("dot", "dot", (2, 2), description="sum(a * b) over the last axis"),
    Builtin("zeros", "filled", (1, 8), result="real", description="an array of zeros of the given sizes"),
    Builtin("ones", "filled", (1, 8), result="real", description="an array of ones of the given sizes"),
    Builtin("eye", "eye", (1, 1), description="the N x N identity matrix"),
    Builtin("diag", "diag", (1, 1), result="same",
            description="vector → diagonal matrix; matrix → its diagonal (as np.diag)"),
    Builtin("cholesky", "cholesky", (1, 1), description="lower Cholesky factor of a positive-definite matrix"),
    Builtin("transpose", "transpose", (1, 1), result="same", description="reverse the axes (x.T)"),
    Builtin("size", "size", (1, 1), result="int", description="the number of elements (as np.size)"),
    Builtin("argmax", "argmax", (1, 1), result="int",
            description="the index of the largest element of a vector (the first, on ties), an int with "
                        "no derivative"),
    Builtin("argmin", "argmax", (1, 1), result="int",
            description="the index of the smallest element of a vector (the first, on ties), an int with "
                        "no derivative"),
    Builtin("prod", "prod", (1, 1), result="same", description="the product of all elements"),
    Builtin("concatenate", "concatenate", (2, 8), ("axis",), result="same",
            description="arrays joined along an existing axis (default 0): vectors end to end, matrices by "
                        "rows (axis=0) or columns (axis=1), as np.concatenate (Stan's append_row/append_col)"),
    Builtin("full", "full", (2, 9), result="same",
            description="full(N, ..., x): x repeated into an array of shape [N, ..., *shape(x)] (the sizes "
                        "from data; Stan's rep_vector, rep_array, rep_matrix)"),
    Builtin("flatten", "flatten", (1, 1), result="same",
            description="all elements as a vector, in row-major order (as np.ravel; Stan's to_vector "
                        "reads a matrix by columns)"),
    Builtin("sort", "sort", (1, 1), result="same",
            description="a vector's elements in ascending order; the gradient follows the permutation"),
    Builtin("rank", "rank", (1, 1), result="int",
            description="each element's 0-based position in the ascending order of a vector (ties in "
                        "order of appearance), ints with no derivative"),
    Builtin("dot_self", "dot_self", (1, 1), result="same", description="dot(x, x) of a vector"),
    Builtin("trace", "trace", (1, 1), result="same", description="the sum of a square matrix's diagonal"),
    Builtin("diag_pre_multiply", "diag_pre_multiply", (2, 2),
            description="diag(v) @ A, computed as v[i] * A[i, j]"),
    Builtin("diag_post_multiply", "diag_post_multiply", (2, 2),
            description="A @ diag(v), computed as A[i, j] * v[j]"),
    Builtin("quad_form_diag", "quad_form_diag", (2, 2),
            description="diag(v) @ A @ diag(v), computed as v[i] * A[i, j] * v[j]"),
    Builtin("quad_form", "quad_form", (2, 2),
            description="B.T @ A @ B: a scalar for a vector B, a matrix for a matrix B"),
    Builtin("multiply_lower_tri_self_transpose", "square_matrix", (1, 1),
            description="L @ L.T of the lower triangle of a square L (entries above its diagonal are not read)"),
    Builtin("solve", "solve", (2, 2), description="x with A @ x = b (b a vector or a matrix), by LU with pivoting"),
    Builtin("solve_lower_triangular", "solve", (2, 2),
            description="x with L @ x = b for the lower triangle L of the first argument (Stan's "
                        "mdivide_left_tri_low; the entries above the diagonal are not read)"),
    Builtin("solve_upper_triangular", "solve", (2, 2),
            description="x with U @ x = b for the upper triangle U of the first argument"),
    Builtin("inverse", "square_matrix", (1, 1), description="the inverse of a square matrix"),
    Builtin("log_determinant", "log_determinant", (1, 1),
            description="log |det A| of a square matrix (Stan's log_determinant)"),
    Builtin("eigenvalues_sym", "eigenvalues", (1, 1),
            description="the eigenvalues of a symmetric matrix, ascending (Stan's eigenvalues_sym)"),
    Builtin("eigenvectors_sym", "square_matrix", (1, 1),
            description="the eigenvectors of a symmetric matrix as columns, in eigenvalues_sym's order, "
                        "each one's largest-magnitude entry positive"),
    Builtin("exp_quad_cov", "covariance", (3, 4),
            description="amplitude**2 exp(-|x_i - x_j|**2 / (2 length_scale**2)); x is [N] or [N, F]"),
    Builtin("matern12_cov", "covariance", (3, 4), description="amplitude**2 exp(-r / length_scale)"),
    Builtin("matern32_cov", "covariance", (3, 4),
            description="amplitude**2 (1 + sqrt(3) r / l) exp(-sqrt(3) r / l)"),
    Builtin("matern52_cov", "covariance", (3, 4),
            description="amplitude**2 (1 + sqrt(5) r / l + 5 r**2 / (3 l**2)) exp(-sqrt(5) r / l)"),
]

BUILTINS: dict[str, Builtin] = {row.name: row for row in _ROWS}


@dataclass(frozen=True)
class Constant:
    name: str
    value: float
    description: str


# Named real constants.  They are reserved: a model may not define a name of its own that
# hides one (a `pi` that means something else three lines down is a bug waiting to happen).
CONSTANTS: dict[str, Constant] = {row.name: row for row in [
    Constant("pi", math.pi, "the ratio of a circle's circumference to its diameter"),
    Constant("e", math.e, "Euler's number, exp(1)"),
    Constant("inf", math.inf, "positive infinity (a float; `-inf` for negative infinity)"),
]}

# What modellers type from other systems, and the ppl spelling: ppl/catalogue/foreign_functions.py.
