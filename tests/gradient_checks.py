"""Finite differences, the oracle every gradient test compares with (one definition for the
test files that need it)."""

import numpy as np
import pytest


def finite_difference_gradient(post, u, step=1e-6):
    """Central differences of post.log_density at u, one coordinate at a time."""
    return np.array([(post.log_density(u + step * e) - post.log_density(u - step * e)) / (2 * step)
                     for e in np.eye(post.dim)])


def finite_difference_error(post, u, step=1e-6):
    """(the value at u, the largest relative gap between the gradient and finite differences)."""
    value, gradient = post.log_density_gradient(u)
    numeric = finite_difference_gradient(post, np.asarray(u, dtype=float), step)
    return value, float(np.max(np.abs(numeric - gradient) / (1 + np.abs(numeric))))


def check_gradient(post, u):
    """The gradient function's value equals log_density's and its gradient finite differences."""
    value, gradient = post.log_density_gradient(u)
    assert value == pytest.approx(post.log_density(u), rel=1e-12, abs=1e-12)
    numeric = finite_difference_gradient(post, u)
    scale = np.maximum(1.0, np.abs(numeric))
    assert np.all(np.abs(gradient - numeric) / scale < 1e-6), (gradient, numeric)
