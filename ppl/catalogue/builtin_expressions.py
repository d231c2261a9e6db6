"""The elementwise built-ins as SymPy expressions: the one definition the
compiler differentiates (d/dx of each is SymPy's).  Keyed like
ppl/catalogue/builtins.py; imported only when building a model."""

from __future__ import annotations

import sympy

from ppl.catalogue.sympy_functions import Phi, expm1, log1p, log_sigmoid, logaddexp, sigmoid, softplus

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
}
