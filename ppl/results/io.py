"""Fits on disk.

CSV (`fit.to_csv(path)`, `ppl.read_csv(path)`): one row per draw, in the
spirit of CmdStan's output: columns `chain__`, `draw__`, the sampler
statistics with Stan's names (`lp__`, `accept_stat__`, `stepsize__`,
`treedepth__`, `n_leapfrog__`, `divergent__`, `energy__`), then one column per
scalar element (`w[0]`, `L[1, 0]`; 0-based like the language).  The first
line is a comment holding, as JSON, what the columns cannot: each quantity's
kind and shape, which quantities are integers (`gen k ~ Poisson(...)`, read back
as int64), the seed, method and settings, so that reading it back gives the
same Fit.  Numbers are written with 17 significant digits: the round
trip is exact.

npz (`fit.save(path)`, `ppl.load_fit(path)`): the arrays as they are (the
unconstrained draws and each draw's `gen` seed too, for generate_quantities) plus the
same metadata, the model text and a hash of the data: lossless and compact.
"""

from __future__ import annotations

import csv
import json

import numpy as np

STAN_STAT_NAMES = {"lp": "lp__", "accept_stat": "accept_stat__", "step_size": "stepsize__",
                   "tree_depth": "treedepth__", "n_leapfrog": "n_leapfrog__", "diverging": "divergent__",
                   "energy": "energy__"}
_MARK = "# ppl "


def _metadata(fit) -> dict:
    return {"model": fit.model_name, "seed": fit.seed, "method": fit.method, "settings": fit.settings,
            "kinds": fit.kinds, "shapes": {name: list(fit[name].shape[2:]) for name in fit.keys()},
            "integers": [name for name in fit.keys() if np.issubdtype(np.asarray(fit[name]).dtype, np.integer)],
            "stats": list(fit.stats)}


def _element_names(name, shape):
    if not shape:
        return [name]
    return [f"{name}[{', '.join(map(str, index))}]" for index in np.ndindex(*shape)]


def to_csv(fit, path) -> None:
    metadata = _metadata(fit)
    chains, draws = fit.num_chains, fit.num_draws
    header = ["chain__", "draw__"] + [STAN_STAT_NAMES.get(s, s) for s in fit.stats]
    columns = [np.repeat(np.arange(chains), draws), np.tile(np.arange(draws), chains)]
    columns += [np.asarray(fit.stats[s]).reshape(-1) for s in fit.stats]
    for name in fit.keys():
        values = np.asarray(fit[name])
        header += _element_names(name, values.shape[2:])
        flat = values.reshape(chains * draws, -1)
        columns += [flat[:, k] for k in range(flat.shape[1])]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        handle.write(_MARK + json.dumps(metadata) + "\n")
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in zip(*columns):
            writer.writerow([_number(v) for v in row])


def _number(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "1" if value else "0"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return repr(float(value))


def is_ppl_csv(path) -> bool:
    """Whether the file starts as `to_csv` writes (its metadata line)."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        return handle.readline().startswith(_MARK)


def read_csv_fields(path) -> dict:
    """The fields of the Fit written by `Fit.to_csv` (its keyword arguments; the
    statistics as float64, which `Fit.read_csv` casts back)."""
    with open(path, encoding="utf-8") as handle:
        first = handle.readline()
        if not first.startswith(_MARK):
            raise ValueError(f"{path}: not a ppl draws file (its first line should start with {_MARK.strip()!r})")
        metadata = json.loads(first[len(_MARK):])
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(reader)
        table = np.array([[float(v) for v in row] for row in rows])
    chains = int(table[:, 0].max()) + 1 if len(table) else 0
    draws = len(table) // max(chains, 1)
    column = {name: k for k, name in enumerate(header)}
    stats = {}
    for name in metadata["stats"]:
        values = table[:, column[STAN_STAT_NAMES.get(name, name)]].reshape(chains, draws)
        stats[name] = values
    quantities = {}
    integers = set(metadata.get("integers", ()))
    for name, shape in metadata["shapes"].items():
        indices = [column[element] for element in _element_names(name, shape)]
        values = (np.array([[int(row[k]) for k in indices] for row in rows], dtype=np.int64).reshape(len(rows), -1)
                  if name in integers else table[:, indices])   # ints exactly, beyond 2**53 too
        quantities[name] = values.reshape([chains, draws] + list(shape))
    return dict(draws=quantities, stats=stats, kinds=metadata["kinds"], seed=metadata["seed"],
                method=metadata["method"], settings=metadata["settings"], model_name=metadata["model"])


def save(fit, path) -> None:
    metadata = _metadata(fit)
    metadata.update(fit.provenance)
    arrays = {f"draw:{name}": np.asarray(fit[name]) for name in fit.keys()}
    arrays.update({f"stat:{name}": np.asarray(value) for name, value in fit.stats.items()})
    if fit.warmup is not None:
        arrays.update({f"warmup:{name}": np.asarray(value) for name, value in fit.warmup.items()})
        arrays.update({f"warmup_stat:{name}": np.asarray(value) for name, value in fit.warmup_stats.items()})
    for name, value in fit.timing.items():
        arrays[f"timing:{name}"] = np.asarray(value)
    for name in ("step_size", "inverse_metric", "unconstrained", "gen_seeds"):
        if getattr(fit, name) is not None:
            arrays[f"sampler:{name}"] = np.asarray(getattr(fit, name))
    for group, values in (("observed", fit.observed_data), ("constant", fit.constant_data)):
        arrays.update({f"{group}:{name}": np.asarray(value) for name, value in (values or {}).items()})
    arrays["metadata"] = np.array(json.dumps(metadata))
    with open(path, "wb") as handle:
        np.savez_compressed(handle, **arrays)


def load_fields(path) -> dict:
    """The fields (keyword arguments) of the Fit saved by `Fit.save`, exactly."""
    with np.load(path, allow_pickle=False) as archive:
        metadata = json.loads(str(archive["metadata"]))
        groups: dict[str, dict] = {}
        for key in archive.files:
            if key == "metadata":
                continue
            group, name = key.split(":", 1)
            groups.setdefault(group, {})[name] = archive[key]
    sampler = groups.get("sampler", {})
    provenance = {k: metadata[k] for k in ("model_text", "data_hash", "versions") if k in metadata}
    return dict(draws={name: groups["draw"][name] for name in metadata["shapes"]},
                stats={name: groups["stat"][name] for name in metadata["stats"]}, kinds=metadata["kinds"],
                warmup=groups.get("warmup"), warmup_stats=groups.get("warmup_stat"), timing=groups.get("timing"),
                step_size=sampler.get("step_size"), inverse_metric=sampler.get("inverse_metric"),
                unconstrained=sampler.get("unconstrained"), gen_seeds=sampler.get("gen_seeds"),
                observed_data=groups.get("observed"), constant_data=groups.get("constant"),
                seed=metadata["seed"], method=metadata["method"],
                settings=metadata["settings"], model_name=metadata["model"], provenance=provenance)
