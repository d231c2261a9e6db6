"""Functions modellers type from other systems, and how ppl spells them: one row each.

The checker's hint for an unknown function comes from here, so that it never suggests a
*different* function by edit distance (`log1m` is not `log1p`; `atan` is not `tan`): each
row is the call as the other system writes it and its ppl spelling, an expression of the
same arguments (``None`` where ppl has no equivalent yet, with what to do instead).  The
names are Stan's (its Functions Reference: basic, composed, matrix and special functions)
unless the row says otherwise (NumPy, SciPy, PyMC/PyTensor).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class ForeignFunction:
    name: str
    call: str                  # as the other system writes it: "log1m(x)"
    spelling: str | None       # the ppl expression of the same arguments, or None
    note: str = ""             # a caveat, or what to do where there is no spelling
    system: str = "Stan"

    @property
    def is_rename(self) -> bool:
        """Same arguments, another name (`inv_logit(x)` → `sigmoid(x)`)."""
        match = re.fullmatch(r"(\w+)(\(.*\))", self.spelling or "")
        return match is not None and match.group(2) == self.call[len(self.name):]

    @property
    def hint(self) -> str:
        note = f" ({self.note})" if self.note and self.spelling is not None else ""
        if self.spelling is None:
            return f"ppl has no `{self.name}` function yet: {self.note}"
        if self.is_rename:
            return f"ppl calls it '{self.spelling.split('(')[0]}'{note}"
        return f"{self.system}'s `{self.call}` is `{self.spelling}` in ppl{note}"


def _row(call: str, spelling: str | None, note: str = "", system: str = "Stan") -> ForeignFunction:
    return ForeignFunction(call.split("(")[0], call, spelling, note, system)


_ZERO_BASED = "indices are 0-based in ppl"
_NO_TRIGONOMETRY = "ppl's trigonometric functions are sin, cos, tan and tanh"

_ROWS = [
    # ---- the same function, another name ----------------------------------------------
    _row("log_inv_logit(x)", "log_sigmoid(x)"),
    _row("log1p_exp(x)", "softplus(x)"),
    _row("log_sum_exp(x)", "logsumexp(x)"),
    _row("fabs(x)", "abs(x)"),
    _row("num_elements(x)", "size(x)"),
    _row("dot_product(a, b)", "dot(a, b)"),
    _row("cumulative_sum(x)", "cumsum(x)"),
    _row("cholesky_decompose(A)", "cholesky(A)"),
    _row("identity_matrix(N)", "eye(N)"),
    _row("diag_matrix(v)", "diag(v)"),
    _row("diagonal(A)", "diag(A)"),
    _row("std_normal_cdf(x)", "Phi(x)"),
    _row("gp_exp_quad_cov(x, alpha, rho)", "exp_quad_cov(x, alpha, rho)"),
    _row("cov_exp_quad(x, alpha, rho)", "exp_quad_cov(x, alpha, rho)"),
    _row("gp_exponential_cov(x, alpha, rho)", "matern12_cov(x, alpha, rho)"),
    _row("gp_matern32_cov(x, alpha, rho)", "matern32_cov(x, alpha, rho)"),
    _row("gp_matern52_cov(x, alpha, rho)", "matern52_cov(x, alpha, rho)"),
    _row("if_else(c, a, b)", "where(c, a, b)"),
    _row("expit(x)", "sigmoid(x)", system="SciPy"),
    _row("invlogit(x)", "sigmoid(x)", system="PyMC"),
    _row("log1pexp(x)", "softplus(x)", system="PyMC"),
    _row("switch(c, a, b)", "where(c, a, b)", system="PyMC"),
    _row("sqr(x)", "square(x)", system="PyMC"),
    _row("gammaln(x)", "lgamma(x)", system="SciPy"),
    _row("ndtr(x)", "Phi(x)", system="SciPy"),
    _row("absolute(x)", "abs(x)", system="NumPy"),
    _row("std(x)", "sd(x)", "sd divides by N - 1, as Stan's sd; NumPy's std divides by N", "NumPy"),
    _row("len(x)", "size(x)", "the number of elements, as np.size", "Python"),
    _row("Phi_approx(x)", "Phi(x)", "ppl's Phi is exact; Stan's Phi_approx is a logistic approximation"),
    # ---- compositions -----------------------------------------------------------------
    _row("log1m_inv_logit(x)", "log_sigmoid(-x)"),
    _row("log_inv_logit_diff(a, b)", "log(sigmoid(a) - sigmoid(b))"),
    _row("logaddexp(a, b)", "logsumexp([a, b], axis=0)", system="NumPy"),
    _row("log1mexp(x)", "log1m_exp(x)", "log(1 - exp(x)); PyMC 3's log1mexp(x) was log(1 - exp(-x))", "PyMC"),
    _row("inv(x)", "1 / x", "elementwise; the matrix inverse is inverse(A)"),
    _row("inv_sqrt(x)", "1 / sqrt(x)"),
    _row("inv_square(x)", "1 / square(x)"),
    _row("inv_cloglog(x)", "1 - exp(-exp(x))"),
    _row("exp2(x)", "2 ** x"),
    _row("power(x, y)", "x ** y", system="NumPy"),
    _row("fma(x, y, z)", "x * y + z"),
    _row("lmultiply(x, y)", "x * log(y)", "Stan's lmultiply(0, 0) is 0"),
    _row("multiply_log(x, y)", "x * log(y)", "Stan's multiply_log(0, 0) is 0"),
    _row("xlogy(x, y)", "x * log(y)", "SciPy's xlogy(0, y) is 0", "SciPy"),
    _row("hypot(x, y)", "sqrt(square(x) + square(y))"),
    _row("fdim(a, b)", "where(a > b, a - b, 0)"),
    _row("minimum(a, b)", "fmin(a, b)", "min and max reduce one array in ppl", "NumPy"),
    _row("maximum(a, b)", "fmax(a, b)", "min and max reduce one array in ppl", "NumPy"),
    _row("step(x)", "(x >= 0)", "a comparison counts as 0 or 1 in arithmetic"),
    _row("int_step(x)", "(x > 0)", "a comparison counts as 0 or 1 in arithmetic"),
    _row("erfc(x)", "1 - erf(x)"),
    _row("tgamma(x)", "exp(lgamma(x))", "for x > 0"),
    _row("betaln(a, b)", "lbeta(a, b)", system="SciPy"),
    _row("binomial_coefficient_log(n, k)", "lchoose(n, k)"),
    _row("sinh(x)", "(exp(x) - exp(-x)) / 2"),
    _row("cosh(x)", "(exp(x) + exp(-x)) / 2"),
    _row("asinh(x)", "log(x + sqrt(square(x) + 1))"),
    _row("acosh(x)", "log(x + sqrt(square(x) - 1))"),
    _row("atanh(x)", "0.5 * log((1 + x) / (1 - x))"),
    _row("normal_cdf(x, mu, sigma)", "Phi((x - mu) / sigma)"),
    _row("variance(x)", "sd(x) ** 2", "sd uses the N - 1 divisor, as Stan's variance"),
    _row("var(x)", "sd(x) ** 2", "sd divides by N - 1; NumPy's var divides by N", "NumPy"),
    _row("pi()", "pi", "a constant, written without parentheses"),
    _row("e()", "e", "a constant, written without parentheses"),
    _row("sqrt2()", "sqrt(2)"),
    _row("positive_infinity()", "inf", "a constant, written without parentheses"),
    _row("negative_infinity()", "-inf", "the constant inf, negated"),
    # ---- arrays: construction, indexing, products ---------------------------------------
    _row("rep_vector(x, N)", "full(N, x)"),
    _row("rep_row_vector(x, N)", "full(N, x)"),
    _row("rep_array(x, N)", "full(N, x)", "full(N, M, x) for rep_array(x, N, M)"),
    _row("rep_matrix(x, M, N)", "full(M, N, x)"),
    _row("col(A, j)", "A[:, j]", _ZERO_BASED),
    _row("row(A, i)", "A[i]", _ZERO_BASED),
    _row("head(v, n)", "v[:n]"),
    _row("tail(v, n)", "v[-n:]"),
    _row("segment(v, i, n)", "v[i:i + n]", _ZERO_BASED),
    _row("block(A, i, j, m, n)", "A[i:i + m, j:j + n]", _ZERO_BASED),
    _row("stack([a, b])", "[a, b]", "list literals stack like np.array", "NumPy"),
    _row("columns_dot_self(A)", "sum(A * A, axis=0)"),
    _row("rows_dot_self(A)", "sum(A * A, axis=1)"),
    _row("columns_dot_product(A, B)", "sum(A * B, axis=0)"),
    _row("rows_dot_product(A, B)", "sum(A * B, axis=1)"),
    _row("squared_distance(a, b)", "sum(square(a - b))"),
    _row("distance(a, b)", "sqrt(sum(square(a - b)))"),
    _row("matmul(a, b)", "a @ b", system="NumPy"),
    _row("crossprod(A)", "A.T @ A"),
    _row("append_row(A, B)", "concatenate(A, B, axis=0)", "a scalar joins a vector as `[x]`"),
    _row("append_col(A, B)", "concatenate(A, B, axis=1)", "a scalar joins a vector as `[x]`"),
    _row("append_array(a, b)", "concatenate(a, b)"),
    _row("to_vector(x)", "flatten(x)", "ppl's flatten is row-major (NumPy's order); Stan's to_vector of a matrix "
         "reads it by columns: flatten(x.T)"),
    _row("sort_asc(x)", "sort(x)"),
    _row("sort_desc(x)", "sort(-x)", "negated: -sort(-x) is x in descending order"),
    _row("sort_indices_asc(x)", None, "rank(x) gives each element's position in the ascending order"),
    _row("mdivide_left_tri_low(L, b)", "solve_lower_triangular(L, b)"),
    _row("mdivide_left(A, b)", "solve(A, b)"),
    _row("mdivide_left_spd(A, b)", "solve(A, b)"),
    _row("inverse_spd(A)", "inverse(A)"),
    _row("log_determinant_spd(A)", "log_determinant(A)"),
    _row("tcrossprod(A)", "A @ A.T"),
    # ---- Stan's distributions whose ppl form differs in more than capitals ----------------
    # (a capitalised Stan name that is a ppl distribution with Stan's arguments, normal →
    # Normal, is the checker's rule; these rows are the others, and those whose positional
    # arguments mean something else: TFP's Bernoulli(x) is logits=x, Stan's bernoulli(x) a probability)
    _row("bernoulli(theta)", "Bernoulli(probs=theta)", "a positional argument is logits= in ppl, as TFP"),
    _row("binomial(N, theta)", "Binomial(N, probs=theta)", "a positional second argument is logits= in ppl"),
    _row("categorical(theta)", "Categorical(probs=theta)", "a positional argument is logits= in ppl"),
    _row("multinomial(theta)", "Multinomial(N, probs=theta)", "N is the total count, sum(y)"),
    _row("bernoulli_logit(alpha)", "Bernoulli(logits=alpha)"),
    _row("binomial_logit(N, alpha)", "Binomial(N, logits=alpha)"),
    _row("categorical_logit(beta)", "Categorical(logits=beta)"),
    _row("poisson_log(alpha)", "Poisson(log_rate=alpha)"),
    _row("neg_binomial(alpha, beta)", "NegativeBinomial(alpha, probs=1 / (1 + beta))"),
    _row("neg_binomial_2(mu, phi)", "NegativeBinomial2(mu, phi)"),
    _row("neg_binomial_2_log(eta, phi)", "NegativeBinomial2(exp(eta), phi)"),
    _row("ordered_logistic(eta, a)", "OrderedLogistic(a, eta)", "the cutpoints come first, as in TFP"),
    _row("ordered_probit(eta, a)", "OrderedProbit(a, eta)", "the cutpoints come first, as in TFP"),
    _row("inv_gamma(alpha, beta)", "InverseGamma(alpha, beta)"),
    _row("chi_square(nu)", "Chi2(nu)"),
    _row("double_exponential(mu, sigma)", "Laplace(mu, sigma)"),
    _row("std_normal()", "Normal(0, 1)"),
    _row("multi_normal(mu, Sigma)", "MVN(mu, Sigma)"),
    _row("multi_normal_cholesky(mu, L)", "MVNTriL(mu, L)"),
    _row("lkj_corr(eta)", "LKJ(K, eta)", "K is the matrix size"),
    _row("lkj_corr_cholesky(eta)", "LKJCholesky(K, eta)", "K is the matrix size"),
    _row("wishart(nu, Sigma)", "Wishart(nu, Sigma)"),
    _row("inv_wishart(nu, Sigma)", "InverseWishart(nu, Sigma)"),
    _row("wishart_cholesky(nu, L)", "WishartCholesky(nu, L)", "the value is the Cholesky factor, as in Stan"),
    _row("inv_wishart_cholesky(nu, L)", "InverseWishartCholesky(nu, L)",
         "the value is the Cholesky factor, as in Stan"),
    _row("WishartTriL(nu, L)", "Wishart(nu, L @ L.T)", "ppl's Wishart takes the scale matrix", "TFP"),
    # ---- not in ppl yet: say so, and what to do ------------------------------------------
    _row("atan(x)", None, _NO_TRIGONOMETRY),
    _row("atan2(y, x)", None, _NO_TRIGONOMETRY),
    _row("asin(x)", None, _NO_TRIGONOMETRY),
    _row("acos(x)", None, _NO_TRIGONOMETRY),
    _row("arctan(x)", None, _NO_TRIGONOMETRY, "NumPy"),
    _row("arcsin(x)", None, _NO_TRIGONOMETRY, "NumPy"),
    _row("arccos(x)", None, _NO_TRIGONOMETRY, "NumPy"),
    _row("cbrt(x)", None, "write `x ** (1 / 3)` for x >= 0"),
    _row("inv_Phi(p)", None, "there is no inverse normal CDF among the built-ins"),
    _row("trigamma(x)", None, "the gamma-family built-ins are lgamma and digamma"),
    _row("floor(x)", None, "for ints, `a // b` divides and rounds down"),
    _row("ceil(x)", None, "for ints, `-(-a // b)` divides and rounds up"),
    _row("round(x)", None, "there is no rounding of reals among the built-ins"),
    _row("trunc(x)", None, "there is no rounding of reals among the built-ins"),
    _row("fmod(x, y)", None, "for ints, `a % b` is the remainder"),
    _row("rows(A)", None, "sizes come from the declarations: use the size that declares A's rows"),
    _row("cols(A)", None, "sizes come from the declarations: use the size that declares A's columns"),
]

FOREIGN_FUNCTIONS: dict[str, ForeignFunction] = {row.name: row for row in _ROWS}
