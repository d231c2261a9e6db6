"""Multivariate normals over K-vectors, parameterised by a scale matrix L with
covariance Σ = L Lᵀ: MultivariateNormalDiag (L = diag(scale_diag)),
MultivariateNormalTriL (L = scale_tril, lower triangular) and
MultivariateNormalFullCovariance (L = cholesky(covariance_matrix)).

The catalogue declares them with ``log_density=None`` (a matrix computation):
the log density of all three is the compiler's per-event Numba kernel
(``ppl.runtime.event_kernels.mvn_tril_log_density``), called over the batch,

    log p(x) = -|z|²/2 - Σ_k log|L_kk| - (K/2) log 2π,    z = L⁻¹ (x - loc)

(log det Σ = 2 Σ_k log|L_kk| for triangular L), except MultivariateNormalDiag's,
which is a sum of the catalogue's Normal log densities, as the compiler lowers
it.  Draws are loc + L ε with ε ~ Normal(0, I), by the catalogue's
MultivariateNormalTriL sampler (``draws.multivariate_normal_tril``, one call per
batch element), which `gen` statements call too.  ``loc`` defaults to 0 as in TFP.
"""

from __future__ import annotations

import numpy as np

from ppl.distributions.base import Distribution, ParameterError, ShapeError, broadcast_parameters, require, shape_text


class _MultivariateNormalLinearOperator(Distribution):
    """A multivariate normal given loc [..., K] and a lower-triangular scale [..., K, K]."""

    def __init__(self, name, loc, scale_tril, parameters):
        self.loc = loc
        self._scale_tril = scale_tril
        super().__init__(name, loc.shape[:-1], loc.shape[-1:], parameters=parameters)

    @property
    def scale_tril(self) -> np.ndarray:
        """The lower-triangular L with covariance L Lᵀ."""
        return self._scale_tril

    def _log_prob(self, value):
        from ppl.runtime.event_kernels import mvn_tril_log_density_each

        size = self.event_shape[0]
        batch = np.broadcast_shapes(value.shape[:-1], self.batch_shape)
        x = np.broadcast_to(value, batch + (size,)).reshape(-1, size)
        loc = np.broadcast_to(self.loc, batch + (size,)).reshape(-1, size)
        factor = np.broadcast_to(self.scale_tril, batch + (size, size)).reshape(-1, size, size)
        out = np.empty(x.shape[0])
        mvn_tril_log_density_each(x, loc, factor, out)
        return out.reshape(batch)

    def _sample(self, count, rng):
        from ppl.catalogue import draws
        from ppl.catalogue.distributions.multivariate_normal_tril import sample

        return draws.draw_events(sample, [self.loc, self.scale_tril], [1, 2], (count,) + self.batch_shape,
                                 self.event_shape, np.float64, seed=int(rng.integers(2 ** 32)))

    def covariance(self):
        return np.broadcast_to(self.scale_tril @ np.swapaxes(self.scale_tril, -1, -2),
                               self.batch_shape + self.event_shape * 2)

    def _mean(self):
        return self.loc

    def _mode(self):
        return self.loc

    def _variance(self):
        return np.sum(self.scale_tril ** 2, axis=-1)


def _loc_and_matrix(name, loc, matrix, matrix_name):
    """Broadcast loc [..., K] (default 0) with a [..., K, K] matrix; ShapeError naming both."""
    matrix = np.asarray(matrix, dtype=np.float64)
    if matrix.ndim < 2 or matrix.shape[-1] != matrix.shape[-2]:
        raise ShapeError(f"{name}: {matrix_name} must be [..., K, K]; got shape {shape_text(matrix.shape)}")
    size = matrix.shape[-1]
    loc = np.zeros(size) if loc is None else np.asarray(loc, dtype=np.float64)
    if loc.ndim == 0:
        loc = np.broadcast_to(loc, (size,))
    if loc.shape[-1] != size:
        raise ShapeError(f"{name}: loc's event shape {shape_text(loc.shape[-1:])} does not match "
                         f"{matrix_name}'s {shape_text(matrix.shape[-2:])}")
    arrays, _ = broadcast_parameters({"loc": loc, matrix_name: matrix}, {"loc": 1, matrix_name: 2})
    return arrays["loc"], arrays[matrix_name]


class MultivariateNormalDiag(_MultivariateNormalLinearOperator):
    """MultivariateNormalDiag(loc=0, scale_diag): independent Normal(loc_k, scale_diag_k)
    as one K-vector event; z = (x - loc) / scale_diag."""

    def __init__(self, loc=None, scale_diag=None, validate_args=True, name="MultivariateNormalDiag"):
        if scale_diag is None:
            raise ParameterError("MultivariateNormalDiag needs scale_diag (a [..., K] array)")
        scale_diag = np.asarray(scale_diag, dtype=np.float64)
        if scale_diag.ndim == 0:
            raise ShapeError("MultivariateNormalDiag: scale_diag must be [..., K]; got a scalar")
        if validate_args:
            require(scale_diag > 0, "scale_diag", "positive (x > 0)", scale_diag)
        size = scale_diag.shape[-1]
        loc = np.zeros(size) if loc is None else loc
        arrays, _ = broadcast_parameters({"loc": loc, "scale_diag": scale_diag}, {"loc": 1, "scale_diag": 1})
        if arrays["loc"].shape[-1] != arrays["scale_diag"].shape[-1]:
            raise ShapeError(f"MultivariateNormalDiag: Incompatible shapes: {shape_text(np.shape(loc))} vs. "
                             f"{shape_text(scale_diag.shape)}")
        self.scale_diag = arrays["scale_diag"]
        scale_tril = self.scale_diag[..., :, None] * np.eye(size)
        super().__init__(name, arrays["loc"], scale_tril, parameters=arrays)

    def _log_prob(self, value):
        """The sum over the event of Normal(loc_k, scale_diag_k) log densities (the catalogue's)."""
        from ppl.distributions.location_scale import Normal

        return np.sum(Normal(self.loc, self.scale_diag, validate_args=False)._log_prob(value), axis=-1)

    def _variance(self):
        return self.scale_diag ** 2


class MultivariateNormalTriL(_MultivariateNormalLinearOperator):
    """MultivariateNormalTriL(loc=0, scale_tril): covariance scale_tril @ scale_trilᵀ.
    As in TFP, only the lower triangle of scale_tril is read; its diagonal must be nonzero."""

    def __init__(self, loc=None, scale_tril=None, validate_args=True, name="MultivariateNormalTriL"):
        if scale_tril is None:
            raise ParameterError("MultivariateNormalTriL needs scale_tril (a [..., K, K] array)")
        loc, scale_tril = _loc_and_matrix(name, loc, scale_tril, "scale_tril")
        scale_tril = np.tril(scale_tril)
        if validate_args:
            diagonal = np.diagonal(scale_tril, axis1=-2, axis2=-1)
            require(diagonal != 0, "scale_tril", "lower triangular with a nonzero diagonal", diagonal)
        super().__init__(name, loc, scale_tril, parameters={"loc": loc, "scale_tril": scale_tril})


class MultivariateNormalFullCovariance(_MultivariateNormalLinearOperator):
    """MultivariateNormalFullCovariance(loc=0, covariance_matrix): L = cholesky(Σ), which
    must exist (Σ symmetric positive definite)."""

    def __init__(self, loc=None, covariance_matrix=None, validate_args=True,
                 name="MultivariateNormalFullCovariance"):
        if covariance_matrix is None:
            raise ParameterError("MultivariateNormalFullCovariance needs covariance_matrix (a [..., K, K] array)")
        loc, covariance_matrix = _loc_and_matrix(name, loc, covariance_matrix, "covariance_matrix")
        if validate_args:
            asymmetry = np.abs(covariance_matrix - np.swapaxes(covariance_matrix, -1, -2))
            require(asymmetry <= 1e-8 * (1 + np.abs(covariance_matrix)), "covariance_matrix", "symmetric",
                    covariance_matrix)
        try:
            scale_tril = np.linalg.cholesky(covariance_matrix)
        except np.linalg.LinAlgError:
            raise ParameterError("covariance_matrix must be symmetric positive definite "
                                 "(its Cholesky factorisation failed)") from None
        self.covariance_matrix = covariance_matrix
        super().__init__(name, loc, scale_tril, parameters={"loc": loc, "covariance_matrix": covariance_matrix})


MVNDiag = MultivariateNormalDiag
MVNTriL = MultivariateNormalTriL
MVN = MultivariateNormalFullCovariance
