"""One system, one model, one measurement, in its own process (run by benchmarks/run.py).

    python -m benchmarks.peers.worker SYSTEM MODEL MODE OUT.json [--chains 4 --warmup 1000 --draws 1000 --seed 1]
                                     [--chain-mode users|sequential]

SYSTEM: ppl | numpyro | stan | nutpie.  MODE: ``compile`` (time to a compiled, conditioned
model and one gradient, in this fresh process, then to the first draw; the caches are whatever
the environment points at) or ``sample`` (the same, then 4 chains of NUTS and the figures).

Every system runs NUTS with its default metric (a diagonal for NumPyro, Stan and nutpie; ppl's
"auto": Stan's diagonal, a chain whose warmup trees saturate going on with the low rank),
target acceptance 0.8 and max tree depth 10, and
the bulk-ESS of every param element is computed by ``ppl.diagnostics.ess_bulk`` from the
constrained draws [chains, draws]. ppl, NumPyro and Stan start from uniform(-2, 2) on the
unconstrained scale; nutpie keeps its own defaults (its gradient-based mass-matrix adaptation,
its initial points), with the run's numbers of chains, warmup and draws.

``--chain-mode`` says how the chains share the machine:

- ``users`` (the default), each system as its users run it: ppl with ``cores`` = all cores,
  nutpie with its default (all cores), Stan with PyStan's default process pool (all cores),
  NumPyro ``chain_method="parallel"`` where JAX has a device per chain, else "sequential" (one
  CPU device unless XLA is told otherwise). *Sampling s* is then wall-clock: the wall time of the
  ``sample`` call times the sampling phase's share of it (its share of the per-chain phase times
  where the system reports them, ppl and Stan; its share of the leapfrog steps where it does
  not, nutpie). NumPyro sequential: the sum of each chain's sampling phase, which is wall-clock.
- ``sequential``: chains one after another on one core in every system (ppl ``cores=1``,
  nutpie ``cores=1``, Stan through a one-worker pool, NumPyro sequential), so that per-chain
  times are not inflated by chains competing for cores; *sampling s* is the sum over chains of
  each chain's sampling phase (nutpie: the wall time of the call times the sampling phase's share
  of leapfrog steps).

*First draw s*: from before the system's import to the return of a first ``sample`` call of one
chain, one warmup iteration and one draw, in this fresh process (so: import, compile or load
from the cache, the sampler's own start-up).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent.parent
EXAMPLES = ROOT / "examples"
STAN_DIR = Path(__file__).resolve().parent / "stan"


def summarise_draws(draws: dict) -> dict:
    """{name: [chains, draws, *shape]} -> per-element ESS, mean, sd (constant elements dropped)."""
    from ppl.diagnostics import ess_bulk

    out = {}
    for name, values in draws.items():
        values = np.asarray(values, dtype=float)
        chains, n = values.shape[:2]
        shape = values.shape[2:]
        flat = values.reshape(chains, n, -1)
        ess = np.atleast_1d(np.asarray(ess_bulk(flat), dtype=float))
        labels = [name + ("[" + ",".join(map(str, index)) + "]" if shape else "") for index in np.ndindex(*shape)]
        sd = flat.reshape(chains * n, -1).std(axis=0)
        out[name] = {
            "labels": labels,
            "ess": [float(e) if s > 0 else None for e, s in zip(ess, sd)],   # None: constant element
            "mean": flat.reshape(chains * n, -1).mean(axis=0).tolist(),
            "sd": sd.tolist(),
        }
    return out


def tree_depth_saturation(depths, max_depth=10) -> float:
    """The fraction of sampling-phase draws whose trajectory reached the maximum tree depth."""
    return float(np.mean(np.asarray(depths) >= max_depth))


def depth_from_steps(steps):
    """Tree depth from the number of leapfrog steps (NumPyro does not store the depth): the
    d-th doubling adds between 1 and 2^(d-1) steps to the 2^(d-1) - 1 before it."""
    steps = np.maximum(np.asarray(steps, dtype=np.int64), 1)
    return np.floor(np.log2(steps)).astype(int) + 1


def wall_share(wall, warmup, sampling) -> float:
    """Wall-clock seconds of the sampling phase: the call's wall time times the sampling
    phase's share of the per-chain phase times (or of the leapfrog steps)."""
    warmup, sampling = float(np.sum(warmup)), float(np.sum(sampling))
    return wall * sampling / (warmup + sampling) if warmup + sampling > 0 else float("nan")


def ess_minimum(params: dict) -> tuple[float, str]:
    best, where = float("inf"), ""
    for entry in params.values():
        for label, ess in zip(entry["labels"], entry["ess"]):
            if ess is not None and ess < best:
                best, where = ess, label
    return best, where


# ---------------------------------------------------------------------------------------- ppl

def run_ppl(model, mode, args):
    first = time.perf_counter()
    import ppl

    path = EXAMPLES / f"{model}.ppl"
    data = EXAMPLES / f"{model}.data.json"
    start = time.perf_counter()
    posterior = ppl.compile(str(path)).condition(str(data))
    posterior.log_density_gradient(np.zeros(posterior.dim))
    result = {"compile_seconds": time.perf_counter() - start, "dim": int(posterior.dim)}
    cores = 1 if args.chain_mode == "sequential" else None
    if mode != "compile-library":
        posterior.sample(chains=1, warmup=1, draws=1, seed=args.seed, progress=False, cores=cores)
        result["first_draw_seconds"] = time.perf_counter() - first
    if mode == "compile-library":
        # a first (tiny) sample call as well: with an empty NUMBA_CACHE_DIR the sampler library
        # is compiled here
        start = time.perf_counter()
        posterior.sample(chains=1, warmup=10, draws=10, seed=1, progress=False, cores=1)
        result["first_sample_call_seconds"] = time.perf_counter() - start
        return result
    if mode != "sample":
        return result
    start = time.perf_counter()
    fit = posterior.sample(chains=args.chains, warmup=args.warmup, draws=args.draws, seed=args.seed,
                           target_accept=0.8, max_treedepth=10, progress=False, cores=cores)   # ppl's default metric
    result["wall_seconds"] = time.perf_counter() - start
    result["warmup_seconds"] = np.asarray(fit.timing["warmup_seconds"], dtype=float).tolist()
    result["sampling_seconds"] = np.asarray(fit.timing["sampling_seconds"], dtype=float).tolist()
    result["leapfrog_steps"] = int(np.sum(fit.stats["n_leapfrog"]))
    result["leapfrog_per_chain"] = np.sum(fit.stats["n_leapfrog"], axis=1).astype(int).tolist()
    result["divergences"] = int(np.sum(fit.stats["diverging"]))
    result["tree_depth_saturation"] = tree_depth_saturation(fit.stats["tree_depth"])
    if args.chain_mode == "users":
        result["sampling_wall_seconds"] = wall_share(result["wall_seconds"], result["warmup_seconds"],
                                                     result["sampling_seconds"])
        result["timing_note"] = (f"cores={min(os.cpu_count() or 1, args.chains)}; sampling wall = wall of the call "
                                 "x sampling share of fit.timing's per-chain phase times")
    else:
        result["timing_note"] = "cores=1; fit.timing: per-chain warmup and sampling phases, native code"
    result["params"] = summarise_draws({name: fit[name] for name in fit.names("param")})
    return result


# ------------------------------------------------------------------------------------ numpyro

def run_numpyro(model, mode, args):
    first = time.perf_counter()
    cache = os.environ.get("BENCH_JAX_CACHE")
    import jax

    jax.config.update("jax_enable_x64", True)
    jax.config.update("jax_platforms", "cpu")
    if cache:
        jax.config.update("jax_compilation_cache_dir", cache)
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
        jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)
    import jax.numpy as jnp
    from numpyro.infer import MCMC, NUTS
    from numpyro.infer.util import initialize_model

    from benchmarks.peers.numpyro_models import MODELS

    function, arguments = MODELS[model]
    data = json.loads((EXAMPLES / f"{model}.data.json").read_text())
    kwargs = arguments(data)

    start = time.perf_counter()
    info = initialize_model(jax.random.PRNGKey(0), function, model_kwargs=kwargs)
    potential = info.potential_fn
    flat, unravel = jax.flatten_util.ravel_pytree(info.param_info.z)
    value_and_grad = jax.jit(jax.value_and_grad(lambda u: potential(unravel(u))))
    jax.block_until_ready(value_and_grad(jnp.zeros_like(flat)))
    result = {"compile_seconds": time.perf_counter() - start, "dim": int(flat.shape[0]),
              "compile_note": "initialize_model + jit(value_and_grad(potential)) + first call"
                              + (" (jax persistent compilation cache on)" if cache else "")}
    parallel = args.chain_mode == "users" and jax.local_device_count() >= args.chains
    chain_method = "parallel" if parallel else "sequential"
    tiny = MCMC(NUTS(function, target_accept_prob=0.8, max_tree_depth=10), num_warmup=1, num_samples=1,
                num_chains=1, progress_bar=False)
    tiny.run(jax.random.PRNGKey(args.seed), **kwargs)
    jax.block_until_ready(tiny.get_samples())
    result["first_draw_seconds"] = time.perf_counter() - first
    if mode != "sample":
        return result

    kernel = NUTS(function, target_accept_prob=0.8, max_tree_depth=10, dense_mass=False)
    mcmc = MCMC(kernel, num_warmup=args.warmup, num_samples=args.draws, num_chains=args.chains,
                chain_method=chain_method, progress_bar=False)
    key = jax.random.PRNGKey(args.seed)
    start = time.perf_counter()
    mcmc.warmup(key, **kwargs)
    jax.block_until_ready(mcmc.post_warmup_state)
    warmup_total = time.perf_counter() - start

    # The sampling phase: kernel.sample from the adapted state (adaptation is over:
    # state.i >= num_warmup), as MCMC.run would do, but compiled once ahead of time so that the
    # timed part is sampling only.
    sample = kernel.sample

    def chain(state):
        def body(s, _):
            s = sample(s, (), kwargs)
            return s, (s.z, s.num_steps, s.diverging)
        return jax.lax.scan(body, state, None, length=args.draws)[1]

    states = mcmc.post_warmup_state
    sampling, zs, steps, divergent = [], [], [], []
    if parallel:
        # one device per chain: all chains in one pmap call, as chain_method="parallel" runs them
        start = time.perf_counter()
        compiled = jax.pmap(chain).lower(states).compile()
        sampler_compile = time.perf_counter() - start
        wall_start = time.perf_counter()
        z, n, d = jax.block_until_ready(compiled(states))
        wall = time.perf_counter() - wall_start
        sampling = [wall / args.chains] * args.chains
        for c in range(args.chains):
            zs.append(jax.tree_util.tree_map(lambda x: x[c], z))
            steps.append(np.asarray(n[c]))
            divergent.append(np.asarray(d[c]))
    else:
        one = jax.tree_util.tree_map(lambda x: x[0], states) if args.chains > 1 else states
        start = time.perf_counter()
        compiled = jax.jit(chain).lower(one).compile()
        sampler_compile = time.perf_counter() - start
        wall_start = time.perf_counter()
        for c in range(args.chains):
            state = jax.tree_util.tree_map(lambda x: x[c], states) if args.chains > 1 else states
            start = time.perf_counter()
            z, n, d = jax.block_until_ready(compiled(state))
            sampling.append(time.perf_counter() - start)
            zs.append(z)
            steps.append(np.asarray(n))
            divergent.append(np.asarray(d))
        wall = time.perf_counter() - wall_start
    constrain = jax.jit(jax.vmap(kernel.postprocess_fn((), kwargs)))
    draws = {}
    for z in zs:
        values = constrain(z)
        # the model's params: latent sites and deterministic ones (a reparameterised param such as
        # garch11's beta1 is a deterministic of a `*_fraction` site, which is left out)
        site_names = [name for name in values if not name.endswith("_fraction")]
        for name in site_names:
            draws.setdefault(name, []).append(np.asarray(values[name]))
    draws = {name: np.stack(v) for name, v in draws.items()}
    result.update({
        "wall_seconds": warmup_total + sampler_compile + wall,
        "warmup_seconds": [warmup_total / args.chains] * args.chains,
        "warmup_note": f"mcmc.warmup() of all chains ({chain_method}), JIT compilation included, split evenly",
        "sampler_compile_seconds": sampler_compile,
        "sampling_seconds": sampling,
        "sampling_wall_seconds": wall,
        "leapfrog_steps": int(np.sum(steps)),
        "leapfrog_per_chain": [int(np.sum(n)) for n in steps],
        "divergences": int(np.sum(divergent)),
        "tree_depth_saturation": tree_depth_saturation(depth_from_steps(np.concatenate(steps))),
        "timing_note": f"chain_method='{chain_method}'; sampling = "
                       + ("one pmap call of the AOT-compiled scan of kernel.sample over all chains"
                          if parallel else "each chain's AOT-compiled scan of kernel.sample")
                       + ", compilation excluded; float64",
        "params": summarise_draws(draws),
    })
    return result


# --------------------------------------------------------------------------------------- stan

_ELAPSED = re.compile(r"([0-9.eE+-]+) seconds \((Warm-up|Sampling)\)")


def run_stan(model, mode, args):
    first = time.perf_counter()
    import stan
    import stan.fit

    original_init = stan.fit.Fit.__init__

    def keep_outputs(self, stan_outputs, *rest, **named):
        self._bench_outputs = stan_outputs
        original_init(self, stan_outputs, *rest, **named)

    stan.fit.Fit.__init__ = keep_outputs
    code = (STAN_DIR / f"{model}.stan").read_text()
    data = json.loads((EXAMPLES / f"{model}.data.json").read_text())
    start = time.perf_counter()
    posterior = stan.build(code, data=data, random_seed=args.seed)
    if args.dim:
        posterior.grad_log_prob([0.0] * args.dim)
    result = {"compile_seconds": time.perf_counter() - start,
              "compile_note": "stan.build (stanc + g++; httpstan's cache under XDG_CACHE_HOME)"
                              + (" + one grad_log_prob" if args.dim else "")}
    if args.chain_mode == "sequential":
        import concurrent.futures
        import multiprocessing as mp

        import httpstan.services_stub as stub

        stub.executor = concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("fork"),
                                                               initializer=stub.init_worker)
    posterior.sample(num_chains=1, num_warmup=1, num_samples=1)
    result["first_draw_seconds"] = time.perf_counter() - first
    if mode != "sample":
        return result

    start = time.perf_counter()
    fit = posterior.sample(num_chains=args.chains, num_warmup=args.warmup, num_samples=args.draws,
                           delta=0.8, max_depth=10)
    result["wall_seconds"] = time.perf_counter() - start
    warmup, sampling = [], []
    for output in fit._bench_outputs:
        times = {}
        for line in output.splitlines():
            if b'"logger"' in line and b"seconds (" in line:
                text = json.loads(line)["values"][0]
                match = _ELAPSED.search(text)
                if match:
                    times[match.group(2)] = float(match.group(1))
        warmup.append(times.get("Warm-up", float("nan")))
        sampling.append(times.get("Sampling", float("nan")))
    names = fit.sample_and_sampler_param_names
    raw = fit._draws   # [names + flat params, draws, chains]
    steps = raw[names.index("n_leapfrog__")]
    divergent = raw[names.index("divergent__")]
    depths = raw[names.index("treedepth__")]
    draws = {}
    for name, dims in zip(fit.param_names, fit.dims):
        index = fit._parameter_indexes(name)
        values = np.moveaxis(raw[list(index)], 0, -1).transpose(1, 0, 2)   # [chains, draws, flat]
        if dims:
            # Stan flattens column-major
            values = values.reshape(values.shape[:2] + tuple(reversed(dims)))
            values = np.transpose(values, (0, 1) + tuple(range(values.ndim - 1, 1, -1)))
        else:
            values = values[..., 0]
        draws[name] = values
    result.update({
        "warmup_seconds": warmup,
        "sampling_seconds": sampling,
        "leapfrog_steps": int(np.sum(steps)),
        "leapfrog_per_chain": np.sum(steps, axis=0).astype(int).tolist(),
        "divergences": int(np.sum(divergent)),
        "tree_depth_saturation": tree_depth_saturation(depths),
        "timing_note": "Stan's own per-chain 'Elapsed Time' (Warm-up / Sampling); chains one after another",
        "params": summarise_draws(draws),
    })
    if args.chain_mode == "users":
        result["sampling_wall_seconds"] = wall_share(result["wall_seconds"], warmup, sampling)
        result["timing_note"] = ("PyStan's default process pool (all cores); sampling wall = wall of the call x "
                                 "sampling share of Stan's per-chain 'Elapsed Time'")
    return result


# ------------------------------------------------------------------------------------- nutpie

def run_nutpie(model, mode, args):
    first = time.perf_counter()
    import nutpie

    from benchmarks.peers.pymc_models import MODELS

    data = json.loads((EXAMPLES / f"{model}.data.json").read_text())
    start = time.perf_counter()
    # nutpie's default backend, numba; numba.cfunc compiles the log density and gradient eagerly
    compiled = nutpie.compile_pymc_model(MODELS[model](data))
    result = {"compile_seconds": time.perf_counter() - start, "dim": int(compiled.n_dim),
              "compile_note": "the PyMC model + nutpie.compile_pymc_model (numba backend, which compiles the "
                              "gradient's cfunc; PyTensor's caches under PYTENSOR_FLAGS base_compiledir)"}
    cores = 1 if args.chain_mode == "sequential" else None
    nutpie.sample(compiled, chains=1, tune=1, draws=1, seed=args.seed, cores=cores, progress_bar=False)
    result["first_draw_seconds"] = time.perf_counter() - first
    if mode != "sample":
        return result

    start = time.perf_counter()
    trace = nutpie.sample(compiled, chains=args.chains, tune=args.warmup, draws=args.draws, seed=args.seed,
                          cores=cores, progress_bar=False)
    wall = time.perf_counter() - start
    stats = trace.sample_stats
    steps = np.asarray(stats["n_steps"], dtype=np.int64)                    # [chains, draws]
    warmup_steps = np.asarray(trace.warmup_sample_stats["n_steps"], dtype=np.int64)
    sampling_wall = wall_share(wall, warmup_steps.sum(), steps.sum())
    # PyMC also stores each transformed value (`tau_log__`) and helpers named `_...`: not ppl params
    draws = {name: np.asarray(trace.posterior[name]) for name in trace.posterior.data_vars
             if not name.startswith("_") and not name.endswith("__")}
    result.update({
        "wall_seconds": wall,
        # nutpie reports no per-chain times: the sampling phase's share of the wall time is taken
        # as its share of the leapfrog steps, split over chains by their steps
        "warmup_seconds": (wall * warmup_steps.sum(axis=1) / (warmup_steps.sum() + steps.sum())).tolist(),
        "sampling_seconds": (wall * steps.sum(axis=1) / (warmup_steps.sum() + steps.sum())).tolist(),
        "leapfrog_steps": int(steps.sum()),
        "leapfrog_per_chain": steps.sum(axis=1).astype(int).tolist(),
        "divergences": int(np.sum(stats["diverging"])),
        "tree_depth_saturation": float(np.mean(np.asarray(stats["maxdepth_reached"]))),
        "timing_note": f"cores={'1' if cores else 'default (all)'}; no per-chain times from nutpie: sampling = "
                       "wall of the call x the sampling phase's share of leapfrog steps",
        "params": summarise_draws(draws),
    })
    if args.chain_mode == "users":
        result["sampling_wall_seconds"] = sampling_wall
    return result


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("system", choices=["ppl", "numpyro", "stan", "nutpie"])
    parser.add_argument("model")
    parser.add_argument("mode", choices=["compile", "compile-library", "sample"])
    parser.add_argument("out")
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=1000)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dim", type=int, default=0, help="unconstrained dimension (for Stan's gradient call)")
    parser.add_argument("--chain-mode", choices=["users", "sequential"], default="users",
                        help="chains as each system's users run them, or one after another on one core")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    runner = {"ppl": run_ppl, "numpyro": run_numpyro, "stan": run_stan, "nutpie": run_nutpie}[args.system]
    result = runner(args.model, args.mode, args)
    Path(args.out).write_text(json.dumps(result))


if __name__ == "__main__":
    main()
