"""Static Hamiltonian Monte Carlo (Neal 2011): a fixed number of leapfrog steps of a
fixed size, then a Metropolis accept/reject on the energy error.  A non-finite
log density on the way ends the trajectory as a divergence (rejected)."""

from __future__ import annotations

import math

import numba

from ppl.sampling import rng
from ppl.sampling.hamiltonian import TransitionInfo, kinetic_energy, leapfrog, sample_momentum, velocity

_Q, _P, _G, _V, _P0 = range(5)   # the rows it uses of the (NUTS-sized) trajectory workspace


@numba.njit(cache=True, error_model="numpy")
def transition(log_density_gradient, real_data, int_data, state, position, gradient, log_density, step_size,
               num_leapfrog_steps, metric, max_delta_h, trajectory):
    """One HMC draw, in place on (position, gradient); returns (the new log density, its
    TransitionInfo)."""
    q, p, g, v = trajectory[_Q], trajectory[_P], trajectory[_G], trajectory[_V]
    sample_momentum(state, metric, p)
    trajectory[_P0, :] = p
    velocity(p, metric, v)
    initial_energy = -log_density + kinetic_energy(p, v)
    q[:] = position
    g[:] = gradient
    proposal_log_density = log_density
    steps = 0
    for _ in range(num_leapfrog_steps):
        proposal_log_density = leapfrog(log_density_gradient, real_data, int_data, q, p, g, step_size, metric, v)
        steps += 1
        if proposal_log_density == -math.inf:
            break
    velocity(p, metric, v)
    energy = -proposal_log_density + kinetic_energy(p, v)
    if math.isnan(energy):
        energy = math.inf
    diverging = energy - initial_energy > max_delta_h
    accept_stat = 1.0 if energy <= initial_energy else math.exp(initial_energy - energy)
    accepted = rng.uniform(state) < accept_stat
    if accepted:
        position[:] = q
        gradient[:] = g
        return proposal_log_density, TransitionInfo(accept_stat, 0, steps, diverging, energy, accepted)
    velocity(trajectory[_P0], metric, v)
    return log_density, TransitionInfo(accept_stat, 0, steps, diverging, initial_energy, accepted)
