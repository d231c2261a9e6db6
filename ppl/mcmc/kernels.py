"""TFP-style transition kernels: descriptions of a sampler, run by `sample_chain`.

    kernel = ppl.mcmc.SimpleStepSizeAdaptation(
        ppl.mcmc.HamiltonianMonteCarlo(target_log_prob_fn=posterior, step_size=0.1, num_leapfrog_steps=2),
        num_adaptation_steps=400, target_accept_prob=0.65)
    states, kernel_results = ppl.mcmc.sample_chain(1000, current_state, kernel=kernel, num_burnin_steps=500)

The kernels are plain settings; the transitions themselves are ppl's native
NUTS and HMC (ppl/sampling), so a chain never returns to Python between
steps.  Kernel results mirror TFP's nesting: an adaptation kernel's results
have `inner_results`, a TransformedTransitionKernel's too, and the innermost
HMC / NUTS results carry `is_accepted`, `log_accept_ratio`, `step_size`,
`target_log_prob`, `has_divergence` (and for NUTS `leapfrogs_taken`,
`tree_depth`), each shaped [num_results, *chain_shape].
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def _step_size(value) -> float:
    if np.ndim(value) != 0:
        raise NotImplementedError("a per-variable step_size is not supported yet: give one number (the "
                                  "samplers adapt a diagonal metric instead; see ppl's Model.sample)")
    value = float(value)
    if not value > 0:
        raise ValueError(f"step_size must be positive, not {value}")
    return value


class HamiltonianMonteCarlo:
    """Static HMC: `num_leapfrog_steps` leapfrog steps of `step_size`, then Metropolis."""

    def __init__(self, target_log_prob_fn, step_size, num_leapfrog_steps):
        self.target_log_prob_fn = target_log_prob_fn
        self.step_size = _step_size(step_size)
        if not (isinstance(num_leapfrog_steps, (int, np.integer)) and num_leapfrog_steps >= 1):
            raise ValueError(f"num_leapfrog_steps must be an integer >= 1, not {num_leapfrog_steps!r}")
        self.num_leapfrog_steps = int(num_leapfrog_steps)


class NoUTurnSampler:
    """NUTS (ppl's, as Stan runs it: multinomial, generalised U-turn with seam checks)."""

    def __init__(self, target_log_prob_fn, step_size, max_tree_depth=10, max_energy_diff=1000.0):
        self.target_log_prob_fn = target_log_prob_fn
        self.step_size = _step_size(step_size)
        if not (isinstance(max_tree_depth, (int, np.integer)) and max_tree_depth >= 1):
            raise ValueError(f"max_tree_depth must be an integer >= 1, not {max_tree_depth!r}")
        self.max_tree_depth = int(max_tree_depth)
        self.max_energy_diff = float(max_energy_diff)


class _StepSizeAdaptation:
    rule = ""

    def __init__(self, inner_kernel, num_adaptation_steps, target_accept_prob=0.75):
        self.inner_kernel = inner_kernel
        if not (isinstance(num_adaptation_steps, (int, np.integer)) and num_adaptation_steps >= 0):
            raise ValueError(f"num_adaptation_steps must be an integer >= 0, not {num_adaptation_steps!r}")
        self.num_adaptation_steps = int(num_adaptation_steps)
        if not 0.0 < float(target_accept_prob) < 1.0:
            raise ValueError(f"target_accept_prob must be strictly between 0 and 1, not {target_accept_prob!r}")
        self.target_accept_prob = float(target_accept_prob)


class SimpleStepSizeAdaptation(_StepSizeAdaptation):
    """TFP's simple policy (Andrieu and Thoms 2008, eq. 19): during the first
    `num_adaptation_steps` steps, the step size grows by (1 + adaptation_rate) after a
    step whose acceptance probability beats `target_accept_prob` and shrinks by
    (1 - adaptation_rate) otherwise."""

    rule = "simple"

    def __init__(self, inner_kernel, num_adaptation_steps, target_accept_prob=0.75, adaptation_rate=0.01):
        super().__init__(inner_kernel, num_adaptation_steps, target_accept_prob)
        self.adaptation_rate = float(adaptation_rate)


class DualAveragingStepSizeAdaptation(_StepSizeAdaptation):
    """Nesterov's dual averaging (Hoffman and Gelman 2014) of the step size over the first
    `num_adaptation_steps` steps, with the averaged step size kept afterwards."""

    rule = "dual_averaging"


class TransformedTransitionKernel:
    """Runs the inner kernel on an unconstrained space: `bijector` (one per state part)
    maps unconstrained values to the target's support; the target seen by the inner
    kernel is log p(bijector.forward(u)) + log|det J(u)|.  States are returned
    constrained.  Elementwise bijectors only (Exp, Softplus, Sigmoid, Shift, ...)."""

    def __init__(self, inner_kernel, bijector):
        self.inner_kernel = inner_kernel
        self.bijector = bijector


@dataclass
class KernelResults:
    """Per-step results, each field [num_results, *chain_shape]; `inner_results` nests."""

    fields: dict = field(default_factory=dict)
    inner: "KernelResults | None" = None

    def __getattr__(self, name):
        if name == "inner_results" and self.__dict__.get("inner") is not None:
            return self.__dict__["inner"]
        fields = self.__dict__.get("fields", {})
        if name in fields:
            return fields[name]
        raise AttributeError(f"kernel results have no field {name!r}; they have "
                             f"{', '.join(sorted(fields)) + (', inner_results' if self.__dict__.get('inner') else '')}")

    def __repr__(self) -> str:
        inner = ", inner_results=..." if self.inner is not None else ""
        return f"KernelResults({', '.join(sorted(self.fields))}{inner})"
