"""Pareto-smoothed importance sampling (Vehtari, Simpson, Gelman, Yao & Gabry 2024, "Pareto
smoothed importance sampling", JMLR 25): the largest importance weights are replaced by the
expected order statistics of a generalised Pareto distribution fitted to them, which bounds
their variance; the fitted shape k-hat says how far the weights can be trusted (above 0.7 the
estimate is unreliable: the proposal is too far from the target).

The tail is the largest min(S / 5, 3 sqrt(S)) of S weights; the generalised Pareto is fitted
to their excess over the largest weight outside the tail by the empirical Bayes method of
Zhang & Stephens (2009, Technometrics 51), and its shape is shrunk towards 0.5 with the weight
of 10 observations, as the paper recommends.
"""

from __future__ import annotations

import math

import numpy as np

MIN_TAIL = 5                  # fewer tail weights than this: no fit, k-hat is infinite
PRIOR_SHAPE, PRIOR_WEIGHT = 0.5, 10.0


def pareto_smoothed_log_weights(log_weights: np.ndarray) -> tuple[np.ndarray, float]:
    """(the smoothed log weights, normalised to sum to one, and k-hat)."""
    log_weights = np.asarray(log_weights, dtype=float)
    size = len(log_weights)
    finite = np.isfinite(log_weights)
    shifted = np.where(finite, log_weights - np.max(log_weights[finite]), -np.inf) if finite.any() else \
        np.full(size, -np.inf)
    tail_size = int(math.ceil(min(0.2 * size, 3.0 * math.sqrt(size))))
    order = np.argsort(shifted)
    k_hat = math.inf
    smoothed = shifted.copy()
    if tail_size >= MIN_TAIL and size > tail_size:
        cutoff = shifted[order[size - tail_size - 1]]
        tail = order[size - tail_size:]
        if math.isfinite(cutoff):
            excess = np.exp(shifted[tail]) - math.exp(cutoff)
            k_hat, scale = generalized_pareto_fit(excess)
            if math.isfinite(k_hat) and scale > 0:
                probabilities = (np.arange(tail_size) + 0.5) / tail_size
                quantiles = generalized_pareto_quantile(probabilities, k_hat, scale)
                smoothed[tail] = np.minimum(np.log(quantiles + math.exp(cutoff)), 0.0)
    total = np.logaddexp.reduce(smoothed)
    return smoothed - total, k_hat


def generalized_pareto_fit(excess: np.ndarray) -> tuple[float, float]:
    """(shape k, scale sigma) of a generalised Pareto distribution fitted to positive excesses
    by Zhang & Stephens' posterior mean of its rate parameter, on a grid of candidates."""
    x = np.sort(np.asarray(excess, dtype=float))
    size = len(x)
    if x[-1] <= 0:
        return math.inf, 0.0
    candidates = 30 + int(math.sqrt(size))
    quartile = x[max(int(size / 4 + 0.5) - 1, 0)]
    if quartile <= 0:
        return math.inf, 0.0
    grid = 1.0 / x[-1] + (1.0 - np.sqrt(candidates / (np.arange(1, candidates + 1) - 0.5))) / (3.0 * quartile)
    shapes = np.mean(np.log1p(-np.outer(grid, x)), axis=1)
    profile = size * (np.log(-grid / shapes) - shapes - 1.0)
    weights = 1.0 / np.sum(np.exp(profile[None, :] - profile[:, None]), axis=1)
    rate = float(np.sum(grid * weights) / np.sum(weights))
    shape = float(np.mean(np.log1p(-rate * x)))
    scale = -shape / rate
    shape = (size * shape + PRIOR_WEIGHT * PRIOR_SHAPE) / (size + PRIOR_WEIGHT)
    return shape, scale


def generalized_pareto_quantile(probabilities: np.ndarray, shape: float, scale: float) -> np.ndarray:
    if abs(shape) < 1e-12:
        return -scale * np.log1p(-probabilities)
    return scale * np.expm1(-shape * np.log1p(-probabilities)) / shape
