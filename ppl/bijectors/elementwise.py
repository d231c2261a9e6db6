"""Elementwise bijectors: Identity, Exp, Log, Sigmoid, Softplus, Tanh, NormalCDF, Power.

Each maps every element of x on its own (forward_min_event_ndims = 0), so its
Jacobian is diagonal and log|det J| is the sum of log|dy/dx| over the event.
Parameters broadcast against x with NumPy's rules.

Exp and Sigmoid are the catalogue's scalar constraint transforms
(`ppl.transforms.scalar`): the forward map, inverse and log|dy/dx| are the
NumPy functions lambdified from its SymPy definitions, so there is one source
of truth for their derivatives.  The others are new here and each writes its
log-derivative once, in a numerically stable form given in its docstring.
"""

from __future__ import annotations

import math

import numpy as np

from ppl.bijectors.base import Bijector, Invert, parameter_array
from ppl.catalogue import special_functions as special
from ppl.distributions.base import ParameterError, require

_HALF_LOG_TWO_PI = 0.5 * math.log(2.0 * math.pi)
_LOG_TWO = math.log(2.0)


def catalogue_scalar_transform(name: str):
    """The NumPy functions of the catalogue's scalar transform `name` (imports SymPy on first use)."""
    from ppl.transforms import transform

    return transform(name).numpy()


class Identity(Bijector):
    """y = x;  log|dy/dx| = 0."""

    name = "identity"
    is_constant_jacobian = True

    def _forward(self, x):
        return x

    def _inverse(self, y):
        return y

    def _forward_log_det_jacobian(self, x):
        return np.zeros(x.shape)


class Exp(Bijector):
    """y = exp(x), the catalogue's `positive` transform (`lower` with lower = 0):

        log|dy/dx| = x,      x = log y.
    """

    name = "exp"

    def _forward(self, x):
        return catalogue_scalar_transform("positive").constrain(x)[0]

    def _inverse(self, y):
        return catalogue_scalar_transform("positive").unconstrain(y)

    def _forward_log_det_jacobian(self, x):
        return catalogue_scalar_transform("positive").constrain(x)[1]


class Log(Invert):
    """y = log(x) for x > 0: `Invert(Exp())`, as TFP's `tfb.Log`."""

    def __init__(self):
        super().__init__(Exp(), name="log")


class Sigmoid(Bijector):
    """y = low + (high - low) sigmoid(x), the catalogue's `interval` transform (with
    low = 0, high = 1 when neither is given: `unit_interval`):

        log|dy/dx| = log(high - low) + log_sigmoid(x) + log_sigmoid(-x),
        x = log(y - low) - log(high - y).

    As TFP, `low` and `high` are given together or not at all; they broadcast against x.
    """

    name = "sigmoid"

    def __init__(self, low=None, high=None):
        if (low is None) != (high is None):
            raise ParameterError("Sigmoid needs both low and high, or neither")
        if low is None:
            super().__init__()
            self._transform_name, self._bounds = "unit_interval", {}
            return
        low, high = parameter_array("low", low), parameter_array("high", high)
        require(low < high, "low", "less than high", low)
        super().__init__({"low": low, "high": high})
        self._transform_name, self._bounds = "interval", {"lower": low, "upper": high}

    def _forward(self, x):
        return catalogue_scalar_transform(self._transform_name).constrain(x, **self._bounds)[0]

    def _inverse(self, y):
        return catalogue_scalar_transform(self._transform_name).unconstrain(y, **self._bounds)

    def _forward_log_det_jacobian(self, x):
        return catalogue_scalar_transform(self._transform_name).constrain(x, **self._bounds)[1]


class Softplus(Bijector):
    """y = c softplus(x / c) = c log(1 + exp(x / c)), c = hinge_softness (non-zero; c -> 0
    approaches max(x, 0)).

        dy/dx = sigmoid(x / c),     log|dy/dx| = log_sigmoid(x / c) = -softplus(-x / c)
        x = c log(expm1(y / c)) = y + c log(-expm1(-y / c))
        log|dx/dy| = -log(1 - exp(-y / c)) = -log(-expm1(-y / c))

    (the inverse and its log-derivative in terms of y directly: sigmoid(x / c) =
    1 - exp(-y / c), so neither overflows for large y nor loses digits for small y).
    """

    name = "softplus"

    def __init__(self, hinge_softness=1.0):
        hinge_softness = parameter_array("hinge_softness", hinge_softness)
        require(hinge_softness != 0.0, "hinge_softness", "non-zero", hinge_softness)
        super().__init__({"hinge_softness": hinge_softness})
        self.hinge_softness = hinge_softness

    def _forward(self, x):
        return self.hinge_softness * np.logaddexp(0.0, x / self.hinge_softness)

    def _inverse(self, y):
        return y + self.hinge_softness * np.log(-np.expm1(-y / self.hinge_softness))

    def _forward_log_det_jacobian(self, x):
        return -np.logaddexp(0.0, -x / self.hinge_softness)

    def _inverse_log_det_jacobian(self, y):
        return -np.log(-np.expm1(-y / self.hinge_softness))


class Tanh(Bijector):
    """y = tanh(x), onto (-1, 1).

        log|dy/dx| = log(1 - tanh(x)^2) = 2 (log 2 - x - softplus(-2 x))

    (1 - tanh^2 = 4 / (e^x + e^-x)^2; the right-hand side neither cancels near |y| = 1
    nor overflows for large |x|).
    """

    name = "tanh"

    def _forward(self, x):
        return np.tanh(x)

    def _inverse(self, y):
        return np.arctanh(y)

    def _forward_log_det_jacobian(self, x):
        return 2.0 * (_LOG_TWO - x - np.logaddexp(0.0, -2.0 * x))


class NormalCDF(Bijector):
    """y = Phi(x) = erfc(-x / sqrt 2) / 2, the standard normal CDF, onto (0, 1).

        log|dy/dx| = log phi(x) = -x^2 / 2 - log(2 pi) / 2,      x = Phi^{-1}(y)

    (erfc keeps relative accuracy in the lower tail; the quantile is
    `ppl.diagnostics.inverse_normal_cdf`, Acklam's approximation refined by Halley steps).
    """

    name = "normal_cdf"

    def _forward(self, x):
        return special.ndtr(x)

    def _inverse(self, y):
        from ppl.diagnostics import inverse_normal_cdf

        return inverse_normal_cdf(y)

    def _forward_log_det_jacobian(self, x):
        return -0.5 * x * x - _HALF_LOG_TWO_PI


class Power(Bijector):
    """y = x^p, p = power (non-zero).  As TFP: for odd integer p the domain is all of R
    (y = sign(x) |x|^p); otherwise it is x >= 0.

        log|dy/dx| = log|p| + (p - 1) log|x|,      x = sign(y) |y|^(1 / p).
    """

    name = "power"

    def __init__(self, power):
        power = parameter_array("power", power)
        require(power != 0.0, "power", "non-zero", power)
        super().__init__({"power": power})
        self.power = power
        self._is_odd_integer = (power == np.round(power)) & (np.mod(np.round(power), 2.0) == 1.0)

    def _forward(self, x):
        with np.errstate(invalid="ignore"):     # the branch np.where discards may be nan
            return np.where(self._is_odd_integer, np.sign(x) * np.abs(x) ** self.power, x ** self.power)

    def _inverse(self, y):
        with np.errstate(invalid="ignore"):
            return np.where(self._is_odd_integer, np.sign(y) * np.abs(y) ** (1.0 / self.power),
                            y ** (1.0 / self.power))

    def _forward_log_det_jacobian(self, x):
        return np.log(np.abs(self.power)) + (self.power - 1.0) * np.log(np.abs(x))
