"""The LKJ distribution on K x K correlation matrices, and on their Cholesky factors
(Lewandowski, Kurowicka and Joe 2009, "Generating random correlation matrices
based on vines and extended onion method", J. Multivariate Analysis 100).

    LKJ(η):          p(R) = det(R)^(η - 1) / c_K(η)
    LKJCholesky(η):  p(L) = Π_{k=1}^{K-1} L_kk^(K - k - 1 + 2 (η - 1)) / c_K(η)      (0-based k)

The second is the first pushed through R = L Lᵀ: det R = Π L_kk², and the
Jacobian of L ↦ L Lᵀ on unit-diagonal factors is Π_k L_kk^(K - k - 1).  The
normaliser is the paper's equation (16),

    log c_K(η) = Σ_{k=1}^{K-1} [ (2η - 2 + K - k)(K - k) log 2
                                  + (K - k) log B(η + (K - k - 1)/2, η + (K - k - 1)/2) ],

which gives the volume π²/2 of the 3 x 3 correlation matrices at η = 1.  Both
are written once, as SymPy, in the catalogue (``lkj_cholesky.py``): LKJCholesky's
log_prob is its ``log_density`` lambdified, LKJ's takes the normaliser from it.

Draws are the catalogue's samplers (the onion method, the paper's section 3.2,
in ``lkj_cholesky.py``; ``lkj.py`` multiplies its factor out), compiled by
``ppl.catalogue.draws`` and called once per batch element, as `gen` statements
call them.
"""

from __future__ import annotations

import numpy as np

from ppl.distributions.base import Distribution, ParameterError, as_float_array, require


def _lkj_cholesky_log_density(dimension: int):
    from ppl.catalogue.density import numpy_log_density

    return numpy_log_density("LKJCholesky", ("dimension", "concentration"), size=dimension)


def log_normaliser(dimension: int, concentration) -> np.ndarray:
    """log c_K(η), equation (16) of Lewandowski, Kurowicka and Joe (2009): the catalogue's
    LKJCholesky density at the identity factor is 1 / c_K(η) (every log L_kk is 0)."""
    return -_lkj_cholesky_log_density(dimension)(np.eye(dimension), concentration=concentration)


def _draw(family: str, dimension: int, concentration: np.ndarray, count: int, rng) -> np.ndarray:
    """[count, *concentration.shape, K, K] draws of the catalogue family's sampler."""
    from ppl.catalogue import draws
    from ppl.catalogue.distributions import DISTRIBUTIONS

    return draws.draw_events(DISTRIBUTIONS[family].sampler, [dimension, concentration], [0, 0],
                             (count,) + concentration.shape, (dimension, dimension), np.float64,
                             seed=int(rng.integers(2 ** 32)))


class _LKJBase(Distribution):
    def __init__(self, name, dimension, concentration, validate_args):
        if int(dimension) != dimension or dimension < 1:
            raise ParameterError(f"dimension must be a positive integer; got {dimension!r}")
        self.dimension = int(dimension)
        self.concentration = as_float_array("concentration", concentration)
        if validate_args:
            require(self.concentration > 0, "concentration", "positive (x > 0)", self.concentration)
        super().__init__(name, self.concentration.shape, (self.dimension, self.dimension),
                         parameters={"dimension": self.dimension, "concentration": self.concentration})

    def _unit_diagonal(self, matrix):
        diagonal = np.diagonal(matrix, axis1=-2, axis2=-1)
        return np.all(np.abs(diagonal - 1.0) <= 1e-6, axis=-1)


class LKJ(_LKJBase):
    """LKJ(dimension, concentration): correlation matrices R with density ∝ det(R)^(η - 1).
    log det R comes from slogdet; values that are not symmetric, unit-diagonal and
    positive definite have log_prob -inf.  Mean: the identity.

    ``input_output_cholesky=True`` (TFP's flag) makes draws and log_prob's value the
    Cholesky factor instead; prefer ``LKJCholesky`` for that."""

    def __init__(self, dimension, concentration, input_output_cholesky=False, validate_args=True, name="LKJ"):
        self.input_output_cholesky = bool(input_output_cholesky)
        super().__init__(name, dimension, concentration, validate_args)

    def _sample(self, count, rng):
        family = "LKJCholesky" if self.input_output_cholesky else "LKJ"
        return _draw(family, self.dimension, self.concentration, count, rng)

    def _log_prob(self, value):
        if self.input_output_cholesky:
            return LKJCholesky(self.dimension, self.concentration)._log_prob(value)
        sign, log_det = np.linalg.slogdet(value)
        symmetric = np.all(np.abs(value - np.swapaxes(value, -1, -2)) <= 1e-8, axis=(-2, -1))
        inside = (sign > 0) & symmetric & self._unit_diagonal(value)
        with np.errstate(invalid="ignore"):
            result = (self.concentration - 1) * log_det - log_normaliser(self.dimension, self.concentration)
        return np.where(inside, result, -np.inf)

    def _mean(self):
        return np.broadcast_to(np.eye(self.dimension), self.batch_shape + self.event_shape)


class LKJCholesky(_LKJBase):
    """LKJCholesky(dimension, concentration): lower-triangular L with positive diagonal and
    unit-norm rows, L Lᵀ ~ LKJ(η).  log p(L) = Σ_k (K - k - 1 + 2(η - 1)) log L_kk - log c_K(η);
    values that are not such factors have log_prob -inf."""

    def __init__(self, dimension, concentration, validate_args=True, name="LKJCholesky"):
        super().__init__(name, dimension, concentration, validate_args)

    def _sample(self, count, rng):
        return _draw("LKJCholesky", self.dimension, self.concentration, count, rng)

    def _log_prob(self, value):
        size = self.dimension
        diagonal = np.diagonal(value, axis1=-2, axis2=-1)
        lower = np.all(np.triu(value, 1) == 0, axis=(-2, -1))
        unit_rows = np.all(np.abs(np.sum(value ** 2, axis=-1) - 1.0) <= 1e-6, axis=-1)
        inside = lower & unit_rows & np.all(diagonal > 0, axis=-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            result = _lkj_cholesky_log_density(size)(value, concentration=self.concentration)
        return np.where(inside, result, -np.inf)
