"""The chain's entry point with Stan's warmup (ppl/sampling/adaptation.py's windows),
the body in ppl/sampling/chain.py; also the entry of ppl.mcmc's kernels, which adapt
no metric."""

from __future__ import annotations

import numba

from ppl.sampling.chain import CHAIN_SIGNATURE, chain_body


@numba.njit(CHAIN_SIGNATURE, cache=True, nogil=True, error_model="numpy")
def run_chain(log_density_gradient, real_data, int_data, state, position, settings, metric, step_size_io,
              window_bounds, draws, statistics, seeds, progress):
    """`settings.iterations` transitions from `position` (initialised first when
    `settings.init_given` is false and this is warmup).  With `adapt` set, the step size
    and (with `adapt_metric`) the metric adapt, the metric in Stan's windows
    (`window_bounds`); the final step size and metric are written back (the metric in
    place; a dense one's factor is recomputed first).  Every `thin`-th iteration is saved
    when `save` is set.  Returns a status.  (nutpie's warmup: ppl/sampling/fisher_chain.py.)"""
    return chain_body(log_density_gradient, real_data, int_data, state, position, settings, metric, step_size_io,
                      window_bounds, draws, statistics, seeds, progress, None)
