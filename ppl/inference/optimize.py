"""`optimize`: the mode of a posterior, as CmdStan's `optimize` finds it.

With `jacobian=False` (Stan's default) the optimiser maximises the log density of the
constrained params without the transforms' Jacobian: a penalised maximum likelihood, whose
argmax does not depend on how the params are transformed (for a Beta(a, b) posterior the mode
(a - 1) / (a + b - 2)).  With `jacobian=True` it maximises the posterior density of the
unconstrained params, the MAP on that scale, which is the centre Laplace's normal approximation
should use (for the Beta, a / (a + b) on the logit scale).

The search runs on the unconstrained scale with L-BFGS (default), BFGS or Newton's method
(ppl/inference/lbfgs.py, newton.py) under CmdStan's tolerances and defaults.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from ppl.errors import InferenceError
from ppl.inference.density import LogDensity
from ppl.inference.lbfgs import CONVERGED, MAX_ITERATIONS, UNBOUNDED, OptimizationPath, Tolerances, maximize
from ppl.sampling.start import INIT_RADIUS, INIT_TRIES, start_failure

ALGORITHMS = ("lbfgs", "bfgs", "newton")
DEFAULT_MAX_ITERS = 2000          # CmdStan's `iter`
DEFAULT_HISTORY_SIZE = 5          # CmdStan's L-BFGS `history_size`
DEFAULT_INIT_ALPHA = 1e-3         # CmdStan's first step size
HUGE = 1e300                      # a param beyond this at the optimum ran off: the log density has no maximum


class ConvergenceWarning(UserWarning):
    """An optimiser stopped before any of its convergence tests passed."""


@dataclass
class OptimizeResult:
    """The optimum: `params` (constrained) and `deterministics` by name (also `result[name]`),
    `generated` (one draw of the `gen` quantities there, when the model has any),
    `log_density` (the maximised log density: without the Jacobian unless jacobian=True),
    `unconstrained` (the optimum on the unconstrained scale), `iterations`,
    `gradient_evaluations`, `converged`, `status` (converged, max_iterations or
    line_search_failed) and `message` (why it stopped, in words)."""
    params: dict
    deterministics: dict
    generated: dict
    log_density: float
    unconstrained: np.ndarray
    iterations: int
    gradient_evaluations: int
    status: str
    message: str
    jacobian: bool
    algorithm: str
    seed: int | None = None
    path: OptimizationPath | None = field(default=None, repr=False)

    @property
    def converged(self) -> bool:
        return self.status == CONVERGED

    def __getitem__(self, name: str) -> np.ndarray:
        for group in (self.params, self.deterministics, self.generated):
            if name in group:
                return group[name]
        from ppl.errors import did_you_mean

        known = [*self.params, *self.deterministics, *self.generated]
        hint = did_you_mean(name, known)
        raise KeyError(f"no quantity named {name!r} in this result{'; ' + hint if hint else ''} "
                       f"(known: {', '.join(known) or 'none'})")

    def __repr__(self) -> str:
        scale = "MAP on the unconstrained scale" if self.jacobian else "penalised MLE"
        lines = [f"<OptimizeResult ({self.algorithm}, {scale}): {self.status} after {self.iterations} "
                 f"iterations, log density {self.log_density:.6g}"]
        for name, value in {**self.params, **self.deterministics}.items():
            text = np.array2string(np.asarray(value), precision=4, threshold=8)
            lines.append(f"  {name} = {text}")
        return "\n".join(lines) + ">"


def check_settings(algorithm, tolerances: Tolerances, max_iters, seed) -> None:
    if algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm must be one of {', '.join(map(repr, ALGORITHMS))}, not {algorithm!r}")
    tolerances.check()
    if isinstance(max_iters, bool) or not isinstance(max_iters, (int, np.integer)) or max_iters < 1:
        raise ValueError(f"max_iters must be an integer >= 1, not {max_iters!r}")
    check_seed(seed)


def check_seed(seed) -> None:
    if seed is not None and (isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer))
                             or not 0 <= int(seed) < 2 ** 63):
        raise ValueError(f"seed must be an integer in [0, 2**63), not {seed!r} (leave it out for a random one)")


def resolved_seed(seed) -> int:
    return int(np.random.SeedSequence().entropy % (2 ** 63)) if seed is None else int(seed)


def starting_point(posterior, density: LogDensity, init, rng: np.random.Generator) -> np.ndarray:
    """The unconstrained start: `init` (constrained param values, validated), or the first of
    INIT_TRIES uniform(-2, 2) points where the log density and its gradient are finite.  A
    start where they are not is a SamplingError naming the statement to blame, as `sample`'s."""
    if init is not None:
        if not isinstance(init, dict):
            raise ValueError("init must be a dict of param values (constrained)")
        candidates = [posterior.unconstrain(init)]
    else:
        candidates = (rng.uniform(-INIT_RADIUS, INIT_RADIUS, posterior.dim) for _ in range(INIT_TRIES))
    for u in candidates:
        value, gradient = density.value_and_gradient(u)
        if math.isfinite(value) and np.all(np.isfinite(gradient)):
            return u
    raise start_failure(posterior, u, 0, init is not None)


def optimize(posterior, *, jacobian=False, algorithm="lbfgs", init=None, seed=None, tol_obj=1e-12,
             tol_rel_obj=1e4, tol_grad=1e-8, tol_rel_grad=1e7, tol_param=1e-8, history_size=DEFAULT_HISTORY_SIZE,
             init_alpha=DEFAULT_INIT_ALPHA, max_iters=DEFAULT_MAX_ITERS) -> OptimizeResult:
    tolerances = Tolerances(tol_obj, tol_rel_obj, tol_grad, tol_rel_grad, tol_param)
    check_settings(algorithm, tolerances, max_iters, seed)
    if isinstance(history_size, bool) or not isinstance(history_size, (int, np.integer)) or history_size < 1:
        raise ValueError(f"history_size must be an integer >= 1, not {history_size!r}")
    if not (isinstance(init_alpha, (int, float)) and math.isfinite(init_alpha) and init_alpha > 0):
        raise ValueError(f"init_alpha must be a positive number, not {init_alpha!r}")
    seed = resolved_seed(seed)
    density = LogDensity(posterior, jacobian)
    start = starting_point(posterior, density, init, np.random.default_rng(seed))
    if posterior.dim == 0:
        path = OptimizationPath(status=CONVERGED, message="the model has no params")
        path.append(start, *density.value_and_gradient(start))
    elif algorithm == "newton":
        from ppl.inference.newton import maximize_newton

        path = maximize_newton(density.value_and_gradient, start, tolerances=tolerances, max_iters=int(max_iters))
    else:
        path = maximize(density.value_and_gradient, start, algorithm=algorithm, history_size=int(history_size),
                        init_alpha=float(init_alpha), tolerances=tolerances, max_iters=int(max_iters))
    u = path.point
    params = posterior.constrain(u)
    if path.status == UNBOUNDED or not all(np.all(np.abs(value) < HUGE) for value in params.values()):
        raise InferenceError(f"the optimiser ran off towards infinity after {path.iterations} iteration(s): the log "
                             "density has no maximum (an improper prior, or a likelihood that grows without bound)",
                             found=", ".join(f"{name} = {np.array2string(np.asarray(value), precision=3, threshold=4)}"
                                             for name, value in params.items()),
                             hint="give the params proper priors, or bound them").with_source(posterior.model.source)
    generated = {}
    if posterior._facts.generated and posterior._facts.generate_unsupported is None:
        generated = posterior.generate(u, seed=seed)
    result = OptimizeResult(params=params, deterministics=posterior.deterministics(u), generated=generated,
                            log_density=path.log_density, unconstrained=u, iterations=path.iterations,
                            gradient_evaluations=path.evaluations, status=path.status, message=path.message,
                            jacobian=bool(jacobian), algorithm=algorithm, seed=seed, path=path)
    if not result.converged:
        advice = ("raise max_iters" if path.status == MAX_ITERATIONS else
                  "try algorithm='newton', another init, or looser tolerances")
        warnings.warn(f"optimize did not converge: {path.message} (log density {path.log_density:.6g}); {advice}",
                      ConvergenceWarning, stacklevel=3)
    return result
