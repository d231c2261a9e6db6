"""The Hamiltonian system HMC and NUTS integrate, on the unconstrained scale:

    H(q, p) = -log pi(q) + 1/2 p' M^{-1} p,      p ~ Normal(0, M)

M^{-1} (the inverse metric) is either a diagonal, `inverse_metric_diagonal`
[dim], or a dense matrix, `inverse_metric_dense` [dim, dim]; an empty
[0, 0] dense matrix means "diagonal".  `metric_factor` is the lower Cholesky
factor L of the dense inverse metric (L L' = M^{-1}), used to draw momenta:
p = L'^{-1} z has covariance (L L')^{-1} = M.

`log_density_gradient(q, grad_out, real_data, int_data) -> float` is the
model's compiled function (a first-class Numba function of one fixed
signature, so this code is compiled once for every model).  A log density
that is NaN counts as -inf, so that the step is rejected, never crashes.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numba
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
def is_dense(inverse_metric_dense):
    return inverse_metric_dense.shape[0] > 0


@numba.njit(cache=True, error_model="numpy")
def velocity(p, inverse_metric_diagonal, inverse_metric_dense, out):
    """out = M^{-1} p: dtau/dp, the direction the position moves in."""
    dim = p.shape[0]
    if is_dense(inverse_metric_dense):
        for i in range(dim):
            total = 0.0
            for j in range(dim):
                total += inverse_metric_dense[i, j] * p[j]
            out[i] = total
    else:
        for i in range(dim):
            out[i] = inverse_metric_diagonal[i] * p[i]


@numba.njit(cache=True, error_model="numpy")
def kinetic_energy(p, v):
    total = 0.0
    for i in range(p.shape[0]):
        total += p[i] * v[i]
    return 0.5 * total


@numba.njit(cache=True, error_model="numpy")
def sample_momentum(state, inverse_metric_diagonal, inverse_metric_dense, metric_factor, p):
    """p ~ Normal(0, M)."""
    dim = p.shape[0]
    for i in range(dim):
        p[i] = rng.standard_normal(state)
    if is_dense(inverse_metric_dense):
        for i in range(dim - 1, -1, -1):   # solve L' p = z by back substitution
            total = p[i]
            for j in range(i + 1, dim):
                total -= metric_factor[j, i] * p[j]
            p[i] = total / metric_factor[i, i]
    else:
        for i in range(dim):
            p[i] /= math.sqrt(inverse_metric_diagonal[i])


@numba.njit(cache=True, error_model="numpy")
def leapfrog(log_density_gradient, real_data, int_data, q, p, grad, step_size,
             inverse_metric_diagonal, inverse_metric_dense, scratch):
    """One leapfrog step of size step_size (negative: backwards in time), in place on
    (q, p, grad); returns the new log density.  Half kick, drift, half kick."""
    dim = q.shape[0]
    half = 0.5 * step_size
    for i in range(dim):
        p[i] += half * grad[i]
    velocity(p, inverse_metric_diagonal, inverse_metric_dense, scratch)
    for i in range(dim):
        q[i] += step_size * scratch[i]
    log_density = evaluate(log_density_gradient, q, grad, real_data, int_data)
    for i in range(dim):
        p[i] += half * grad[i]
    return log_density


@numba.njit(cache=True, error_model="numpy")
def leapfrog_energy(log_density_gradient, real_data, int_data, q, p, grad, step_size,
                    inverse_metric_diagonal, inverse_metric_dense, v):
    """A leapfrog step, then the energy H at the new point (inf when not finite);
    v holds the new velocity M^{-1} p.  Returns (log density, energy)."""
    log_density = leapfrog(log_density_gradient, real_data, int_data, q, p, grad, step_size,
                           inverse_metric_diagonal, inverse_metric_dense, v)
    velocity(p, inverse_metric_diagonal, inverse_metric_dense, v)
    energy = -log_density + kinetic_energy(p, v)
    if math.isnan(energy):
        energy = math.inf
    return log_density, energy
