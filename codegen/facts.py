"""What the runtime needs to know about a generated module, beside its functions.

The emitter returns one :class:`ModelFacts` with the module's source; the cache
pickles it beside ``model.py``; the Posterior, the Fit and the sampler driver
read its fields (never string keys).
"""

from __future__ import annotations

from dataclasses import dataclass

from codegen import ir
from codegen.layout import DataLayout
from ppl.errors import Span


@dataclass(frozen=True)
class ModelFacts:
    params: tuple[str, ...]                       # in declaration order: constrain()'s tuple
    deterministics: tuple[str, ...]               # saved deterministics: deterministics()'s tuple
    generated: tuple[str, ...]                    # saved `gen` quantities: generate()'s tuple
    inputs: tuple[tuple[str, ir.Type], ...]       # data, as transformed_data() reads it
    outputs: tuple[tuple[str, ir.Type], ...]      # transformed data, as transformed_data() returns it
    input_layout: DataLayout                      # the data buffers of transformed_data()
    full_layout: DataLayout                       # the data buffers of every other function
    term_spans: tuple[Span, ...]                  # log_density_terms()'s k-th total: after this statement
    generate_unsupported: tuple[str, Span] | None = None   # why generate() cannot be compiled, where
    observed: tuple[tuple[str, int], ...] = ()    # log_likelihood()'s names and event ranks, in its order
    log_likelihood_unsupported: tuple[str, Span] | None = None   # why log_likelihood() cannot be, where
