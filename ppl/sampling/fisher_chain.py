"""The chain's entry point with nutpie's warmup (ppl/sampling/fisher.py): the same chain
as ppl/sampling/chain.py's `run_chain`, with the same signature, in a module of its own so
that the gradient-based adaptation and the low-rank estimate are compiled (once, then
loaded from the disk cache) only for those who use them, never on the first run of
everyone else."""

from __future__ import annotations

import numba

from ppl.sampling import fisher
from ppl.sampling.chain import CHAIN_SIGNATURE, chain_body


@numba.njit(CHAIN_SIGNATURE, cache=True, nogil=True, error_model="numpy")
def run_chain(log_density_gradient, real_data, int_data, state, position, settings, metric, step_size_io,
              window_bounds, draws, statistics, seeds, progress):
    """As ppl.sampling.chain.run_chain, with the metric adapted from draws and gradients in
    nutpie's windows when `settings.adapt` and `settings.adapt_metric` are set (the
    low-rank form when `metric` is low rank); `window_bounds` is not read."""
    gradient_based = settings.adapt and settings.adapt_metric and settings.iterations > 0
    workspace = fisher.workspace(position.shape[0], settings.iterations if gradient_based else 0,
                                 gradient_based and metric.low_rank_vectors.shape[0] > 0)
    return chain_body(log_density_gradient, real_data, int_data, state, position, settings, metric, step_size_io,
                      window_bounds, draws, statistics, seeds, progress, workspace)
