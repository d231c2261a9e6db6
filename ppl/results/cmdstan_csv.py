"""Fits as CmdStan writes them: one Stan CSV file per chain, so that a ppl run drops
into the tools that read CmdStan's output (`arviz.from_cmdstan`,
`cmdstanpy.from_csv`, CmdStan's own `stansummary`), and CmdStan's files read
back into a `ppl.Fit`.

The format (CmdStan guide, "Stan CSV File Format"):

- `#` comment lines with the run's configuration, one `key = value` a line,
  indented by CmdStan's argument hierarchy, `(Default)` after a value left at
  CmdStan's default;
- the header line: the sampler's columns `lp__, accept_stat__, stepsize__,
  treedepth__, n_leapfrog__, divergent__, energy__`, then one column per
  scalar element of the params, deterministics and `gen` quantities, named
  `theta.1`, `L.2.1` (1-based, indices joined by dots) in column-major order
  (the first index varies fastest, as CmdStan serialises every container);
- with `save_warmup`, the warmup rows;
- the adaptation block: `# Adaptation terminated`, `# Step size = ...`, and the
  inverse metric (`# Diagonal elements of inverse mass matrix:` and one line, or
  `# Elements of inverse mass matrix:` and one line per row for a dense metric);
- the sampling rows;
- the timing footer, `#  Elapsed Time: ... seconds (Warm-up)` and so on.

ppl's low-rank metric has no CmdStan name: it is written as `dense_e` with the
matrix it applies.  One more comment line, `# ppl_metadata {json}`, keeps what
CmdStan's format cannot say (each quantity's kind, which are integers, shapes
with no elements, ppl's own settings), so reading our own files back gives the
same Fit; CmdStan's readers skip it.  Numbers are written in the shortest form
that reads back exactly (CmdStan writes 6 significant digits by default).

Read back (`ppl.read_cmdstan_csv`), a CmdStan file gives each column group a
quantity (`theta.1 ... theta.8` → `theta` of shape [8]); CmdStan does not say
which block a quantity was declared in, so all are params, and all are reals.
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path

import numpy as np

from ppl.version import __version__

STAN_STAT_NAMES = {"lp": "lp__", "accept_stat": "accept_stat__", "step_size": "stepsize__",
                   "tree_depth": "treedepth__", "n_leapfrog": "n_leapfrog__", "diverging": "divergent__",
                   "energy": "energy__"}
PPL_STAT_NAMES = {stan: ppl for ppl, stan in STAN_STAT_NAMES.items()}
STAT_DTYPES = {"tree_depth": np.int64, "n_leapfrog": np.int64, "diverging": bool}
CMDSTAN_METRICS = {"diag": "diag_e", "dense": "dense_e", "low_rank": "dense_e", "unit": "unit_e"}
PPL_METRICS = {"diag_e": "diag", "dense_e": "dense", "unit_e": "unit"}
MCMC_METHODS = ("nuts", "hmc")
METADATA_MARK = "# ppl_metadata "
# CmdStan's defaults for `sample`: a value equal to one is marked "(Default)"
CMDSTAN_DEFAULTS = {"num_samples": 1000, "num_warmup": 1000, "save_warmup": 0, "thin": 1, "engaged": 1,
                    "delta": 0.8, "max_depth": 10, "metric": "diag_e", "algorithm": "hmc", "engine": "nuts"}


# ---- names -------------------------------------------------------------------

def column_names(name: str, shape: tuple) -> list[str]:
    """CmdStan's names of a quantity's scalar elements, in its order: `theta.1`, ...,
    column-major (`L.1.1, L.2.1, L.1.2, L.2.2`)."""
    if not shape:
        return [name]
    return [name + "".join(f".{i + 1}" for i in reversed(index))
            for index in np.ndindex(*reversed(shape))]


def _columns_in_order(values: np.ndarray) -> np.ndarray:
    """[rows, *shape] → [rows, elements] in the order of `column_names` (Fortran order
    over the element axes keeps each row's elements together, the first index fastest)."""
    return values.reshape(values.shape[0], -1, order="F")


# ---- writing -----------------------------------------------------------------

def to_cmdstan_csv(fit, directory, *, data_file: str | None = None) -> list[Path]:
    """Write one CmdStan CSV file per chain into `directory` (created if missing), named
    `{model}_{chain}.csv` with 1-based chains as CmdStan numbers them; returns the paths."""
    if fit.method not in MCMC_METHODS:
        raise ValueError(f"CmdStan's CSV format holds MCMC runs (method nuts or hmc); this fit's method is "
                         f"{fit.method!r}")
    missing = [name for name in STAN_STAT_NAMES if name not in fit.stats]
    if missing:
        raise ValueError(f"this fit has no sampler statistic {', '.join(missing)}: CmdStan's format needs all seven")
    if fit.step_size is None or (fit.inverse_metric is None and fit.settings.get("metric") != "unit"):
        raise ValueError("this fit does not hold its adapted step size and inverse metric (a fit read with "
                         "ppl.read_csv does not): CmdStan's format needs them; fit.save / ppl.load_fit keep them")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for chain in range(fit.num_chains):
        path = directory / f"{_file_stem(fit.model_name)}_{chain + 1}.csv"
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(_chain_text(fit, chain, path, data_file))
        paths.append(path)
    return paths


def _file_stem(model_name: str) -> str:
    """The model's name as CmdStan's files carry it: letters, digits, `_`, `-`, `.`; "model" for
    a model given as a string (named `<string>`)."""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", model_name).strip("_.")
    return stem if stem and not model_name.startswith("<") else "model"


def _config_lines(fit, chain: int, path: Path, data_file: str | None) -> list[str]:
    settings = fit.settings
    thin = int(settings.get("thin", 1))
    num_samples = fit.num_draws * thin if fit.interrupted else int(settings.get("draws", fit.num_draws * thin))
    num_warmup = int(settings.get("warmup", 0))
    metric = CMDSTAN_METRICS.get(settings.get("metric", "diag"), "diag_e")
    if settings.get("metric") == "auto":   # a diagonal, or every chain's matrix once one escalated to the low rank
        metric = "dense_e" if np.ndim(fit.inverse_metric) == 3 else "diag_e"

    def line(depth, key, value=None):
        if value is None:
            return "#" + "  " * depth + " " + key
        shown = _setting(value)
        default = " (Default)" if key in CMDSTAN_DEFAULTS and _setting(CMDSTAN_DEFAULTS[key]) == shown else ""
        return f"#{'  ' * depth} {key} = {shown}{default}"

    lines = [line(0, "model", f"{_file_stem(fit.model_name)}_model"), line(0, "method", "sample") + " (Default)",
             line(1, "sample"), line(2, "num_samples", num_samples), line(2, "num_warmup", num_warmup),
             line(2, "save_warmup", int(fit.warmup is not None)), line(2, "thin", thin),
             line(2, "adapt"), line(3, "engaged", int(num_warmup > 0)),
             line(3, "delta", float(settings.get("target_accept", 0.8))),
             line(2, "algorithm", "hmc"), line(3, "hmc")]
    if fit.method == "nuts":
        lines += [line(4, "engine", "nuts"), line(5, "nuts"),
                  line(6, "max_depth", int(settings.get("max_treedepth", 10)))]
    else:   # static HMC: CmdStan's integration time is the number of steps times the step size
        steps = int(np.asarray(fit.stats["n_leapfrog"])[chain, 0]) if fit.num_draws else 0
        lines += [line(4, "engine", "static"), line(5, "static"),
                  line(6, "int_time", steps * float(np.asarray(fit.step_size)[chain]))]
    lines += [line(4, "metric", metric), line(2, "num_chains", 1), line(0, "id", chain + 1),
              line(0, "data"), line(1, "file", data_file or ""), line(0, "random"),
              line(1, "seed", fit.seed if fit.seed is not None else -1),
              line(0, "output"), line(1, "file", str(path)), line(0, "ppl_version", __version__)]
    return lines


def _setting(value) -> str:
    if isinstance(value, float):
        return f"{value:g}" if float(f"{value:g}") == value else repr(value)
    return str(value)


def _metadata(fit) -> dict:
    return {"model": fit.model_name, "method": fit.method, "settings": fit.settings, "kinds": fit.kinds,
            "shapes": {name: list(np.shape(fit[name])[2:]) for name in fit.keys()},
            "integers": [name for name in fit.keys() if np.issubdtype(np.asarray(fit[name]).dtype, np.integer)],
            "stats": list(fit.stats)}


def _rows(fit, chain: int, draws: dict, stats: dict) -> list[str]:
    """The CSV rows of one chain: the seven statistics, then every element, column-major."""
    columns = [_column_text(np.asarray(stats[name])[chain]) for name in STAN_STAT_NAMES]
    for name in fit.keys():
        flat = _columns_in_order(np.asarray(draws[name])[chain])
        columns.extend(_column_text(flat[:, k]) for k in range(flat.shape[1]))
    return [",".join(row) for row in zip(*columns)]


def _column_text(values: np.ndarray) -> list[str]:
    """One column's values as text, a whole column at a time: bools as 0/1, integers as
    integers, floats in the shortest form that reads back exactly (Python's repr: `nan`,
    `inf`, `-inf` as CmdStan writes them)."""
    if values.dtype == bool:
        return ["1" if value else "0" for value in values.tolist()]
    if np.issubdtype(values.dtype, np.integer):
        return list(map(str, values.tolist()))
    return list(map(repr, values.astype(float).tolist()))


def _chain_text(fit, chain: int, path: Path, data_file: str | None) -> str:
    header = list(STAN_STAT_NAMES.values())
    for name in fit.keys():
        header += column_names(name, np.shape(fit[name])[2:])
    lines = _config_lines(fit, chain, path, data_file)
    lines.append(METADATA_MARK + json.dumps(_metadata(fit)))
    lines.append(",".join(header))
    if fit.warmup is not None:
        lines += _rows(fit, chain, fit.warmup, fit.warmup_stats)
    lines += ["# Adaptation terminated", f"# Step size = {_number(float(np.asarray(fit.step_size)[chain]))}"]
    metric = None if fit.settings.get("metric") == "unit" else np.asarray(fit.inverse_metric)[chain]
    if metric is None:
        lines.append("# No free parameters for unit metric")
    elif metric.ndim == 1:
        lines += ["# Diagonal elements of inverse mass matrix:", "# " + ", ".join(map(_number, metric))]
    else:
        lines.append("# Elements of inverse mass matrix:")
        lines += ["# " + ", ".join(map(_number, row)) for row in metric]
    lines += _rows(fit, chain, fit, fit.stats)
    warmup_seconds = _seconds(fit.timing, "warmup_seconds", chain)
    sampling_seconds = _seconds(fit.timing, "sampling_seconds", chain)
    lines += ["# ", f"#  Elapsed Time: {warmup_seconds:.3f} seconds (Warm-up)",
              f"#                {sampling_seconds:.3f} seconds (Sampling)",
              f"#                {warmup_seconds + sampling_seconds:.3f} seconds (Total)", "# "]
    return "\n".join(lines) + "\n"


def _seconds(timing: dict, name: str, chain: int) -> float:
    values = (timing or {}).get(name)
    return float(np.asarray(values)[chain]) if values is not None else 0.0


def _number(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "1" if value else "0"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    value = float(value)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


# ---- reading -----------------------------------------------------------------

class _ChainFile:
    """One Stan CSV file, parsed: configuration, header, warmup and sampling rows (as text,
    so that integers keep every digit), adaptation and timing."""

    def __init__(self, path):
        self.path = str(path)
        self.config: dict[str, str] = {}
        self.metadata = None
        self.header: list[str] | None = None
        self.warmup_rows: list[list[str]] = []
        self.rows: list[list[str]] = []
        self.step_size = None
        self.metric_rows: list[list[float]] = []
        self.timing: dict[str, float] = {}
        after_adaptation = False
        metric_block = False
        with open(path, encoding="utf-8") as handle:
            for number, raw in enumerate(handle, start=1):
                text = raw.strip()
                if not text:
                    continue
                if text.startswith("#"):
                    body = text.lstrip("#").strip()
                    if raw.startswith(METADATA_MARK):
                        self.metadata = json.loads(raw[len(METADATA_MARK):])
                    elif self.header is None:
                        if " = " in body:
                            key, value = body.split(" = ", 1)
                            self.config.setdefault(key.strip(), value.replace("(Default)", "").strip())
                        elif body.endswith("="):
                            self.config.setdefault(body[:-1].strip(), "")
                    elif body.startswith("Adaptation terminated"):
                        after_adaptation = True
                    elif body.startswith("Step size"):
                        self.step_size = float(body.split("=", 1)[1])
                    elif "inverse mass matrix" in body:
                        metric_block = True
                    elif body.startswith("Elapsed Time") or "seconds (" in body:
                        metric_block = False
                        seconds, _, phase = body.replace("Elapsed Time:", "").strip().partition(" seconds ")
                        self.timing[phase.strip("()")] = float(seconds)
                    elif metric_block and body:
                        self.metric_rows.append([float(v) for v in body.split(",")])
                    continue
                metric_block = False
                cells = text.split(",")
                if self.header is None:
                    self.header = cells
                    continue
                if len(cells) != len(self.header):
                    raise ValueError(f"{self.path}:{number}: a row of {len(cells)} values under a header of "
                                     f"{len(self.header)} columns (a truncated or corrupt file?)")
                (self.rows if after_adaptation else self.warmup_rows).append(cells)
        if self.header is None:
            raise ValueError(f"{self.path}: no header line: not a Stan CSV file")
        if self.config.get("method", "sample") != "sample":
            raise ValueError(f"{self.path}: written by CmdStan's {self.config['method']!r} method; "
                             f"read_cmdstan_csv reads MCMC output (method = sample)")
        if not after_adaptation:   # no adaptation block (fixed_param, no warmup): the warmup count says
            saved = int(self.config.get("save_warmup", "0") in ("1", "true"))
            thin = int(self.config.get("thin", "1"))
            count = saved * -(-int(self.config.get("num_warmup", "0")) // thin)
            self.rows = self.warmup_rows[count:]
            self.warmup_rows = self.warmup_rows[:count]

    def table(self, rows) -> np.ndarray:
        try:
            return np.array(rows, dtype=float).reshape(len(rows), len(self.header))
        except ValueError as error:
            raise ValueError(f"{self.path}: a value that is not a number ({error})") from None


def _paths(paths) -> list[str]:
    if isinstance(paths, (str, os.PathLike)):
        if os.path.isdir(paths):
            found = sorted(str(p) for p in Path(paths).glob("*.csv"))
            if not found:
                raise ValueError(f"{os.fspath(paths)}: no .csv files in this folder")
            return found
        return [os.fspath(paths)]
    paths = [os.fspath(p) for p in paths]
    if not paths:
        raise ValueError("read_cmdstan_csv needs at least one file")
    return paths


def _groups(header: list[str]) -> dict[str, list[tuple[int, tuple]]]:
    """quantity → [(column, 0-based index)] from CmdStan's column names."""
    groups: dict[str, list[tuple[int, tuple]]] = {}
    for column, name in enumerate(header):
        if name.endswith("__"):
            continue
        base, *indices = name.split(".")
        try:
            index = tuple(int(i) - 1 for i in indices)
        except ValueError:
            base, index = name, ()
        groups.setdefault(base, []).append((column, index))
    return groups


def _quantities(header, tables, groups, shapes, integers, rows_text) -> dict[str, np.ndarray]:
    quantities = {}
    for name, members in groups.items():
        shape = tuple(shapes[name]) if name in shapes else tuple(
            np.max([index for _, index in members], axis=0) + 1) if members[0][1] else ()
        values = np.zeros((len(tables), tables[0].shape[0], *shape),
                          dtype=np.int64 if name in integers else float)
        for column, index in members:
            for chain, table in enumerate(tables):
                if name in integers:   # from the text: every digit, beyond 2**53 too
                    values[(chain, slice(None), *index)] = [int(row[column]) for row in rows_text[chain]]
                else:
                    values[(chain, slice(None), *index)] = table[:, column]
        quantities[name] = values
    for name, shape in shapes.items():   # quantities with no elements have no columns
        if name not in quantities:
            quantities[name] = np.zeros((len(tables), tables[0].shape[0], *shape),
                                        dtype=np.int64 if name in integers else float)
    return quantities


def _stats(header, tables) -> dict[str, np.ndarray]:
    stats = {}
    for column, name in enumerate(header):
        if name.endswith("__"):
            ppl_name = PPL_STAT_NAMES.get(name, name[:-2])
            values = np.stack([table[:, column] for table in tables])
            stats[ppl_name] = values.astype(STAT_DTYPES.get(ppl_name, float))
    return stats


def read_cmdstan_csv_fields(paths) -> dict:
    """The fields (keyword arguments) of the Fit held by CmdStan CSV files, one per chain:
    a list of paths, one path, or a folder (its *.csv files in name order).  Chains are
    ordered by the `id` CmdStan wrote, else as given."""
    files = [_ChainFile(path) for path in _paths(paths)]
    files.sort(key=lambda f: int(f.config.get("id", 0) or 0))
    first = files[0]
    for other in files[1:]:
        if other.header != first.header:
            raise ValueError(f"{other.path}: its columns differ from {first.path}'s: not chains of one run")
        if (len(other.rows), len(other.warmup_rows)) != (len(first.rows), len(first.warmup_rows)):
            raise ValueError(f"{other.path}: holds {len(other.rows)} draws ({len(other.warmup_rows)} warmup) and "
                             f"{first.path} {len(first.rows)} ({len(first.warmup_rows)} warmup): not chains of one run")
    metadata = first.metadata or {}
    shapes = {name: tuple(shape) for name, shape in metadata.get("shapes", {}).items()}
    integers = set(metadata.get("integers", ()))
    groups = _groups(first.header)
    order = list(metadata.get("shapes", {})) or list(groups)
    groups = {name: groups[name] for name in order if name in groups}

    def phase(rows_of):
        rows_text = [rows_of(f) for f in files]
        tables = [f.table(rows) for f, rows in zip(files, rows_text)]
        return _quantities(first.header, tables, groups, shapes, integers, rows_text), _stats(first.header, tables)

    draws, stats = phase(lambda f: f.rows)
    if metadata.get("stats"):
        stats = {name: stats[name] for name in metadata["stats"] if name in stats}
    warmup = warmup_stats = None
    if first.warmup_rows:
        warmup, warmup_stats = phase(lambda f: f.warmup_rows)
    config = first.config
    metric_name = PPL_METRICS.get(config.get("metric", "diag_e"), "diag")
    step_size = (np.array([f.step_size for f in files]) if all(f.step_size is not None for f in files) else None)
    inverse_metric = None
    if all(f.metric_rows for f in files):
        matrices = [np.array(f.metric_rows) for f in files]
        inverse_metric = np.stack([m[0] if m.shape[0] == 1 and metric_name != "dense" else m for m in matrices])
    timing = {"warmup_seconds": np.array([f.timing.get("Warm-up", np.nan) for f in files]),
              "sampling_seconds": np.array([f.timing.get("Sampling", np.nan) for f in files])}
    method = metadata.get("method") or ("hmc" if config.get("engine") == "static" else "nuts")
    settings = metadata.get("settings") or {
        "chains": len(files), "warmup": int(config.get("num_warmup", 0)),
        "draws": int(config.get("num_samples", len(first.rows))), "thin": int(config.get("thin", 1)),
        "target_accept": float(config.get("delta", 0.8)), "max_treedepth": int(config.get("max_depth", 10)),
        "metric": metric_name, "save_warmup": warmup is not None}
    seed = config.get("seed")
    model_name = metadata.get("model") or config.get("model", "model").removesuffix("_model")
    kinds = metadata.get("kinds") or {name: "param" for name in draws}
    return dict(draws=draws, stats=stats, kinds=kinds, warmup=warmup, warmup_stats=warmup_stats, timing=timing,
                step_size=step_size, inverse_metric=inverse_metric,
                seed=int(seed) if seed not in (None, "", "-1") else None, method=method, settings=settings,
                model_name=model_name)
