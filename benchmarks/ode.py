"""The ODE solvers (ppl.math.ode): a solve with sensitivities against scipy.integrate.solve_ivp,
and what compiling them costs.

    python benchmarks/ode.py [--repeats 20] [--skip-compile] [--skip-solves]

Problems (tests/test_ode.py defines them): Lotka–Volterra (n = 2 states, m = 4 parameters,
20 output times; non-stiff), the one-compartment pharmacokinetic model with absorption 2000
times faster than elimination (n = 2, m = 2, 3 times up to 96 h; stiff) and Robertson's
chemistry (n = 3, m = 3, 4 times up to 100; stiff).  For each, at Stan's default
tolerances (rtol = atol = 1e-6; Robertson atol = 1e-10), the best of `--repeats` timings in
thread CPU time (time.thread_time, which leaves out what the scheduler gives other jobs) of:

- ppl with sensitivities ([len(ts), n, n + m]) and without;
- ppl's rk45 specialised on the problem's functions (the same code compiled per problem with
  the right-hand side inlined, instead of called as a first-class function);
- SciPy states only (RK45, or BDF and Radau with the analytic Jacobian for stiff problems), and
  SciPy on the augmented system y, S (n + n (n + m) equations written in NumPy), which is what
  a user of solve_ivp writes to get the same sensitivities.

Then, each in a fresh process: the first import of ppl.math.ode with an empty Numba cache
(compiling both solvers), a second import (loading them from the disk cache), the compile of
the specialised rk45 for one new problem (what a per-model closure would cost), and what a model
adds when the solvers are library code: its right-hand side and Jacobians, and a
`log_density_gradient` that calls the cached `solve_rk45` (tests/test_ode.py's
`lotka_volterra_log_density_gradient`, the shape of the code the emitter will write); and a
function that calls the solver directly against one given it as a first-class function.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numba
import numpy as np
import scipy.integrate

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from ppl.math import ode  # noqa: E402
from ppl.runtime import ode_rk45  # noqa: E402
from test_ode import (LOTKA_VOLTERRA, ONE_COMPARTMENT, ROBERTSON, ROBERTSON_RATES, lotka_volterra_numpy,  # noqa: E402
                      one_compartment_numpy, robertson_numpy)


def jacobians_numpy(problem):
    """NumPy (J_y, J_p) from the Python code of the problem's Numba Jacobian."""
    _, jacobian = problem

    def evaluate(t, y, p):
        jacobian_y, jacobian_p = np.zeros((len(y), len(y))), np.zeros((len(y), len(p)))
        jacobian.py_func(t, np.asarray(y, dtype=float), np.asarray(p, dtype=float), None, None, jacobian_y,
                         jacobian_p)
        return jacobian_y, jacobian_p
    return (lambda t, y, p: evaluate(t, y, p)[0]), (lambda t, y, p: evaluate(t, y, p)[1])


def augmented_numpy(rhs, jacobian_y, jacobian_p, n, m):
    """The state and its sensitivities as one system of n + n (n + m) equations, for solve_ivp."""
    def augmented(t, z, p):
        y = z[:n]
        sensitivities = z[n:].reshape(n, n + m)
        derivative = jacobian_y(t, y, p) @ sensitivities
        derivative[:, n:] += jacobian_p(t, y, p)
        return np.concatenate([rhs(t, y, p), derivative.ravel()])
    return augmented


def best_time(function, repeats: int) -> float:
    function()
    best = np.inf
    for _ in range(repeats):
        start = time.thread_time()
        function()
        best = min(best, time.thread_time() - start)
    return best


PROBLEMS = {
    "lotka_volterra": dict(problem=LOTKA_VOLTERRA, numpy=lotka_volterra_numpy, y0=[30.0, 4.0], t0=0.0,
                           ts=np.linspace(1.0, 20.0, 20), p=[0.55, 0.028, 0.8, 0.024], rtol=1e-6, atol=1e-6,
                           ppl="rk45", scipy=["RK45"]),
    "one_compartment": dict(problem=ONE_COMPARTMENT, numpy=one_compartment_numpy, y0=[100.0, 0.0], t0=0.0,
                            ts=np.array([1.0, 24.0, 96.0]), p=[2000.0, 0.1], rtol=1e-6, atol=1e-6,
                            ppl="stiff", scipy=["BDF", "Radau"]),
    "robertson": dict(problem=ROBERTSON, numpy=robertson_numpy, y0=[1.0, 0.0, 0.0], t0=0.0,
                      ts=np.array([0.1, 1.0, 10.0, 100.0]), p=ROBERTSON_RATES, rtol=1e-6, atol=1e-10,
                      ppl="stiff", scipy=["BDF", "Radau"]),
}


def run_solves(repeats: int) -> None:
    specialised_rk45 = numba.njit(ode_rk45.solve_rk45.py_func)
    print(f"{'problem':16} {'solver':34} {'ms':>9} {'steps/nfev':>10}")
    for name, case in PROBLEMS.items():
        rhs, jacobian = case["problem"]
        y0, t0, ts, p = np.array(case["y0"]), case["t0"], case["ts"], np.array(case["p"], dtype=float)
        n, m = len(y0), len(p)
        settings = dict(rtol=case["rtol"], atol=case["atol"])
        rows = []
        for method in (["rk45", "stiff"] if case["ppl"] == "rk45" else ["stiff", "rk45"]):
            for sensitivities in (True, False):
                solution = ode.solve(*case["problem"], y0, t0, ts, p, method=method, sensitivities=sensitivities,
                                     max_steps=10**7, **settings)
                seconds = best_time(lambda: ode.solve(*case["problem"], y0, t0, ts, p, method=method,
                                                      sensitivities=sensitivities, max_steps=10**7, **settings),
                                    repeats if solution.num_steps < 10**4 else 2)
                label = f"ppl {method}" + (" + sensitivities" if sensitivities else "")
                rows.append((label, seconds, solution.num_steps))
        if case["ppl"] == "rk45":
            states = np.empty((len(ts), n))
            sensitivities_out = np.empty((len(ts), n, n + m))
            arguments = (rhs, jacobian, float(t0), ts, y0, p, np.zeros(0), np.zeros(0, np.int64),
                         settings["rtol"], settings["atol"], 10**7, states, sensitivities_out)
            steps = specialised_rk45(*arguments)[2]
            rows.append(("ppl rk45 specialised + sens.", best_time(lambda: specialised_rk45(*arguments), repeats),
                         steps))
        jacobian_y_numpy, jacobian_p_numpy = jacobians_numpy(case["problem"])
        augmented = augmented_numpy(case["numpy"], jacobian_y_numpy, jacobian_p_numpy, n, m)
        z0 = np.concatenate([y0, np.hstack([np.eye(n), np.zeros((n, m))]).ravel()])
        for method in case["scipy"]:
            jacobian = {} if method == "RK45" else {"jac": lambda t, y, p: jacobian_y_numpy(t, y, p)}
            result = scipy.integrate.solve_ivp(case["numpy"], (t0, ts[-1]), y0, method=method, t_eval=ts, args=(p,),
                                               **settings, **jacobian)
            seconds = best_time(lambda: scipy.integrate.solve_ivp(case["numpy"], (t0, ts[-1]), y0, method=method,
                                                                  t_eval=ts, args=(p,), **settings, **jacobian),
                                max(2, repeats // 4))
            rows.append((f"scipy {method}", seconds, result.nfev))
            result = scipy.integrate.solve_ivp(augmented, (t0, ts[-1]), z0, method=method, t_eval=ts, args=(p,),
                                               **settings)
            seconds = best_time(lambda: scipy.integrate.solve_ivp(augmented, (t0, ts[-1]), z0, method=method,
                                                                  t_eval=ts, args=(p,), **settings),
                                max(2, repeats // 10))
            rows.append((f"scipy {method} augmented (sens.)", seconds, result.nfev))
        for label, seconds, steps in rows:
            print(f"{name:16} {label:34} {1e3 * seconds:9.3f} {steps:10d}")


COMPILE_SCRIPTS = {
    "import ppl.math.ode (compiles or loads both solvers)":
        "import time; t, c = time.perf_counter(), time.process_time(); import ppl.math.ode; "
        "print(time.perf_counter() - t, time.process_time() - c)",
    "specialised rk45 for one new problem (compile only)": """
import time, numba, numpy as np, sys
sys.path.insert(0, 'tests')
from ppl.runtime import ode_rk45
from test_ode import LOTKA_VOLTERRA
specialised = numba.njit(ode_rk45.solve_rk45.py_func)
ts = np.linspace(1.0, 20.0, 20)
arguments = (*LOTKA_VOLTERRA, 0.0, ts, np.array([30.0, 4.0]), np.array([0.55, 0.028, 0.8, 0.024]), np.zeros(0),
             np.zeros(0, np.int64), 1e-6, 1e-6, 10**6, np.empty((20, 2)), np.empty((20, 2, 6)))
t, c = time.perf_counter(), time.process_time()
specialised.compile(tuple(numba.typeof(argument) for argument in arguments))
print(time.perf_counter() - t, time.process_time() - c)
""",
    "a model's rhs and Jacobians (Lotka-Volterra, compile only)": """
import time, numba, inspect, sys, textwrap
sys.path.insert(0, 'tests')
import ppl.math.ode
source = open('tests/test_ode.py').read()
start = source.index('@numba.njit(ode.RHS_SIGNATURE)\\ndef lotka_volterra_rhs')
end = source.index('LOTKA_VOLTERRA = ')
t, c = time.perf_counter(), time.process_time()
exec(source[start:end], {'numba': numba, 'ode': ppl.math.ode})
print(time.perf_counter() - t, time.process_time() - c)
""",
    "a model's log_density_gradient calling solve_rk45 (compile only)": """
import time, numba, sys
sys.path.insert(0, 'tests')
import ppl.math.ode
source = open('tests/test_ode.py').read()
functions = source[source.index('@numba.njit(ode.RHS_SIGNATURE)\\ndef lotka_volterra_rhs'):source.index('LOTKA_VOLTERRA = ')]
model = source[source.index('@numba.njit("float64(float64[::1], float64[::1], float64[::1], int64[::1])")'):
               source.index('def test_a_log_density_through')]
import math, numpy as np
from ppl.math import ode
from ppl.runtime import ode_rk45
namespace = {'numba': numba, 'ode': ode, 'ode_rk45': ode_rk45, 'math': math, 'np': np}
exec(functions, namespace)
t, c = time.perf_counter(), time.process_time()
exec(model, namespace)
print(time.perf_counter() - t, time.process_time() - c)
""",
    "a function that calls solve_rk45 directly (compile only)": """
import time, sys, numba, numpy as np
sys.path.insert(0, 'tests')
from ppl.runtime import ode_rk45
from test_ode import lotka_volterra_rhs, lotka_volterra_jacobian
t, c = time.perf_counter(), time.process_time()
@numba.njit('float64(float64[::1])')
def direct(ts):
    states, sensitivities = np.empty((ts.shape[0], 2)), np.empty((ts.shape[0], 2, 6))
    ode_rk45.solve_rk45(lotka_volterra_rhs, lotka_volterra_jacobian, 0.0, ts, np.ones(2), np.ones(4), np.zeros(0),
                        np.zeros(0, np.int64), 1e-6, 1e-6, 1000, states, sensitivities)
    return states[0, 0]
print(time.perf_counter() - t, time.process_time() - c)
""",
    "the same, given solve_rk45 as a first-class argument (compile only)": """
import time, sys, numba, numpy as np
sys.path.insert(0, 'tests')
from ppl.runtime.ode_system import SOLVE_SIGNATURE
from test_ode import lotka_volterra_rhs, lotka_volterra_jacobian
t, c = time.perf_counter(), time.process_time()
@numba.njit(numba.float64(numba.types.FunctionType(SOLVE_SIGNATURE), numba.float64[::1]))
def indirect(solver, ts):
    states, sensitivities = np.empty((ts.shape[0], 2)), np.empty((ts.shape[0], 2, 6))
    solver(lotka_volterra_rhs, lotka_volterra_jacobian, 0.0, ts, np.ones(2), np.ones(4), np.zeros(0),
           np.zeros(0, np.int64), 1e-6, 1e-6, 1000, states, sensitivities)
    return states[0, 0]
print(time.perf_counter() - t, time.process_time() - c)
""",
}


def run_compiles() -> None:
    with tempfile.TemporaryDirectory() as cache:
        environment = {**os.environ, "NUMBA_CACHE_DIR": cache, "PYTHONPATH": str(ROOT)}
        for label, script in COMPILE_SCRIPTS.items():
            for attempt in ("empty cache", "warm cache"):
                output = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=environment, check=True,
                                        capture_output=True, text=True).stdout.split()
                wall, cpu = float(output[-2]), float(output[-1])
                print(f"{label:56} {attempt:12} {wall:7.2f} s wall {cpu:7.2f} s CPU")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--skip-compile", action="store_true")
    parser.add_argument("--skip-solves", action="store_true")
    options = parser.parse_args()
    if not options.skip_solves:
        run_solves(options.repeats)
    if not options.skip_compile:
        run_compiles()


if __name__ == "__main__":
    main()
