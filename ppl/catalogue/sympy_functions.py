"""SymPy functions the catalogue's expressions use beyond SymPy's own, each
with its derivative, so that SymPy can differentiate through them and the
printer (codegen/sympy_numba.py) can emit the stable Numba implementation
of the same name from ppl.runtime.special.

Imported only when building a model (it imports SymPy).
"""

from __future__ import annotations

import sympy
from sympy.codegen.cfunctions import expm1, log1p
from sympy.codegen.numpy_nodes import logaddexp


class sigmoid(sympy.Function):
    """1 / (1 + exp(-x))."""

    def fdiff(self, argindex=1):
        return sigmoid(self.args[0]) * sigmoid(-self.args[0])


class softplus(sympy.Function):
    """log(1 + exp(x))."""

    def fdiff(self, argindex=1):
        return sigmoid(self.args[0])


class log_sigmoid(sympy.Function):
    """log(sigmoid(x)) = -softplus(-x)."""

    def fdiff(self, argindex=1):
        return sigmoid(-self.args[0])


class log1m_exp(sympy.Function):
    """log(1 - exp(x)) for x < 0."""

    def fdiff(self, argindex=1):
        return -1 / expm1(-self.args[0])


class where(sympy.Function):
    """where(c, a, b): a where c is non-zero, else b (np.where, elementwise).  Piecewise in c, so
    its derivative in anything is the derivative of the branch taken: where(c, a', b').  Written
    this way (not SymPy's Piecewise times the chain rule) the branch not taken contributes
    nothing, not 0 * inf = nan where it is not finite (`where(x > 0, log(x), 0)` at x = 0)."""

    nargs = 3

    @classmethod
    def eval(cls, condition, a, b):
        if a == b:
            return a
        if condition is sympy.true or condition is sympy.false:
            return a if condition is sympy.true else b
        if condition.is_Number:
            return a if condition != 0 else b
        return None

    def _eval_derivative(self, symbol):
        condition, a, b = self.args
        return where(condition, sympy.diff(a, symbol), sympy.diff(b, symbol))


def xlogy(a, y):
    """a log(y), and 0 where a = 0 and y = 0 (its limit, as Stan and TFP take it): a
    probability or rate at the edge of its range scored by a count of 0 (Bernoulli's
    `(1 - x) log1p(-p)` at p = 1, x = 1) is 0, not 0 * -inf = nan.  Written with `where`, so its
    derivative is the branch's, and what does not vary with the element is hoisted out of
    compiled loops as before."""
    return where(sympy.And(sympy.Eq(a, 0), sympy.Eq(y, 0)), 0, a * sympy.log(y))


def xlog1py(a, y):
    """a log1p(y), and 0 where a = 0 and y = -1 (see xlogy)."""
    return where(sympy.And(sympy.Eq(a, 0), sympy.Eq(y, -1)), 0, a * log1p(y))


class Phi(sympy.Function):
    """The standard normal CDF."""

    def fdiff(self, argindex=1):
        x = self.args[0]
        return sympy.exp(-x ** 2 / 2) / sympy.sqrt(2 * sympy.pi)


class log_ndtr(sympy.Function):
    """log Φ(x), the log of the standard normal cdf: the Normal family's log cdf, finite in the
    far lower tail where Φ underflows (Φ(-40) is 4e-350).  Its derivative, the inverse Mills
    ratio φ(x) / Φ(x), is written as exp(log φ(x) - log Φ(x)) so that it stays finite there too
    (about -x for x → -∞), where φ / Φ would be 0 / 0."""

    def fdiff(self, argindex=1):
        x = self.args[0]
        return sympy.exp(-x ** 2 / 2 - sympy.log(2 * sympy.pi) / 2 - log_ndtr(x))


class log_normal_mass(sympy.Function):
    """log(Phi(high) - Phi(low)) for low < high: the log of the standard normal mass of an
    interval (a TruncatedNormal's normaliser, an OrderedProbit's category), taken from the
    tail where both ends lie so that no difference of numbers near 1 loses it.  Either end may
    be infinite; the derivatives exp(log phi(end) - log mass) are then 0 at that end, never
    the 0 * inf that a chain rule through log_ndtr would give."""

    nargs = 2

    def fdiff(self, argindex=1):
        end = self.args[argindex - 1]
        density = sympy.exp(-end ** 2 / 2 - sympy.log(2 * sympy.pi) / 2 - log_normal_mass(*self.args))
        return -density if argindex == 1 else density


class log_bessel_i0(sympy.Function):
    """log I0(x) for x >= 0, the log of the modified Bessel function of the first kind and
    order 0 (a VonMises normaliser), computed as log(i0e(x)) + x so that it stays finite where
    I0 overflows (x > 713).  Its derivative is I1(x) / I0(x)."""

    def fdiff(self, argindex=1):
        return bessel_i1_i0_ratio(self.args[0])


class bessel_i1_i0_ratio(sympy.Function):
    """I1(x) / I0(x), the derivative of log I0(x); its own derivative, 1 - r / x - r**2
    (from I0' = I1 and I1' = I0 - I1 / x), keeps it differentiable again."""

    def fdiff(self, argindex=1):
        x = self.args[0]
        ratio = bessel_i1_i0_ratio(x)
        return 1 - ratio / x - ratio ** 2


class log_gamma_p(sympy.Function):
    """log P(a, x), the log of the regularised lower incomplete gamma function γ(a, x) / Γ(a):
    the log cdf of Gamma, Chi2 and (as Q) InverseGamma and Poisson.  Its derivative in x,
    x^(a-1) e^-x / (Γ(a) P), is written in logs so that it stays finite where P underflows; the
    one in a has no closed form and is its own function, computed with the value by
    differentiating P's series or Q's continued fraction (ppl/runtime/incomplete.py)."""

    nargs = 2

    def fdiff(self, argindex=1):
        a, x = self.args
        if argindex == 1:
            return log_gamma_p_da(a, x)
        return sympy.exp((a - 1) * sympy.log(x) - x - sympy.loggamma(a) - log_gamma_p(a, x))


class log_gamma_q(sympy.Function):
    """log Q(a, x) = log(1 - P(a, x)), the upper regularised incomplete gamma function; its
    derivative in x is -x^(a-1) e^-x / (Γ(a) Q), in logs (see log_gamma_p)."""

    nargs = 2

    def fdiff(self, argindex=1):
        a, x = self.args
        if argindex == 1:
            return log_gamma_q_da(a, x)
        return -sympy.exp((a - 1) * sympy.log(x) - x - sympy.loggamma(a) - log_gamma_q(a, x))


class log_gamma_p_da(sympy.Function):
    """d/da log P(a, x) (not differentiated again)."""

    nargs = 2


class log_gamma_q_da(sympy.Function):
    """d/da log Q(a, x) (not differentiated again)."""

    nargs = 2


def _log_beta_density(a, b, x):
    """log(x^(a-1) (1 - x)^(b-1) / B(a, b)), the derivative of I_x(a, b) in x, in logs."""
    return ((a - 1) * sympy.log(x) + (b - 1) * log1p(-x)
            - sympy.loggamma(a) - sympy.loggamma(b) + sympy.loggamma(a + b))


class log_inc_beta(sympy.Function):
    """log I_x(a, b), the log of the regularised incomplete beta function: the log cdf of Beta,
    and through it of StudentT, Binomial and NegativeBinomial.  Its derivative in x is
    x^(a-1) (1-x)^(b-1) / (B(a, b) I), in logs so that it stays finite where I underflows; those
    in a and b have no closed form and are their own functions, computed with the value by
    differentiating the continued fraction (ppl/runtime/incomplete.py).  Outside 0 < x < 1,
    where I is constant, the derivative in x is 0 (not the 0 times infinity of the density at
    an end)."""

    nargs = 3

    def fdiff(self, argindex=1):
        a, b, x = self.args
        if argindex == 1:
            return log_inc_beta_da(a, b, x)
        if argindex == 2:
            return log_inc_beta_db(a, b, x)
        return where(sympy.And(x > 0, x < 1), sympy.exp(_log_beta_density(a, b, x) - log_inc_beta(a, b, x)), 0)


class log1m_inc_beta(sympy.Function):
    """log(1 - I_x(a, b)), computed directly where it is the small side (Beta's log survival
    function; Binomial's log cdf is log1m_inc_beta(k + 1, n - k, p)); derivatives as
    log_inc_beta's, the one in x negated."""

    nargs = 3

    def fdiff(self, argindex=1):
        a, b, x = self.args
        if argindex == 1:
            return log1m_inc_beta_da(a, b, x)
        if argindex == 2:
            return log1m_inc_beta_db(a, b, x)
        return where(sympy.And(x > 0, x < 1), -sympy.exp(_log_beta_density(a, b, x) - log1m_inc_beta(a, b, x)), 0)


class log_inc_beta_da(sympy.Function):
    """d/da log I_x(a, b) (not differentiated again)."""

    nargs = 3


class log_inc_beta_db(sympy.Function):
    """d/db log I_x(a, b) (not differentiated again)."""

    nargs = 3


class log1m_inc_beta_da(sympy.Function):
    """d/da log(1 - I_x(a, b)) (not differentiated again)."""

    nargs = 3


class log1m_inc_beta_db(sympy.Function):
    """d/db log(1 - I_x(a, b)) (not differentiated again)."""

    nargs = 3


class log_student_t_cdf(sympy.Function):
    """log F(z) of the standard StudentT with df degrees of freedom (its incomplete beta
    I_w(df/2, 1/2), w = df / (df + z²), taken so that z near 0 keeps its digits).  Its derivative
    in z is the density over F, in logs, finite at z = 0 (where the chain rule through w would be
    0 times infinity); the one in df is its own function (ppl/runtime/incomplete.py)."""

    nargs = 2

    def fdiff(self, argindex=1):
        df, z = self.args
        if argindex == 1:
            return log_student_t_cdf_ddf(df, z)
        log_density = (sympy.loggamma((df + 1) / 2) - sympy.loggamma(df / 2) - sympy.log(sympy.pi * df) / 2
                       - (df + 1) / 2 * log1p(z ** 2 / df))
        return sympy.exp(log_density - log_student_t_cdf(df, z))


class log_student_t_cdf_ddf(sympy.Function):
    """d/d df log F(z) of the standard StudentT (not differentiated again)."""

    nargs = 2


__all__ = ["Phi", "bessel_i1_i0_ratio", "expm1", "log1m_exp", "log1p", "log_bessel_i0", "log_gamma_p", "log_gamma_p_da", "log_gamma_q",
           "log_gamma_q_da", "log_inc_beta", "log_inc_beta_da", "log_inc_beta_db", "log1m_inc_beta",
           "log1m_inc_beta_da", "log1m_inc_beta_db", "log_ndtr", "log_normal_mass", "log_sigmoid", "log_student_t_cdf",
           "log_student_t_cdf_ddf", "logaddexp", "sigmoid", "softplus", "where", "xlog1py", "xlogy"]
