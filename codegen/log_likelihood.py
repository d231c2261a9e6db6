"""The pointwise log-likelihood: each observation's own log density, for LOO and WAIC.

An *observed* statement is a `~` (not `gen`) whose left side is a data or transformed-data
name, whole or indexed with plain indices and slices (`y ~ ...`, `y[t] ~ ...`, `Y[i] ~ MVN(...)`).
Its terms go to one array per observed name, shaped like the name's batch: the data's shape less
the distribution's event axes (`y: real[N]` under `Normal` gives N values, `Y: real[N, K]` under
an MVN of size K gives N, one per event).  A statement adds its element-wise terms into the
elements it covers, so two statements on the same element add up, every array sums to that
name's share of the log-likelihood, and an element no statement observes holds 0 (it adds
nothing to an elpd).  Everything else that enters the target (priors: `~` on params or on
expressions; `target +=`, e.g. a censored term) is not an observation and is left out.

The terms are the emitter's own: a scalar family's statement is the same fused region the log
density sums (`Fuser.region`, truncation and support tests included), written element by element
instead of summed; an event family's is `D(...).log_prob(value)` (`event_rules.log_prob`, the
kernels the log density calls, one value per event); a mixture's the per-row log-sum-exp
(`event_rules.mixture_terms`).  No density is written a second time.

The generated functions (codegen/emit_model.py):

* ``log_likelihood(u, real_data, int_data, out)`` writes one draw's terms into ``out``, the arrays
  one after the other in the order of ``observed_names`` (each flattened, C order);
* ``log_likelihood_draws(unconstrained, real_data, int_data, out)`` does it for every row of
  ``unconstrained`` into the rows of ``out``: a Fit's log-likelihood in one native call.
"""

from __future__ import annotations

from codegen import ir
from codegen.emit import NotSupportedYet, Op, Value

OBSERVED_ROLES = (ir.Role.DATA, ir.Role.TRANSFORMED_DATA)


def observed_name(statement) -> str | None:
    """The data name a model `~` statement observes, or None (a prior, or an expression)."""
    if not isinstance(statement, ir.SampleStatement) or statement.stage == "gen":
        return None
    value = statement.value.value if isinstance(statement.value, ir.IndexOp) else statement.value
    if isinstance(value, ir.Variable) and value.role in OBSERVED_ROLES:
        return value.name
    return None


def event_rank(statement: ir.SampleStatement) -> int:
    """How many trailing axes of the value one term covers (the distribution's event)."""
    return len(statement.distribution.type.event_shape)


def observed_names(program: ir.Program) -> tuple[tuple[str, int], ...]:
    """(name, event rank) of every observed name, in the order of their first statement.
    A name observed under different event ranks (an MVN on rows and a Normal on entries of the
    same matrix) has no one shape for its terms: NotSupportedYet, at the second statement."""
    found: dict[str, int] = {}
    for statement in ir.walk_statements(program.statements):
        name = observed_name(statement)
        if name is None:
            continue
        rank = event_rank(statement)
        if found.setdefault(name, rank) != rank:
            error = NotSupportedYet(f"a pointwise log-likelihood of {name!r}, observed both per element and "
                                    f"per event of {rank} axes")
            error.span = statement.span
            raise error
    return tuple(found.items())


def slot_name(name: str) -> str:
    return f"_loglik_{name.lstrip('_')}_{len(name) - len(name.lstrip('_'))}"


def slot_lines(observed, scope) -> list[str]:
    """The per-draw function's views of `out`, one per observed name, in order."""
    lines, offset = [], "0"
    for name, rank_of_event in observed:
        data = scope[name]
        rank = data.type.rank - rank_of_event
        dims = [f"{data.code}.shape[{axis}]" for axis in range(rank)]
        size = " * ".join(dims) or "1"
        slot = slot_name(name)
        end = f"{slot}_end"
        lines.append(f"{end} = {offset} + {size}")
        view = f"out[{offset}:{end}]"
        lines.append(f"{slot} = {view}.reshape(({', '.join(dims)},))" if rank > 1 else f"{slot} = {view}")
        offset = end
    return lines


def emit_terms(emitter, s: ir.SampleStatement) -> None:
    """An observed statement's terms, added into its name's slot (`StatementEmitter` in a
    function whose mode is `pointwise`)."""
    name = observed_name(s)
    if name is None:
        return
    from codegen import event_rules   # (the emitter's modules: not imported by `observed_name`'s readers)
    from codegen.fuse import broadcast_region_shape

    value_type = s.value.type
    batch_rank = value_type.rank - event_rank(s)
    terms_type = ir.Type("real", value_type.shape[:batch_rank])
    distribution = event_rules.lower(s.distribution)
    if len(s.distribution.type.batch_shape) > batch_rank:
        raise NotSupportedYet("a pointwise log-likelihood where the distribution's batch is larger than the "
                              "observed value's (each term would not be one observation)")
    if distribution.family == "MixtureSameFamily":
        terms = event_rules.mixture_terms(emitter, s.value, distribution, emitter.support_plan.how(s) is not None)
    elif s.distribution.type.event_shape or event_rules.needs_event_rule(distribution):
        log_prob = ir.LogProb(s.distribution, s.value, terms_type, s.span)
        terms = event_rules.log_prob(emitter, log_prob, lambda active, hint="": emitter.temporary(
            terms_type, False, hint))
    else:
        log_prob = ir.LogProb(distribution, s.value, ir.Type("real", ()), s.span)
        checked = emitter.support_plan.how(s) is not None
        region = emitter.fuser(checked=log_prob if checked else None).region(log_prob, s.truncation)
        region.shape = broadcast_region_shape(region)
        if len(region.shape) > batch_rank:
            raise NotSupportedYet("a pointwise log-likelihood where the distribution's batch is larger than the "
                                  "observed value's (each term would not be one observation)")
        terms = emitter.temporary(ir.Type("real", region.shape), False, "loglik")
        emitter._emit_region_value(region, terms)
    emitter.emit_op(Op(forward=_add_lines(emitter, s, name, terms, batch_rank)))


def _add_lines(emitter, s, name: str, terms: Value, batch_rank: int) -> list[str]:
    slot = slot_name(name)
    data = emitter.scope[name]
    slot_type = ir.Type("real", data.type.shape[:data.type.rank - event_rank(s)])
    if isinstance(s.value, ir.IndexOp):
        items = s.value.items
        if any(isinstance(item, ir.GatherIndex) for item in items):
            raise NotSupportedYet("a pointwise log-likelihood of a value indexed by an array (a gather)")
        if len(items) > slot_type.rank:
            raise NotSupportedYet("a pointwise log-likelihood of a value indexed within its event")
        target = f"{slot}[{emitter.index_code(items, slot, slot_type)}]"
    else:
        target = slot if slot_type.rank else f"{slot}[0]"
    if not terms.type.shape:
        if batch_rank:   # one term for the whole value (a scalar broadcast over it): not one per observation
            raise NotSupportedYet("a pointwise log-likelihood where one term covers several observations")
        return [f"{target} += {terms.code}"]
    view = emitter.temporary_name("loglik_view")
    position = emitter.temporary_name("loglik_position")
    return [f"{view} = {target}",
            f"for {position} in np.ndindex({terms.code}.shape):",
            f"    {view}[{position}] += {terms.code}[{position}]"]


def function_lines(emitter_for, program, observed) -> list[str]:
    """The body of `log_likelihood(u, real_data, int_data, out)` after its prologue (the data
    views); `observed` is `observed_names(program)`."""
    from codegen.emit import lines_of

    emitter = emitter_for("log_likelihood")
    emitter.hoisted = None   # data-only parts are not moved to transformed data for this function
    ops = emitter.top_level(program.statements)
    return ["out[:] = 0.0"] + slot_lines(observed, emitter.scope) + ["lp = 0.0"] + lines_of(ops, "forward")


DRAWS_LINES = ["for draw in range(unconstrained.shape[0]):",
               "    log_likelihood(unconstrained[draw], real_data, int_data, out[draw])"]
