"""The elementwise built-ins as SymPy expressions: the one definition the
compiler differentiates (d/dx of each is SymPy's).  Keyed like
ppl/catalogue/builtins.py; imported only when building a model."""

from __future__ import annotations

import sympy

from ppl.catalogue.sympy_functions import Phi, expm1, log1p, log_sigmoid, logaddexp, sigmoid, softplus, where

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
}


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
