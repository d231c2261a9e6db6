"""One system, one model, one measurement, in its own process (run by benchmarks/run.py).

    python -m benchmarks.peers.worker SYSTEM MODEL MODE OUT.json [--chains 4 --warmup 1000 --draws 1000 --seed 1]

SYSTEM: ppl | numpyro | stan.  MODE: ``compile`` (time to a compiled, conditioned model and
one gradient, in this fresh process; the caches are whatever the environment points at) or
``sample`` (the same, then 4 chains of NUTS, one chain after another, and the figures).

Every system is run the same way: NUTS, diagonal metric, target acceptance 0.8, max tree depth
10, inits uniform(-2, 2) on the unconstrained scale, chains run one after another on one core
(so that per-chain times are not inflated by chains competing for the machine's cores), and
the bulk-ESS of every param element computed by ``ppl.diagnostics.ess_bulk`` from the
constrained draws [chains, draws].
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


def ess_minimum(params: dict) -> tuple[float, str]:
    best, where = float("inf"), ""
    for entry in params.values():
        for label, ess in zip(entry["labels"], entry["ess"]):
            if ess is not None and ess < best:
                best, where = ess, label
    return best, where


# ---------------------------------------------------------------------------------------- ppl

def run_ppl(model, mode, args):
    import ppl

    path = EXAMPLES / f"{model}.ppl"
    data = EXAMPLES / f"{model}.data.json"
    start = time.perf_counter()
    posterior = ppl.compile(str(path)).condition(str(data))
    posterior.log_density_gradient(np.zeros(posterior.dim))
    result = {"compile_seconds": time.perf_counter() - start, "dim": int(posterior.dim)}
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
                           target_accept=0.8, max_treedepth=10, metric="diag", progress=False, cores=1)
    result["wall_seconds"] = time.perf_counter() - start
    result["warmup_seconds"] = np.asarray(fit.timing["warmup_seconds"], dtype=float).tolist()
    result["sampling_seconds"] = np.asarray(fit.timing["sampling_seconds"], dtype=float).tolist()
    result["leapfrog_steps"] = int(np.sum(fit.stats["n_leapfrog"]))
    result["leapfrog_per_chain"] = np.sum(fit.stats["n_leapfrog"], axis=1).astype(int).tolist()
    result["divergences"] = int(np.sum(fit.stats["diverging"]))
    result["timing_note"] = "fit.timing: per-chain warmup and sampling phases, native code"
    result["params"] = summarise_draws({name: fit[name] for name in fit.names("param")})
    return result


# ------------------------------------------------------------------------------------ numpyro

def run_numpyro(model, mode, args):
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
    if mode != "sample":
        return result

    kernel = NUTS(function, target_accept_prob=0.8, max_tree_depth=10, dense_mass=False)
    mcmc = MCMC(kernel, num_warmup=args.warmup, num_samples=args.draws, num_chains=args.chains,
                chain_method="sequential", progress_bar=False)
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
    one = jax.tree_util.tree_map(lambda x: x[0], states) if args.chains > 1 else states
    start = time.perf_counter()
    compiled = jax.jit(chain).lower(one).compile()
    sampler_compile = time.perf_counter() - start
    sampling, zs, steps, divergent = [], [], [], []
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
        "warmup_note": "mcmc.warmup() of all chains (sequential), JIT compilation included, split evenly",
        "sampler_compile_seconds": sampler_compile,
        "sampling_seconds": sampling,
        "leapfrog_steps": int(np.sum(steps)),
        "leapfrog_per_chain": [int(np.sum(n)) for n in steps],
        "divergences": int(np.sum(divergent)),
        "timing_note": "chain_method='sequential'; sampling = each chain's AOT-compiled scan of kernel.sample, "
                       "compilation excluded; float64",
        "params": summarise_draws(draws),
    })
    return result


# --------------------------------------------------------------------------------------- stan

_ELAPSED = re.compile(r"([0-9.eE+-]+) seconds \((Warm-up|Sampling)\)")


def run_stan(model, mode, args):
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
    if mode != "sample":
        return result

    import concurrent.futures
    import multiprocessing as mp

    import httpstan.services_stub as stub

    stub.executor = concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("fork"),
                                                           initializer=stub.init_worker)
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
        "timing_note": "Stan's own per-chain 'Elapsed Time' (Warm-up / Sampling); chains one after another",
        "params": summarise_draws(draws),
    })
    return result


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("system", choices=["ppl", "numpyro", "stan"])
    parser.add_argument("model")
    parser.add_argument("mode", choices=["compile", "compile-library", "sample"])
    parser.add_argument("out")
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=1000)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dim", type=int, default=0, help="unconstrained dimension (for Stan's gradient call)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    runner = {"ppl": run_ppl, "numpyro": run_numpyro, "stan": run_stan}[args.system]
    result = runner(args.model, args.mode, args)
    Path(args.out).write_text(json.dumps(result))


if __name__ == "__main__":
    main()
