"""Why a run cannot start: the statement whose log density is not finite at an initial point.

Shared by the samplers (ppl/sampling/run.py) and the optimisers and approximations
(ppl/inference/), which start from the same kind of point: a given init, or the first of
INIT_TRIES uniform(-INIT_RADIUS, INIT_RADIUS) points on the unconstrained scale (Stan's).
"""

from __future__ import annotations

import math

import numpy as np

from ppl.errors import SamplingError

INIT_TRIES = 100
INIT_RADIUS = 2.0


def start_failure(posterior, position, chain_index, user_init):
    """A SamplingError naming the first statement whose log density is not finite at
    the (last tried) initial point `position` (unconstrained)."""
    spans = posterior._facts.term_spans
    lp_after = np.zeros(max(len(spans), 1))
    posterior._module.log_density_terms(position, posterior.real_data, posterior.int_data, lp_after)
    culprit = next((k for k in range(len(spans)) if not math.isfinite(lp_after[k])), None)
    where = f"chain {chain_index}: " if chain_index else ""
    if user_init:
        message = f"{where}the log density is not finite at the given init"
        hint = "choose init values inside the support of every distribution they meet"
    else:
        message = (f"{where}no initial point with a finite log density and gradient in {INIT_TRIES} "
                   f"tries of uniform(-{INIT_RADIUS:g}, {INIT_RADIUS:g}) on the unconstrained scale")
        hint = "give init={...} with values where the model is defined, or check the data and the supports"
    if culprit is None:
        return SamplingError(message + " (the log density is finite; its gradient is not)", None,
                             hint=hint).with_source(posterior.model.source)
    value = lp_after[culprit]
    before = lp_after[culprit - 1] if culprit else 0.0
    bounded = _bounded_at(posterior.model.ir, spans[culprit])
    if bounded is not None:   # a quantity declared with bounds (`s2: real<lower=0> = ...`) outside them
        return SamplingError(f"{message}: '{bounded}' is outside its declared bounds there", spans[culprit],
                             hint=hint + f", and where '{bounded}' lies within its bounds"
                             ).with_source(posterior.model.source)
    return SamplingError(f"{message}: this statement's log density is {value - before}", spans[culprit],
                         hint=hint).with_source(posterior.model.source)


def _bounded_at(program, span):
    """The quantity whose bound check is the top-level statement at span, if it is one."""
    from codegen import ir

    return next((s.name for s in program.statements if isinstance(s, ir.BoundCheck) and s.span == span), None)
