"""Pathfinder (Zhang, Carpenter, Gelman & Vehtari 2022, "Pathfinder: parallel quasi-Newton
variational inference", JMLR 23): normal approximations along an L-BFGS path, the best chosen
by the ELBO; several paths combined by Pareto-smoothed importance resampling.

Single path.  L-BFGS maximises the log density (with the Jacobian, on the unconstrained
scale) from a random start, keeping every iterate u_l and gradient g_l (ppl/inference/lbfgs.py).
At each iterate the inverse Hessian is estimated from the last `history_size` steps
s = u_{l+1} - u_l and gradient changes y = g_l - g_{l+1} with positive curvature s'y: a
diagonal alpha, updated pair by pair with Gilbert & Lemarechal's formula (the paper's
equation 4), plus the low-rank BFGS correction in compact form (Byrd, Nocedal & Schnabel 1994),

    H = diag(alpha) + B G B',   B = [S, diag(alpha) Y],
    G = [[R^-T (D + Y' diag(alpha) Y) R^-1, -R^-T], [-R^-1, 0]],

(R the upper triangle of S'Y, D its diagonal).  The approximation there is
Normal(u_l + H g_l, H); its ELBO, E_q[log p(u) - log q(u)], is estimated from
`num_elbo_draws` draws, and the iterate with the largest ELBO gives the path's draws.  Draws
cost O(dim * history_size) each through a thin QR factorisation of diag(alpha)^-1/2 B
(the paper's algorithm 2), never a dim x dim matrix.

Multi-path.  `paths` single paths from independent starts each give `draws` draws; their
importance log-weights log p - log q are Pareto smoothed (ppl/inference/psis.py) and `draws`
draws resampled with replacement in proportion to them.  k-hat above 0.7 says the weights
(and so the resampled draws) are unreliable: it is warned about, and reported in
`fit.settings["pareto_k"]`.

Pathfinder is fast (a few hundred gradients a path) and its draws are good initial points
for MCMC (`sample(init="pathfinder")`); its marginals are usually too narrow in the tails and
miss what a normal cannot represent (funnels, several modes).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ppl.errors import InferenceError
from ppl.inference.density import LogDensity
from ppl.inference.lbfgs import EPSILON, Tolerances, maximize
from ppl.inference.optimize import DEFAULT_INIT_ALPHA, check_seed, resolved_seed, starting_point
from ppl.inference.psis import pareto_smoothed_log_weights

PARETO_K_WARNING = 0.7
DEFAULT_MAX_LBFGS_ITERS = 1000      # CmdStan pathfinder's max_lbfgs_iters
LOG_TWO_PI = math.log(2.0 * math.pi)


class PathfinderWarning(UserWarning):
    """A Pathfinder path failed, or the Pareto k-hat of the importance weights is above 0.7."""


class NormalApproximation:
    """Normal(mean, diag(alpha) + B G B'), sampled through a thin QR of diag(alpha)^-1/2 B."""

    def __init__(self, mean, alpha, low_rank, middle):
        self.mean, self.alpha = mean, alpha
        self.root_alpha = np.sqrt(alpha)
        if low_rank.shape[1]:
            self.q, triangle = np.linalg.qr(low_rank / self.root_alpha[:, None])
            inner = np.eye(triangle.shape[0]) + triangle @ middle @ triangle.T
            self.inner_factor = np.linalg.cholesky(0.5 * (inner + inner.T))   # LinAlgError: not positive definite
        else:
            self.q, self.inner_factor = np.zeros((len(mean), 0)), np.zeros((0, 0))
        self.log_determinant = float(np.sum(np.log(alpha)) + 2.0 * np.sum(np.log(np.diag(self.inner_factor))))

    def draw(self, rng: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray]:
        """`count` draws [count, dim] and their log densities under this normal."""
        standard = rng.standard_normal((count, len(self.mean)))
        projected = standard @ self.q
        root = standard + (projected @ self.inner_factor.T - projected) @ self.q.T
        draws = self.mean + root * self.root_alpha
        log_q = -0.5 * (np.sum(standard ** 2, axis=1) + self.log_determinant + len(self.mean) * LOG_TWO_PI)
        return draws, log_q

    def covariance(self) -> np.ndarray:
        """The dense covariance (for tests and small models only)."""
        root = (np.eye(len(self.mean)) + self.q @ (self.inner_factor - np.eye(self.q.shape[1])) @ self.q.T)
        root = root * self.root_alpha[:, None]
        return root @ root.T


def updated_diagonal(alpha: np.ndarray, s: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The paper's equation 4: the diagonal inverse Hessian after one more pair (s, y);
    the old one when the update is not positive and finite."""
    curvature = y @ s
    y_alpha_y = y @ (alpha * y)
    s_inverse_alpha_s = s @ (s / alpha)
    updated = 1.0 / (y_alpha_y / (curvature * alpha) + y ** 2 / curvature
                     - y_alpha_y * s ** 2 / (curvature * s_inverse_alpha_s * alpha ** 2))
    return updated if np.all(np.isfinite(updated)) and np.all(updated > 0) else alpha


def compact_inverse_hessian(alpha: np.ndarray, steps: np.ndarray, changes: np.ndarray):
    """(B, G) with H = diag(alpha) + B G B', the BFGS inverse Hessian after the pairs (columns of
    `steps` S and `changes` Y, oldest first) starting from diag(alpha)."""
    products = steps.T @ changes
    triangle = np.triu(products)
    inverse_triangle = np.linalg.solve(triangle, np.eye(len(triangle)))
    scaled_changes = alpha[:, None] * changes
    top_left = inverse_triangle.T @ (np.diag(np.diag(products)) + changes.T @ scaled_changes) @ inverse_triangle
    size = len(triangle)
    middle = np.block([[top_left, -inverse_triangle.T], [-inverse_triangle, np.zeros((size, size))]])
    return np.hstack([steps, scaled_changes]), middle


def approximations(path, history_size: int):
    """The normal approximation at each iterate after the first (None where it does not exist)."""
    points, gradients = path.points, path.gradients
    alpha = np.ones(len(points[0]))
    pairs: list[tuple[np.ndarray, np.ndarray]] = []
    for index in range(1, len(points)):
        s = points[index] - points[index - 1]
        y = gradients[index - 1] - gradients[index]     # the change of the gradient of -log density
        if s @ y > EPSILON * (y @ y):
            alpha = updated_diagonal(alpha, s, y)
            pairs = (pairs + [(s, y)])[-history_size:]
        steps = np.array([s for s, _ in pairs]).T.reshape(len(alpha), len(pairs))
        changes = np.array([y for _, y in pairs]).T.reshape(len(alpha), len(pairs))
        try:
            low_rank, middle = compact_inverse_hessian(alpha, steps, changes)
            inverse_hessian_gradient = alpha * gradients[index] + low_rank @ (middle @ (low_rank.T @ gradients[index]))
            yield NormalApproximation(points[index] + inverse_hessian_gradient, alpha, low_rank, middle)
        except np.linalg.LinAlgError:
            yield None


def single_path(density: LogDensity, start, rng, *, draws, num_elbo_draws, history_size, tolerances, max_iters,
                init_alpha):
    """One path: (draws [draws, dim], their lp and log_q, the best ELBO, L-BFGS iterations), or
    None with the reason when no iterate gives an approximation with a finite ELBO."""
    path = maximize(density.value_and_gradient, start, algorithm="lbfgs", history_size=history_size,
                    init_alpha=init_alpha, tolerances=tolerances, max_iters=max_iters)
    best, best_elbo = None, -math.inf
    for approximation in approximations(path, history_size):
        if approximation is None:
            continue
        trial, log_q = approximation.draw(rng, num_elbo_draws)
        lp = np.array([density.value(u) for u in trial])
        elbo = float(np.mean(lp - log_q)) if np.all(np.isfinite(lp)) else -math.inf
        if elbo > best_elbo:
            best, best_elbo = approximation, elbo
    if best is None:
        return None, f"no iterate of its {path.iterations} L-BFGS iterations gave a normal approximation with a " \
                     f"finite ELBO ({path.message})"
    unconstrained, log_q = best.draw(rng, draws)
    lp = np.array([density.value(u) for u in unconstrained])
    return (unconstrained, lp, log_q, best_elbo, path), None


def pathfinder(posterior, *, paths=4, draws=1000, num_elbo_draws=25, history_size=6, seed=None, init=None,
               tol_obj=1e-12, tol_rel_obj=1e4, tol_grad=1e-8, tol_rel_grad=1e7, tol_param=1e-8,
               max_lbfgs_iters=DEFAULT_MAX_LBFGS_ITERS, init_alpha=DEFAULT_INIT_ALPHA, psis_resample=True):
    from ppl.results.fit import Fit

    for name, value in (("paths", paths), ("draws", draws), ("num_elbo_draws", num_elbo_draws),
                        ("history_size", history_size), ("max_lbfgs_iters", max_lbfgs_iters)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be an integer >= 1, not {value!r}")
    tolerances = Tolerances(tol_obj, tol_rel_obj, tol_grad, tol_rel_grad, tol_param)
    tolerances.check()
    check_seed(seed)
    seed = resolved_seed(seed)
    if posterior.dim == 0:
        raise InferenceError("pathfinder needs at least one param: this model has none"
                             ).with_source(posterior.model.source)
    density = LogDensity(posterior, jacobian=True)
    found, failures, elbos, iterations = [], [], [], []
    for index in range(paths):
        rng = np.random.default_rng([seed, index])
        start = starting_point(posterior, density, init, rng)
        result, reason = single_path(density, start, rng, draws=draws, num_elbo_draws=num_elbo_draws,
                                     history_size=history_size, tolerances=tolerances, max_iters=max_lbfgs_iters,
                                     init_alpha=init_alpha)
        if result is None:
            failures.append(f"path {index}: {reason}")
            continue
        found.append(result)
        elbos.append(result[3])
        iterations.append(result[4].iterations)
    if not found:
        raise InferenceError("every Pathfinder path failed: " + "; ".join(failures),
                             hint="give init=... inside the posterior's bulk, or check the model with sample()"
                             ).with_source(posterior.model.source)
    for failure in failures:
        warnings.warn(f"pathfinder {failure}", PathfinderWarning, stacklevel=3)
    unconstrained = np.concatenate([result[0] for result in found])
    lp = np.concatenate([result[1] for result in found])
    log_q = np.concatenate([result[2] for result in found])
    log_weights, k_hat = pareto_smoothed_log_weights(lp - log_q)
    rng = np.random.default_rng([seed, paths])
    if psis_resample and len(found) > 1:
        chosen = rng.choice(len(unconstrained), size=draws, replace=True, p=np.exp(log_weights))
    else:
        chosen = np.arange(len(unconstrained))[:draws] if len(found) == 1 else rng.choice(
            len(unconstrained), size=draws, replace=False)
    if psis_resample and len(found) > 1 and not k_hat <= PARETO_K_WARNING:
        warnings.warn(f"pathfinder: the Pareto k-hat of the importance weights is {k_hat:.2f} (above "
                      f"{PARETO_K_WARNING}): the draws may be far from the posterior; use them as initial "
                      f"points (sample(init='pathfinder')) rather than as a posterior", PathfinderWarning,
                      stacklevel=3)
    seeds = rng.integers(0, 2 ** 63 - 1, len(chosen))
    settings = {"paths": paths, "draws": draws, "num_elbo_draws": num_elbo_draws, "history_size": history_size,
                "psis_resample": bool(psis_resample), "pareto_k": float(k_hat), "elbo": [float(e) for e in elbos],
                "lbfgs_iterations": iterations, "failed_paths": len(failures)}
    fit = Fit.from_unconstrained(posterior, unconstrained[chosen][None], seeds=seeds[None],
                                 stats={"lp": lp[chosen][None], "log_q": log_q[chosen][None]}, seed=seed,
                                 method="pathfinder", settings=settings)
    fit.timing = {"gradient_evaluations": np.array([density.evaluations])}
    return fit


def initial_points(posterior, chains: int, seed: int) -> list[np.ndarray]:
    """One unconstrained starting point per chain, each a multi-path Pathfinder draw
    (`sample(init="pathfinder")`); Pathfinder's own warnings are left out: a poor k-hat
    matters little for a starting point."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PathfinderWarning)
        fit = pathfinder(posterior, paths=4, draws=max(chains, 100), seed=seed)
    return [np.array(u) for u in fit.unconstrained[0, :chains]]
