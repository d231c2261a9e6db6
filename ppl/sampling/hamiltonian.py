"""The Hamiltonian system HMC and NUTS integrate, on the unconstrained scale:

    H(q, p) = -log pi(q) + 1/2 p' M^{-1} p,      p ~ Normal(0, M)

M^{-1} (the inverse metric) is a `Metric`, in one of three forms:

- diagonal: M^{-1} = diag(D), D = `metric.diagonal`;
- dense: M^{-1} = `metric.dense` [dim, dim], with its lower Cholesky factor L
  (L L' = M^{-1}) in `metric.dense_factor` to draw momenta: p = L'^{-1} z has
  covariance (L L')^{-1} = M;
- low rank (nutpie's; Seyboldt, Carlson & Carpenter 2026):
  M^{-1} = S (I + U (Lambda - I) U') S with S = diag(sqrt(D)), U the first k
  columns of `metric.low_rank_vectors` (orthonormal) and Lambda their
  `metric.low_rank_values`.  Applying it, or drawing p = S^{-1} (I + U
  (Lambda^{-1/2} - I) U') z, costs O(dim k), never O(dim^2).

`log_density_gradient(q, grad_out, real_data, int_data) -> float` is the
model's compiled function (a first-class Numba function of one fixed
signature, so this code is compiled once for every model).  A log density
that is NaN counts as -inf, so that the step is rejected, never crashes.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numba
import numpy as np
from numba import types
from numba.core import sigutils

from ppl.sampling import rng
from ppl.runtime.signature import LOG_DENSITY_GRADIENT_SIGNATURE

class TransitionInfo(NamedTuple):
    """What one HMC or NUTS transition reports besides the new point (BlackJAX's
    HMCInfo): Stan's per-draw statistics."""
    accept_stat: float          # the mean Metropolis acceptance probability along the trajectory
    tree_depth: int             # NUTS' doublings (0 for static HMC)
    num_leapfrog_steps: int     # gradient evaluations
    diverging: bool             # the energy error exceeded max_delta_h, or the density was not finite
    energy: float               # the Hamiltonian at the draw
    accepted: bool              # the draw is not the starting point


class Metric(NamedTuple):
    """The inverse metric M^{-1} (see the module docstring).  Arrays that a form does not
    use are empty ([0] or [0, 0]); `low_rank_size` is a one-element array so that the
    adaptation can change the rank in place."""
    diagonal: np.ndarray          # [dim]: D
    dense: np.ndarray             # [dim, dim] for the dense form, else [0, 0]
    dense_factor: np.ndarray      # its lower Cholesky factor, else [0, 0]
    low_rank_vectors: np.ndarray  # [dim, r] for the low-rank form (k <= r columns in use), else [0, 0]
    low_rank_values: np.ndarray   # [r] for the low-rank form (k in use), else [0]
    low_rank_size: np.ndarray     # int64 [1]: k


METRIC = types.NamedTuple([types.float64[::1], types.float64[:, ::1], types.float64[:, ::1], types.float64[:, ::1],
                           types.float64[::1], types.int64[::1]], Metric)


def initial_metric(dim: int, form: str, max_rank: int | None = None) -> Metric:
    """The identity, as a Metric of the given form ("diag", "dense" or "low_rank"); a
    low-rank one with room for `max_rank` directions (all dim when None)."""
    square = np.eye(dim) if form == "dense" else np.zeros((0, 0))
    low_rank = form == "low_rank"
    rank = dim if max_rank is None else min(dim, max_rank)
    return Metric(np.ones(dim), square, square.copy(), np.zeros((dim, rank)) if low_rank else np.zeros((0, 0)),
                  np.ones(rank) if low_rank else np.zeros(0), np.zeros(1, dtype=np.int64))


def inverse_metric_matrix(metric: Metric) -> np.ndarray:
    """M^{-1} as a dense [dim, dim] matrix (for the low-rank form; the others are their arrays)."""
    size = int(metric.low_rank_size[0])
    vectors = metric.low_rank_vectors[:, :size]
    scale = np.sqrt(metric.diagonal)
    inner = np.eye(len(scale)) + (vectors * (metric.low_rank_values[:size] - 1.0)) @ vectors.T
    return scale[:, None] * inner * scale[None, :]


_arguments, _returns = sigutils.normalize_signature(LOG_DENSITY_GRADIENT_SIGNATURE)
LOG_DENSITY_GRADIENT = types.FunctionType(_returns(*_arguments))


@numba.njit(cache=True, error_model="numpy")
def evaluate(log_density_gradient, q, grad_out, real_data, int_data):
    """log pi(q), its gradient into grad_out; -inf where either is not finite."""
    value = log_density_gradient(q, grad_out, real_data, int_data)
    if not math.isfinite(value):
        return -math.inf
    for i in range(grad_out.shape[0]):
        if not math.isfinite(grad_out[i]):
            return -math.inf
    return value


@numba.njit(cache=True, error_model="numpy")
def is_dense(metric):
    return metric.dense.shape[0] > 0


@numba.njit(cache=True, error_model="numpy")
def _add_low_rank(metric, vector, power):
    """In place: vector + U (Lambda^power - I) U' vector, over the k low-rank directions."""
    vectors = metric.low_rank_vectors
    rank = metric.low_rank_size[0]
    coefficients = np.empty(rank)
    for j in range(rank):
        total = 0.0
        for i in range(vector.shape[0]):
            total += vectors[i, j] * vector[i]
        coefficients[j] = (metric.low_rank_values[j] ** power - 1.0) * total
    for i in range(vector.shape[0]):
        total = vector[i]
        for j in range(rank):
            total += vectors[i, j] * coefficients[j]
        vector[i] = total


@numba.njit(cache=True, error_model="numpy")
def velocity(p, metric, out):
    """out = M^{-1} p: dtau/dp, the direction the position moves in."""
    dim = p.shape[0]
    if is_dense(metric):
        dense = metric.dense
        for i in range(dim):
            total = 0.0
            for j in range(dim):
                total += dense[i, j] * p[j]
            out[i] = total
        return
    diagonal = metric.diagonal
    if metric.low_rank_size[0] == 0:
        for i in range(dim):
            out[i] = diagonal[i] * p[i]
        return
    _low_rank_velocity(p, metric, out)


@numba.njit(cache=True, error_model="numpy")
def _low_rank_velocity(p, metric, out):
    """S (I + U (Lambda - I) U') S p, with out holding S p on the way."""
    diagonal = metric.diagonal
    for i in range(p.shape[0]):
        out[i] = math.sqrt(diagonal[i]) * p[i]
    _add_low_rank(metric, out, 1.0)
    for i in range(p.shape[0]):
        out[i] = math.sqrt(diagonal[i]) * out[i]


@numba.njit(cache=True, error_model="numpy")
def kinetic_energy(p, v):
    total = 0.0
    for i in range(p.shape[0]):
        total += p[i] * v[i]
    return 0.5 * total


@numba.njit(cache=True, error_model="numpy")
def sample_momentum(state, metric, p):
    """p ~ Normal(0, M)."""
    dim = p.shape[0]
    for i in range(dim):
        p[i] = rng.standard_normal(state)
    if is_dense(metric):
        factor = metric.dense_factor
        for i in range(dim - 1, -1, -1):   # solve L' p = z by back substitution
            total = p[i]
            for j in range(i + 1, dim):
                total -= factor[j, i] * p[j]
            p[i] = total / factor[i, i]
        return
    if metric.low_rank_size[0] > 0:   # z + U (Lambda^{-1/2} - I) U' z has covariance (I + U (Lambda - I) U')^{-1}
        _add_low_rank(metric, p, -0.5)
    for i in range(dim):
        p[i] /= math.sqrt(metric.diagonal[i])


@numba.njit(cache=True, error_model="numpy")
def leapfrog(log_density_gradient, real_data, int_data, q, p, grad, step_size, metric, scratch):
    """One leapfrog step of size step_size (negative: backwards in time), in place on
    (q, p, grad); returns the new log density.  Half kick, drift, half kick."""
    dim = q.shape[0]
    half = 0.5 * step_size
    for i in range(dim):
        p[i] += half * grad[i]
    velocity(p, metric, scratch)
    for i in range(dim):
        q[i] += step_size * scratch[i]
    log_density = evaluate(log_density_gradient, q, grad, real_data, int_data)
    for i in range(dim):
        p[i] += half * grad[i]
    return log_density


@numba.njit(cache=True, error_model="numpy")
def leapfrog_energy(log_density_gradient, real_data, int_data, q, p, grad, step_size, metric, v):
    """A leapfrog step, then the energy H at the new point (inf when not finite);
    v holds the new velocity M^{-1} p.  Returns (log density, energy)."""
    log_density = leapfrog(log_density_gradient, real_data, int_data, q, p, grad, step_size, metric, v)
    velocity(p, metric, v)
    energy = -log_density + kinetic_energy(p, v)
    if math.isnan(energy):
        energy = math.inf
    return log_density, energy
