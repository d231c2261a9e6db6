"""ppl.mcmc: TensorFlow Probability's MCMC interface on ppl's native samplers.

Kernels (`HamiltonianMonteCarlo`, `NoUTurnSampler`, `SimpleStepSizeAdaptation`,
`DualAveragingStepSizeAdaptation`, `TransformedTransitionKernel`) describe a
sampler; `sample_chain` runs it (ppl/mcmc/sample_chain.py); targets are compiled
posteriors or Python callables returning (value, gradient) (ppl/mcmc/targets.py).
`potential_scale_reduction` and `effective_sample_size` follow TFP's
conventions (draws on the first axis, chains on the second; ppl/diagnostics.py).
"""

from ppl.diagnostics import effective_sample_size, potential_scale_reduction
from ppl.mcmc.kernels import (DualAveragingStepSizeAdaptation, HamiltonianMonteCarlo, KernelResults,
                              NoUTurnSampler, SimpleStepSizeAdaptation, TransformedTransitionKernel)
from ppl.mcmc.sample_chain import StatesAndTrace, sample_chain

__all__ = ["DualAveragingStepSizeAdaptation", "HamiltonianMonteCarlo", "KernelResults", "NoUTurnSampler",
           "SimpleStepSizeAdaptation", "StatesAndTrace", "TransformedTransitionKernel", "effective_sample_size",
           "potential_scale_reduction", "sample_chain"]
