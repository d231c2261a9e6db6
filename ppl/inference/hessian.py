"""The Hessian of a log density from central differences of its gradient.

Column i is (grad(u + h e_i) - grad(u - h e_i)) / 2h with h = eps^(1/3) max(1, |u_i|), whose
error is O(h^2) from truncation plus O(eps |grad| / h) from rounding: about 1e-10 relative on
smooth models.  The result is symmetrised, (H + H') / 2, as the exact Hessian is.  It costs
2 * dim gradients, each from the model's compiled reverse-mode gradient.
"""

from __future__ import annotations

import numpy as np

from ppl.inference.density import CENTRAL_DIFFERENCE_STEP


def finite_difference_hessian(value_and_gradient, u: np.ndarray) -> np.ndarray:
    """The symmetrised Hessian at u; a non-finite gradient near u leaves NaN in its column."""
    dim = len(u)
    hessian = np.empty((dim, dim))
    shifted = np.array(u, dtype=float)
    for i in range(dim):
        step = CENTRAL_DIFFERENCE_STEP * max(1.0, abs(u[i]))
        shifted[i] = u[i] + step
        _, above = value_and_gradient(shifted)
        shifted[i] = u[i] - step
        _, below = value_and_gradient(shifted)
        shifted[i] = u[i]
        hessian[:, i] = (above - below) / (2.0 * step)
    return 0.5 * (hessian + hessian.T)
