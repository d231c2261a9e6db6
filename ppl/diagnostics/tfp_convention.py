"""Convergence diagnostics in TensorFlow Probability's convention (``tfp.mcmc``):
draws on the first axis, chains after it, in NumPy.  These follow TFP's
definitions, which differ from ArviZ's (``ppl.diagnostics.rhat``, ``ess_bulk``, ...)
in the estimator, not only in the layout (see their docstrings)."""

from __future__ import annotations

import math

import numpy as np

_BLOCK_ELEMENTS = 1 << 20               # about 8 MB of float64 per block of quantities


def _map_structure(function, states, *arguments):
    """Apply ``function`` to one array or to each array of a list or tuple of them;
    each argument is either one value for all or a list of the same length."""
    if not isinstance(states, (list, tuple)):
        return function(states, *arguments)
    per_state = [argument if isinstance(argument, (list, tuple)) and len(argument) == len(states)
                 else [argument] * len(states) for argument in arguments]
    return type(states)(function(state, *values) for state, *values in zip(states, *per_state))


def _potential_scale_reduction_single(state, independent_chain_ndims, split_chains):
    state = np.asarray(state, dtype=float)
    layout = "[draws, chain dimensions..., *shape]"
    if state.ndim < 1 + independent_chain_ndims:
        raise ValueError(f"expected states shaped {layout} with {independent_chain_ndims} chain "
                         f"dimension(s); got an array of shape {state.shape}")
    num_draws = state.shape[0]
    if num_draws < (4 if split_chains else 2):
        raise ValueError(f"expected states shaped {layout} with at least {4 if split_chains else 2} "
                         f"draws{' when splitting chains' if split_chains else ''}; got shape {state.shape}")
    if split_chains:
        half = num_draws // 2
        state = state[:2 * half].reshape((2, half) + state.shape[1:]).swapaxes(0, 1)
        independent_chain_ndims += 1
    chain_axes = tuple(range(1, 1 + independent_chain_ndims))
    num_draws = state.shape[0]
    num_chains = math.prod(state.shape[1:1 + independent_chain_ndims])
    between_over_n = state.mean(axis=0).var(axis=tuple(a - 1 for a in chain_axes), ddof=1)
    within = state.var(axis=0, ddof=1).mean(axis=tuple(a - 1 for a in chain_axes))
    with np.errstate(divide="ignore", invalid="ignore"):
        sigma_squared_plus = (num_draws - 1.0) / num_draws * within + between_over_n
        return ((num_chains + 1.0) / num_chains * sigma_squared_plus / within
                - (num_draws - 1.0) / (num_chains * num_draws))


def potential_scale_reduction(chains_states, independent_chain_ndims=1, split_chains=False):
    """Gelman-Rubin potential scale reduction in TFP's convention (``tfp.mcmc``).

    ``chains_states`` is shaped [N, C_1, ..., C_D, *shape] (or a list/tuple of such
    arrays): draws on axis 0, then ``independent_chain_ndims`` = D axes indexing the
    M = C_1 ... C_D chains; returns ``shape``.  With W the mean within-chain
    variance (ddof 1) and B/N the variance of the chain means (ddof 1),

        R = (M + 1)/M ((N - 1)/N W + B/N) / W - (N - 1)/(M N)

    (Brooks and Gelman 1998, eq. 1.1).  Unlike ``rhat`` this is not square-rooted,
    and is not rank-normalised.  ``split_chains=True`` treats each chain's first and
    second halves as two chains (for odd N the last draw is dropped, as TFP does).
    """
    if int(independent_chain_ndims) != independent_chain_ndims or independent_chain_ndims < 1:
        raise ValueError(f"independent_chain_ndims must be an integer >= 1; got {independent_chain_ndims}")
    return _map_structure(lambda state: _potential_scale_reduction_single(
        state, int(independent_chain_ndims), split_chains), chains_states)


def _fast_fourier_length(target):
    """The smallest 2^i 3^j 5^k >= target (scipy's next_fast_len for real FFTs)."""
    best = 1 << max(0, (target - 1).bit_length())
    power_of_five = 1
    while power_of_five < best:
        power_of_three = power_of_five
        while power_of_three < best:
            candidate = power_of_three
            while candidate < target:
                candidate *= 2
            best = min(best, candidate)
            power_of_three *= 3
        power_of_five *= 5
    return best


def _lag_products_block(series, length, max_lags):
    spectrum = np.fft.rfft(series - series.mean(axis=-1, keepdims=True), n=length, axis=-1)
    return np.fft.irfft(spectrum.real ** 2 + spectrum.imag ** 2, n=length, axis=-1)[:, :max_lags + 1]


def _auto_covariance_by_lag(state, max_lags):
    """TFP's auto_correlation(normalize=False) along axis 0: sum_n w_n w_{n+k} / (N - k)
    for k = 0..max_lags, w the centred draws; FFTs along a contiguous axis, in blocks."""
    num_draws = state.shape[0]
    length = _fast_fourier_length(2 * num_draws)
    series = np.moveaxis(state, 0, -1).reshape(-1, num_draws)
    block = max(1, _BLOCK_ELEMENTS // length)
    products = np.concatenate([_lag_products_block(np.ascontiguousarray(series[start:start + block]), length,
                                                   max_lags) for start in range(0, series.shape[0], block)])
    products = products.reshape(state.shape[1:] + (max_lags + 1,))
    return np.moveaxis(products / (num_draws - np.arange(max_lags + 1)), -1, 0)


def _effective_sample_size_single(state, filter_threshold, filter_beyond_lag, filter_beyond_positive_pairs,
                                  cross_chain_dims):
    state = np.asarray(state, dtype=float)
    if state.ndim < 1 or state.shape[0] < 2:
        raise ValueError(f"expected states shaped [draws, ...] with at least two draws; got shape {state.shape}")
    num_draws = state.shape[0]
    max_lags = num_draws - 1 if filter_beyond_lag is None else min(num_draws - 1, int(filter_beyond_lag))
    auto_covariance = _auto_covariance_by_lag(state, max_lags)
    if cross_chain_dims is None:
        num_chains = 1
        with np.errstate(divide="ignore", invalid="ignore"):
            auto_correlation = auto_covariance / auto_covariance[:1]
    else:
        axes = tuple(int(axis) % state.ndim for axis in np.atleast_1d(cross_chain_dims))
        if 0 in axes:
            raise ValueError("cross_chain_dims index chain axes of [draws, ...] states; axis 0 holds the draws")
        num_chains = math.prod(state.shape[axis] for axis in axes)
        if num_chains < 2:
            raise ValueError(f"cross_chain_dims={cross_chain_dims} needs at least 2 chains; "
                             f"states have shape {state.shape}")
        between_over_n = state.mean(axis=0).var(axis=tuple(axis - 1 for axis in axes), ddof=1)
        biased_within = auto_covariance[0].mean(axis=tuple(axis - 1 for axis in axes))
        mean_auto_covariance = auto_covariance.mean(axis=axes)
        with np.errstate(divide="ignore", invalid="ignore"):
            auto_correlation = 1.0 - (biased_within - mean_auto_covariance) / (biased_within + between_over_n)
    lags = np.arange(auto_correlation.shape[0]).reshape((-1,) + (1,) * (auto_correlation.ndim - 1))
    weighted = (num_draws - lags) / num_draws * auto_correlation
    if filter_beyond_positive_pairs:
        even = 2 * (auto_correlation.shape[0] // 2)

        def pair_sums(sequence):
            return sequence[:even].reshape((even // 2, 2) + sequence.shape[1:]).sum(axis=1)

        keep = np.cumsum(pair_sums(auto_correlation) < 0.0, axis=0) == 0
        weighted = pair_sums(weighted) * keep
    elif filter_threshold is not None:
        weighted = weighted * (np.cumsum(auto_correlation < filter_threshold, axis=0) == 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return num_chains * num_draws / (-1.0 + 2.0 * weighted.sum(axis=0))


def effective_sample_size(states, *, filter_threshold=0.0, filter_beyond_lag=None,
                          filter_beyond_positive_pairs=False, cross_chain_dims=None):
    """Effective sample size in TFP's convention (``tfp.mcmc.effective_sample_size``).

    ``states`` is shaped [N, ...] (or a list/tuple of such arrays), draws on axis 0.
    With ``cross_chain_dims=None`` every other index is a separate single chain and
    the result has shape ``states.shape[1:]``:

        ESS = N / (-1 + 2 sum_{k=0}^{M} (N - k)/N R_k),

    R_k the lag-k autocorrelation, each lag's autocovariance averaged over its
    N - k products.  ``cross_chain_dims`` names the axes that index chains of the
    same quantity (at least 2 chains); then R_k = 1 - (W - mean_c acov_{c,k}) / var+
    (Vehtari et al. 2021 eq. 10, with W the biased within-chain variance and
    var+ = W + B/N), the result is multiplied by the number of chains, and those
    axes are reduced away.  The sum is truncated: at ``filter_beyond_lag``; and
    either where the pair sums R_2k + R_2k+1 first turn negative
    (``filter_beyond_positive_pairs``, Geyer's initial positive sequence) or else
    from the first R_k below ``filter_threshold`` (``None`` keeps every lag).
    TFP has no monotone step and no rank normalisation, so this is not ``ess_mean``.
    """
    return _map_structure(_effective_sample_size_single, states, filter_threshold, filter_beyond_lag,
                          filter_beyond_positive_pairs, cross_chain_dims)
