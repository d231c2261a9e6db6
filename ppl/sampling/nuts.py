"""The No-U-Turn sampler as Stan runs it (Hoffman and Gelman 2014; Betancourt
2017, "A Conceptual Introduction to Hamiltonian Monte Carlo", appendix A):

- the trajectory doubles, forwards or backwards at random, until it makes a
  U-turn, diverges, or reaches `max_treedepth` doublings;
- the draw is chosen along the trajectory by *multinomial* sampling, weights
  exp(-H): uniformly within a new subtree, biased towards the new subtree
  when the trajectory doubles (progressive sampling);
- the generalised U-turn criterion on the sum of momenta rho, checked for
  every merged subtree and, as Stan does since 2.21, also across the seam of
  every merge: (left subtree + the first point of the right one) and (the
  last point of the left one + right subtree), which catches U-turns that
  fall between two subtrees;
- a divergence is an energy error H - H0 above `max_delta_h` (1000), or a
  non-finite log density; the subtree holding it is discarded.

Subtrees are built iteratively (leapfrog steps in order, with a stack of
half-built subtrees), which visits points and draws random numbers in the
same order as Stan's recursion.  Workspace rows are preallocated per chain.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from ppl.runtime.special import logaddexp
from ppl.sampling import rng
from ppl.sampling.hamiltonian import (TransitionInfo, kinetic_energy, leapfrog_energy, sample_momentum,
                                      velocity)

# rows of the trajectory workspace [TRAJECTORY_ROWS, dim]
_Q, _P, _G, _V = 0, 1, 2, 3                      # the moving point and a velocity scratch
_Q_FWD, _P_FWD, _G_FWD, _V_FWD = 4, 5, 6, 7      # the forward edge of the trajectory
_Q_BCK, _P_BCK, _G_BCK, _V_BCK = 8, 9, 10, 11    # the backward edge (each edge: q, p, grad, velocity in a row)
_Q_SAMPLE, _P_SAMPLE, _G_SAMPLE = 12, 13, 14     # the draw chosen so far
_RHO, _SCRATCH = 15, 16                          # sum of momenta of the trajectory; scratch
TRAJECTORY_ROWS = 17

# rows per level of the subtree stack [max_treedepth + 1, SUBTREE_ROWS, dim]
_RHO_S, _P_BEG, _V_BEG, _P_END, _V_END, _Q_PROP, _P_PROP, _G_PROP = range(8)
SUBTREE_ROWS = 8


@numba.njit(cache=True, error_model="numpy")
def workspace(dim, max_treedepth):
    """(trajectory rows, subtree stack, per-level scalars [levels, 2]: log weight, proposal log density)."""
    return (np.zeros((TRAJECTORY_ROWS, dim)), np.zeros((max_treedepth + 1, SUBTREE_ROWS, dim)),
            np.zeros((max_treedepth + 1, 2)))


@numba.njit(cache=True, error_model="numpy")
def _no_u_turn(v_minus, v_plus, rho):
    """The generalised criterion: the momentum sum still points along both ends."""
    forward = 0.0
    backward = 0.0
    for i in range(rho.shape[0]):
        forward += v_plus[i] * rho[i]
        backward += v_minus[i] * rho[i]
    return forward > 0.0 and backward > 0.0


@numba.njit(cache=True, error_model="numpy")
def merge_persists(v_old_far, v_old_near, p_old_near, rho_old, v_new_beg, p_new_beg, v_new_end, rho_new, scratch):
    """The three checks when a new part joins an old one (old's near end touches new's
    beginning): the whole, old + new's first point, old's last point + new."""
    for i in range(scratch.shape[0]):
        scratch[i] = rho_old[i] + rho_new[i]
    if not _no_u_turn(v_old_far, v_new_end, scratch):
        return False
    for i in range(scratch.shape[0]):
        scratch[i] = rho_old[i] + p_new_beg[i]
    if not _no_u_turn(v_old_far, v_new_beg, scratch):
        return False
    for i in range(scratch.shape[0]):
        scratch[i] = rho_new[i] + p_old_near[i]
    return _no_u_turn(v_old_near, v_new_end, scratch)


@numba.njit(cache=True, error_model="numpy")
def _build_subtree(log_density_gradient, real_data, int_data, state, depth, step_size, initial_energy,
                   log_density, metric, max_delta_h, trajectory, stack, levels, counters):
    """2^depth leapfrog steps from the moving point (trajectory rows _Q, _P, _G).  On
    success the subtree's summary is in stack[0] / levels[0] and it returns True;
    False when it diverged or turned.  counters: [n_leapfrog, sum of acceptance
    probabilities, diverged (0/1), log density at the moving point]."""
    q, p, g, v = trajectory[_Q], trajectory[_P], trajectory[_G], trajectory[_V]
    scratch = trajectory[_SCRATCH]
    top = 0
    for leaf in range(1 << depth):
        log_density, energy = leapfrog_energy(log_density_gradient, real_data, int_data, q, p, g, step_size,
                                              metric, v)
        counters[0] += 1.0
        counters[3] = log_density
        log_weight = initial_energy - energy
        counters[1] += 1.0 if log_weight > 0.0 else math.exp(log_weight)
        if energy - initial_energy > max_delta_h:
            counters[2] = 1.0
            return False
        level = stack[top]
        level[_RHO_S, :] = p
        level[_P_BEG, :] = p
        level[_V_BEG, :] = v
        level[_P_END, :] = p
        level[_V_END, :] = v
        level[_Q_PROP, :] = q
        level[_P_PROP, :] = p
        level[_G_PROP, :] = g
        levels[top, 0] = log_weight
        levels[top, 1] = log_density
        top += 1
        completed = leaf + 1
        while completed % 2 == 0:   # two subtrees of equal size on top: merge them
            init, final = stack[top - 2], stack[top - 1]
            log_weight_init, log_weight_final = levels[top - 2, 0], levels[top - 1, 0]
            log_weight_subtree = logaddexp(log_weight_init, log_weight_final)
            if rng.uniform(state) < math.exp(log_weight_final - log_weight_subtree):
                init[_Q_PROP, :] = final[_Q_PROP]
                init[_P_PROP, :] = final[_P_PROP]
                init[_G_PROP, :] = final[_G_PROP]
                levels[top - 2, 1] = levels[top - 1, 1]
            persists = merge_persists(init[_V_BEG], init[_V_END], init[_P_END], init[_RHO_S],
                                      final[_V_BEG], final[_P_BEG], final[_V_END], final[_RHO_S], scratch)
            for i in range(q.shape[0]):
                init[_RHO_S, i] += final[_RHO_S, i]
            init[_P_END, :] = final[_P_END]
            init[_V_END, :] = final[_V_END]
            levels[top - 2, 0] = log_weight_subtree
            top -= 1
            if not persists:
                return False
            completed //= 2
    return True


@numba.njit(cache=True, error_model="numpy")
def transition(log_density_gradient, real_data, int_data, state, position, gradient, log_density, step_size,
               metric, max_treedepth, max_delta_h, trajectory, stack, levels):
    """One NUTS draw from (position, gradient, log_density), updated in place; returns
    (the new log density, its TransitionInfo)."""
    dim = position.shape[0]
    q, p, g, v = trajectory[_Q], trajectory[_P], trajectory[_G], trajectory[_V]
    sample_momentum(state, metric, p)
    velocity(p, metric, v)
    initial_energy = -log_density + kinetic_energy(p, v)
    for row, source in ((_Q_FWD, position), (_P_FWD, p), (_G_FWD, gradient), (_V_FWD, v),
                        (_Q_BCK, position), (_P_BCK, p), (_G_BCK, gradient), (_V_BCK, v),
                        (_Q_SAMPLE, position), (_P_SAMPLE, p), (_G_SAMPLE, gradient), (_RHO, p)):
        trajectory[row, :] = source
    edge_log_density = np.array([log_density, log_density])   # at the forward, backward edge
    log_density_sample = log_density
    log_weight = 0.0
    counters = np.zeros(4)
    moved = False
    depth = np.int64(0)   # not the literal 0: Numba would compile _build_subtree for it too
    while depth < max_treedepth:
        forward = rng.uniform(state) > 0.5
        side = 0 if forward else 1                       # the edge the trajectory grows from
        edge = _Q_FWD if forward else _Q_BCK             # its rows: q, p, grad, velocity
        far = _Q_BCK if forward else _Q_FWD              # the other edge's rows
        q[:] = trajectory[edge]
        p[:] = trajectory[edge + 1]
        g[:] = trajectory[edge + 2]
        valid = _build_subtree(log_density_gradient, real_data, int_data, state, depth,
                               step_size if forward else -step_size, initial_energy, edge_log_density[side],
                               metric, max_delta_h, trajectory, stack, levels, counters)
        if not valid:
            break
        depth += 1
        subtree = stack[0]
        log_weight_subtree = levels[0, 0]
        if log_weight_subtree > log_weight or rng.uniform(state) < math.exp(log_weight_subtree - log_weight):
            trajectory[_Q_SAMPLE, :] = subtree[_Q_PROP]
            trajectory[_P_SAMPLE, :] = subtree[_P_PROP]
            trajectory[_G_SAMPLE, :] = subtree[_G_PROP]
            log_density_sample = levels[0, 1]
            moved = True
        log_weight = logaddexp(log_weight, log_weight_subtree)
        # the old trajectory's far end, its near end (the edge), and the new subtree
        persists = merge_persists(trajectory[far + 3], trajectory[edge + 3], trajectory[edge + 1], trajectory[_RHO],
                                  subtree[_V_BEG], subtree[_P_BEG], subtree[_V_END], subtree[_RHO_S],
                                  trajectory[_SCRATCH])
        trajectory[edge, :] = q
        trajectory[edge + 1, :] = p
        trajectory[edge + 2, :] = g
        trajectory[edge + 3, :] = subtree[_V_END]
        edge_log_density[side] = counters[3]
        for i in range(dim):
            trajectory[_RHO, i] += subtree[_RHO_S, i]
        if not persists:
            break
    position[:] = trajectory[_Q_SAMPLE]
    gradient[:] = trajectory[_G_SAMPLE]
    velocity(trajectory[_P_SAMPLE], metric, v)
    info = TransitionInfo(counters[1] / max(counters[0], 1.0), depth, int(counters[0]), counters[2] > 0.0,
                          -log_density_sample + kinetic_energy(trajectory[_P_SAMPLE], v), moved)
    return log_density_sample, info
