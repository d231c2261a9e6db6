"""Time per log_density_gradient call: ppl's generated code beside JAX's
``jit(value_and_grad)`` of the same log density and, where there is one, a
hand-written Numba gradient, all measured in the same run.

    /work/venv-jax/bin/python benchmarks/gradient.py [--repeats 21] [--models logistic,gp]

Models (data drawn from a fixed seed): the tour regression (examples/linreg.ppl)
with N = 50 and N = 100000; the logistic regression
(examples/logistic_regression.ppl) with N = 5000, D = 25; the radon
hierarchical regression (examples/radon_hierarchical.ppl) with N = 1000,
J = 50; the GP regression (examples/gp_regression.ppl) with N = 100.

Each JAX log density is written in jax.numpy over the same unconstrained
vector (the same transforms and log-Jacobians, float64) and its value is
checked against ppl's at a random point to 1e-10 relative; each hand-written
gradient against the generated one.  Every figure is one core: the process is
pinned to one CPU (os.sched_setaffinity, before JAX is imported, so XLA's
runtime threads share that core) and OpenBLAS and XLA's Eigen are asked
for one thread.  The figure is the median over --repeats blocks of
per-call time (each block long enough for ~50 ms), the systems taking turns
block by block so that a change in the machine's load reaches them alike; the
spread (min-max over blocks) is printed too, and the CPU time per call (the
process's, all threads), which other programs' load does not inflate.  A JAX call is timed until its
gradient is ready (``block_until_ready``), not converted to NumPy: the least a
sampler calling it from Python would pay (converting both results adds ~20 us
here).  The table ends with the ratio
ppl / JAX, wall-clock and CPU (target: <= 1 on every model).  Without JAX installed the JAX column
is empty.
"""

from __future__ import annotations

import argparse
import datetime
import platform
import math
import os
import sys
import tempfile
import time
from pathlib import Path

# One thread for BLAS and for XLA's Eigen: set before NumPy, SciPy and JAX are imported.  main()
# also pins the process to one CPU before it imports JAX (so XLA's runtime threads share it).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false")

import numba  # noqa: E402
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import ppl  # noqa: E402

LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


@numba.njit(cache=True)
def linreg_gradient(u, grad, x, y):
    """w ~ Normal(0, 1); sigma ~ LogNormal(1, 5); y ~ Normal(w0 + w1 x0 + w2 x1, sigma); sigma = exp(u3)."""
    w0, w1, w2, log_sigma = u[0], u[1], u[2], u[3]
    sigma = math.exp(log_sigma)
    lp = -0.5 * (w0 * w0 + w1 * w1 + w2 * w2) - 3 * LOG_SQRT_2PI
    z_prior = (log_sigma - 1.0) / 5.0
    lp += -0.5 * z_prior * z_prior - math.log(5.0) - LOG_SQRT_2PI - log_sigma + log_sigma   # LogNormal + Jacobian
    g0, g1, g2 = -w0, -w1, -w2
    g_log_sigma = -z_prior / 5.0 - 1.0 + 1.0
    inverse_sigma = 1.0 / sigma
    sum_squares = 0.0
    for i in range(y.shape[0]):
        residual = (y[i] - (w0 + w1 * x[0, i] + w2 * x[1, i])) * inverse_sigma
        sum_squares += residual * residual
        d_mu = residual * inverse_sigma
        g0 += d_mu
        g1 += d_mu * x[0, i]
        g2 += d_mu * x[1, i]
    n = y.shape[0]
    lp += -0.5 * sum_squares - n * (log_sigma + LOG_SQRT_2PI)
    g_log_sigma += sum_squares - n
    grad[0], grad[1], grad[2], grad[3] = g0, g1, g2, g_log_sigma
    return lp


@numba.njit(cache=True)
def logistic_gradient(u, grad, X, y):
    """alpha ~ Normal(0, 2.5); beta ~ Normal(0, 2.5); y ~ Bernoulli(logits=alpha + X @ beta)."""
    alpha = u[0]
    beta = u[1:]
    k = beta.shape[0]
    lp = -0.5 * (alpha / 2.5) ** 2 - (k + 1) * (math.log(2.5) + LOG_SQRT_2PI)
    grad[0] = -alpha / 6.25
    for j in range(k):
        lp -= 0.5 * (beta[j] / 2.5) ** 2
        grad[1 + j] = -beta[j] / 6.25
    for i in range(y.shape[0]):
        eta = alpha
        for j in range(k):
            eta += X[i, j] * beta[j]
        # log p = y eta - softplus(eta)
        if eta > 0:
            softplus = eta + math.log1p(math.exp(-eta))
            probability = 1.0 / (1.0 + math.exp(-eta))
        else:
            softplus = math.log1p(math.exp(eta))
            probability = math.exp(eta) / (1.0 + math.exp(eta))
        lp += y[i] * eta - softplus
        d_eta = y[i] - probability
        grad[0] += d_eta
        for j in range(k):
            grad[1 + j] += d_eta * X[i, j]
    return lp


# ------------------------------------------------------------------------------ JAX twins

def jax_module():
    """jax and jax.numpy with float64 on, or None where JAX is not installed."""
    try:
        import jax
        import jax.numpy  # noqa: F401
        import jax.scipy.stats  # noqa: F401
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    return jax


def jax_linreg(jax, x, y):
    """examples/linreg.ppl over u = (w[0], w[1], w[2], log sigma), the log-Jacobian log sigma included."""
    jnp, norm = jax.numpy, jax.scipy.stats.norm

    def log_density(u):
        w, log_sigma = u[:3], u[3]
        sigma = jnp.exp(log_sigma)
        prior = jnp.sum(norm.logpdf(w, 0.0, 1.0)) + norm.logpdf(log_sigma, 1.0, 5.0) - log_sigma + log_sigma
        return prior + jnp.sum(norm.logpdf(y, w[0] + w[1:] @ x, sigma))
    return log_density


def jax_logistic(jax, X, y):
    """examples/logistic_regression.ppl over u = (alpha, beta)."""
    jnp, norm = jax.numpy, jax.scipy.stats.norm
    y = y.astype(np.float64)

    def log_density(u):
        alpha, beta = u[0], u[1:]
        logits = alpha + X @ beta
        prior = norm.logpdf(alpha, 0.0, 2.5) + jnp.sum(norm.logpdf(beta, 0.0, 2.5))
        return prior + jnp.sum(y * logits - jax.nn.softplus(logits))
    return log_density


def jax_radon(jax, county, floor, log_radon, groups):
    """examples/radon_hierarchical.ppl over u = (mu_a, log sigma_a, a[J], b, log sigma_y)."""
    jnp, norm = jax.numpy, jax.scipy.stats.norm
    log_two = math.log(2.0)

    def log_density(u):
        mu_a, log_sigma_a, a, b, log_sigma_y = u[0], u[1], u[2:2 + groups], u[2 + groups], u[3 + groups]
        sigma_a, sigma_y = jnp.exp(log_sigma_a), jnp.exp(log_sigma_y)
        lp = norm.logpdf(mu_a, 0.0, 10.0) + log_two + norm.logpdf(sigma_a, 0.0, 5.0) + log_sigma_a
        lp += jnp.sum(norm.logpdf(a, mu_a, sigma_a)) + norm.logpdf(b, 0.0, 10.0)
        lp += log_two + norm.logpdf(sigma_y, 0.0, 5.0) + log_sigma_y
        return lp + jnp.sum(norm.logpdf(log_radon, a[county] + b * floor, sigma_y))
    return log_density


def jax_gp(jax, x, y):
    """examples/gp_regression.ppl over u = (log amplitude, log length_scale, log sigma)."""
    jnp, norm = jax.numpy, jax.scipy.stats.norm
    squared_distances = (x[:, None] - x[None, :]) ** 2
    log_two, shape, scale = math.log(2.0), 5.0, 5.0
    inverse_gamma_constant = shape * math.log(scale) - math.lgamma(shape)

    def log_density(u):
        amplitude, length_scale, sigma = jnp.exp(u[0]), jnp.exp(u[1]), jnp.exp(u[2])
        covariance = amplitude ** 2 * jnp.exp(-squared_distances / (2.0 * length_scale ** 2))
        covariance = covariance + jnp.eye(x.shape[0]) * sigma ** 2
        lp = jnp.sum(u)   # the three log-Jacobians
        lp += log_two + norm.logpdf(amplitude, 0.0, 2.0) + log_two + norm.logpdf(sigma, 0.0, 1.0)
        lp += inverse_gamma_constant - (shape + 1.0) * jnp.log(length_scale) - scale / length_scale
        return lp + jax.scipy.stats.multivariate_normal.logpdf(y, jnp.zeros(x.shape[0]), covariance)
    return log_density


# ------------------------------------------------------------------------------ cases

def linreg_case(n: int, rng):
    x = rng.normal(size=(2, n))
    y = 0.5 + x[0] * 1.2 - x[1] * 0.4 + rng.normal(scale=0.8, size=n)
    post = ppl.compile(ROOT / "examples" / "linreg.ppl").condition({"N": n, "x": x, "y": y})
    return post, (linreg_gradient, (x, y)), lambda jax: jax_linreg(jax, x, y)


def logistic_case(n: int, k: int, rng):
    X = rng.normal(size=(n, k))
    beta = rng.normal(scale=0.5, size=k)
    y = (rng.random(n) < 1 / (1 + np.exp(-(0.3 + X @ beta)))).astype(np.int64)
    post = ppl.compile(ROOT / "examples" / "logistic_regression.ppl").condition({"N": n, "K": k, "X": X, "y": y})
    return post, (logistic_gradient, (X, y)), lambda jax: jax_logistic(jax, X, y)


def radon_case(n: int, groups: int, rng):
    county = rng.integers(0, groups, size=n)
    floor = (rng.random(n) < 0.2).astype(np.float64)
    intercepts = rng.normal(1.5, 0.3, size=groups)
    log_radon = intercepts[county] - 0.6 * floor + rng.normal(scale=0.7, size=n)
    data = {"N": n, "J": groups, "county": county, "floor": floor, "log_radon": log_radon}
    post = ppl.compile(ROOT / "examples" / "radon_hierarchical.ppl").condition(data)
    return post, None, lambda jax: jax_radon(jax, county, floor, log_radon, groups)


def gp_case(n: int, rng):
    x = np.sort(rng.uniform(-3.0, 3.0, size=n))
    y = np.sin(x) + rng.normal(scale=0.3, size=n)
    post = ppl.compile(ROOT / "examples" / "gp_regression.ppl").condition({"N": n, "x": x, "y": y})
    return post, None, lambda jax: jax_gp(jax, x, y)


CASES = {   # key: (model, N, build)
    "linreg50": ("tour regression", 50, lambda rng: linreg_case(50, rng)),
    "linreg100k": ("tour regression", 100_000, lambda rng: linreg_case(100_000, rng)),
    "logistic": ("logistic regression (D=25)", 5000, lambda rng: logistic_case(5000, 25, rng)),
    "radon": ("hierarchical regr. (J=50)", 1000, lambda rng: radon_case(1000, 50, rng)),
    "gp": ("GP regression (dense MVN)", 100, lambda rng: gp_case(100, rng)),
}


# ------------------------------------------------------------------------------ timing

def calls_per_block(function, seconds: float = 0.05) -> int:
    """How many calls of function take about `seconds` (after one warm-up call)."""
    function()
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            function()
        if time.perf_counter() - start > seconds:
            return calls
        calls *= 2


def seconds_per_call(functions: dict, repeats: int) -> dict:
    """name -> ((median, min, max) wall seconds per call, median CPU seconds per call) over
    `repeats` blocks, the functions taking turns.  CPU time is the process's (every thread's,
    so JAX's runtime threads count), which other programs on a loaded machine do not inflate."""
    calls = {name: calls_per_block(function) for name, function in functions.items()}
    wall = {name: [] for name in functions}
    cpu = {name: [] for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            for _ in range(calls[name]):
                function()
            wall[name].append((time.perf_counter() - start) / calls[name])
            cpu[name].append((time.process_time() - start_cpu) / calls[name])
    return {name: ((float(np.median(w)), min(w), max(w)), float(np.median(cpu[name]))) for name, w in wall.items()}


def environment_lines(jax) -> list[str]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            cpu = next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    versions = f"numpy {np.__version__}, numba {numba.__version__}"
    if jax is not None:
        import jaxlib
        versions += f", jax {jax.__version__}, jaxlib {jaxlib.__version__}"
    return [f"date: {datetime.datetime.now().isoformat(timespec='seconds')}",
            f"machine: {cpu}, {os.cpu_count()} cores; python {platform.python_version()}; {versions}",
            f"one core: CPUs {sorted(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else '?'}, "
            f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}, XLA_FLAGS={os.environ['XLA_FLAGS']!r}",
            "load average (1, 5, 15 min) at start: " + ", ".join(f"{v:.2f}" for v in os.getloadavg())]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=21)
    parser.add_argument("--models", default=",".join(CASES), help="comma-separated, of " + ", ".join(CASES))
    args = parser.parse_args()
    os.environ.setdefault("PPL_CACHE_DIR", os.path.join(tempfile.gettempdir(), "ppl-benchmark-cache"))
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    jax = jax_module()
    print("\n".join(environment_lines(jax)) + "\n")
    print("us per gradient: wall-clock median (min-max over blocks) and CPU time (median)\n")
    print(f"{'model':28s} {'N':>7s} {'ppl wall':>9s} {'(spread)':>15s} {'JAX wall':>9s} {'(spread)':>15s} "
          f"{'ppl CPU':>8s} {'JAX CPU':>8s} {'hand CPU':>8s} {'ppl/JAX wall':>12s} {'ppl/JAX CPU':>11s}")
    worst = 0.0
    for key in args.models.split(","):
        name, n, build = CASES[key]
        rng = np.random.default_rng(0)
        post, handwritten, jax_twin = build(rng)
        u = rng.uniform(-0.5, 0.5, post.dim)
        gradient = np.zeros(post.dim)
        module = post._module
        value = module.log_density_gradient(u, gradient, post.real_data, post.int_data)
        functions = {"ppl": lambda: module.log_density_gradient(u, gradient, post.real_data, post.int_data)}
        if handwritten is not None:
            function, data = handwritten
            hand_gradient = np.zeros(post.dim)
            expected = function(u, hand_gradient, *data)
            assert abs(value - expected) <= 1e-9 * max(1.0, abs(expected)), (key, value, expected)
            assert np.allclose(gradient, hand_gradient, rtol=1e-9, atol=1e-9), key
            functions["hand"] = lambda: function(u, hand_gradient, *data)
        if jax is not None:
            value_and_grad = jax.jit(jax.value_and_grad(jax_twin(jax)))
            jax_value, jax_gradient = value_and_grad(u)
            assert abs(float(jax_value) - value) <= 1e-10 * abs(value), (key, float(jax_value), value)
            assert np.allclose(np.asarray(jax_gradient), gradient, rtol=1e-8, atol=1e-8 * np.abs(gradient).max()), key

            def jax_call():   # until the results are ready, not converted to NumPy: JAX's least cost
                return value_and_grad(u)[1].block_until_ready()
            functions["jax"] = jax_call
        times = seconds_per_call(functions, args.repeats)

        def wall(system):
            if system not in times:
                return f"{'-':>9s} {'':>15s}"
            median, low, high = (t * 1e6 for t in times[system][0])
            return f"{median:7.1f}us {f'({low:.1f}-{high:.1f})':>15s}"

        def cpu(system):
            return f"{times[system][1] * 1e6:6.1f}us" if system in times else f"{'-':>8s}"
        ratio = times["ppl"][0][0] / times["jax"][0][0] if "jax" in times else math.nan
        cpu_ratio = times["ppl"][1] / times["jax"][1] if "jax" in times else math.nan
        if "jax" in times:
            worst = max(worst, ratio, cpu_ratio)
        print(f"{name:28s} {n:7d} {wall('ppl')} {wall('jax')} {cpu('ppl')} {cpu('jax')} {cpu('hand')} "
              f"{ratio:12.2f} {cpu_ratio:11.2f}", flush=True)
    print("\nload average (1, 5, 15 min) at end: " + ", ".join(f"{v:.2f}" for v in os.getloadavg()))
    if jax is not None:
        print(f"worst ratio ppl / JAX, wall or CPU: {worst:.2f} (target <= 1)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
