"""`Posterior.sample`: chains on threads, each in native code (ppl/sampling/chain.py).

Each chain has its own generator stream, derived from (seed, chain index), and
does its work in two native calls (warmup, then sampling), timed separately.
The chains release the GIL, so `cores` threads run them truly in parallel; a
chain's draws do not depend on which thread ran it or on how many there were.
The main thread waits for the last chain to finish (an Event it sets), redrawing the
bar every 0.1 s meanwhile; Ctrl-C asks the chains to stop and returns what they hold
(a second Ctrl-C leaves at once).  Afterwards the saved
unconstrained draws are mapped to the constrained params, deterministics and
generated quantities by the model's own compiled functions.
"""

from __future__ import annotations

import math
import os
import threading
import time
import warnings

import numpy as np

from ppl.progress import ChainProgress, ProgressBar
from ppl.sampling import rng
from ppl.sampling.start import INIT_RADIUS, INIT_TRIES, start_failure

METHODS = ("nuts", "hmc")
METRICS = ("auto", "diag", "dense", "low_rank", "unit")
ADAPTATIONS = ("stan", "fisher")
# the metric adaptation each metric gets when `adaptation` is not given: for "diag", the one with the
# higher minimum ESS per gradient over the benchmark set (benchmarks/README.md, "Adaptation"); "auto"
# has its own: Stan's diagonal windows, escalating to nutpie's low rank (AUTO_ESCALATION)
DEFAULT_ADAPTATION = {"auto": "auto", "diag": "stan", "dense": "stan", "low_rank": "fisher", "unit": "stan"}
# metric="auto": a chain whose Stan slow window has at least this share of its transitions at
# max_treedepth switches to nutpie's low-rank adaptation for the rest of its warmup (ChainSettings'
# escalate_depth_share; the measurement behind it: benchmarks/README.md, "Adaptation")
AUTO_ESCALATION = 0.1
# what each adaptation can adapt
ADAPTABLE_METRICS = {"stan": ("diag", "dense", "unit"), "fisher": ("diag", "low_rank", "unit")}
MAX_DELTA_H = 1000.0
HMC_ADAPTATION_RATE = 0.01       # TFP's SimpleStepSizeAdaptation default
DEFAULT_NUM_LEAPFROG_STEPS = 10


def _check_settings(chains, warmup, draws, thin, method, target_accept, max_treedepth, metric, step_size,
                    num_leapfrog_steps, cores, seed, save_warmup, adaptation=None):
    def integer(name, value, smallest):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < smallest:
            raise ValueError(f"{name} must be an integer >= {smallest}, not {value!r}")

    if seed is not None and (isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer))
                             or not 0 <= int(seed) < 2 ** 63):
        raise ValueError(f"seed must be an integer in [0, 2**63), not {seed!r} (leave it out for a random one)")
    if not isinstance(save_warmup, (bool, np.bool_)):
        raise ValueError(f"save_warmup must be True or False, not {save_warmup!r}")

    integer("chains", chains, 1)
    integer("warmup", warmup, 0)
    integer("draws", draws, 1)
    integer("thin", thin, 1)
    integer("max_treedepth", max_treedepth, 1)
    if cores is not None:
        integer("cores", cores, 1)
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(map(repr, METHODS))}, not {method!r}")
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(map(repr, METRICS))}, not {metric!r}")
    if adaptation is not None:
        if adaptation not in ADAPTATIONS:
            raise ValueError(f"adaptation must be one of {', '.join(map(repr, ADAPTATIONS))} (or left out for "
                             f"the metric's default), not {adaptation!r}")
        # with "auto", an adaptation named asks for its diagonal (see `sample`)
        if metric != "auto" and metric not in ADAPTABLE_METRICS[adaptation]:
            raise ValueError(f"metric={metric!r} cannot be adapted with adaptation={adaptation!r}: "
                             + ("a low-rank metric is estimated from draws and gradients only, with "
                                "adaptation='fisher' (or leave adaptation out)" if metric == "low_rank" else
                                "the gradient-based adaptation estimates a diagonal or low-rank metric, not a "
                                "dense one: use adaptation='stan' (or leave adaptation out) with metric='dense', "
                                "or metric='low_rank' for correlations"))
    if not (isinstance(target_accept, (int, float)) and 0.0 < target_accept < 1.0):
        raise ValueError(f"target_accept must be a number strictly between 0 and 1, not {target_accept!r}")
    if step_size is not None and (isinstance(step_size, bool) or not (isinstance(step_size, (int, float))
                                                                      and math.isfinite(step_size) and step_size > 0)):
        raise ValueError(f"step_size must be a positive number, not {step_size!r}")
    if num_leapfrog_steps is not None:
        if method != "hmc":
            raise ValueError("num_leapfrog_steps applies to method='hmc' only (NUTS chooses its own)")
        integer("num_leapfrog_steps", num_leapfrog_steps, 1)


def _initial_points(posterior, init, chains, seed):
    """One unconstrained starting point per chain from user inits (constrained values,
    validated against the constraints) or Pathfinder's draws, or None for random ones."""
    if init is None:
        return [None] * chains
    if isinstance(init, str) and init == "pathfinder":
        from ppl.inference.pathfinder import initial_points

        return initial_points(posterior, chains, seed)
    if isinstance(init, dict):
        init = [init] * chains
    if not isinstance(init, (list, tuple)) or len(init) != chains or not all(isinstance(i, dict) for i in init):
        raise ValueError(f"init must be a dict of param values (constrained), a list of {chains} such dicts, "
                         f"or 'pathfinder'")
    return [posterior.unconstrain(values) for values in init]


def sample(posterior, *, chains=4, warmup=1000, draws=1000, seed=None, method="nuts", thin=1, init=None,
           target_accept=0.8, max_treedepth=10, metric="auto", step_size=None, num_leapfrog_steps=None,
           save_warmup=False, progress=True, cores=None, adaptation=None):
    _check_settings(chains, warmup, draws, thin, method, target_accept, max_treedepth, metric, step_size,
                    num_leapfrog_steps, cores, seed, save_warmup, adaptation)
    if metric == "auto" and adaptation is not None:
        metric = "diag"   # an adaptation named asks for its own (diagonal) metric, as before "auto" existed
    adaptation = adaptation or DEFAULT_ADAPTATION[metric]
    # "auto" judges NUTS' tree depths; static HMC has none, so there it is Stan's diagonal
    escalating = metric == "auto" and method == "nuts" and warmup > 0
    from ppl import diagnostics, first_run
    from ppl.results.fit import Fit

    diagnostics.compile_in_background()        # the summary's kernels, while the samplers load
    # compiled once, loaded from Numba's disk cache; on a cold cache one line says so.  "auto" starts
    # with Stan's warmup: nutpie's entry is loaded (and on a cold cache compiled) only for a chain
    # that escalates
    entry = first_run.load(first_run.SAMPLERS["fisher" if adaptation == "fisher" and metric != "unit" else "stan"],
                           [first_run.DIAGNOSTICS] if progress else None)
    from ppl.sampling import chain as native
    from ppl.sampling.adaptation import window_schedule
    from ppl.sampling.hamiltonian import initial_metric, inverse_metric_matrix

    posterior.check_generated_quantities()   # before the chains run, not after
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % (2 ** 63))
    seed = int(seed)
    starts = _initial_points(posterior, init, chains, seed)
    dim = posterior.dim
    cores = min(cores or os.cpu_count() or 1, chains)

    settings = native.ChainSettings(
        iterations=0, adapt=False, method=native.NUTS if method == "nuts" else native.HMC,
        max_treedepth=int(max_treedepth), num_leapfrog_steps=int(num_leapfrog_steps or DEFAULT_NUM_LEAPFROG_STEPS),
        dense_metric=metric == "dense", thin=int(thin), save=False, init_given=True, init_tries=INIT_TRIES,
        init_radius=INIT_RADIUS, adapt_step_size=True,
        step_size_rule=native.DUAL_AVERAGING if method == "nuts" else native.SIMPLE,
        step_size_heuristic=not (warmup == 0 and step_size is not None),   # a step size given, no warmup: used as is
        adapt_metric=metric != "unit", target_accept=float(target_accept), adaptation_rate=HMC_ADAPTATION_RATE,
        max_delta_h=MAX_DELTA_H, escalate_depth_share=AUTO_ESCALATION if escalating else 0.0, metric_given=False)
    initial_step_size = float(step_size or 1.0)
    windows = window_schedule(warmup)
    saved_warmup = (warmup + thin - 1) // thin if save_warmup else 0
    saved_draws = (draws + thin - 1) // thin
    stat_count = native.STAT_COLUMNS
    progress_counts = np.zeros((chains, native.PROGRESS_SLOTS), dtype=np.int64)   # see ppl/sampling/chain.py
    # for the bar: which chains have started, and each chain's divergences when its warmup ended
    started = np.zeros(chains, dtype=bool)
    warmup_divergences = np.full(chains, -1, dtype=np.int64)
    gradient = posterior._module.log_density_gradient
    real_data, int_data = posterior.real_data, posterior.int_data

    def run(index):
        started[index] = True
        state = rng.stream_state(seed, index)
        position = np.zeros(dim) if starts[index] is None else np.array(starts[index], dtype=np.float64)
        inverse_metric = initial_metric(dim, "diag" if metric == "auto" else metric)
        step = np.array([initial_step_size])
        out = {"warmup_draws": np.zeros((saved_warmup, dim)), "warmup_stats": np.zeros((saved_warmup, stat_count)),
               "warmup_seeds": np.zeros(saved_warmup, dtype=np.int64),
               "draws": np.zeros((saved_draws, dim)), "stats": np.zeros((saved_draws, stat_count)),
               "seeds": np.zeros(saved_draws, dtype=np.int64), "warmup_seconds": 0.0, "sampling_seconds": 0.0,
               "escalated_at": -1}
        phases = (("warmup", warmup, True, bool(save_warmup)), ("sampling", draws, False, True))
        out["status"] = native.OK
        for phase, iterations, adapt, save in phases:
            phase_settings = settings._replace(iterations=int(iterations), adapt=adapt, save=save,
                                               init_given=not (starts[index] is None and phase == "warmup"))
            prefix = "warmup_" if phase == "warmup" else ""
            started_at = time.perf_counter()
            status = entry.run_chain(gradient, real_data, int_data, state, position, phase_settings,
                                     inverse_metric, step, windows,
                                     out[prefix + "draws"], out[prefix + "stats"], out[prefix + "seeds"],
                                     progress_counts[index])
            if status == native.ESCALATE:
                out["escalated_at"] = int(progress_counts[index, native.ITERATIONS])
                inverse_metric, status = escalate(index, state, position, inverse_metric, step, out)
            out[phase + "_seconds"] = time.perf_counter() - started_at
            if phase == "warmup":
                warmup_divergences[index] = progress_counts[index, native.DIVERGENCES]
            if status == native.INTERRUPTED:   # keep the rows saved so far, in both phases
                done = int(progress_counts[index, native.ITERATIONS]) - (warmup if phase == "sampling" else 0)
                kept = (done + thin - 1) // thin
                for name in ("draws", "stats", "seeds"):
                    out[prefix + name] = out[prefix + name][:kept]
                    if phase == "warmup":
                        out[name] = out[name][:0]
                out["status"] = status
                break
            if status != native.OK:
                out["status"], out["position"] = status, position
                return out
        out["gradient_evaluations"] = int(progress_counts[index, native.GRADIENTS])
        out["step_size"] = step[0]
        low_rank = metric == "low_rank" or out["escalated_at"] >= 0
        out["inverse_metric"] = (inverse_metric.dense if metric == "dense" else inverse_metric_matrix(inverse_metric)
                                 if low_rank else inverse_metric.diagonal)
        return out

    low_rank_entry = []   # nutpie's entry, loaded by the first chain that escalates
    loading = threading.Lock()

    def escalate(index, state, position, diagonal_metric, step, out):
        """The rest of the warmup of a metric="auto" chain whose Stan window saturated, with
        nutpie's low rank from where it stopped, its diagonal the window's, its schedule over the
        iterations left; returns (the metric, the status).  Its warmup rows are saved one per
        iteration, then thinned here in step with the rows before."""
        with loading:
            if not low_rank_entry:
                low_rank_entry.append(first_run.load(first_run.SAMPLERS["fisher"], [] if progress else None))
        done = int(progress_counts[index, native.ITERATIONS])
        remaining = warmup - done
        # room for every direction the estimate can find: at most two per draw of a window
        low_rank = initial_metric(dim, "low_rank", max_rank=2 * (remaining + 1))
        low_rank.diagonal[:] = diagonal_metric.diagonal
        rows = remaining if save_warmup else 0
        saved = {"draws": np.zeros((rows, dim)), "stats": np.zeros((rows, stat_count)),
                 "seeds": np.zeros(rows, dtype=np.int64)}
        rest = settings._replace(iterations=remaining, adapt=True, save=bool(save_warmup), thin=1,
                                 escalate_depth_share=0.0, metric_given=True)
        status = low_rank_entry[0].run_chain(gradient, real_data, int_data, state, position, rest, low_rank, step,
                                             windows, saved["draws"], saved["stats"], saved["seeds"],
                                             progress_counts[index])
        if save_warmup:
            ran = int(progress_counts[index, native.ITERATIONS]) - done
            kept = [row for row in range(ran) if (done + row) % thin == 0]
            first = (done + thin - 1) // thin
            for name, values in saved.items():
                out["warmup_" + name][first:first + len(kept)] = values[kept]
        return low_rank, status

    bar = ProgressBar(chains, warmup, draws, progress)
    results = _run_chains(run, chains, cores, progress_counts, bar, native, warmup_divergences, started).results
    bar.close()
    for index, result in enumerate(results):
        if result["status"] not in (native.OK, native.INTERRUPTED):
            raise start_failure(posterior, result["position"], index, starts[index] is not None)
    run_settings = dict(chains=chains, warmup=warmup, draws=draws, thin=thin, target_accept=target_accept,
                        max_treedepth=max_treedepth, metric=metric, adaptation=adaptation, save_warmup=save_warmup)
    if escalating:
        _escalations(results, run_settings)
    if any(result["status"] == native.INTERRUPTED for result in results):
        results = _interrupted(results, run_settings)
    return Fit.from_chains(posterior, results, stat_names=native.STAT_NAMES, seed=seed, method=method,
                           settings=run_settings)


def _escalations(results, run_settings):
    """metric="auto": which chains switched to the low rank, in the settings (`escalated_at`: per
    chain, the warmup iterations it ran with Stan's diagonal before switching, -1 for a chain that
    kept it), and, when any did, every chain's inverse metric as a matrix, so that they stack."""
    run_settings.update(escalate_depth_share=AUTO_ESCALATION,
                        escalated_at=[result["escalated_at"] for result in results])
    if any(np.ndim(result.get("inverse_metric")) == 2 for result in results):
        for result in results:
            if np.ndim(result.get("inverse_metric")) == 1:
                result["inverse_metric"] = np.diag(result["inverse_metric"])


BAR_REFRESH_SECONDS = 0.1


class ChainThreads:
    """`cores` threads that run the chains, taking the next chain index as each finishes one,
    and an Event the last chain to finish sets: the caller waits on it, so it wakes as
    soon as the chains are done, not at its next redraw of the bar."""

    def __init__(self, run, chains: int, cores: int):
        self.results = [None] * chains
        self.errors: list[BaseException] = []
        self.done = threading.Event()
        self.woken_by_timeout = 0            # waits that ended to redraw the bar
        self._run = run
        self._lock = threading.Lock()
        self._next_index = iter(range(chains))
        self._running = chains
        self._threads = [threading.Thread(target=self._work, name=f"ppl-chains-{k}", daemon=True)
                         for k in range(cores)]
        for thread in self._threads:
            thread.start()

    def _work(self):
        while True:
            with self._lock:
                index = next(self._next_index, None)
            if index is None:
                return
            try:
                self.results[index] = self._run(index)
            except BaseException as error:   # re-raised by the caller, as a future's result would be
                self.errors.append(error)
            with self._lock:
                self._running -= 1
                if self._running == 0:
                    self.done.set()

    def wait(self, timeout=None) -> bool:
        """Whether every chain is done, after waiting at most `timeout` seconds for it."""
        finished = self.done.wait(timeout)
        if not finished:
            self.woken_by_timeout += 1
        return finished

    def join(self) -> None:
        for thread in self._threads:
            thread.join()


def _run_chains(run, chains, cores, progress_counts, bar, native, warmup_divergences=None, started=None,
                refresh=BAR_REFRESH_SECONDS):
    """Run the chains on threads, redrawing the bar every `refresh` seconds until the last
    chain sets the done Event, which wakes this thread at once.  Ctrl-C asks every chain to
    stop before its next iteration and waits for them; a second Ctrl-C leaves at once
    (the threads are daemons: they end with the chains, or with the process).  Returns the
    ChainThreads, holding each chain's result.  `warmup_divergences` and `started` are what
    `run` records for the bar (ppl.progress.ChainProgress); left out, chains count as started
    and in warmup."""
    if warmup_divergences is None:
        warmup_divergences = np.full(chains, -1, dtype=np.int64)
    if started is None:
        started = np.ones(chains, dtype=bool)
    threads = None
    try:
        threads = ChainThreads(run, chains, cores)
        while not threads.wait(refresh):
            _draw(bar, progress_counts, native, warmup_divergences, started)
    except KeyboardInterrupt:
        progress_counts[:, native.STOP] = 1   # chains not started yet stop at their first iteration
        if threads is None:                   # while the threads were starting: nothing to return
            raise
        threads.wait()
    if bar.enabled:
        _draw(bar, progress_counts, native, warmup_divergences, started)
    threads.join()
    if threads.errors:
        raise threads.errors[0]
    return threads


def _draw(bar, progress_counts, native, warmup_divergences, started):
    bar.update(ChainProgress(iterations=progress_counts[:, native.ITERATIONS].copy(),
                             divergences=progress_counts[:, native.DIVERGENCES].copy(),
                             warmup_divergences=warmup_divergences.copy(), started=started.copy()))


def _interrupted(results, run_settings):
    """The chains' rows up to the shortest chain's, with a warning saying what each chain holds;
    with no draws at all, KeyboardInterrupt (there is nothing to return)."""
    held = [len(result["draws"]) for result in results]
    if min(held) == 0:
        raise KeyboardInterrupt(f"sampling was interrupted before every chain had a draw (draws held: {held})")
    kept = min(held)
    for result in results:
        for name in ("draws", "stats", "seeds"):
            result[name] = result[name][:kept]
    run_settings.update(interrupted=True, draws_held=held)
    warnings.warn(f"sampling was interrupted: the chains hold {', '.join(map(str, held))} draws; the Fit keeps "
                  f"the first {kept} of each", SamplingInterruptedWarning, stacklevel=3)
    return results


class SamplingInterruptedWarning(UserWarning):
    """`sample` was interrupted (Ctrl-C): the Fit holds the draws made until then."""
