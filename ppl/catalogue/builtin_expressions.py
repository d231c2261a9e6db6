"""The elementwise built-ins as SymPy expressions: the one definition the
compiler differentiates (d/dx of each is SymPy's).  Keyed like
ppl/catalogue/builtins.py; imported only when building a model."""

from __future__ import annotations

import sympy

from ppl.catalogue.sympy_functions import (Phi, expm1, log1m_exp, log1p, log_sigmoid, logaddexp, sigmoid, softplus,
                                           where)

ELEMENTWISE = {
    "exp": sympy.exp,
    "log": sympy.log,
    "log1p": log1p,
    "expm1": expm1,
    "sqrt": sympy.sqrt,
    "square": lambda x: x ** 2,
    "abs": sympy.Abs,
    "sin": sympy.sin,
    "cos": sympy.cos,
    "tan": sympy.tan,
    "tanh": sympy.tanh,
    "sigmoid": sigmoid,
    "logit": lambda x: sympy.log(x) - log1p(-x),
    "softplus": softplus,
    "log_sigmoid": log_sigmoid,
    "erf": sympy.erf,
    "Phi": Phi,
    "lgamma": sympy.loggamma,
    "pow": lambda x, y: x ** y,
    # log(theta e^a + (1 - theta) e^b), as Stan's log_mix
    "log_mix": lambda theta, a, b: logaddexp(sympy.log(theta) + a, log1p(-theta) + b),
    # a where cond is non-zero, else b; its derivative is the branch taken's (sympy_functions.where)
    "where": where,
    "log10": lambda x: sympy.log(x) / sympy.log(10),
    "log2": lambda x: sympy.log(x) / sympy.log(2),
    "log1m": lambda x: log1p(-x),
    "log1m_exp": log1m_exp,
    "log_diff_exp": lambda a, b: a + log1m_exp(b - a),
    "lbeta": lambda a, b: sympy.loggamma(a) + sympy.loggamma(b) - sympy.loggamma(a + b),
    "lchoose": lambda n, k: sympy.loggamma(n + 1) - sympy.loggamma(k + 1) - sympy.loggamma(n - k + 1),
    "digamma": sympy.digamma,   # SymPy's polygamma(0, x); its derivative trigamma is polygamma(1, x)
    "inv_logit": sigmoid,
    # the branch taken's derivative (where's): a tie goes to the first argument
    "fmin": lambda a, b: where(sympy.Le(a, b), a, b),
    "fmax": lambda a, b: where(sympy.Ge(a, b), a, b),
    "clip": lambda x, low, high: where(sympy.Lt(x, low), low, where(sympy.Gt(x, high), high, x)),
}

# Elementwise built-ins that only pick one of their arguments: of ints they stay ints, computed
# as such (codegen/structural.pick_integers), not in a fused region of floats.
PICKS = ("where", "fmin", "fmax", "clip")


def _matern(two_nu: int):
    """The Matern covariance of smoothness nu = two_nu / 2 (1/2, 3/2, 5/2) as a function of the
    squared distance: amplitude**2 p(r) exp(-r) with r = sqrt(2 nu) |x - x'| / length_scale."""
    def covariance(squared_distance, amplitude, length_scale):
        r = sympy.sqrt(two_nu * squared_distance) / length_scale
        polynomial = {1: 1, 3: 1 + r, 5: 1 + r + r ** 2 / 3}[two_nu]
        return amplitude ** 2 * polynomial * sympy.exp(-r)
    return covariance


# The covariance functions as SymPy expressions of the squared distance between two points,
# the amplitude and the length scale (ppl/catalogue/kernels.py gives their formulas): the
# compiler differentiates them in the amplitude and the length scale.
COVARIANCES = {
    "exp_quad_cov": lambda squared_distance, amplitude, length_scale:
        amplitude ** 2 * sympy.exp(-squared_distance / (2 * length_scale ** 2)),
    "matern12_cov": _matern(1),
    "matern32_cov": _matern(3),
    "matern52_cov": _matern(5),
}

# a GaussianProcess kernel → the covariance function computing its matrix
KERNEL_COVARIANCES = {"ExponentiatedQuadratic": "exp_quad_cov", "Matern12": "matern12_cov",
                      "Matern32": "matern32_cov", "Matern52": "matern52_cov"}
