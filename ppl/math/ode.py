"""ODE solvers with forward sensitivities, from Python: the solvers the language's
`ode_rk45` / `ode_bdf` call (ppl/runtime/ode_rk45.py, ode_sdirk.py), and their Python face.

    solution = ppl.math.ode.solve(rhs, jacobian, y0, t0, ts, p)

solves y' = f(t, y, p), y(t0) = y0 and returns y at each time of `ts`
(`solution.states` [len(ts), n]) and dy/d(y0, p) there
(`solution.sensitivities` [len(ts), n, n + m], the y0 columns first).
`method` is "rk45" (adaptive Dormand–Prince, ppl/runtime/ode_rk45.py) or "stiff"
(an L-stable SDIRK of order 4 with Newton iterations, ppl/runtime/ode_sdirk.py;
the language's `ode_bdf` calls it).  Both control the error of the state
and of the sensitivities together, so the gradient of a function of the
solution is right to the tolerances.

`rhs` and `jacobian` are Numba functions compiled with `RHS_SIGNATURE` and
`JACOBIAN_SIGNATURE` (ppl/runtime/ode_system.py says what they compute); the
solvers take them as first-class functions, so the solvers are compiled once
and cached on disk, whatever the ODE.

A model's reverse pass needs only the adjoint contraction: with the output's
adjoint A [len(ts), n], the adjoints of y0 and p are sum_{t,i} A[t, i] S[t, i, :]
(`add_sensitivity_adjoints`, native; `sensitivity_adjoints` here).
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np
from numba.core import sigutils

from ppl.runtime.ode_rk45 import solve_rk45
from ppl.errors import ODE_FAILED
from ppl.runtime.ode_solvers import add_sensitivity_adjoints
from ppl.runtime.ode_sdirk import solve_sdirk
from ppl.runtime.ode_system import (BAD_SETTINGS, JACOBIAN_SIGNATURE, MAX_STEPS_EXCEEDED, NON_FINITE_STATE, OK,
                                 RHS_SIGNATURE, STATUS_MESSAGES, STEP_SIZE_UNDERFLOW, TIMES_NOT_INCREASING)

__all__ = ["solve", "OdeSolution", "OdeError", "sensitivity_adjoints", "add_sensitivity_adjoints", "raise_for_status",
           "RHS_SIGNATURE", "JACOBIAN_SIGNATURE", "SOLVERS", "ODE_FAILED", "OK", "MAX_STEPS_EXCEEDED",
           "STEP_SIZE_UNDERFLOW", "TIMES_NOT_INCREASING", "NON_FINITE_STATE", "BAD_SETTINGS"]

SOLVERS = {"rk45": solve_rk45, "stiff": solve_sdirk}


class OdeSolution(NamedTuple):
    states: np.ndarray               # [len(ts), n]
    sensitivities: np.ndarray | None  # [len(ts), n, n + m]: d states / d(y0, p), None when not asked for
    num_steps: int                   # steps taken, accepted and rejected


class OdeError(ValueError):
    """A solve that failed: `status` (ppl.runtime.ode_system's codes) and the `time` it reached."""

    def __init__(self, status: int, time: float):
        self.status = int(status)
        self.time = float(time)
        super().__init__(STATUS_MESSAGES[self.status].format(time=f"{self.time:.17g}"))


@numba.njit(cache=True, error_model="numpy")
def raise_for_status(status, time):
    """For native callers that cannot go on after a failed solve: raise the tagged ValueError
    that `error_from_native` reads (generated models raise the same, with the call's place)."""
    if status != OK:
        raise ValueError(ODE_FAILED, status, time, 0, 0, 0, 0, "model")


def error_from_native(error: ValueError) -> OdeError | None:
    """The OdeError behind a ValueError raised by `raise_for_status`, or None if it is another."""
    if len(error.args) == 8 and error.args[0] == ODE_FAILED:
        return OdeError(error.args[1], error.args[2])
    return None


def sensitivity_adjoints(sensitivities, states_adjoint):
    """(adjoint of y0 [n], adjoint of p [m]) from the sensitivities [len(ts), n, n + m] of a
    solve and the adjoint of its states [len(ts), n]: the gradient of sum(A * states)."""
    sensitivities = np.ascontiguousarray(sensitivities, dtype=np.float64)
    states_adjoint = np.ascontiguousarray(states_adjoint, dtype=np.float64)
    if sensitivities.ndim != 3 or states_adjoint.shape != sensitivities.shape[:2]:
        raise ValueError(f"states_adjoint must be shaped like the states {sensitivities.shape[:2]}, "
                         f"found {states_adjoint.shape}")
    n = sensitivities.shape[1]
    y0_adjoint = np.zeros(n)
    p_adjoint = np.zeros(sensitivities.shape[2] - n)
    add_sensitivity_adjoints(sensitivities, states_adjoint, y0_adjoint, p_adjoint)
    return y0_adjoint, p_adjoint


def _vector(value, name: str, dtype=np.float64) -> np.ndarray:
    array = np.ascontiguousarray(np.atleast_1d(np.asarray(value, dtype=dtype)))
    if array.ndim != 1:
        raise ValueError(f"{name} must be a vector, found shape {array.shape}")
    return array


def solve(rhs, jacobian, y0, t0, ts, p=(), real_data=(), int_data=(), *, method: str = "rk45",
          rtol: float = 1e-6, atol: float = 1e-6, max_steps: int = 1_000_000, sensitivities: bool = True):
    """The OdeSolution (states [len(ts), n], sensitivities [len(ts), n, n + m]) of y' = rhs(t, y, p),
    y(t0) = y0, at the strictly increasing times ts > t0.  Raises OdeError when the solve
    fails (max_steps, step size underflow, times, non-finite state).  The defaults are Stan's."""
    if method not in SOLVERS:
        raise ValueError(f"unknown ODE method {method!r}; expected one of {sorted(SOLVERS)}")
    y0 = _vector(y0, "y0")
    ts = _vector(ts, "ts")
    p = _vector(p, "p")
    real_data = _vector(real_data, "real_data")
    int_data = _vector(int_data, "int_data", np.int64)
    for function, signature in ((rhs, RHS_SIGNATURE), (jacobian, JACOBIAN_SIGNATURE)):
        if not isinstance(function, numba.core.registry.CPUDispatcher):
            raise TypeError(f"{getattr(function, '__name__', function)!r} must be a Numba function compiled "
                            f"with the signature {signature!r} (@numba.njit(signature))")
        arguments, _ = sigutils.normalize_signature(signature)
        if tuple(arguments) not in function.signatures:
            if not function._can_compile:
                raise TypeError(f"{function.__name__!r} was compiled for {function.signatures}, not for the "
                                f"signature {signature!r}")
            function.compile(signature)
    states = np.empty((ts.shape[0], y0.shape[0]))
    columns = y0.shape[0] + p.shape[0] if sensitivities else 0
    sensitivity_values = np.empty((ts.shape[0], y0.shape[0], columns))
    status, time, num_steps = SOLVERS[method](rhs, jacobian, float(t0), ts, y0, p, real_data, int_data,
                                   float(rtol), float(atol), int(max_steps), states, sensitivity_values)
    if status != OK:
        raise OdeError(status, time)
    return OdeSolution(states, sensitivity_values if sensitivities else None, int(num_steps))
