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
    one in a (a series of no closed form) is left unevaluated: the checker requires a to be
    data wherever a gradient is taken (``Distribution.cdf_data_parameters``)."""

    nargs = 2

    def fdiff(self, argindex=1):
        if argindex != 2:
            return super().fdiff(argindex)
        a, x = self.args
        return sympy.exp((a - 1) * sympy.log(x) - x - sympy.loggamma(a) - log_gamma_p(a, x))


class log_gamma_q(sympy.Function):
    """log Q(a, x) = log(1 - P(a, x)), the upper regularised incomplete gamma function; its
    derivative in x is -x^(a-1) e^-x / (Γ(a) Q), in logs (see log_gamma_p)."""

    nargs = 2

    def fdiff(self, argindex=1):
        if argindex != 2:
            return super().fdiff(argindex)
        a, x = self.args
        return -sympy.exp((a - 1) * sympy.log(x) - x - sympy.loggamma(a) - log_gamma_q(a, x))


__all__ = ["Phi", "bessel_i1_i0_ratio", "expm1", "log1m_exp", "log1p", "log_bessel_i0", "log_gamma_p", "log_gamma_q",
           "log_ndtr", "log_normal_mass", "log_sigmoid", "logaddexp", "sigmoid", "softplus", "where", "xlog1py", "xlogy"]
