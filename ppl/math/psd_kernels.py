"""Positive-semidefinite kernels with TFP's names, parameters and shapes
(``tfp.math.psd_kernels``), in NumPy.

With feature_ndims = 1 (TFP's convention, the only one here) an input is
[..., D]: D features on the right, batch and example axes to the left.
``kernel.apply(x1, x2)`` is k at paired points (shapes broadcast with the
kernel's batch shape); ``kernel.matrix(x1, x2)`` with x1 [..., N, D] and
x2 [..., M, D] is the [..., N, M] matrix of all pairs.  Parameters may be
batched: ``ExponentiatedQuadratic(amplitude=[1., 2.])`` has batch shape [2]
and its matrix is [2, N, M].

With d = |x - x'| (Euclidean over the features) and r = d / length_scale:

* ExponentiatedQuadratic: amplitude² exp(-r²/2)
* Matern12 (MaternOneHalf): amplitude² exp(-r)
* Matern32 (MaternThreeHalves): amplitude² (1 + √3 r) exp(-√3 r)
* Matern52 (MaternFiveHalves): amplitude² (1 + √5 r + 5r²/3) exp(-√5 r)
* RationalQuadratic: amplitude² (1 + r² / (2 scale_mixture_rate))^(-scale_mixture_rate)
* ExpSinSquared: amplitude² exp(-2 Σ_f sin²(π |x_f - x'_f| / period) / length_scale²)
* Linear: bias_amplitude² + slope_amplitude² (x - shift)·(x' - shift)

(Rasmussen and Williams, "Gaussian Processes for Machine Learning", 2006, ch. 4.)
Parameters left as None take TFP's defaults: amplitude, length_scale, period,
scale_mixture_rate and slope_amplitude 1; bias_amplitude and shift 0.  The
kernels the language knows have the parameter lists of ``ppl.catalogue.kernels`` (a test checks).
"""

from __future__ import annotations

import math

import numpy as np

from ppl.distributions.base import ParameterError, ShapeError, broadcast_parameters, require, shape_text


class PositiveSemidefiniteKernel:
    """The shape logic of every kernel; a subclass lists ``parameter_defaults`` and
    ``parameter_domains`` and writes ``_apply(x1, x2, **parameters)`` on broadcast
    inputs [..., D] with parameters already shaped to broadcast against ``...``."""

    parameter_defaults: dict = {}
    parameter_domains: dict = {}
    feature_ndims = 1

    def __init__(self, name=None, validate_args=True, feature_ndims=1, **parameters):
        if feature_ndims != 1:
            raise ParameterError("only feature_ndims=1 is supported (inputs [..., D])")
        values = {key: self.parameter_defaults[key] if value is None else value
                  for key, value in parameters.items()}
        arrays, batch_shape = broadcast_parameters(values)
        if validate_args:
            for key, array in arrays.items():
                domain = self.parameter_domains.get(key)
                if domain == "positive":
                    require(array > 0, key, "positive (x > 0)", array)
                elif domain == "nonnegative":
                    require(array >= 0, key, "non-negative (x >= 0)", array)
        self.name = name or type(self).__name__
        self.batch_shape = batch_shape
        self.parameters = arrays
        for key, array in arrays.items():
            setattr(self, key, array)

    def apply(self, x1, x2, example_ndims: int = 0) -> np.ndarray:
        """k(x1, x2) for paired points x1, x2 [..., D]; the rightmost ``example_ndims``
        axes left of D are examples (the kernel's batch shape broadcasts to their left)."""
        x1 = np.asarray(x1, dtype=np.float64)
        x2 = np.asarray(x2, dtype=np.float64)
        if x1.ndim < 1 or x2.ndim < 1:
            raise ShapeError("kernel inputs must have a feature axis on the right: [..., D] (try x[..., None])")
        if x1.shape[-1] != x2.shape[-1]:
            raise ShapeError(f"kernel inputs have different feature sizes: Incompatible shapes: "
                             f"{shape_text(x1.shape)} vs. {shape_text(x2.shape)}")
        padded = {key: array.reshape(array.shape + (1,) * example_ndims) for key, array in self.parameters.items()}
        return np.asarray(self._apply(x1, x2, **padded))

    def matrix(self, x1, x2) -> np.ndarray:
        """[..., N, M] kernel matrix of x1 [..., N, D] and x2 [..., M, D]."""
        x1 = np.asarray(x1, dtype=np.float64)
        x2 = np.asarray(x2, dtype=np.float64)
        if x1.ndim < 2 or x2.ndim < 2:
            raise ShapeError(f"kernel.matrix needs [..., N, D] inputs; got shapes {shape_text(x1.shape)} and "
                             f"{shape_text(x2.shape)} (try x[..., None] for scalar features)")
        return self.apply(x1[..., :, None, :], x2[..., None, :, :], example_ndims=2)

    def _apply(self, x1, x2, **parameters):  # pragma: no cover - every kernel overrides it
        raise NotImplementedError

    def __repr__(self) -> str:
        return f'ppl.math.psd_kernels.{type(self).__name__}("{self.name}", batch_shape={list(self.batch_shape)})'


def _squared_distance(x1, x2):
    return np.sum((x1 - x2) ** 2, axis=-1)


class _Stationary(PositiveSemidefiniteKernel):
    """amplitude² f(r) with r = |x - x'| / length_scale."""

    parameter_defaults = {"amplitude": 1.0, "length_scale": 1.0}
    parameter_domains = {"amplitude": "positive", "length_scale": "positive"}

    def __init__(self, amplitude=None, length_scale=None, feature_ndims=1, validate_args=True, name=None):
        super().__init__(name, validate_args, feature_ndims, amplitude=amplitude, length_scale=length_scale)

    def _apply(self, x1, x2, amplitude, length_scale):
        scaled_distance = np.sqrt(_squared_distance(x1, x2)) / length_scale
        return amplitude ** 2 * self._profile(scaled_distance)


class ExponentiatedQuadratic(_Stationary):
    """amplitude² exp(-|x - x'|² / (2 length_scale²)), the squared-exponential kernel."""

    def _apply(self, x1, x2, amplitude, length_scale):
        return amplitude ** 2 * np.exp(-0.5 * _squared_distance(x1, x2) / length_scale ** 2)


class Matern12(_Stationary):
    """amplitude² exp(-r): the Ornstein-Uhlenbeck kernel (Matérn ν = 1/2)."""

    def _profile(self, r):
        return np.exp(-r)


class Matern32(_Stationary):
    """amplitude² (1 + √3 r) exp(-√3 r) (Matérn ν = 3/2)."""

    def _profile(self, r):
        scaled = math.sqrt(3.0) * r
        return (1.0 + scaled) * np.exp(-scaled)


class Matern52(_Stationary):
    """amplitude² (1 + √5 r + 5 r²/3) exp(-√5 r) (Matérn ν = 5/2)."""

    def _profile(self, r):
        scaled = math.sqrt(5.0) * r
        return (1.0 + scaled + scaled ** 2 / 3.0) * np.exp(-scaled)


class RationalQuadratic(PositiveSemidefiniteKernel):
    """amplitude² (1 + |x - x'|² / (2 α length_scale²))^(-α), α = scale_mixture_rate:
    a scale mixture of exponentiated quadratics (α → ∞ recovers one)."""

    parameter_defaults = {"amplitude": 1.0, "length_scale": 1.0, "scale_mixture_rate": 1.0}
    parameter_domains = {"amplitude": "positive", "length_scale": "positive", "scale_mixture_rate": "positive"}

    def __init__(self, amplitude=None, length_scale=None, scale_mixture_rate=None, feature_ndims=1,
                 validate_args=True, name=None):
        super().__init__(name, validate_args, feature_ndims, amplitude=amplitude, length_scale=length_scale,
                         scale_mixture_rate=scale_mixture_rate)

    def _apply(self, x1, x2, amplitude, length_scale, scale_mixture_rate):
        base = 1.0 + _squared_distance(x1, x2) / (2.0 * scale_mixture_rate * length_scale ** 2)
        return amplitude ** 2 * base ** (-scale_mixture_rate)


class ExpSinSquared(PositiveSemidefiniteKernel):
    """amplitude² exp(-2 Σ_f sin²(π |x_f - x'_f| / period) / length_scale²): periodic
    (MacKay 1998)."""

    parameter_defaults = {"amplitude": 1.0, "length_scale": 1.0, "period": 1.0}
    parameter_domains = {"amplitude": "positive", "length_scale": "positive", "period": "positive"}

    def __init__(self, amplitude=None, length_scale=None, period=None, feature_ndims=1, validate_args=True,
                 name=None):
        super().__init__(name, validate_args, feature_ndims, amplitude=amplitude, length_scale=length_scale,
                         period=period)

    def _apply(self, x1, x2, amplitude, length_scale, period):
        sines = np.sin(math.pi * np.abs(x1 - x2) / period[..., None])
        return amplitude ** 2 * np.exp(-2.0 * np.sum(sines ** 2, axis=-1) / length_scale ** 2)


class Linear(PositiveSemidefiniteKernel):
    """bias_amplitude² + slope_amplitude² (x - shift)·(x' - shift): Bayesian linear
    regression with prior sd slope_amplitude on the slope and bias_amplitude on the intercept."""

    parameter_defaults = {"bias_amplitude": 0.0, "slope_amplitude": 1.0, "shift": 0.0}
    parameter_domains = {"bias_amplitude": "nonnegative", "slope_amplitude": "nonnegative"}

    def __init__(self, bias_amplitude=None, slope_amplitude=None, shift=None, feature_ndims=1,
                 validate_args=True, name=None):
        super().__init__(name, validate_args, feature_ndims, bias_amplitude=bias_amplitude,
                         slope_amplitude=slope_amplitude, shift=shift)

    def _apply(self, x1, x2, bias_amplitude, slope_amplitude, shift):
        shift = shift[..., None]
        return bias_amplitude ** 2 + slope_amplitude ** 2 * np.sum((x1 - shift) * (x2 - shift), axis=-1)


MaternOneHalf = Matern12
MaternThreeHalves = Matern32
MaternFiveHalves = Matern52

__all__ = ["ExpSinSquared", "ExponentiatedQuadratic", "Linear", "Matern12", "Matern32", "Matern52",
           "MaternFiveHalves", "MaternOneHalf", "MaternThreeHalves", "PositiveSemidefiniteKernel",
           "RationalQuadratic"]
