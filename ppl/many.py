"""Many fits of one model at once: `ppl.fit_many` (one model, many data sets) and the
fits of `ppl.sbc`, on a thread pool in this process or on a Dask cluster.

    fits = ppl.fit_many(model, {"north": data_n, "south": data_s}, seed=1, draws=500)
    fits = ppl.fit_many(model, datasets, client=Client("tcp://scheduler:8786"))

Why threads by default: a fit's chains run in native code that releases the GIL, so
fits on threads run truly in parallel; one fit per thread, each with `cores=1`,
keeps every core busy without starting processes or copying the compiled model
(benchmarks/many.py measures it against the serial loop).

Why Dask for more than one machine: its scheduler already runs on laptops,
clusters and batch queues, retries a task whose worker died, and cancels what is
left.  Workers receive the model as its text and cache key, never as pickled
compiled code, and compile (or load from the disk cache) at most once per process
(`compiled_model`); each task returns plain arrays, rebuilt into a Fit here.

Reproducibility: data set k is fitted with the seed that `derived_seeds` draws from
the call's seed and k (NumPy's SeedSequence spawn), so its draws are the same
whichever thread or worker ran it, and the same locally as on a cluster.

A fit that fails (bad data, no valid initial point) is returned in its slot as a
`FitFailure` holding the data set's key and the located error text; the other fits
still come back.
"""

from __future__ import annotations

import inspect
import os
import threading
import uuid
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

KEEPS = ("all", "summary", "disk")
DASK_EXTRA_HINT = "pip install 'ppl[dask]'"
DEFAULT_RETRIES = 2


@dataclass(frozen=True)
class FitFailure:
    """A fit that raised instead of returning draws: the data set's key, the error's
    class name and its text as ppl renders it (file:line:col, the line, the hint)."""

    key: object
    error_type: str
    message: str

    def __str__(self) -> str:
        return f"fit {self.key!r} failed: {self.error_type}: {self.message}"


@dataclass
class FitSummary:
    """What comes back of a fit with keep="summary" or keep="disk": its summary table,
    its sampler warnings, and (with "disk") the .npz file `load()` reads the Fit from."""

    key: object
    summary: object                   # ppl.results.summary.Summary
    num_divergent: int
    sampler_warnings: list = field(default_factory=list)
    path: str | None = None

    def load(self):
        if self.path is None:
            raise ValueError(f"fit {self.key!r} was not saved: only keep='disk' writes the draws to a file")
        from ppl.results.fit import Fit

        return Fit.load(self.path)


@dataclass(frozen=True)
class ModelReference:
    """A model as it travels to a worker: its text, the name it is reported under, and
    its cache key (which also pins the ppl, Numba and NumPy versions)."""

    text: str
    filename: str
    key: str

    @classmethod
    def of(cls, model) -> "ModelReference":
        from codegen.build import model_key

        return cls(model.source.text, model.source.filename, model_key(model.source.text))


_compiled_models: dict = {}          # cache key → Model, one per process (a Dask worker's cache)
_compiled_models_lock = threading.Lock()


def compiled_model(reference: ModelReference):
    """The Model for `reference`, checked and compiled (or loaded from the disk cache) the
    first time this process meets it, then reused by every later task."""
    with _compiled_models_lock:
        model = _compiled_models.get(reference.key)
        if model is None:
            from codegen.build import model_key
            from codegen.driver import back_end
            from ppl.errors import Source
            from ppl.model import Model

            if model_key(reference.text) != reference.key:
                raise RuntimeError("this worker runs a different version of ppl, Numba or NumPy than the client, "
                                   "or a different copy of ppl's source (the model's cache key differs): "
                                   "install the same versions on both")
            with warnings.catch_warnings():   # the checker's warnings were shown on the client already
                warnings.simplefilter("ignore")
                model = Model(Source(reference.text, reference.filename))
            back_end(model.source, model.ir)
            _compiled_models[reference.key] = model
        return model


def derived_seeds(seed, count: int) -> list[int]:
    """One seed in [0, 2**63) per fit: child k of NumPy's SeedSequence(seed).spawn, so fit
    k's seed depends on the call's seed and k only (seed=None: fresh entropy)."""
    children = np.random.SeedSequence(seed).spawn(count)
    return [int(child.generate_state(1, np.uint64)[0] >> np.uint64(1)) for child in children]


# ---- what runs on a thread or a worker --------------------------------------------------


def fit_task(model, data, settings: dict, keep: str, path: str | None) -> dict:
    """One fit, as plain data: {"fit": the Fit's fields} (keep="all"), or its summary rows
    and warnings (and, with keep="disk", the file it was saved to); {"error": (class, text)}
    when the fit raised."""
    try:
        if isinstance(model, ModelReference):
            model = compiled_model(model)
        fit = model.sample(data, **settings)
    except Exception as error:   # reported in this data set's slot; the other fits go on
        return {"error": (type(error).__name__, str(error))}
    if keep == "all":
        return {"fit": fit_fields(fit)}
    summary = fit.summary()
    result = {"summary": (summary.rows, summary.columns, summary.flags), "num_divergent": fit.num_divergent,
              "sampler_warnings": fit.sampler_warnings()}
    if keep == "disk":
        fit.save(path)
        result["path"] = path
    return result


def quietly(task, *arguments):
    """`task` with SamplerWarnings silenced, for a Dask worker (the client reports them)."""
    from ppl.results.fit import SamplerWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SamplerWarning)
        return task(*arguments)


def fit_fields(fit) -> dict:
    """The Fit's constructor arguments: plain arrays, dicts and strings, no compiled code."""
    return dict(draws={name: fit[name] for name in fit.keys()}, stats=fit.stats, kinds=fit.kinds,
                warmup=fit.warmup, warmup_stats=fit.warmup_stats, timing=fit.timing, step_size=fit.step_size,
                inverse_metric=fit.inverse_metric, seed=fit.seed, method=fit.method, settings=fit.settings,
                model_name=fit.model_name, unconstrained=fit.unconstrained, provenance=fit.provenance,
                observed_data=fit.observed_data, constant_data=fit.constant_data, gen_seeds=fit.gen_seeds)


# ---- running many tasks ----------------------------------------------------------------


def run_tasks(task, argument_lists: list[tuple], keys: list, *, client=None, threads=None, progress=True,
              retries=DEFAULT_RETRIES, noun="fits") -> tuple[list, bool]:
    """`task(*arguments)` for each argument tuple, on a local thread pool (client=None) or
    as Dask tasks; returns (the results in order, whether Ctrl-C stopped it).  A task that
    raised, or whose worker kept dying, gives a FitFailure; after Ctrl-C the tasks not
    finished hold one saying so."""
    from ppl.progress import CountLine

    _check_threads(threads)
    line = CountLine(len(argument_lists), progress, noun)
    if client is None:
        results, interrupted = _run_on_threads(task, argument_lists, keys, threads, line)
    else:
        results, interrupted = _run_on_dask(task, argument_lists, keys, client, retries, line)
    line.close()
    return results, interrupted


def default_threads() -> int:
    """One fit per core (benchmarks/README.md, "Many fits", measures the choice)."""
    return os.cpu_count() or 1


def _check_threads(threads) -> None:
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
        raise ValueError(f"threads must be an integer >= 1 (or None for one per core), not {threads!r}")


def _run_on_threads(task, argument_lists, keys, threads, line):
    from concurrent.futures import ThreadPoolExecutor, as_completed

    from ppl.results.fit import SamplerWarning

    results = [None] * len(argument_lists)
    interrupted = False
    pool = ThreadPoolExecutor(max_workers=threads or default_threads(), thread_name_prefix="ppl-fit")
    # warning filters are process-wide: set once here, not per thread (catch_warnings is not thread-safe)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SamplerWarning)
        futures = {pool.submit(task, *arguments): index for index, arguments in enumerate(argument_lists)}
        try:
            for future in as_completed(futures):
                index = futures[future]
                try:
                    results[index] = future.result()
                except Exception as error:   # task itself failed outside the fit (a bug): keep the others
                    results[index] = {"error": (type(error).__name__, str(error))}
                line.count(failed="error" in results[index])
        except KeyboardInterrupt:
            interrupted = True
            for future in futures:
                future.cancel()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)   # fits already running finish; a 2nd Ctrl-C leaves
    return [_failure_or_result(result, key, interrupted) for result, key in zip(results, keys)], interrupted


def _run_on_dask(task, argument_lists, keys, client, retries, line):
    from distributed import as_completed

    token = uuid.uuid4().hex[:12]
    futures = [client.submit(quietly, task, *arguments, key=f"ppl-{token}-{index}", pure=False, retries=retries)
               for index, arguments in enumerate(argument_lists)]
    index_of = {future.key: index for index, future in enumerate(futures)}
    results = [None] * len(futures)
    interrupted = False
    try:
        for future in as_completed(futures):
            index = index_of[future.key]
            if future.status == "finished":
                results[index] = future.result()
            else:   # it raised `retries + 1` times, or its worker died too often (KilledWorker)
                error = future.exception()
                results[index] = {"error": (type(error).__name__, str(error))}
            future.release()
            line.count(failed="error" in results[index])
    except KeyboardInterrupt:
        interrupted = True
        client.cancel(futures)
    return [_failure_or_result(result, key, interrupted) for result, key in zip(results, keys)], interrupted


def _failure_or_result(result, key, interrupted):
    if result is None:
        return FitFailure(key, "KeyboardInterrupt", "cancelled by Ctrl-C before it finished" if interrupted
                          else "no result came back")
    if "error" in result:
        return FitFailure(key, *result["error"])
    return result


def dask_client_check(client) -> None:
    """A clear error when client= is given but dask.distributed is not installed or the
    object is not a Client."""
    try:
        import distributed
    except ImportError:
        raise ImportError(f"client= runs the fits on a Dask cluster, which needs dask.distributed: "
                          f"{DASK_EXTRA_HINT}") from None
    if not isinstance(client, distributed.Client):
        raise TypeError(f"client must be a dask.distributed.Client (or None for local threads), "
                        f"not {type(client).__name__}")


# ---- fit_many ---------------------------------------------------------------------------


def fit_many(model, datasets, *, client=None, seed=None, keep: str = "all", output_dir=None, threads=None,
             progress: bool = True, retries: int = DEFAULT_RETRIES, **sample_settings):
    """Fit `model` to each data set: a list (or dict) of data sets gives a list (or dict,
    same keys, same order) of Fits; a fit that failed is a FitFailure in its slot.

    client: None runs the fits on `threads` threads here (default: one per core), each
    fit's chains on one core unless `cores` is given; a dask.distributed.Client runs
    them as tasks on its workers (a task whose worker dies is rescheduled, one that
    raises is retried `retries` times).  seed: fit k uses `derived_seeds(seed, n)[k]`,
    so results do not depend on where it ran.  keep: "all" returns Fits; "summary"
    returns FitSummary objects (the summary table, no draws); "disk" also saves each
    Fit on the worker to `output_dir/<key>.npz` (ppl.load_fit reads it; CmdStan CSV can
    follow when ppl writes it).  The other settings are Posterior.sample's."""
    keys, data_list, as_dict = _datasets(datasets)
    _check_threads(threads)
    settings = _sample_settings(sample_settings, seed)
    if keep not in KEEPS:
        raise ValueError(f"keep must be one of {', '.join(map(repr, KEEPS))}, not {keep!r}")
    paths = [None] * len(keys)
    if keep == "disk":
        if output_dir is None:
            raise ValueError("keep='disk' saves each fit to output_dir/<key>.npz: give output_dir")
        folder = Path(output_dir)
        paths = [str(folder / f"{_file_stem(key)}.npz") for key in keys]
        if len(set(paths)) < len(paths):
            raise ValueError("keep='disk': two data set keys give the same file name once made safe for a file "
                             "system; use keys that differ in letters, digits, '-', '_' or '.'")
        folder.mkdir(parents=True, exist_ok=True)
    elif output_dir is not None:
        raise ValueError("output_dir is used with keep='disk' only")
    target = _prepared(model, client)
    if client is not None:
        data_list = [_data_for_worker(data) for data in data_list]
    seeds = derived_seeds(seed, len(keys))
    argument_lists = [(target, data, {**settings, "seed": fit_seed}, keep, path)
                      for data, fit_seed, path in zip(data_list, seeds, paths)]
    results, interrupted = run_tasks(fit_task, argument_lists, keys, client=client, threads=threads,
                                     progress=progress, retries=retries)
    fits = [_rebuilt(result, key) for result, key in zip(results, keys)]
    _warn_about(fits, interrupted)
    return dict(zip(keys, fits)) if as_dict else fits


def _datasets(datasets):
    """(keys, data sets, whether they came as a dict)."""
    if isinstance(datasets, Mapping):
        return list(datasets.keys()), list(datasets.values()), True
    if isinstance(datasets, Sequence) and not isinstance(datasets, (str, bytes)):
        return list(range(len(datasets))), list(datasets), False
    raise TypeError(f"datasets must be a list or a dict of data sets (each a dict or a JSON path), "
                    f"not {type(datasets).__name__}")


def _sample_settings(settings: dict, seed) -> dict:
    """Posterior.sample's settings for each fit, checked once here (a bad value would fail
    every fit), with the call's seed: no bar per fit, and one core per fit unless `cores`
    is given."""
    from ppl.model import _check_setting_names
    from ppl.posterior import Posterior
    from ppl.sampling.run import _check_settings

    _check_setting_names(settings)
    settings = {"cores": 1, **settings, "progress": False}
    defaults = {name: parameter.default for name, parameter in inspect.signature(Posterior.sample).parameters.items()
                if parameter.kind is inspect.Parameter.KEYWORD_ONLY}
    merged = {**defaults, **settings, "seed": seed}
    _check_settings(**{name: merged[name] for name in inspect.signature(_check_settings).parameters})
    return settings


def _prepared(model, client):
    """What each task receives: the Model itself for local threads (its generated module
    imported here first, so no two threads import it at once), a ModelReference for Dask."""
    if client is not None:
        dask_client_check(client)
        return ModelReference.of(model)
    from codegen.driver import back_end

    back_end(model.source, model.ir)
    return model


def _data_for_worker(data):
    """A JSON data path is read here: the workers may not see this machine's files (an
    unreadable one stays a path, so its fit fails with the located error)."""
    if isinstance(data, (str, os.PathLike)):
        from codegen.data_values import load_data

        try:
            return load_data(data)
        except Exception:
            return data
    return data


def _file_stem(key) -> str:
    text = str(key)
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text) or "fit"


def _rebuilt(result, key):
    if isinstance(result, FitFailure):
        return result
    if "fit" in result:
        from ppl.results.fit import Fit

        return Fit(**result["fit"])
    from ppl.results.summary import Summary

    rows, columns, flags = result["summary"]
    return FitSummary(key, Summary(rows, columns, flags), result["num_divergent"], result["sampler_warnings"],
                      result.get("path"))


class FitManyWarning(UserWarning):
    """Some of fit_many's fits failed, warned about sampling problems, or were cancelled."""


def _warn_about(fits, interrupted):
    failed = [fit for fit in fits if isinstance(fit, FitFailure)]
    troubled = [fit for fit in fits if not isinstance(fit, FitFailure)
                and (fit.sampler_warnings() if callable(getattr(fit, "sampler_warnings", None))
                     else fit.sampler_warnings)]
    if interrupted:
        warnings.warn(f"fit_many was interrupted: {len(fits) - len(failed)} of {len(fits)} fits finished; the "
                      f"others hold a FitFailure", FitManyWarning, stacklevel=4)
    elif failed:
        warnings.warn(f"{len(failed)} of {len(fits)} fits failed (FitFailure in their slots); the first: "
                      f"{failed[0]}", FitManyWarning, stacklevel=4)
    if troubled:
        warnings.warn(f"{len(troubled)} of {len(fits)} fits have sampler warnings (divergences or maximum tree "
                      f"depth): see each fit's sampler_warnings", FitManyWarning, stacklevel=4)
