"""`Posterior.variational`: Stan's ADVI (Kucukelbir et al. 2017), meanfield or fullrank.

A normal approximation q on the unconstrained scale is fitted by stochastic gradient
ascent on the ELBO (ppl/inference/advi_native.py: the algorithm, compiled once for
every model), then `draws` draws of q are mapped to the constrained params,
deterministics and `gen` by the model's own compiled functions, as a sampler's draws
are.  The result is a `VariationalFit`: a ppl.Fit (one chain) whose statistics are
`lp` (the log density with the Jacobian, Stan's lp__) and `log_q` (log q at the draw,
normalised), with the ELBO history, the step size eta and how the run stopped.

Why native code rather than NumPy around the compiled gradient: measured on the
iid-normal test model, a NumPy loop costs tens of microseconds per iteration in the
interpreter alone (more than the gradient of a small model), while the compiled
library loads from Numba's disk cache in a fraction of a second (docs/inference.md,
"ADVI", has the figures).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ppl.results.fit import Fit
from ppl.sampling.start import INIT_RADIUS, INIT_TRIES, start_failure

METHODS = ("meanfield", "fullrank")


class VariationalWarning(UserWarning):
    """ADVI stopped at `iter` iterations without meeting its convergence rule."""


class VariationalFit(Fit):
    """A Fit of draws from a variational approximation; what the optimisation did is in
    `settings` (so that save/load keep it) and read through these properties."""

    @property
    def elbo_history(self) -> dict[str, np.ndarray]:
        """One entry per ELBO evaluation (every `eval_elbo` iterations): `iteration`, `elbo`,
        and the mean and median of the relative ELBO changes in Stan's window
        (`relative_change_mean`, `relative_change_median`)."""
        return {name: np.asarray(values, dtype=float) for name, values in self.settings["elbo_history"].items()}

    @property
    def converged(self) -> bool:
        """Whether the mean or median relative ELBO change fell below tol_rel_obj."""
        return self.settings["convergence"] is not None

    @property
    def eta(self) -> float:
        """The step size used (given, or chosen by Stan's search)."""
        return self.settings["eta_used"]


def _check_settings(method, draws, seed, iter, grad_samples, elbo_samples, eta, tol_rel_obj, eval_elbo):  # noqa: A002
    def integer(name, value, smallest):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < smallest:
            raise ValueError(f"{name} must be an integer >= {smallest}, not {value!r}")

    def positive(name, value):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)) \
                or not (math.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a positive number, not {value!r}")

    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(map(repr, METHODS))}, not {method!r}")
    if seed is not None and (isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer))
                             or not 0 <= int(seed) < 2 ** 63):
        raise ValueError(f"seed must be an integer in [0, 2**63), not {seed!r} (leave it out for a random one)")
    integer("draws", draws, 1)
    integer("iter", iter, 1)
    integer("grad_samples", grad_samples, 1)
    integer("elbo_samples", elbo_samples, 1)
    integer("eval_elbo", eval_elbo, 1)
    if eta is not None:
        positive("eta", eta)
    positive("tol_rel_obj", tol_rel_obj)


def variational(posterior, *, method="meanfield", draws=1000, seed=None, iter=10000,  # noqa: A002 - Stan's name
                grad_samples=1, elbo_samples=100, eta=None, tol_rel_obj=0.01, eval_elbo=100, init=None):
    _check_settings(method, draws, seed, iter, grad_samples, elbo_samples, eta, tol_rel_obj, eval_elbo)
    from ppl import first_run

    native = first_run.load(first_run.VARIATIONAL, [])   # compiled once; on a cold cache one line says so
    from ppl.sampling import rng

    if posterior.dim == 0:
        raise ValueError("variational: this model has no params, so there is nothing to approximate; "
                         "sample(...) draws its generated quantities")
    posterior.check_generated_quantities()
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % (2 ** 63))
    seed = int(seed)
    dim = posterior.dim
    start = None if init is None else posterior.unconstrain(init)
    fullrank = method == "fullrank"
    approximation = native.Approximation(
        mean=np.zeros(dim) if start is None else np.array(start, dtype=np.float64),
        log_sd=np.zeros(0 if fullrank else dim), factor=np.zeros((dim, dim) if fullrank else (0, 0)))
    settings = native.AdviSettings(
        max_iterations=int(iter), grad_samples=int(grad_samples), elbo_samples=int(elbo_samples),
        eval_elbo=int(eval_elbo), tol_rel_obj=float(tol_rel_obj), eta=float(eta or 0.0), init_given=start is not None,
        init_tries=INIT_TRIES, init_radius=INIT_RADIUS)
    state = rng.stream_state(seed, 0)
    eta_used = np.zeros(1)
    history = np.zeros((max(int(iter) // int(eval_elbo), 1), len(native.HISTORY_COLUMNS)))
    report = np.zeros(native.REPORT_SLOTS, dtype=np.int64)
    gradient = posterior._module.log_density_gradient
    status = native.fit_approximation(gradient, posterior.real_data, posterior.int_data, state, settings,
                                      approximation, eta_used, history, report)
    if status == native.INIT_FAILED:
        raise start_failure(posterior, approximation.mean, 0, start is not None)
    if status == native.ETA_FAILED:
        from ppl.errors import SamplingError

        raise SamplingError(f"ADVI: every step size tried ({', '.join(f'{e:g}' for e in native.ETA_SEQUENCE)}) "
                            f"made the ELBO worse than at the start", None,
                            hint="the model may be ill-conditioned or misspecified; give eta=... to skip the "
                                 "search, or init={...} nearer the posterior").with_source(posterior.model.source)

    unconstrained = np.zeros((int(draws), dim))
    lp, log_q = np.zeros(int(draws)), np.zeros(int(draws))
    seeds = np.zeros(int(draws), dtype=np.int64)
    native.draw_approximation(gradient, posterior.real_data, posterior.int_data, state, approximation,
                              unconstrained, lp, log_q, seeds)

    rows = int(report[native.EVALUATIONS])
    with np.errstate(over="ignore"):   # a diverged run's sds are inf, and the warning below says so
        scale = approximation.factor.tolist() if fullrank else np.exp(approximation.log_sd).tolist()
    convergence = {native.MEAN_CONVERGED: "mean", native.MEDIAN_CONVERGED: "median"}.get(int(report[native.CONVERGED]))
    run_settings = dict(method=method, draws=int(draws), iter=int(iter), grad_samples=int(grad_samples),
                        elbo_samples=int(elbo_samples), eta=None if eta is None else float(eta),
                        tol_rel_obj=float(tol_rel_obj), eval_elbo=int(eval_elbo),
                        eta_used=float(eta_used[0]), iterations=int(report[native.ITERATIONS]),
                        convergence=convergence, dropped_gradient_draws=int(report[native.DROPPED_GRADIENTS]),
                        elbo_history={name: history[:rows, k].tolist()
                                      for k, name in enumerate(native.HISTORY_COLUMNS)},
                        mean=approximation.mean.tolist(),
                        scale=scale)
    fit = VariationalFit.from_unconstrained(posterior, unconstrained[None], seeds=seeds[None],
                                            stats={"lp": lp[None], "log_q": log_q[None]}, seed=seed,
                                            method="variational", settings=run_settings)
    if convergence is None:
        last = history[rows - 1] if rows else np.full(len(native.HISTORY_COLUMNS), math.nan)
        diverging = not math.isfinite(last[1]) or (int(iter) > 10 * int(eval_elbo) and max(last[2], last[3]) > 0.5)
        advice = ("the ELBO is not finite or still changing by more than half: the optimisation may be diverging; "
                  "try a smaller eta" if diverging else "raise iter")
        warnings.warn(f"ADVI stopped at iter={iter} iterations without convergence: the relative ELBO change "
                      f"(mean {last[2]:.3g}, median {last[3]:.3g}) is above tol_rel_obj={tol_rel_obj:g}; {advice}, "
                      f"and inspect fit.elbo_history", VariationalWarning, stacklevel=_user_stack_level())
    return fit


def _user_stack_level() -> int:
    """The stacklevel of the first caller outside ppl (Model.variational and
    Posterior.variational both lead here), so that a warning names the user's line."""
    import os
    import sys

    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    level, frame = 1, sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package + os.sep):
        frame, level = frame.f_back, level + 1
    return level
