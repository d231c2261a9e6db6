"""`sample_chain` with TFP's signature, running ppl's native chains.

A batch of initial states is a batch of chains (the leading axes of the state,
as in TFP); each chain runs in native code on its own thread with its own
random stream derived from `seed`.  `trace_fn(states, kernel_results)` is
applied once to the whole stacked trace (TFP applies it per step; for the
usual field-picking lambdas the result is the same).
"""

from __future__ import annotations

import os
from collections import namedtuple
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ppl.mcmc import kernels as K
from ppl.mcmc.targets import join, native_target, split
from ppl.sampling import rng

StatesAndTrace = namedtuple("StatesAndTrace", ["all_states", "trace"])


def _default_trace(states, kernel_results):
    return kernel_results


def _unwrap(kernel):
    """(adaptation kernel or None, transformed kernel or None, the HMC / NUTS kernel)."""
    adaptation = transformed = None
    if isinstance(kernel, K._StepSizeAdaptation):
        adaptation, kernel = kernel, kernel.inner_kernel
    if isinstance(kernel, K.TransformedTransitionKernel):
        transformed, kernel = kernel, kernel.inner_kernel
    if isinstance(kernel, K._StepSizeAdaptation):
        raise NotImplementedError("put the step-size adaptation outside the TransformedTransitionKernel, as the "
                                  "TFP tour does: SimpleStepSizeAdaptation(TransformedTransitionKernel(HMC))")
    if not isinstance(kernel, (K.HamiltonianMonteCarlo, K.NoUTurnSampler)):
        raise TypeError(f"kernel must be ppl.mcmc.HamiltonianMonteCarlo or NoUTurnSampler, possibly wrapped in "
                        f"TransformedTransitionKernel and a step-size adaptation; got {type(kernel).__name__}")
    return adaptation, transformed, kernel


def sample_chain(num_results, current_state, previous_kernel_results=None, kernel=None, num_burnin_steps=0,
                 num_steps_between_results=0, trace_fn=_default_trace, return_final_kernel_results=False,
                 seed=None, parallel_iterations=None):
    from ppl import first_run
    from ppl.sampling.hamiltonian import initial_metric

    from ppl.sampling import chain as native

    # no metric adaptation here: either entry runs these chains alike; the one sample() uses by
    # default, so that both share one compiled library
    entry = first_run.load(first_run.SAMPLERS["stan"], announce_with=[])   # one line on a cold cache
    if kernel is None:
        raise ValueError("sample_chain needs a kernel")
    if previous_kernel_results is not None or return_final_kernel_results:
        raise NotImplementedError("previous_kernel_results / return_final_kernel_results are not supported: "
                                  "run the chain once with the burn-in it needs")
    adaptation, transformed, inner = _unwrap(kernel)
    target = native_target(inner.target_log_prob_fn, current_state,
                           transformed.bijector if transformed is not None else None)
    user_parts = current_state if isinstance(current_state, (list, tuple)) else [current_state]
    start_parts = target.from_user([np.asarray(p, dtype=np.float64) for p in user_parts])
    starts = join(start_parts, target.chain_shape).reshape(-1, target.dim)
    chains = starts.shape[0]
    seed = int(np.random.SeedSequence().entropy % (2 ** 63)) if seed is None else _seed(seed)

    settings = native.ChainSettings(
        iterations=0, adapt=False,
        method=native.HMC if isinstance(inner, K.HamiltonianMonteCarlo) else native.NUTS,
        max_treedepth=int(getattr(inner, "max_tree_depth", 10)),
        num_leapfrog_steps=int(getattr(inner, "num_leapfrog_steps", 1)), dense_metric=False,
        thin=int(num_steps_between_results + 1), save=False, init_given=True, init_tries=0, init_radius=0.0,
        adapt_step_size=False,
        step_size_rule=native.SIMPLE if isinstance(adaptation, K.SimpleStepSizeAdaptation) else native.DUAL_AVERAGING,
        step_size_heuristic=False, adapt_metric=False,
        target_accept=float(adaptation.target_accept_prob if adaptation else 0.75),
        adaptation_rate=float(getattr(adaptation, "adaptation_rate", 0.01)),
        max_delta_h=float(getattr(inner, "max_energy_diff", 1000.0)), escalate_depth_share=0.0,
        metric_given=False)
    adapting = min(adaptation.num_adaptation_steps, num_burnin_steps) if adaptation else 0
    # adaptation that outlasts the burn-in goes on into the results (TFP allows it)
    adapting_results = max(0, adaptation.num_adaptation_steps - num_burnin_steps) if adaptation else 0
    thin = num_steps_between_results + 1
    phases = [(adapting, 1, 0), (num_burnin_steps - adapting, 0, 0)]
    if adapting_results:
        phases.append((min(adapting_results, num_results * thin), 1, 1))
    phases.append((num_results * thin - (min(adapting_results, num_results * thin) if adapting_results else 0), 0, 1))
    progress = np.zeros((chains, native.PROGRESS_SLOTS), dtype=np.int64)

    def run(index):
        state = rng.stream_state(seed, index)
        position = starts[index].copy()
        step = np.array([inner.step_size])
        draws = np.zeros((num_results, target.dim))
        stats = np.zeros((num_results, native.STAT_COLUMNS))
        seeds = np.zeros(num_results, dtype=np.int64)
        saved = 0
        for iterations, adapt, save in phases:
            if iterations <= 0:
                continue
            phase = settings._replace(iterations=int(iterations), adapt=bool(adapt), adapt_step_size=bool(adapt),
                                      save=bool(save))
            rows = (iterations + thin - 1) // thin if save else 0
            status = entry.run_chain(target.function, target.real_data, target.int_data, state, position, phase,
                                      initial_metric(target.dim, "diag"), step, np.zeros(0, np.int64),
                                      draws[saved:saved + rows] if save else np.zeros((0, target.dim)),
                                      stats[saved:saved + rows] if save else np.zeros((0, native.STAT_COLUMNS)),
                                      seeds[saved:saved + rows] if save else np.zeros(0, np.int64), progress[index])
            if status != native.OK:
                raise ValueError(f"chain {index}: the target's log density is not finite at the current state")
            saved += rows
        return draws, stats

    workers = min(chains, os.cpu_count() or 1)
    if not _is_compiled_posterior(inner.target_log_prob_fn):
        workers = 1    # a Python target holds the GIL: threads would only take turns
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(run, range(chains)))
    draws = np.stack([r[0] for r in results], axis=1).reshape((num_results,) + target.chain_shape + (target.dim,))
    stats = np.stack([r[1] for r in results], axis=1).reshape((num_results,) + target.chain_shape + (-1,))
    states = target.to_user(split(draws, target.part_shapes))
    if _is_compiled_posterior(inner.target_log_prob_fn):
        states = states[0]
    results = _kernel_results(stats, inner, adaptation, transformed, native)
    if trace_fn is None:
        return states
    return StatesAndTrace(states, trace_fn(states, results))


def _is_compiled_posterior(target) -> bool:
    from ppl.posterior import Posterior

    return isinstance(target, Posterior)


def _seed(seed) -> int:
    if isinstance(seed, (tuple, list)):   # TFP's stateless seeds are pairs
        return int(np.random.SeedSequence([int(s) for s in seed]).generate_state(1, dtype=np.uint64)[0] >> 1)
    return int(seed)


def _kernel_results(stats, inner, adaptation, transformed, native):
    accept_stat = stats[..., 0]
    fields = {"is_accepted": stats[..., native.ACCEPTED] > 0.5,
              "log_accept_ratio": np.log(np.maximum(accept_stat, 1e-300)),
              "accept_ratio": accept_stat,
              "step_size": stats[..., 1],
              "target_log_prob": stats[..., 6],
              "has_divergence": stats[..., 4] > 0.5}
    if isinstance(inner, K.NoUTurnSampler):
        fields["leapfrogs_taken"] = stats[..., 3].astype(np.int64)
        fields["tree_depth"] = stats[..., 2].astype(np.int64)
    else:
        fields["num_leapfrog_steps"] = stats[..., 3].astype(np.int64)
    results = K.KernelResults(fields)
    if transformed is not None:
        results = K.KernelResults({}, inner=results)
    if adaptation is not None:
        results = K.KernelResults({"new_step_size": stats[..., 1]}, inner=results)
    return results
