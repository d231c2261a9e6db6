"""Vector constraint transforms: simplex, ordered, positive_ordered.

Each transform is three Numba functions over one event (one vector of size K),
called by the compiled model once per batch element:

    <name>_constrain(unconstrained, constrained_out) -> log_det_jacobian
    <name>_unconstrain(constrained, unconstrained_out)
    <name>_constrain_vjp(unconstrained, x_adjoint, unconstrained_adjoint_out)

`_constrain_vjp` adds (+=) to `unconstrained_adjoint_out` the gradient with
respect to u of  sum(x_adjoint * x(u)) + log_det_jacobian(u):  the transposed
Jacobian applied to the adjoint of the constrained value, plus the gradient of
the log-det-Jacobian term the transform adds to the target.  It recomputes
what it needs from u; nothing is kept between calls.

Indices are 0-based: u[k] is the k-th free coordinate, x[k] the k-th element.
The log-det-Jacobian is that of u -> the free coordinates of x: x[:-1] for the
simplex (its last element is determined), all of x for the ordered vectors.
"""

from __future__ import annotations

import numba
import numpy as np

from ppl.runtime.special import log_sigmoid, sigmoid


# ---- simplex --------------------------------------------------------------------


@numba.njit(cache=True, error_model="numpy")
def simplex_constrain(unconstrained, simplex_out):
    """Stick-breaking map from K - 1 reals onto the K-simplex.

    For k = 0, ..., K - 2, with the stick left before break k
    stick_k = 1 - sum_{j<k} x_j (stick_0 = 1):

        z_k = sigmoid(u_k - log(K - k - 1))     (u = 0 gives the uniform simplex)
        x_k = stick_k z_k,          x_{K-1} = stick_{K-1}

        log|J| = sum_k [ log z_k + log(1 - z_k) + log stick_k ]

    computed in log space (log z_k = log_sigmoid(a_k), log(1 - z_k) =
    log_sigmoid(-a_k), log stick_{k+1} = log stick_k + log(1 - z_k)), so no
    element underflows to a wrong zero through cancellation.
    Source: Stan Reference Manual, "Constraint Transforms", "Unit simplex".
    """
    size = simplex_out.shape[0]
    log_stick = 0.0
    log_det_jacobian = 0.0
    for k in range(size - 1):
        shifted = unconstrained[k] - np.log(size - k - 1.0)
        log_break = log_sigmoid(shifted)
        log_keep = log_sigmoid(-shifted)
        simplex_out[k] = np.exp(log_stick + log_break)
        log_det_jacobian += log_break + log_keep + log_stick
        log_stick += log_keep
    simplex_out[size - 1] = np.exp(log_stick)
    return log_det_jacobian


@numba.njit(cache=True, error_model="numpy")
def simplex_unconstrain(simplex, unconstrained_out):
    """Inverse stick-breaking: with the stick left before break k written as the
    sum of the elements from k on (more accurate than 1 minus the earlier ones),

        u_k = log x_k - log(sum_{j>k} x_j) + log(K - k - 1).
    """
    size = simplex.shape[0]
    remaining = simplex[size - 1]
    for k in range(size - 2, -1, -1):
        unconstrained_out[k] = np.log(simplex[k]) - np.log(remaining) + np.log(size - k - 1.0)
        remaining += simplex[k]


@numba.njit(cache=True, error_model="numpy")
def simplex_constrain_vjp(unconstrained, x_adjoint, unconstrained_adjoint_out):
    """Reverse sweep of `simplex_constrain`, with a_k = u_k - log(K - k - 1), s_k = log stick_k:

        x_k = exp(s_k + log_sigmoid(a_k)),  s_{k+1} = s_k + log_sigmoid(-a_k),
        d log_sigmoid(a)/da = sigmoid(-a),  d log_sigmoid(-a)/da = -sigmoid(a).

    Going backwards, the adjoint of s_{k+1} collects x_adjoint_j x_j for every
    j > k and one per log stick_j term of log|J| (j = k + 1, ..., K - 2).
    """
    size = x_adjoint.shape[0]
    simplex = np.empty(size)
    simplex_constrain(unconstrained, simplex)
    log_stick_adjoint = x_adjoint[size - 1] * simplex[size - 1]
    for k in range(size - 2, -1, -1):
        shifted = unconstrained[k] - np.log(size - k - 1.0)
        break_fraction = sigmoid(shifted)
        keep_fraction = sigmoid(-shifted)
        element_adjoint = x_adjoint[k] * simplex[k]
        unconstrained_adjoint_out[k] += ((element_adjoint + 1.0) * keep_fraction
                                         - (1.0 + log_stick_adjoint) * break_fraction)
        log_stick_adjoint += element_adjoint + 1.0


# ---- ordered and positive_ordered ---------------------------------------------------


@numba.njit(cache=True, error_model="numpy")
def _ordered_constrain(unconstrained, ordered_out, positive):
    size = ordered_out.shape[0]
    if positive:
        ordered_out[0] = np.exp(unconstrained[0])
        log_det_jacobian = unconstrained[0]
    else:
        ordered_out[0] = unconstrained[0]
        log_det_jacobian = 0.0
    for k in range(1, size):
        ordered_out[k] = ordered_out[k - 1] + np.exp(unconstrained[k])
        log_det_jacobian += unconstrained[k]
    return log_det_jacobian


@numba.njit(cache=True, error_model="numpy")
def _ordered_unconstrain(ordered, unconstrained_out, positive):
    unconstrained_out[0] = np.log(ordered[0]) if positive else ordered[0]
    for k in range(1, ordered.shape[0]):
        unconstrained_out[k] = np.log(ordered[k] - ordered[k - 1])


@numba.njit(cache=True, error_model="numpy")
def _ordered_constrain_vjp(unconstrained, x_adjoint, unconstrained_adjoint_out, positive):
    # x_k depends on u_j (j <= k) through exp(u_j) (or u_0 itself): the adjoint of u_j
    # is exp(u_j) times the sum of x_adjoint from j on, plus 1 from log|J| = sum of u_j
    suffix_adjoint = 0.0
    for k in range(x_adjoint.shape[0] - 1, 0, -1):
        suffix_adjoint += x_adjoint[k]
        unconstrained_adjoint_out[k] += np.exp(unconstrained[k]) * suffix_adjoint + 1.0
    suffix_adjoint += x_adjoint[0]
    if positive:
        unconstrained_adjoint_out[0] += np.exp(unconstrained[0]) * suffix_adjoint + 1.0
    else:
        unconstrained_adjoint_out[0] += suffix_adjoint


@numba.njit(cache=True, error_model="numpy")
def ordered_constrain(unconstrained, ordered_out):
    """Strictly increasing vector from K reals:

        x_0 = u_0,  x_k = x_{k-1} + exp(u_k)     log|J| = sum_{k>=1} u_k

    Source: Stan Reference Manual, "Constraint Transforms", "Ordered vector".
    """
    return _ordered_constrain(unconstrained, ordered_out, False)


@numba.njit(cache=True, error_model="numpy")
def ordered_unconstrain(ordered, unconstrained_out):
    """u_0 = x_0,  u_k = log(x_k - x_{k-1})."""
    _ordered_unconstrain(ordered, unconstrained_out, False)


@numba.njit(cache=True, error_model="numpy")
def ordered_constrain_vjp(unconstrained, x_adjoint, unconstrained_adjoint_out):
    """u_adjoint_0 += sum_k x_adjoint_k;  u_adjoint_j += exp(u_j) sum_{k>=j} x_adjoint_k + 1."""
    _ordered_constrain_vjp(unconstrained, x_adjoint, unconstrained_adjoint_out, False)


@numba.njit(cache=True, error_model="numpy")
def positive_ordered_constrain(unconstrained, positive_ordered_out):
    """Strictly increasing positive vector from K reals:

        x_0 = exp(u_0),  x_k = x_{k-1} + exp(u_k)     log|J| = sum_k u_k

    Source: Stan Reference Manual, "Constraint Transforms", "Ordered vector"
    (with the first element's lower bound at 0, as Stan Math's positive_ordered_constrain).
    """
    return _ordered_constrain(unconstrained, positive_ordered_out, True)


@numba.njit(cache=True, error_model="numpy")
def positive_ordered_unconstrain(positive_ordered, unconstrained_out):
    """u_0 = log x_0,  u_k = log(x_k - x_{k-1})."""
    _ordered_unconstrain(positive_ordered, unconstrained_out, True)


@numba.njit(cache=True, error_model="numpy")
def positive_ordered_constrain_vjp(unconstrained, x_adjoint, unconstrained_adjoint_out):
    """u_adjoint_j += exp(u_j) sum_{k>=j} x_adjoint_k + 1."""
    _ordered_constrain_vjp(unconstrained, x_adjoint, unconstrained_adjoint_out, True)
