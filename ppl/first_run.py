"""The first run after installing ppl: the sampler library is compiled (and, at the
same time, the diagnostics in a background process), and one line on stderr says so
when Numba's cache does not hold it (the mechanism: ppl/diagnostics/compile_notice.py)."""

from __future__ import annotations

import importlib

from ppl.diagnostics.compile_notice import DIAGNOSTICS, Library, announce

# one compiled chain per warmup adaptation (ppl/sampling/chain.py): a first run compiles only its own
SAMPLERS = {"fisher": Library("ppl.sampling.fisher_chain", "run_chain", "the NUTS and HMC sampler library", "30-45 s"),
            "stan": Library("ppl.sampling.stan_chain", "run_chain",
                            "the NUTS and HMC sampler library with Stan's warmup", "30-45 s")}
VARIATIONAL = Library("ppl.inference.advi_native", "fit_approximation", "the ADVI library", "30-45 s")
__all__ = ["DIAGNOSTICS", "SAMPLERS", "VARIATIONAL", "load"]


def load(library: Library, announce_with: list[Library] | None = None):
    """The library's module, imported after announcing it (with `announce_with`, which
    compile at the same time elsewhere) when it is cold; None for announce_with: silent."""
    if announce_with is not None:
        announce([library, *announce_with])
    return importlib.import_module(library.module)
