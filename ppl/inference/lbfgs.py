"""Quasi-Newton maximisation of a log density: L-BFGS (and BFGS, the same loop with a dense
inverse Hessian), keeping every iterate and its gradient, which Pathfinder reads.

Each iteration takes the quasi-Newton direction and a step along it that satisfies the strong
Wolfe conditions (Nocedal & Wright, Numerical Optimization, 2nd ed., algorithms 3.5 and 3.6,
with quadratic interpolation in the zoom), then updates the inverse Hessian estimate with the
step s and the change of gradient y when the curvature s'y is positive.  L-BFGS keeps the last
`history_size` pairs and applies the estimate by the two-loop recursion (algorithm 7.4), scaled
by s'y / y'y of the newest pair; BFGS keeps the dense matrix (equation 6.17).

The first step is `init_alpha` along the gradient, as Stan's: the scale of the problem is not
known yet.  A point where the log density or its gradient is not finite counts as a step too
far: the line search shortens it.

The run stops at the first of Stan's convergence tests to pass (the names are CmdStan's
settings), after `max_iters` iterations, or when no step along the direction (nor, after a
restart, along the gradient) increases the log density.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

EPSILON = np.finfo(float).eps
WOLFE_DECREASE = 1e-4        # c1: the sufficient increase a step must make
WOLFE_CURVATURE = 0.9        # c2: how much of the slope a step must use up (0.9 for quasi-Newton)
MAX_EXPANSIONS = 50          # doublings of a step the curvature condition wants longer
MAX_ZOOM = 40                # interpolations within a bracket


@dataclass(frozen=True)
class Tolerances:
    """CmdStan's convergence settings and defaults (`optimize`'s and `pathfinder`'s)."""
    tol_obj: float = 1e-12        # absolute change of the log density
    tol_rel_obj: float = 1e4      # relative change of the log density, in units of machine epsilon
    tol_grad: float = 1e-8        # norm of the gradient
    tol_rel_grad: float = 1e7     # g' H^-1 g / max(|log density|, 1), in units of machine epsilon
    tol_param: float = 1e-8       # norm of the step

    def check(self) -> None:
        for name, value in vars(self).items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0 \
                    or not math.isfinite(value):
                raise ValueError(f"{name} must be a finite number >= 0, not {value!r}")


# statuses: why a run ended
CONVERGED, MAX_ITERATIONS = "converged", "max_iterations"
LINE_SEARCH_FAILED, UNBOUNDED = "line_search_failed", "unbounded"


@dataclass
class OptimizationPath:
    """Every iterate of a run: `points` [iterations + 1, dim] with their log densities and
    gradients (of the log density being maximised), why the run ended (`status`, one of
    CONVERGED, MAX_ITERATIONS, LINE_SEARCH_FAILED, UNBOUNDED, and a `message` in words) and how many
    gradients it took."""
    points: list = field(default_factory=list)
    log_densities: list = field(default_factory=list)
    gradients: list = field(default_factory=list)
    status: str = ""
    message: str = ""
    evaluations: int = 0

    @property
    def iterations(self) -> int:
        return len(self.points) - 1

    @property
    def point(self) -> np.ndarray:
        return self.points[-1]

    @property
    def log_density(self) -> float:
        return self.log_densities[-1]

    def append(self, point, log_density, gradient) -> None:
        self.points.append(point)
        self.log_densities.append(log_density)
        self.gradients.append(gradient)


class LimitedMemoryInverse:
    """L-BFGS's inverse Hessian (of the negative log density): the last pairs (s, y)."""

    def __init__(self, history_size: int):
        self.history_size = history_size
        self.pairs: list[tuple[np.ndarray, np.ndarray]] = []

    def reset(self) -> None:
        self.pairs.clear()

    def update(self, s: np.ndarray, y: np.ndarray) -> None:
        self.pairs.append((s, y))
        if len(self.pairs) > self.history_size:
            self.pairs.pop(0)

    def apply(self, vector: np.ndarray) -> np.ndarray:
        """H vector by the two-loop recursion."""
        q = vector.copy()
        rhos = [1.0 / (y @ s) for s, y in self.pairs]
        alphas = []
        for (s, y), rho in zip(reversed(self.pairs), reversed(rhos)):
            alpha = rho * (s @ q)
            q -= alpha * y
            alphas.append(alpha)
        if self.pairs:
            s, y = self.pairs[-1]
            q *= (s @ y) / (y @ y)
        for (s, y), rho, alpha in zip(self.pairs, rhos, reversed(alphas)):
            beta = rho * (y @ q)
            q += (alpha - beta) * s
        return q


class DenseInverse:
    """BFGS's inverse Hessian as a dense matrix, started at the scaled identity."""

    def __init__(self, dim: int):
        self.dim = dim
        self.matrix = None

    def reset(self) -> None:
        self.matrix = None

    def update(self, s: np.ndarray, y: np.ndarray) -> None:
        rho = 1.0 / (y @ s)
        if self.matrix is None:
            self.matrix = np.eye(self.dim) * ((s @ y) / (y @ y))
        left = np.eye(self.dim) - rho * np.outer(s, y)
        self.matrix = left @ self.matrix @ left.T + rho * np.outer(s, s)

    def apply(self, vector: np.ndarray) -> np.ndarray:
        return vector.copy() if self.matrix is None else self.matrix @ vector


def maximize(value_and_gradient, start: np.ndarray, *, algorithm: str = "lbfgs", history_size: int = 5,
             init_alpha: float = 1e-3, tolerances: Tolerances = Tolerances(), max_iters: int = 2000
             ) -> OptimizationPath:
    """Maximise a log density from `start`; `value_and_gradient(u) -> (value, gradient)`.
    The value and gradient at `start` must be finite (the caller says why they are not).
    Overflow far out on a line is a step too long, not something to print."""
    with np.errstate(over="ignore", invalid="ignore"):
        return _maximize(value_and_gradient, start, algorithm, history_size, init_alpha, tolerances, max_iters)


def _maximize(value_and_gradient, start, algorithm, history_size, init_alpha, tolerances, max_iters):
    inverse = LimitedMemoryInverse(history_size) if algorithm == "lbfgs" else DenseInverse(len(start))
    path = OptimizationPath()
    # the line search minimises f = -log density
    x = np.array(start, dtype=float)
    value, gradient = value_and_gradient(x)
    f, g = -value, -gradient
    path.append(x, value, gradient)
    path.evaluations = 1
    for _ in range(max_iters):
        restarted = False
        while True:
            direction = -inverse.apply(g)
            first = (not inverse.pairs if algorithm == "lbfgs" else inverse.matrix is None)
            if g @ direction >= 0:           # not a direction of increase: start again along the gradient
                inverse.reset()
                direction, first = -g, True
            step = init_alpha if first and path.iterations == 0 else 1.0
            found, evaluations, unbounded = wolfe_line_search(value_and_gradient, x, f, g, direction, step)
            path.evaluations += evaluations
            if unbounded:
                path.append(*found[:1], -found[1], -found[2])
                path.status = UNBOUNDED
                path.message = (f"the log density still increased after a step {2.0 ** MAX_EXPANSIONS:.3g} times the "
                                f"first one: it has no maximum along that line")
                return path
            if found is not None or restarted or first:
                break
            inverse.reset()                  # a stale estimate: one more try along the gradient
            restarted = True
        if found is None:
            path.status = LINE_SEARCH_FAILED
            path.message = "the line search found no step that increases the log density"
            return path
        x_new, f_new, g_new = found
        s, y = x_new - x, g_new - g
        if s @ y > EPSILON * (y @ y):
            inverse.update(s, y)
        path.append(x_new, -f_new, -g_new)
        passed = convergence_test(tolerances, f, f_new, g_new, s, inverse)
        x, f, g = x_new, f_new, g_new
        if passed:
            path.status, path.message = CONVERGED, passed
            return path
    path.status = MAX_ITERATIONS
    path.message = f"the maximum number of iterations ({max_iters}) was reached before convergence"
    return path


def convergence_test(tolerances: Tolerances, f, f_new, g_new, s, inverse) -> str | None:
    """The first of Stan's convergence tests that passes, in words, or None."""
    change = abs(f_new - f)
    if change < tolerances.tol_obj:
        return f"the change of the log density is below tol_obj ({tolerances.tol_obj:g})"
    if change / max(abs(f_new), abs(f), 1.0) < tolerances.tol_rel_obj * EPSILON:
        return f"the relative change of the log density is below tol_rel_obj ({tolerances.tol_rel_obj:g}) x epsilon"
    if np.linalg.norm(g_new) < tolerances.tol_grad:
        return f"the gradient's norm is below tol_grad ({tolerances.tol_grad:g})"
    if abs(g_new @ inverse.apply(g_new)) / max(abs(f_new), 1.0) < tolerances.tol_rel_grad * EPSILON:
        return f"the relative gradient is below tol_rel_grad ({tolerances.tol_rel_grad:g}) x epsilon"
    if np.linalg.norm(s) < tolerances.tol_param:
        return f"the step is shorter than tol_param ({tolerances.tol_param:g})"
    return None


def wolfe_line_search(value_and_gradient, x, f0, g0, direction, step):
    """A step along `direction` (a descent direction of f = -log density) meeting the strong
    Wolfe conditions: ((x_new, f_new, g_new) or None, the number of evaluations, whether f fell
    all along MAX_EXPANSIONS doublings of the step: unbounded below on that line).  When the
    curvature condition cannot be met, the best step meeting sufficient decrease is taken."""
    slope0 = g0 @ direction
    evaluations = 0

    def at(alpha):
        nonlocal evaluations
        evaluations += 1
        point = x + alpha * direction
        value, gradient = value_and_gradient(point)
        f, g = -value, -gradient
        if not (math.isfinite(f) and np.all(np.isfinite(g))):
            return point, math.inf, g, math.nan
        return point, f, g, g @ direction

    def decreases(alpha, f):
        return f <= f0 + WOLFE_DECREASE * alpha * slope0

    low = (0.0, f0, g0, slope0, x)        # alpha, f, g, slope, point: the best step meeting decrease so far
    previous_f = f0
    alpha = step
    for expansion in range(MAX_EXPANSIONS):
        point, f, g, slope = at(alpha)
        if not decreases(alpha, f) or (expansion and f >= previous_f):
            return _zoom(at, decreases, slope0, low, (alpha, f)), evaluations, False
        if abs(slope) <= -WOLFE_CURVATURE * slope0:
            return (point, f, g), evaluations, False
        current = (alpha, f, g, slope, point)
        if slope >= 0:
            return _zoom(at, decreases, slope0, current, (low[0], low[1])), evaluations, False
        low = current
        previous_f = f
        alpha *= 2.0
    return (low[4], low[1], low[2]), evaluations, True


def _zoom(at, decreases, slope0, low, high):
    """Algorithm 3.6 with a safeguarded quadratic interpolation (bisection beside a step
    where the log density is not finite)."""
    alpha_low, f_low, g_low, slope_low, point_low = low
    alpha_high, f_high = high
    for _ in range(MAX_ZOOM):
        width = alpha_high - alpha_low
        alpha = alpha_low + 0.5 * width
        if math.isfinite(f_high) and math.isfinite(slope_low):
            # the minimum of the quadratic through f_low, slope_low and f_high
            curvature = f_high - f_low - slope_low * width
            if curvature > 0:
                alpha = alpha_low - slope_low * width * width / (2.0 * curvature)
            low_end, high_end = sorted((alpha_low + 0.1 * width, alpha_high - 0.1 * width))
            alpha = min(max(alpha, low_end), high_end)
        point, f, g, slope = at(alpha)
        if not decreases(alpha, f) or f >= f_low:
            alpha_high, f_high = alpha, f
            continue
        if abs(slope) <= -WOLFE_CURVATURE * slope0:
            return point, f, g
        if slope * (alpha_high - alpha_low) >= 0:
            alpha_high, f_high = alpha_low, f_low
        alpha_low, f_low, g_low, slope_low, point_low = alpha, f, g, slope, point
    if alpha_low > 0:               # sufficient decrease without the curvature condition: take it
        return point_low, f_low, g_low
    return None
