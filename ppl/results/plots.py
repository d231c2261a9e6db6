"""Plots of a Fit with matplotlib (optional: `pip install 'ppl[plot]'`).  Each
returns the matplotlib Figure, drawn with the non-interactive API so that it
works without a screen; save it with `figure.savefig("trace.png")`.

- `plot_trace`: per scalar element, the draws of each chain against the
  iteration (left) and a histogram per chain (right): mixing at a glance.
- `plot_posterior`: per element, the pooled histogram with the mean and the
  5% / 95% quantiles marked.
- `plot_pair`: scatter plots of every pair of elements, divergent draws in red.
"""

from __future__ import annotations

import numpy as np

from ppl.results.summary import _elements


def _figure(rows, columns, width=4.0, height=2.2):
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError("plots need matplotlib: pip install matplotlib (or pip install 'ppl[plot]')") from None
    figure = Figure(figsize=(width * columns, height * rows), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False)
    return figure, axes


def _selected(fit, names, limit=12):
    names = list(names) if names is not None else fit.names("param")
    elements = [item for name in names for item in _elements(name, np.asarray(fit[name], dtype=float))]
    return elements[:limit]


def plot_trace(fit, names=None):
    elements = _selected(fit, names)
    figure, axes = _figure(len(elements), 2)
    for row, (label, draws) in enumerate(elements):
        for chain, values in enumerate(draws):
            axes[row, 0].plot(values, linewidth=0.5, alpha=0.8, label=f"chain {chain}")
            axes[row, 1].hist(values, bins=30, histtype="step", density=True)
        axes[row, 0].set_ylabel(label)
    axes[0, 0].set_title("draws")
    axes[0, 1].set_title("density per chain")
    axes[-1, 0].set_xlabel("iteration")
    return figure


def plot_posterior(fit, names=None):
    elements = _selected(fit, names)
    columns = min(3, len(elements))
    rows = -(-len(elements) // columns)
    figure, axes = _figure(rows, columns, height=2.8)
    for k, (label, draws) in enumerate(elements):
        axis = axes[k // columns, k % columns]
        pooled = draws.reshape(-1)
        axis.hist(pooled, bins=40, density=True, color="#4c72b0", alpha=0.7)
        low, high = np.quantile(pooled, [0.05, 0.95])
        axis.axvline(pooled.mean(), color="black")
        axis.axvspan(low, high, color="#4c72b0", alpha=0.15)
        axis.set_title(f"{label}: mean {pooled.mean():.3g}, 90% [{low:.3g}, {high:.3g}]", fontsize=9)
    for k in range(len(elements), rows * columns):
        axes[k // columns, k % columns].set_visible(False)
    return figure


def plot_pair(fit, names=None):
    elements = _selected(fit, names, limit=6)
    size = len(elements)
    figure, axes = _figure(size, size, width=2.4, height=2.4)
    diverging = np.asarray(fit.stats["diverging"]).reshape(-1)
    for i, (label_i, draws_i) in enumerate(elements):
        for j, (label_j, draws_j) in enumerate(elements):
            axis = axes[i, j]
            if i == j:
                axis.hist(draws_i.reshape(-1), bins=30, color="#4c72b0")
            else:
                x, y = draws_j.reshape(-1), draws_i.reshape(-1)
                axis.scatter(x[~diverging], y[~diverging], s=2, alpha=0.3, color="#4c72b0")
                axis.scatter(x[diverging], y[diverging], s=6, color="red")
            if j == 0:
                axis.set_ylabel(label_i)
            if i == size - 1:
                axis.set_xlabel(label_j)
    return figure
