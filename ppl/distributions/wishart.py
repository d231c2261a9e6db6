"""Wishart and inverse Wishart distributions (Stan's parameterisation), on K x K symmetric
positive-definite matrices and on their Cholesky factors:

    Wishart(df, scale_matrix)              W ~ Wishart(ν, S):  E[W] = ν S
    InverseWishart(df, scale_matrix)       W⁻¹ ~ Wishart(ν, S⁻¹):  E[W] = S / (ν - K - 1)
    WishartCholesky(df, scale_tril)        L_W with L_W L_Wᵀ ~ Wishart(ν, L_S L_Sᵀ)
    InverseWishartCholesky(df, scale_tril) L_W with L_W L_Wᵀ ~ InverseWishart(ν, L_S L_Sᵀ)

with ν = df > K - 1.  The catalogue declares them with ``log_density=None`` (determinants and
traces are matrix computations): log_prob calls the compiler's Numba kernels
(``ppl.runtime.matrix_densities``, where the densities are written out) once per batch element,
so the library and compiled models share one formula.  Values outside the support (not
symmetric positive definite; not lower triangular with a positive diagonal) have log_prob -inf.
Draws are the catalogue's samplers (Bartlett's decomposition, ``wishart_cholesky.py``), which
`gen` statements call too.
"""

from __future__ import annotations

import numpy as np

from ppl.distributions.base import (Distribution, ShapeError, broadcast_parameters, broadcast_shapes, require,
                                    shape_text)


class _WishartBase(Distribution):
    """df [...] and a [..., K, K] scale (a matrix, or its Cholesky factor: ``family``'s)."""

    family = ""
    scale_name = ""
    kernel = ""

    def __init__(self, df, scale, validate_args, name):
        scale = np.asarray(scale, dtype=np.float64)
        if scale.ndim < 2 or scale.shape[-1] != scale.shape[-2]:
            raise ShapeError(f"{name}: {self.scale_name} must be [..., K, K]; got shape {shape_text(scale.shape)}")
        arrays, batch_shape = broadcast_parameters({"df": df, self.scale_name: scale}, {"df": 0, self.scale_name: 2})
        self.df, self._scale = arrays["df"], arrays[self.scale_name]
        size = scale.shape[-1]
        if validate_args:
            require(self.df > size - 1, "df", f"greater than K - 1 = {size - 1}", self.df)
            require(self._inside(self._scale), self.scale_name, self._support_words, self._scale)
        super().__init__(name, batch_shape, (size, size), parameters=arrays)

    def _inside(self, value):
        from ppl.catalogue import supports
        from ppl.catalogue.distributions import DISTRIBUTIONS

        return supports.in_support(DISTRIBUTIONS[self.family].support, value)

    @property
    def _support_words(self):
        from ppl.catalogue import supports
        from ppl.catalogue.distributions import DISTRIBUTIONS

        return supports.describe(DISTRIBUTIONS[self.family].support)

    def _log_prob(self, value):
        from ppl.runtime import matrix_densities

        log_density = getattr(matrix_densities, f"{self.kernel}_log_density")
        batch = broadcast_shapes(value.shape[:-2], self.batch_shape)
        size = self.event_shape[0]
        values = np.broadcast_to(value, batch + (size, size)).reshape(-1, size, size)
        dfs = np.broadcast_to(self.df, batch).reshape(-1)
        scales = np.broadcast_to(self._scale, batch + (size, size)).reshape(-1, size, size)
        inside = self._inside(values)
        out = np.full(values.shape[0], -np.inf)
        for n in np.flatnonzero(inside):
            out[n] = log_density(np.ascontiguousarray(values[n]), float(dfs[n]), np.ascontiguousarray(scales[n]))
        return out.reshape(batch)

    def _sample(self, count, rng):
        from ppl.catalogue import draws
        from ppl.catalogue.distributions import DISTRIBUTIONS

        return draws.draw_events(DISTRIBUTIONS[self.family].sampler, [self.df, self._scale], [0, 2],
                                 (count,) + self.batch_shape, self.event_shape, np.float64,
                                 seed=int(rng.integers(2 ** 32)))


class Wishart(_WishartBase):
    """Wishart(df, scale_matrix): log p(W) = (ν-K-1)/2 log|W| - tr(S⁻¹W)/2 - νK/2 log 2
    - ν/2 log|S| - log Γ_K(ν/2).  Mean ν S."""

    family, scale_name, kernel = "Wishart", "scale_matrix", "wishart"

    def __init__(self, df, scale_matrix, validate_args=True, name="Wishart"):
        super().__init__(df, scale_matrix, validate_args, name)

    @property
    def scale_matrix(self):
        return self._scale

    def _mean(self):
        return self.df[..., None, None] * self._scale


class InverseWishart(_WishartBase):
    """InverseWishart(df, scale_matrix): log p(W) = ν/2 log|S| - (ν+K+1)/2 log|W| - tr(S W⁻¹)/2
    - νK/2 log 2 - log Γ_K(ν/2).  Mean S / (ν - K - 1) for ν > K + 1 (NaN otherwise)."""

    family, scale_name, kernel = "InverseWishart", "scale_matrix", "inverse_wishart"

    def __init__(self, df, scale_matrix, validate_args=True, name="InverseWishart"):
        super().__init__(df, scale_matrix, validate_args, name)

    @property
    def scale_matrix(self):
        return self._scale

    def _mean(self):
        denominator = self.df - self.event_shape[0] - 1.0
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where((denominator > 0)[..., None, None], self._scale / denominator[..., None, None], np.nan)


class WishartCholesky(_WishartBase):
    """WishartCholesky(df, scale_tril): the Cholesky factor L_W of a Wishart(ν, L_S L_Sᵀ) matrix
    (Stan's wishart_cholesky): the Wishart density of L_W L_Wᵀ times 2^K Π_i L_W,ii^(K - i)."""

    family, scale_name, kernel = "WishartCholesky", "scale_tril", "wishart_cholesky"

    def __init__(self, df, scale_tril, validate_args=True, name="WishartCholesky"):
        super().__init__(df, scale_tril, validate_args, name)

    @property
    def scale_tril(self):
        return self._scale


class InverseWishartCholesky(_WishartBase):
    """InverseWishartCholesky(df, scale_tril): the Cholesky factor L_W of an
    InverseWishart(ν, L_S L_Sᵀ) matrix (Stan's inv_wishart_cholesky)."""

    family, scale_name, kernel = "InverseWishartCholesky", "scale_tril", "inverse_wishart_cholesky"

    def __init__(self, df, scale_tril, validate_args=True, name="InverseWishartCholesky"):
        super().__init__(df, scale_tril, validate_args, name)

    @property
    def scale_tril(self):
        return self._scale
