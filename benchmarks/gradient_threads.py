"""Does a gradient slow down when two threads call it at once, as two sampling chains do?

    python benchmarks/gradient_threads.py [--models logistic] [--repeats 5] [--calls 2000]

For each model of benchmarks/gradient.py, one thread and then two threads each call the
generated log_density_gradient `--calls` times in a loop compiled with the GIL released (the
model passed as a first-class function, as ppl/sampling/chain.py does), and the script prints
microseconds per gradient per thread, both wall-clock and the calling thread's CPU time
(time.thread_time).  A control loop that touches no memory and allocates nothing runs the same
way.  If the gradient's CPU time per call is the same with two threads, nothing in it (memory
bandwidth, caches, allocation, a lock) slows the threads down; a wall-clock slowdown that the
control shows as well is the machine giving the threads less than a core each.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gradient import CASES  # noqa: E402

from ppl.sampling.hamiltonian import LOG_DENSITY_GRADIENT  # noqa: E402


@numba.njit(numba.float64(LOG_DENSITY_GRADIENT, numba.float64[::1], numba.float64[::1], numba.int64[::1],
                          numba.int64), nogil=True)
def gradient_loop(log_density_gradient, u, real_data, int_data, calls):
    gradient = np.zeros(u.shape[0])
    total = 0.0
    for _ in range(calls):
        total += log_density_gradient(u, gradient, real_data, int_data)
    return total


@numba.njit(nogil=True)
def register_loop(calls):
    """The control: a dependent chain of multiply-adds in registers."""
    value = 0.0
    for i in range(calls):
        value = value * 0.999999 + 1e-9 * i
    return value


def per_call(function, threads: int, calls: int) -> tuple[float, float]:
    """(wall, CPU) microseconds per call per thread, `threads` threads running function at once."""
    wall, cpu = [0.0] * threads, [0.0] * threads

    def work(k):
        start, start_cpu = time.perf_counter(), time.thread_time()
        function()
        wall[k] = (time.perf_counter() - start) / calls * 1e6
        cpu[k] = (time.thread_time() - start_cpu) / calls * 1e6
    workers = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return float(np.mean(wall)), float(np.mean(cpu))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="logistic")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs; load average {', '.join(f'{v:.2f}' for v in os.getloadavg())}; "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}")
    print(f"{'':34s} {'1 thread':>20s} {'2 threads':>20s} {'ratio':>13s}")
    print(f"{'us per call per thread':34s} {'wall':>9s} {'CPU':>10s} {'wall':>9s} {'CPU':>10s} {'wall':>6s} {'CPU':>6s}")
    register_calls = 20_000_000
    register_loop(10)
    for key in args.models.split(","):
        name, n, build = CASES[key]
        post = build(np.random.default_rng(0))[0]
        u = np.random.default_rng(1).uniform(-0.5, 0.5, post.dim)
        gradient = post._module.log_density_gradient
        gradient_loop(gradient, u, post.real_data, post.int_data, 10)
        loops = {f"{name} N={n}": (lambda: gradient_loop(gradient, u, post.real_data, post.int_data, args.calls),
                                   args.calls),
                 "control (registers only)": (lambda: register_loop(register_calls), args.calls)}
        for label, (function, calls) in loops.items():
            one = [per_call(function, 1, calls) for _ in range(args.repeats)]
            two = [per_call(function, 2, calls) for _ in range(args.repeats)]
            one_wall, one_cpu = np.median(one, axis=0)
            two_wall, two_cpu = np.median(two, axis=0)
            print(f"{label:34s} {one_wall:9.1f} {one_cpu:10.1f} {two_wall:9.1f} {two_cpu:10.1f} "
                  f"{two_wall / one_wall:6.2f} {two_cpu / one_cpu:6.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
