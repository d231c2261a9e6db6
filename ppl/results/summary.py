"""The per-element summary table of a Fit: mean, sd, quantiles, and (when the
diagnostics module is present) Monte Carlo standard errors, bulk and tail ESS
and rank-normalised R-hat, in the columns CmdStan's stansummary prints.

What is shown is chosen for a person reading it: the params by default, in
the model's order; deterministics and `gen` quantities on request
(`include="all"`, or a list of kinds and names), since a model's `mu[N]` or
`y_rep[N]` would otherwise bury its four params under a hundred rows.  A long
quantity prints its first elements and one "... 94 more elements of mu" line;
every row is still in the table (`summary["mu[57]"]`, `to_dict()`)."""

from __future__ import annotations

import html

import numpy as np

QUANTILES = (0.05, 0.5, 0.95)
KINDS = ("param", "deterministic", "generated")
KIND_ALIASES = {"param": "param", "params": "param", "deterministic": "deterministic",
                "deterministics": "deterministic", "generated": "generated", "gen": "generated"}
ELEMENTS_SHOWN = 10     # a quantity with more elements prints this many and a count line


class Summary:
    """Rows of (name, {column: value}); prints as an aligned table.

    `quantities` lists (quantity, number of rows) in row order, so that printing can
    group a quantity's elements; `omitted` names the quantities the selection left out."""

    def __init__(self, rows: list[tuple[str, dict]], columns: list[str], flags: dict | None = None,
                 quantities: list[tuple[str, int]] | None = None, omitted: list[tuple[str, str]] | None = None):
        self.rows = rows
        self.columns = columns
        self.flags = flags or {}        # row name → why it is flagged
        self.quantities = quantities if quantities is not None else [(name, 1) for name, _ in rows]
        self.omitted = omitted or []    # (quantity, kind) not selected

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

    def _shown(self, max_elements):
        """The table as printed: ("row", name, values) for a shown element, ("more", quantity,
        (hidden count, flagged among them)) for a quantity's elided tail."""
        start = 0
        for quantity, count in self.quantities:
            rows = self.rows[start:start + count]
            start += count
            keep = count if max_elements is None or count <= max_elements else max_elements
            for name, values in rows[:keep]:
                yield "row", name, values
            if keep < count:
                flagged = sum(name in self.flags for name, _ in rows[keep:])
                yield "more", quantity, (count - keep, flagged)

    def _footer(self) -> str:
        if not self.omitted:
            return ""
        listed = ", ".join(f"{name} ({kind})" for name, kind in self.omitted)
        return f'not shown: {listed}; include="all" (--all on the command line) shows them'

    def to_string(self, max_elements: int | None = ELEMENTS_SHOWN) -> str:
        """The table, with at most `max_elements` rows per quantity (None: every row)."""
        width = max([len("name")] + [len(name) for name, _ in self.rows])
        lines = ["name".ljust(width) + "".join(f"{c:>10s}" for c in self.columns)]
        for what, name, values in self._shown(max_elements):
            if what == "more":
                lines.append(_more(name, *values))
                continue
            cells = "".join(_cell(values[c], c) for c in self.columns)
            mark = "  <- " + self.flags[name] if name in self.flags else ""
            lines.append(name.ljust(width) + cells + mark)
        footer = self._footer()
        return "\n".join(lines + ([footer] if footer else []))

    def __str__(self) -> str:
        return self.to_string()

    __repr__ = __str__

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{c}</th>" for c in ["name"] + self.columns)
        body = []
        for what, name, values in self._shown(ELEMENTS_SHOWN):
            if what == "more":
                body.append(f'<tr><td colspan="{len(self.columns) + 1}"><i>{html.escape(_more(name, *values))}'
                            f'</i></td></tr>')
                continue
            style = ' style="background:#fdd"' if name in self.flags else ""
            title = f' title="{html.escape(self.flags[name])}"' if name in self.flags else ""
            cells = "".join(f"<td>{_cell(values[c], c).strip()}</td>" for c in self.columns)
            body.append(f"<tr{style}{title}><td>{html.escape(name)}</td>{cells}</tr>")
        footer = self._footer()
        caption = f"<caption>{html.escape(footer)}</caption>" if footer else ""
        return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _more(quantity: str, hidden: int, flagged: int) -> str:
    return (f"... {hidden} more elements of {quantity}"
            + (f" ({flagged} of them flagged)" if flagged else ""))


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


def selected_names(fit, names=None, include="params") -> list[str]:
    """The quantities a summary shows: `names` as given, or those `include` picks, params
    first, then deterministics, then generated quantities, each in the model's order.

    include: "params" (the default), "all", or a list of kinds ("param", "deterministic",
    "generated", or "params", "deterministics", "gen") and quantity names."""
    if names is not None:
        names = [names] if isinstance(names, str) else list(names)
        for name in names:
            fit[name]    # an unknown name: KeyError with a suggestion
        return names
    if include is None or include == "params":
        include = ["param"]
    elif include == "all":
        include = list(KINDS)
    elif isinstance(include, str):
        include = [include]
    kinds, named = set(), []
    for item in include:
        if item in KIND_ALIASES:
            kinds.add(KIND_ALIASES[item])
        else:
            fit[item]    # neither a kind nor a quantity: KeyError with a suggestion
            named.append(item)
    chosen = [name for kind in KINDS for name in fit.names(kind) if kind in kinds or name in named]
    return chosen + [name for name in named if name not in chosen]


def summarize(fit, names=None, include="params") -> Summary:
    try:
        from ppl import diagnostics
    except ImportError:   # before the diagnostics module exists: moments and quantiles only
        diagnostics = None
    selected = selected_names(fit, names, include)
    omitted = [] if names is not None else [(name, fit.kinds.get(name, "?")) for name in fit.names()
                                            if name not in selected]
    columns = ["mean", "sd"] + (["mcse_mean"] if diagnostics else []) + [f"q{round(100 * q)}" for q in QUANTILES]
    if diagnostics:
        columns += ["ess_bulk", "ess_tail", "r_hat"]
    rows, flags, quantities = [], {}, []
    chains = fit.num_chains
    for name in selected:
        draws = np.asarray(fit[name], dtype=float)
        flat = draws.reshape(draws.shape[:2] + (-1,))
        element_names = [element for element, _ in _elements(name, draws)]
        quantities.append((name, len(element_names)))
        if not element_names:
            continue
        mean = flat.mean(axis=(0, 1))
        sd = flat.std(axis=(0, 1), ddof=1) if flat.shape[0] * flat.shape[1] > 1 else np.full(mean.shape, np.nan)
        quantiles = np.quantile(flat, QUANTILES, axis=(0, 1))
        extra = {}
        if diagnostics:
            extra = diagnostics.summary_columns(flat)
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
    return Summary(rows, columns, flags, quantities, omitted)
