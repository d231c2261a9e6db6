"""`fit.diagnose()`: a text report in the spirit of CmdStan's `diagnose`: each
check says what it found and what to try.

Checks: divergent transitions (with their fraction), tree-depth saturation
(NUTS), E-BFMI per chain (below 0.3 suggests the momentum resampling cannot
explore the energy distribution: Betancourt 2016), and per scalar element,
rank-normalised R-hat above 1.01 and bulk or tail ESS below 100 per chain
(Vehtari et al. 2021)."""

from __future__ import annotations

import numpy as np

BFMI_THRESHOLD = 0.3
RHAT_THRESHOLD = 1.01
ESS_PER_CHAIN = 100


def low_rank_advice(settings) -> str:
    """The first remedy for draws at the maximum tree depth, "" when there is none to add: a
    diagonal metric cannot follow strong correlations, which the low rank learns; "auto"
    switched to it in the chains whose warmup saturated, so it is advice only for the others."""
    if settings.get("metric") == "diag":
        return "metric='low_rank' (it learns strong correlations from the gradients), "
    if settings.get("metric") == "auto":
        escalated_at = settings.get("escalated_at", [])
        stayed = sum(at < 0 for at in escalated_at)
        if stayed:
            return (f"metric='low_rank' ({stayed} of {len(escalated_at)} chains kept the diagonal: their warmup "
                    f"windows stayed under the share of deep trees that switches to it), ")
    return ""


def diagnose(fit) -> str:
    from ppl import diagnostics

    if "energy" not in fit.stats:   # Fit.from_unconstrained: an optimiser's, an approximation's draws
        return (f"Not a sampler's draws (method {fit.method!r}): the checks of Markov chains (divergences, "
                f"tree depth, E-BFMI, R-hat, ESS) do not apply; see the method's own report "
                f"(for variational: fit.converged and fit.elbo_history).")
    lines = []
    if fit.settings.get("interrupted"):
        held = ", ".join(map(str, fit.settings.get("draws_held", [])))
        lines.append(f"Interrupted: sampling was stopped early (the chains held {held} draws); the results "
                     f"below use the first {fit.num_draws} of each and may not be representative.")
    chains, draws = fit.num_chains, fit.num_draws
    total = chains * draws
    divergent = fit.num_divergent
    if divergent:
        lines.append(f"Divergences: {divergent} of {total} draws ({100.0 * divergent / total:.1f}%) ended with a "
                     f"divergent transition. Try a higher target_accept (e.g. 0.95) or reparameterise "
                     f"(a non-centred parameterisation for hierarchical scales)" + bounds_note(fit.settings) + ".")
    else:
        lines.append("Divergences: none.")
    if fit.method == "nuts":
        depth = fit.settings.get("max_treedepth", 10)
        saturated = int((np.asarray(fit.stats["tree_depth"]) >= depth).sum())
        if saturated:
            lines.append(f"Tree depth: {saturated} of {total} draws ({100.0 * saturated / total:.1f}%) hit the "
                         f"maximum tree depth {depth}. Try " + low_rank_advice(fit.settings)
                         + f"max_treedepth={depth + 2}, or reparameterise so the posterior's scales are more alike.")
        else:
            lines.append(f"Tree depth: no draw hit the maximum of {depth}.")
    bfmi = np.atleast_1d(diagnostics.bfmi(np.asarray(fit.stats["energy"])))
    low = [k for k, value in enumerate(bfmi) if value < BFMI_THRESHOLD]
    if low:
        listed = ", ".join(f"chain {k}: {bfmi[k]:.2f}" for k in low)
        lines.append(f"E-BFMI: below {BFMI_THRESHOLD} ({listed}). The sampler may not explore the tails; "
                     f"try reparameterising (heavy tails or funnels).")
    else:
        lines.append(f"E-BFMI: satisfactory in every chain (min {bfmi.min():.2f}).")
    summary = fit.summary(include="params")
    rows = summary.to_dict()
    high_rhat = [name for name, row in rows.items() if row["r_hat"] > RHAT_THRESHOLD]
    low_ess = [name for name, row in rows.items()
               if min(row["ess_bulk"], row["ess_tail"]) < ESS_PER_CHAIN * chains]
    undefined = [name for name, row in rows.items() if not row["r_hat"] == row["r_hat"]]   # NaN
    if chains < 2:
        lines.append("R-hat: needs at least two chains to compare (this run has one; its split R-hat only "
                     "compares the chain's two halves). Run chains=4 to check convergence.")
    elif high_rhat:
        lines.append(f"R-hat: above {RHAT_THRESHOLD} for {_list(high_rhat)}. The chains disagree: run longer "
                     f"warmup, check for multimodality, or give better inits.")
    elif undefined:
        lines.append(f"R-hat: not defined for {_list(undefined)} (constant or non-finite draws); at most "
                     f"{RHAT_THRESHOLD} for the rest.")
    else:
        lines.append(f"R-hat: at most {RHAT_THRESHOLD} for every param.")
    if low_ess:
        lines.append(f"ESS: bulk or tail ESS below {ESS_PER_CHAIN * chains} ({ESS_PER_CHAIN} per chain) for "
                     f"{_list(low_ess)}. Draw more, or reparameterise to reduce autocorrelation.")
    else:
        lines.append(f"ESS: at least {ESS_PER_CHAIN} per chain for every param.")
    return "\n".join(lines)


def bounds_note(settings: dict) -> str:
    """What the divergence warnings add for a model with bounded quantities: a proposal where one
    leaves its bounds has log density -inf, and the sampler rejects it as a divergence."""
    bounded = settings.get("bounded_quantities")
    if not bounded:
        return ""
    return (f" (a trajectory that reaches a point where {' or '.join(bounded)} leaves its declared bounds, "
            f"where the log density is -inf, is rejected and counted here)")


def _list(names, limit=8) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")
