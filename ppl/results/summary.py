"""The per-element summary table of a Fit: mean, sd, quantiles, and (when the
diagnostics module is present) Monte Carlo standard errors, bulk and tail ESS
and rank-normalised R-hat, in the columns CmdStan's stansummary prints."""

from __future__ import annotations

import numpy as np

QUANTILES = (0.05, 0.5, 0.95)


class Summary:
    """Rows of (name, {column: value}); prints as an aligned table."""

    def __init__(self, rows: list[tuple[str, dict]], columns: list[str], flags: dict | None = None):
        self.rows = rows
        self.columns = columns
        self.flags = flags or {}        # row name → why it is flagged

    def to_dict(self) -> dict[str, dict[str, float]]:
        return {name: dict(values) for name, values in self.rows}

    def to_pandas(self):
        import pandas   # optional

        return pandas.DataFrame.from_dict(self.to_dict(), orient="index")[self.columns]

    def __getitem__(self, name):
        for row_name, values in self.rows:
            if row_name == name:
                return values
        raise KeyError(name)

    def __len__(self) -> int:
        return len(self.rows)

    def __str__(self) -> str:
        width = max([len("name")] + [len(name) for name, _ in self.rows])
        header = "name".ljust(width) + "".join(f"{c:>10s}" for c in self.columns)
        lines = [header]
        for name, values in self.rows:
            cells = "".join(_cell(values[c], c) for c in self.columns)
            mark = "  <- " + self.flags[name] if name in self.flags else ""
            lines.append(name.ljust(width) + cells + mark)
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{c}</th>" for c in ["name"] + self.columns)
        body = []
        for name, values in self.rows:
            style = ' style="background:#fdd"' if name in self.flags else ""
            cells = "".join(f"<td>{_cell(values[c], c).strip()}</td>" for c in self.columns)
            body.append(f"<tr{style}><td>{name}</td>{cells}</tr>")
        return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _cell(value, column: str = "") -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return f"{'nan':>10s}"
    if column.startswith("ess"):
        return f"{value:>10.0f}"
    if abs(value) >= 1e5 or (value != 0 and abs(value) < 1e-3):
        return f"{value:>10.3g}"
    return f"{value:>10.3f}"


def _elements(name: str, draws: np.ndarray):
    """(element name, [chains, draws]) for each scalar element, row-major."""
    shape = draws.shape[2:]
    if not shape:
        yield name, draws
        return
    for index in np.ndindex(*shape):
        yield f"{name}[{', '.join(map(str, index))}]", draws[(slice(None), slice(None)) + index]


def summarize(fit, names=None, kinds=("param", "deterministic", "generated")) -> Summary:
    try:
        from ppl import diagnostics
    except ImportError:   # before the diagnostics module exists: moments and quantiles only
        diagnostics = None
    selected = names if names is not None else [n for n in fit.names() if fit.kinds[n] in kinds]
    columns = ["mean", "sd"] + (["mcse_mean"] if diagnostics else []) + [f"q{round(100 * q)}" for q in QUANTILES]
    if diagnostics:
        columns += ["ess_bulk", "ess_tail", "r_hat"]
    rows, flags = [], {}
    chains = fit.num_chains
    for name in selected:
        draws = np.asarray(fit[name], dtype=float)
        flat = draws.reshape(draws.shape[:2] + (-1,))
        mean = flat.mean(axis=(0, 1))
        sd = flat.std(axis=(0, 1), ddof=1) if flat.shape[0] * flat.shape[1] > 1 else np.full(mean.shape, np.nan)
        quantiles = np.quantile(flat, QUANTILES, axis=(0, 1))
        extra = {}
        if diagnostics:
            extra = diagnostics.summary_columns(flat)
        element_names = [element for element, _ in _elements(name, draws)]
        for k, element in enumerate(element_names):
            values = {"mean": float(mean[k]), "sd": float(sd[k])}
            for q, row in zip(QUANTILES, quantiles):
                values[f"q{round(100 * q)}"] = float(row[k])
            for column, array in extra.items():
                values[column] = float(np.asarray(array)[k])
            rows.append((element, values))
            if diagnostics:
                why = []
                if values["r_hat"] > 1.01:
                    why.append("r_hat > 1.01")
                if min(values["ess_bulk"], values["ess_tail"]) < 100 * chains:
                    why.append(f"ess < {100 * chains}")
                if why:
                    flags[element] = ", ".join(why)
    return Summary(rows, columns, flags)
