"""Gaussian processes at finitely many index points, and their conjugate posterior.

``GaussianProcess(kernel, index_points)`` is the multivariate normal of
f(x_1), ..., f(x_N) under f ~ GP(m, k):

    loc = m(X),   covariance K = k(X, X) + (observation_noise_variance + jitter) I

with index_points X [..., N, D] (TFP's feature_ndims = 1: scalar inputs are
[N, 1]), so event_shape is [N] and batch_shape broadcasts the kernel's batch
shape with X's and the noise variance's.  ``jitter`` (1e-6, as in TFP) keeps
the Cholesky factorisation stable.  The catalogue declares the family with
``log_density=None``; the log density is the multivariate normal's
(``ppl.distributions.multivariate_normal``), with L = cholesky(K):

    log p(y) = -|L⁻¹(y - loc)|²/2 - Σ log L_kk - (N/2) log 2π

``GaussianProcessRegressionModel`` is the posterior predictive at new
points X* given noisy observations y at X (σ² = observation_noise_variance;
Rasmussen and Williams 2006, eq. 2.22-2.24):

    mean       = m(X*) + K*ᵀ (K + σ² I)⁻¹ (y - m(X))
    covariance = K** - K*ᵀ (K + σ² I)⁻¹ K* + (predictive_noise_variance + jitter) I

with K = k(X, X), K* = k(X, X*), K** = k(X*, X*); both solves go through
the Cholesky factor of K + σ² I.  As in TFP, predictive_noise_variance
defaults to observation_noise_variance (the predictive of noisy
observations); pass 0 for the latent function's posterior.
"""

from __future__ import annotations

import numpy as np

from ppl.distributions.base import (ParameterError, ShapeError, as_float_array, broadcast_shapes,
                                    require, shape_text)
from ppl.distributions.multivariate_normal import _MultivariateNormalLinearOperator


def _index_points(name, value):
    points = as_float_array(name, value)
    if points.ndim < 2:
        raise ShapeError(f"{name} must be [..., N, D] (feature_ndims=1); got shape {shape_text(points.shape)} "
                         f"(for scalar inputs use x[..., None])")
    return points


def _noise_variance(name, value, validate_args):
    variance = as_float_array(name, value)
    if validate_args:
        require(variance >= 0, name, "non-negative (x >= 0)", variance)
    return variance


def _mean_at(mean_fn, points):
    if mean_fn is None:
        return np.zeros(points.shape[:-1])
    return np.asarray(mean_fn(points), dtype=np.float64)


def _cholesky(covariance, what):
    try:
        return np.linalg.cholesky(covariance)
    except np.linalg.LinAlgError:
        raise ParameterError(f"the {what} is not positive definite; increase jitter or "
                             f"observation_noise_variance") from None


def _with_diagonal(matrix, added):
    size = matrix.shape[-1]
    return matrix + np.asarray(added)[..., None, None] * np.eye(size)


class GaussianProcess(_MultivariateNormalLinearOperator):
    """GaussianProcess(kernel, index_points, mean_fn=None, observation_noise_variance=0., jitter=1e-6)."""

    def __init__(self, kernel, index_points, mean_fn=None, observation_noise_variance=0.0, jitter=1e-6,
                 validate_args=True, name="GaussianProcess"):
        self.kernel = kernel
        self.index_points = _index_points("index_points", index_points)
        self.mean_fn = mean_fn
        self.observation_noise_variance = _noise_variance("observation_noise_variance",
                                                          observation_noise_variance, validate_args)
        self.jitter = float(jitter)
        loc, covariance = self._loc_and_covariance()
        self._covariance = covariance
        parameters = {"kernel": kernel, "index_points": self.index_points, "mean_fn": mean_fn,
                      "observation_noise_variance": self.observation_noise_variance, "jitter": self.jitter}
        super().__init__(name, loc, None, parameters)

    @property
    def scale_tril(self) -> np.ndarray:
        """cholesky(covariance), factored on first use (mean and covariance do not need it)."""
        if self._scale_tril is None:
            self._scale_tril = _cholesky(self._covariance, f"{type(self).__name__} covariance")
        return self._scale_tril

    def _loc_and_covariance(self):
        kernel_matrix = self.kernel.matrix(self.index_points, self.index_points)
        covariance = _with_diagonal(kernel_matrix, self.observation_noise_variance + self.jitter)
        loc = _mean_at(self.mean_fn, self.index_points)
        return _broadcast_loc_and_covariance(loc, covariance)

    def covariance(self):
        return self._covariance

    def _variance(self):
        return np.diagonal(self._covariance, axis1=-2, axis2=-1)


def _broadcast_loc_and_covariance(loc, covariance):
    batch = broadcast_shapes(loc.shape[:-1], covariance.shape[:-2])
    size = covariance.shape[-1]
    if loc.shape[-1] != size:
        raise ShapeError(f"mean_fn gave {loc.shape[-1]} values for {size} index points")
    return (np.broadcast_to(loc, batch + (size,)).copy(),
            np.broadcast_to(covariance, batch + (size, size)).copy())


class GaussianProcessRegressionModel(GaussianProcess):
    """GaussianProcessRegressionModel(kernel, index_points, observation_index_points, observations,
    observation_noise_variance=0., predictive_noise_variance=None, mean_fn=None, jitter=1e-6):
    the GP posterior predictive at index_points given observations at observation_index_points."""

    def __init__(self, kernel, index_points, observation_index_points=None, observations=None,
                 observation_noise_variance=0.0, predictive_noise_variance=None, mean_fn=None, jitter=1e-6,
                 validate_args=True, name="GaussianProcessRegressionModel"):
        if (observation_index_points is None) != (observations is None):
            raise ParameterError("give both observation_index_points and observations, or neither")
        self.observation_index_points = (None if observation_index_points is None
                                         else _index_points("observation_index_points", observation_index_points))
        self.observations = None if observations is None else as_float_array("observations", observations)
        if self.observations is not None:
            count = self.observation_index_points.shape[-2]
            if self.observations.shape[-1:] != (count,):
                raise ShapeError(f"observations must be [..., {count}] for {count} observation index points; "
                                 f"Incompatible shapes: {shape_text(self.observations.shape)} vs. "
                                 f"{shape_text(self.observation_index_points.shape[:-1])}")
        observation_noise_variance = _noise_variance("observation_noise_variance", observation_noise_variance,
                                                     validate_args)
        self.predictive_noise_variance = (observation_noise_variance if predictive_noise_variance is None else
                                          _noise_variance("predictive_noise_variance", predictive_noise_variance,
                                                          validate_args))
        super().__init__(kernel, index_points, mean_fn=mean_fn, observation_noise_variance=observation_noise_variance,
                         jitter=jitter, validate_args=validate_args, name=name)
        self.parameters.update({"observation_index_points": self.observation_index_points,
                                "observations": self.observations,
                                "predictive_noise_variance": self.predictive_noise_variance})

    def _loc_and_covariance(self):
        points = self.index_points
        prior_covariance = self.kernel.matrix(points, points)
        prior_mean = _mean_at(self.mean_fn, points)
        if self.observations is None:
            return _broadcast_loc_and_covariance(
                prior_mean, _with_diagonal(prior_covariance, self.predictive_noise_variance + self.jitter))
        observed = self.observation_index_points
        observed_covariance = _with_diagonal(self.kernel.matrix(observed, observed),
                                             self.observation_noise_variance + self.jitter)
        cross_covariance = self.kernel.matrix(observed, points)                    # K*: [..., M, N]
        factor = _cholesky(observed_covariance, "covariance of the observations")
        residual = self.observations - _mean_at(self.mean_fn, observed)
        whitened_cross = np.linalg.solve(factor, cross_covariance)                # L⁻¹ K*
        whitened_residual = np.linalg.solve(factor, residual[..., None])          # L⁻¹ (y - m)
        mean = prior_mean + (np.swapaxes(whitened_cross, -1, -2) @ whitened_residual)[..., 0]
        covariance = prior_covariance - np.swapaxes(whitened_cross, -1, -2) @ whitened_cross
        covariance = _with_diagonal(covariance, self.predictive_noise_variance + self.jitter)
        return _broadcast_loc_and_covariance(mean, covariance)
