"""`laplace`: draws from the normal approximation at the mode, on the unconstrained scale, as
CmdStan's `laplace_sample`.

    u ~ Normal(mode, (-H)^-1),   H = the Hessian of the log density at the mode,

H from central differences of the compiled gradient (ppl/inference/hessian.py).  Each draw u is
mapped to the constrained params, deterministics and `gen` quantities by the model's compiled
functions, so the result is a Fit with the accessors, summary and ArviZ export of a sampler's.
Its statistics per draw are `lp`, the log density with the Jacobian (as a sampler's lp), and
`log_q`, the normal approximation's log density: lp - log_q are the draws' importance log-weights.

The mode is found with the same `jacobian` setting (CmdStan's `laplace` default, jacobian=True,
makes it the unconstrained MAP, the centre of the normal on that scale).  The approximation is
good when the posterior is near normal on the unconstrained scale: many observations per param,
no funnel.  It needs a Hessian that is negative definite; at a saddle point or in a flat
direction there is no such normal, and that is an error.
"""

from __future__ import annotations

import math

import numpy as np

from ppl.errors import InferenceError
from ppl.inference.density import LogDensity
from ppl.inference.hessian import finite_difference_hessian
from ppl.inference.optimize import OptimizeResult, check_seed, optimize, resolved_seed


def laplace(posterior, *, draws=1000, mode=None, jacobian=True, seed=None):
    from ppl.results.fit import Fit

    if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or draws < 1:
        raise ValueError(f"draws must be an integer >= 1, not {draws!r}")
    check_seed(seed)
    seed = resolved_seed(seed)
    if posterior.dim == 0:
        raise InferenceError("laplace needs at least one param: this model has none (its `gen` quantities "
                             "need no approximation: use sample)").with_source(posterior.model.source)
    density = LogDensity(posterior, jacobian)
    centre = _mode(posterior, mode, jacobian, seed)
    hessian = finite_difference_hessian(density.value_and_gradient, centre)
    if mode is None:
        centre, hessian = _newton_polish(density, centre, hessian)
    factor = precision_cholesky(hessian, posterior, centre)
    rng = np.random.default_rng(seed)
    standard = rng.standard_normal((draws, posterior.dim))
    # precision = L L', so u = mode + L'^-1 z has covariance L'^-1 L^-1 = precision^-1
    unconstrained = centre + np.linalg.solve(factor.T, standard.T).T
    log_q = (-0.5 * np.sum(standard ** 2, axis=1) - 0.5 * posterior.dim * math.log(2.0 * math.pi)
             + np.sum(np.log(np.diag(factor))))
    with_jacobian = LogDensity(posterior, True)
    lp = np.array([with_jacobian.value(u) for u in unconstrained])
    seeds = rng.integers(0, 2 ** 63 - 1, draws)
    return Fit.from_unconstrained(posterior, unconstrained[None], seeds=seeds[None],
                                  stats={"lp": lp[None], "log_q": log_q[None]}, seed=seed, method="laplace",
                                  settings={"draws": draws, "jacobian": bool(jacobian)})


def _mode(posterior, mode, jacobian, seed) -> np.ndarray:
    """The unconstrained mode: found (mode=None), taken from an OptimizeResult made with the
    same jacobian setting, or from constrained param values (a dict)."""
    if mode is None:
        return optimize(posterior, jacobian=jacobian, seed=seed).unconstrained
    if isinstance(mode, OptimizeResult):
        if mode.jacobian != bool(jacobian):
            raise ValueError(f"the mode was found with jacobian={mode.jacobian}, but laplace was asked for "
                             f"jacobian={bool(jacobian)}: give both the same setting")
        return np.array(mode.unconstrained, dtype=float)
    if isinstance(mode, dict):
        return posterior.unconstrain(mode)
    raise ValueError(f"mode must be None, a result of optimize, or a dict of param values, not "
                     f"{type(mode).__name__}")


def _newton_polish(density: LogDensity, centre: np.ndarray, hessian: np.ndarray):
    """One Newton step from the optimiser's mode, kept when it does not lower the log density.
    CmdStan's tolerances stop L-BFGS about 1e-6 sd from the mode, and a centre that far off tilts
    lp - log_q by as much; the Hessian is at hand, and on a normal posterior one step is exact."""
    value, gradient = density.value_and_gradient(centre)
    try:
        step = np.linalg.solve(hessian, gradient)
    except np.linalg.LinAlgError:
        return centre, hessian
    polished = centre - step
    if not (np.all(np.isfinite(polished)) and density.value(polished) >= value):
        return centre, hessian
    return polished, finite_difference_hessian(density.value_and_gradient, polished)


def precision_cholesky(hessian: np.ndarray, posterior, centre: np.ndarray) -> np.ndarray:
    """The lower Cholesky factor of -hessian; an InferenceError naming the param whose direction
    is flat or curved upwards when -hessian is not positive definite."""
    if not np.all(np.isfinite(hessian)):
        raise InferenceError("the Hessian at the mode is not finite: the log density or its gradient is not "
                             "finite next to the mode", hint="check the mode (is it on a boundary?)"
                             ).with_source(posterior.model.source)
    try:
        return np.linalg.cholesky(-hessian)
    except np.linalg.LinAlgError:
        pass
    eigenvalues, eigenvectors = np.linalg.eigh(-hessian)
    worst = eigenvectors[:, 0]
    name = _owner(posterior, centre, int(np.argmax(np.abs(worst))))
    raise InferenceError(f"the Hessian at the mode is not negative definite (its largest eigenvalue is "
                         f"{-eigenvalues[0]:.3g}, mostly along {name}): the mode is a saddle point or the log "
                         "density is flat in some direction, so there is no normal approximation there",
                         hint="check that optimize converged with a small gradient; in a hierarchical model "
                              "the density grows without bound as a group scale goes to 0 (a funnel), so there is "
                              "no mode: use pathfinder or sample, or a non-centred parameterisation"
                         ).with_source(posterior.model.source)


def _owner(posterior, u: np.ndarray, coordinate: int) -> str:
    """The param that unconstrained coordinate `coordinate` belongs to: the one whose value
    moves when it moves (the coordinates of a simplex or a Cholesky factor are not its elements)."""
    before = posterior.constrain(u)
    moved = u.copy()
    moved[coordinate] += 1.0
    after = posterior.constrain(moved)
    return next((name for name in before if not np.array_equal(before[name], after[name])), "a param")
