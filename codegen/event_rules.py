"""Emission of distributions with event shape, and their lowerings.

* A family whose declaration carries a lowering (``ppl/catalogue/lowering.py``) is
  rewritten into its target first (``lower``): MultivariateNormalDiag(loc, scale_diag)
  is a Normal summed over its event axis, MultivariateNormalFullCovariance(loc, C) is
  MultivariateNormalTriL(loc, cholesky(C)), GaussianProcess(K(a, l), x, noise) is
  MultivariateNormalFullCovariance(0, k_cov(x, a, l) + noise * eye(N)) for the kernels
  K with a covariance function k_cov (ExponentiatedQuadratic → exp_quad_cov,
  Matern12/32/52 → matern12/32/52_cov).
* Dirichlet, Categorical and LKJCholesky (every family whose catalogue log density has
  event axes) are emitted from their SymPy definitions by codegen/event_density.py;
  MultivariateNormalTriL calls the per-event kernel of ppl/runtime/event_kernels.py (value
  and hand-written adjoint of a triangular solve), the Wishart families and LKJ those of
  ppl/runtime/matrix_densities.py (determinants and traces from Cholesky factors).  Both run in a loop over at most one
  batch axis.  `D(...).log_prob(x)` as an expression writes the same per-event code into a
  (batch-shaped) value, its adjoint weighted by that value's adjoint.
* MixtureSameFamily(Categorical, F) with a scalar family F: a fused region
  over (values, components) of log w[k] + F.log_prob(x[i]; params[k]), then a
  log-sum-exp over components whose adjoint is the responsibilities.
"""

from __future__ import annotations

from codegen import ir
from functools import lru_cache

from codegen.emit import NotSupportedYet, Op, Value, dim_code, indent, shape_code, zeros_like
from codegen.event_density import EventDensity, Input
from codegen.fuse import Fuser, Region
from codegen.shapes import is_one
from ppl.catalogue.builtin_expressions import KERNEL_COVARIANCES
from ppl.catalogue.distributions import DISTRIBUTIONS
from ppl.errors import InternalError

REAL = ir.REAL

# family → (kernel, the parameters passed after the value, their event ranks, the value's event
# rank): the event densities that are not SymPy expressions (triangular solves, determinants);
# the others come from the catalogue's SymPy definitions through codegen/event_density.py.  A
# kernel `module.name` has `name_log_density(value, *parameters)` and
# `name_log_density_vjp(value, *parameters, weight, *adjoints of the array inputs)`, which
# returns the share of the scalar input (rank 0: a Wishart's df), if any (ppl/runtime/)
_KERNELS = {
    "MultivariateNormalTriL": ("event_kernels.mvn_tril", ("loc", "scale_tril"), (1, 2), 1),
    "Wishart": ("matrix_densities.wishart", ("df", "scale_matrix"), (0, 2), 2),
    "InverseWishart": ("matrix_densities.inverse_wishart", ("df", "scale_matrix"), (0, 2), 2),
    "WishartCholesky": ("matrix_densities.wishart_cholesky", ("df", "scale_tril"), (0, 2), 2),
    "InverseWishartCholesky": ("matrix_densities.inverse_wishart_cholesky", ("df", "scale_tril"), (0, 2), 2),
    "LKJ": ("matrix_densities.lkj", ("concentration",), (0,), 2),    # its dimension is the value's size
}


def lower(distribution: ir.DistributionExpr) -> ir.DistributionExpr:
    """Rewrite a distribution into one the emitter handles directly, by the lowering its
    declaration carries (``ppl/catalogue/lowering.py``), repeatedly (a GaussianProcess is a
    full-covariance normal, which is a TriL one)."""
    rule = DISTRIBUTIONS[distribution.family].lowering
    if rule is None:
        return distribution
    arguments = dict(distribution.arguments)
    type_ = distribution.type
    built = tuple((name, _term(term, arguments, distribution.span)) for name, term in rule.arguments)
    if rule.event_as_batch:
        lowered_type = ir.DistributionType(rule.family, type_.batch_shape + type_.event_shape, (), type_.support)
    else:
        lowered_type = ir.DistributionType(rule.family, type_.batch_shape, type_.event_shape, type_.support)
    return lower(ir.DistributionExpr(rule.family, built, lowered_type, distribution.span))


def _term(term, arguments: dict, span) -> ir.Expr:
    """A lowering's term as IR, its parts the source distribution's arguments."""
    from codegen.shapes import broadcast_shapes

    operation, operands = term.operation, term.operands
    if operation == "argument":
        return arguments[operands[0]]
    if operation == "constant":
        return ir.Constant(operands[0], REAL, span)
    if operation == "call":
        builtin, operand = operands[0], _term(operands[1], arguments, span)
        return ir.Call(builtin, (operand,), (), operand.type, span)
    if operation in ("add", "multiply"):
        left, right = (_term(operand, arguments, span) for operand in operands)
        shape = broadcast_shapes(left.type.shape, right.type.shape)
        return ir.BinaryOp("+" if operation == "add" else "*", left, right, ir.Type("real", shape), span)
    if operation == "kernel_matrix":
        kernel, points = arguments[operands[0]], arguments[operands[1]]
        if kernel.family not in KERNEL_COVARIANCES:
            raise NotSupportedYet(f"GaussianProcess with a {kernel.family} kernel")
        kernel_arguments = dict(kernel.arguments)
        size = points.type.shape[0]
        return ir.Call(KERNEL_COVARIANCES[kernel.family],
                       (points, kernel_arguments["amplitude"], kernel_arguments["length_scale"]),
                       (), ir.Type("real", (size, size)), span)
    if operation == "identity":
        points = arguments[operands[0]]
        size = points.type.shape[0]
        first_feature = points if points.type.rank == 1 else ir.IndexOp(
            points, (ir.SliceIndex(None, None, None), ir.ScalarIndex(ir.Constant(0, ir.INT, span))),
            ir.Type(points.type.dtype, (size,)), span)
        return ir.Call("eye", (ir.Call("size", (first_feature,), (), ir.INT, span),), (),
                       ir.Type("real", (size, size)), span)
    raise InternalError(f"a lowering term with no rule: {operation}", span)


def needs_event_rule(distribution: ir.DistributionExpr) -> bool:
    """Whether a (lowered) distribution has an event: an event-shaped value, or parameters with
    event axes (Categorical), or components (MixtureSameFamily)."""
    declaration = DISTRIBUTIONS[distribution.family]
    return (bool(distribution.type.event_shape) or any(p.event for p in declaration.parameters)
            or distribution.family == "MixtureSameFamily")


def sample(emitter, value_expr, distribution: ir.DistributionExpr, checked: bool = False) -> None:
    """Emit `value ~ distribution` for an event distribution (``checked``: its support settled,
    codegen/supports.py; a mixture's component densities are otherwise -inf outside it)."""
    if distribution.family == "MixtureSameFamily":
        return _mixture(emitter, value_expr, distribution, checked)
    _kernel_term(emitter, *_kernel_inputs(emitter, value_expr, distribution))


def log_prob(emitter, expr: ir.LogProb, output) -> Value:
    """`D(...).log_prob(x)` of an event distribution, as a value of the batch shape."""
    distribution = lower(expr.distribution)
    rule = DISTRIBUTIONS[expr.distribution.family].lowering
    if rule is not None and rule.event_as_batch:   # a scalar family per entry, summed over the event
        terms_type = ir.Type("real", expr.type.shape + expr.distribution.type.event_shape)
        terms = ir.LogProb(distribution, expr.value, terms_type, expr.span)
        options = (("axis", terms_type.rank - 1),) if expr.type.shape else ()
        return emitter.value(ir.Call("sum", (terms,), options, expr.type, expr.span))
    if distribution.family == "MixtureSameFamily":
        raise NotSupportedYet("MixtureSameFamily(...).log_prob(x) as an expression")
    kernel, value, value_rank, parameters = _kernel_inputs(emitter, expr.value, distribution)
    out = output(any(v.active for v in [value] + [p for p, _ in parameters]), "log_prob")
    _kernel_term(emitter, kernel, value, value_rank, parameters, out)
    return out


def draw(emitter, s: ir.SampleStatement, distribution: ir.DistributionExpr) -> None:
    """`gen NAME ~ D(...)` of an event family (or `gen x[i] ~ ...` into part of a declared
    array): one call of the family's catalogue sampler per batch element, each argument
    passed as its event (its trailing axes) at that element, the batch axes broadcast."""
    from ppl.catalogue.declare import sampler_name

    family = distribution.family
    declared = DISTRIBUTIONS[family]
    if family == "MixtureSameFamily":
        return _draw_mixture(emitter, s, distribution)
    if declared.sampler is None:
        raise NotSupportedYet(f"drawing from {family} in generated quantities")
    sampler = sampler_name(declared.sampler_for([name for name, _ in distribution.arguments]))
    values = {name: _argument(emitter, declared, name, expr) for name, expr in distribution.arguments}
    ranks = {name: len(declared.parameter(name).event) for name in values}
    for name in values:
        if ranks[name] and values[name].is_scalar:
            values[name] = _filled_event(emitter, declared, name, values)
    batch = distribution.type.batch_shape
    indices = [f"{emitter.statement_prefix}_e{axis}" for axis in range(len(batch))]

    def at(name):
        """The argument's event at the batch element: its own batch axes are the batch's
        rightmost (NumPy's broadcasting), an axis of size 1 read at 0."""
        value, batch_rank = values[name], values[name].type.rank - ranks[name]
        own = ["0" if is_one(dim) and not is_one(batch[len(batch) - batch_rank + axis])
               else indices[len(batch) - batch_rank + axis]
               for axis, dim in enumerate(value.type.shape[:batch_rank])]
        return f"{value.code}[{', '.join(own)}]" if own else value.code

    value_type = ir.Type(declared.support.dtype, batch + distribution.type.event_shape)
    lines, target = _draw_target(emitter, s, value_type, allocate=bool(batch))
    element = f"{target}[{', '.join(indices)}]" if batch else target
    body = [f"{element} = draws.{sampler}({', '.join(at(name) for name in values)})"]
    for axis in reversed(range(len(batch))):
        body = [f"for {indices[axis]} in range({dim_code(batch[axis], emitter.scope)}):"] + indent(body)
    emitter.emit_op(Op(forward=lines + body))


def _draw_target(emitter, s, value_type: ir.Type, allocate: bool) -> tuple[list[str], str]:
    """(the lines that make the value, the code a draw is written to): a new gen variable
    (allocated first where the draws fill it one batch element at a time), or the part of a
    declared gen array that `gen x[i] ~ ...` names."""
    if not s.defines:
        array = emitter.scope[s.value.value.name]
        return [], f"{array.code}[{emitter.index_code(s.value.items, array.code, array.type)}]"
    target = emitter.bind(s.defines, value_type, False).code
    if not allocate:
        return [], target
    dtype = ", dtype=np.int64" if value_type.dtype == "int" else ""
    return [f"{target} = np.empty({shape_code(value_type.shape, emitter.scope)}{dtype})"], target


def _filled_event(emitter, declared, name: str, values: dict) -> Value:
    """A scalar given for a vector parameter (an MVN's loc), as the vector of its event size,
    read from another parameter with the same letter."""
    (letter,) = declared.parameter(name).event
    for other, value in values.items():
        letters = declared.parameter(other).event
        if letter in letters and not value.is_scalar:
            axis = letters.index(letter) - len(letters)
            out = emitter.temporary(ir.Type("real", (value.type.shape[axis],)), False, name)
            emitter.emit_op(Op(forward=[f"{out.code} = np.full({value.code}.shape[{axis}], "
                                        f"float({values[name].code}))"]))
            return out
    raise NotSupportedYet(f"{declared.name}'s {name} as a scalar")


def _draw_mixture(emitter, s, distribution) -> None:
    """A component drawn by the mixture's Categorical sampler, then the value by the component
    family's sampler at that component's parameters."""
    from ppl.catalogue.declare import sampler_name

    arguments = dict(distribution.arguments)
    mixture, components = arguments["mixture_distribution"], lower(arguments["components_distribution"])
    if (needs_event_rule(components) or len(components.type.batch_shape) != 1
            or distribution.type.batch_shape):
        raise NotSupportedYet("drawing from MixtureSameFamily with event-shaped or multi-axis components")
    declared = DISTRIBUTIONS[components.family]
    weights = {name: _argument(emitter, DISTRIBUTIONS["Categorical"], name, expr) for name, expr in mixture.arguments}
    parameters = [emitter.value(expr) for _, expr in components.arguments]
    if any(value.type.rank > 1 for value in [*weights.values(), *parameters]):
        raise NotSupportedYet("drawing from MixtureSameFamily with matrix-valued parameters")
    chosen = emitter.temporary(ir.INT, False, "component")
    (weights_name, weights_value), = weights.items()
    mixture_sampler = sampler_name(DISTRIBUTIONS["Categorical"].sampler_for([weights_name]))
    component_sampler = sampler_name(declared.sampler_for([name for name, _ in components.arguments]))
    at = ", ".join(value.code if value.is_scalar else f"{value.code}[{chosen.code}]" for value in parameters)
    _, target = _draw_target(emitter, s, ir.Type(declared.support.dtype, ()), allocate=False)
    emitter.emit_op(Op(forward=[f"{chosen.code} = draws.{mixture_sampler}({weights_value.code})",
                                f"{target} = draws.{component_sampler}({at})"]))


def _kernel_inputs(emitter, value_expr, distribution):
    """(kernel name, value, its event rank, [(parameter, event rank)]) of a kernel family."""
    family = distribution.family
    arguments = dict(distribution.arguments)
    declared = DISTRIBUTIONS[family]
    value = _as_declared(emitter, emitter.value(value_expr), declared.support.dtype)
    if family not in _KERNELS:
        if declared.log_density is None:
            raise NotSupportedYet(f"{family} statements")
        density = _event_density(family, tuple(arguments))
        parameters = []
        for name in density.input_names[1:]:
            parameter, rank = _argument(emitter, declared, name, arguments[name]), len(declared.parameter(name).event)
            if rank and parameter.is_scalar:      # a scalar (a default) broadcast over the value's event
                if rank > 1 or not declared.event:
                    raise NotSupportedYet(f"{family}'s {name} as a scalar")
                parameter = _filled_vector(emitter, parameter, value)
            parameters.append((parameter, rank))
        return density, value, len(declared.event), parameters
    kernel, parameter_names, ranks, value_rank = _KERNELS[family]
    parameters = []
    for name, rank in zip(parameter_names, ranks):
        parameter = _argument(emitter, declared, name, arguments[name])
        if name == "loc" and parameter.is_scalar:
            parameter = _filled_vector(emitter, parameter, value)
        parameters.append((parameter, rank))
    return kernel, value, value_rank, parameters


@lru_cache(maxsize=None)
def _event_density(family: str, given: tuple[str, ...]) -> EventDensity:
    return EventDensity(family, given)


def _argument(emitter, declared, name: str, expr) -> Value:
    return _as_declared(emitter, emitter.value(expr), declared.parameter(name).dtype)


def _as_declared(emitter, value: Value, dtype: str) -> Value:
    """Int data where the kernel takes reals (an int array as a Dirichlet or MVN value, int
    concentrations) as a float64 copy: the kernels and their adjoints are written for reals, and
    the int's slot has an adjoint like any real input's (data: a scratch nobody reads)."""
    if dtype != "real" or value.type.dtype != "int":
        return value
    out = emitter.temporary(ir.Type("real", value.type.shape), False, "as_real")
    copy = f"float({value.code})" if value.is_scalar else f"{value.code}.astype(np.float64)"
    emitter.emit_op(Op(forward=[f"{out.code} = {copy}"]))
    return out


def _filled_vector(emitter, scalar: Value, like: Value) -> Value:
    """A scalar loc broadcast to the event size; its adjoint sums back."""
    out = emitter.temporary(ir.Type("real", like.type.shape[-1:]), scalar.active, "loc")
    op = Op(forward=[f"{out.code} = np.full({like.code}.shape[-1], {scalar.code})"])
    if out.active:
        op.adjoint_init = [zeros_like(out)]
        op.reverse = [f"{scalar.adjoint} += np.sum({out.adjoint})"]
    emitter.emit_op(op)
    return out


def _batch(value: Value, value_rank: int, parameters) -> tuple[str | None, list]:
    """The batch size code (None without a batch axis) and per-argument access functions."""
    batch_ranks = [value.type.rank - value_rank] + [p.type.rank - r for p, r in parameters]
    if max(batch_ranks) > 1:
        raise NotSupportedYet("event distributions with more than one batch axis")
    if max(batch_ranks) == 0:
        return None, batch_ranks
    carrier = value if batch_ranks[0] == 1 else next(p for (p, r), b in zip(parameters, batch_ranks[1:]) if b == 1)
    return f"{carrier.code}.shape[0]", batch_ranks


def _kernel_term(emitter, kernel: str, value: Value, value_rank: int, parameters, out: Value | None = None) -> None:
    """Call a kernel's log density per event: added to the target (out None), or written into
    `out` (a scalar, or one entry per batch element); the adjoint calls the kernel's vjp with the
    weight 1 (the target's adjoint) or out's adjoint."""
    size, batch_ranks = _batch(value, value_rank, parameters)
    n = next(emitter.loops)
    index = f"_b{n}"

    def at(code, batch_rank):
        return f"{code}[{index}]" if batch_rank else code

    inputs = [value] + [p for p, _ in parameters]
    event_ranks = [value_rank] + [rank for _, rank in parameters]
    if out is None and kernel in _ROW_KERNELS and batch_ranks[0] == 1 and not any(batch_ranks[1:]):
        _rows_term(emitter, kernel, inputs)   # only the value has a batch axis: one call for all rows
        return
    if out is None:
        target, weight = "lp +", "1.0"
    else:
        target, weight = at(out.code, size is not None) + " ", at(out.adjoint, size is not None)
    discards = []      # scratch events for the adjoints nobody reads (data), made once, not per event
    if isinstance(kernel, EventDensity):
        named = {name: Input(v, bool(b)) for name, v, b in zip(kernel.input_names, inputs, batch_ranks)}
        forward, reverse = kernel.lines(named, index if size is not None else None, emitter.region_prefix(),
                                        target, weight)
    else:
        forward, reverse, discards = _kernel_call(kernel, inputs, event_ranks, batch_ranks, at, target, weight, n)
    if size is not None:
        forward = [f"for {index} in range({size}):"] + ["    " + line for line in forward]
        reverse = [f"for {index} in range({size}):"] + ["    " + line for line in reverse] if reverse else []
        if out is not None:
            forward = [f"{out.code} = np.empty({size})"] + forward
    reverse = discards + reverse
    active = any(v.active for v in inputs)
    if out is None:
        op = Op(forward=forward, recompute=[])
    else:
        op = Op(forward=forward, adjoint_init=[zeros_like(out)] if active else [])
    if active:
        op.reverse = reverse
    emitter.emit_op(op)


def _kernel_call(kernel: str, inputs, event_ranks, batch_ranks, at, target: str, weight: str, n: int):
    """(forward, adjoint, scratch) lines of one event's call of a Numba kernel and its vjp, which
    takes an adjoint array for every array input (scratch ones, made before the loop, for data)
    and returns the adjoint share of its one scalar input, if it has one."""
    arguments = ", ".join(at(v.code, b) for v, b in zip(inputs, batch_ranks))
    forward = [f"{target}= {kernel}_log_density({arguments})"]
    adjoints = []
    discards = []
    returned = ""
    for v, event_rank, b in zip(inputs, event_ranks, batch_ranks):
        if event_rank == 0:
            returned = f"{at(v.adjoint, b)} += " if v.active else ""
        elif v.active:
            adjoints.append(at(v.adjoint, b))
        else:
            scratch = f"_discarded{n}_{len(discards)}"
            discards.append(f"{scratch} = np.zeros({v.code}.shape[1:])" if b else f"{scratch} = np.zeros_like({v.code})")
            adjoints.append(scratch)
    reverse = [f"{returned}{kernel}_log_density_vjp({arguments}, {weight}, {', '.join(adjoints)})"]
    return forward, reverse, discards


# kernels with a `<kernel>_log_density_rows` variant: the sum over a batch of values that
# share their parameters, with scratch space allocated once per call instead of per row
_ROW_KERNELS = {"event_kernels.mvn_tril"}


def _rows_term(emitter, kernel: str, inputs) -> None:
    arguments = ", ".join(v.code for v in inputs)
    op = Op(forward=[f"lp += {kernel}_log_density_rows({arguments})"], recompute=[])
    if any(v.active for v in inputs):
        discards, adjoints = [], []
        for k, v in enumerate(inputs):
            if v.active:
                adjoints.append(v.adjoint)
            else:
                adjoints.append(f"_discarded_rows_{k}")
                discards.append(f"_discarded_rows_{k} = np.zeros_like({v.code})")
        op.reverse = discards + [f"{kernel}_log_density_rows_vjp({arguments}, 1.0, {', '.join(adjoints)})"]
    emitter.emit_op(op)


def _mixture(emitter, value_expr, distribution, checked: bool) -> None:
    terms = _mixture_component_terms(emitter, value_expr, distribution, checked)
    rows, row = _mixture_rows(terms)
    forward = [f"for _n in range({rows}):",
               f"    lp += event_kernels.logsumexp({row(terms.code)})"]
    op = Op(forward=forward, recompute=[])
    if terms.active:   # d logsumexp / d term = softmax of the row
        op.reverse = [f"for _n in range({rows}):",
                      f"    event_kernels.logsumexp_vjp({row(terms.code)}, event_kernels.logsumexp({row(terms.code)}), "
                      f"1.0, {row(terms.adjoint)})"]
    emitter.emit_op(op)


def mixture_terms(emitter, value_expr, distribution, checked: bool) -> Value:
    """A mixture's log density per value (one log-sum-exp over the components per row), without
    an adjoint: the pointwise log-likelihood's terms (codegen/log_likelihood.py)."""
    terms = _mixture_component_terms(emitter, value_expr, distribution, checked)
    rows, row = _mixture_rows(terms)
    vector = terms.type.rank == 2
    out = emitter.temporary(ir.Type("real", terms.type.shape[:1] if vector else ()), False, "mixture")
    if vector:
        forward = [f"{out.code} = np.empty({rows})", f"for _n in range({rows}):",
                   f"    {out.code}[_n] = event_kernels.logsumexp({row(terms.code)})"]
    else:
        forward = [f"{out.code} = event_kernels.logsumexp({terms.code})"]
    emitter.emit_op(Op(forward=forward))
    return out


def _mixture_rows(terms: Value):
    """The number of rows of a mixture's component terms and the access to one row."""
    if terms.type.rank == 1:
        return "1", (lambda code: code)
    return f"{terms.code}.shape[0]", (lambda code: f"{code}[_n]")


def _mixture_component_terms(emitter, value_expr, distribution, checked: bool) -> Value:
    """log weight_c + log p_c(value) for each value (rows) and component c (the last axis)."""
    arguments = dict(distribution.arguments)
    mixture, components = arguments["mixture_distribution"], arguments["components_distribution"]
    if components.type.event_shape or len(components.type.batch_shape) != 1:
        raise NotSupportedYet("MixtureSameFamily with event-shaped or multi-axis components")
    value = emitter.value(value_expr)
    if value.type.rank > 1:
        raise NotSupportedYet("MixtureSameFamily over values of rank above 1")
    count = components.type.batch_shape[0]
    region_shape = (value.type.shape[0], count) if value.type.rank == 1 else (count,)
    component_axis = len(region_shape) - 1

    fuser = Fuser(emitter.value)
    x = fuser.convert(value_expr)
    mixture_arguments = dict(mixture.arguments)
    if "probs" in mixture_arguments:
        import sympy

        weight_term = sympy.log(fuser.convert(mixture_arguments["probs"]))
    else:
        normaliser = ir.Call("logsumexp", (mixture_arguments["logits"],), (), REAL, distribution.span)
        weight_term = fuser.convert(mixture_arguments["logits"]) - fuser.convert(normaliser)
    expression = weight_term + fuser.log_density(components, x, checked=checked)
    axes = {}
    for _, leaf in fuser.leaves.values():
        if leaf.code == value.code and value.type.rank == 1:
            axes[leaf.code] = (0,)
        elif leaf.type.rank == 1:
            axes[leaf.code] = (component_axis,)
        elif leaf.type.rank > 1:
            raise NotSupportedYet("MixtureSameFamily with matrix-valued parameters")
    region = Region(expression, list(fuser.leaves.values()), region_shape, axes, dict(fuser.intermediates))
    terms = emitter.temporary(ir.Type("real", region_shape), region.active, "component_terms")
    emitter._emit_region_value(region, terms)
    return terms


# ---- matrix functions ----------------------------------------------------------

def cholesky(source: Value, out: Value):
    """The kernel per matrix: one, or each of a batch along one leading axis."""
    if source.type.rank == 2:
        forward = [f"{out.code} = event_kernels.cholesky({source.code})"]
        adjoint = [f"event_kernels.cholesky_vjp({out.code}, {out.adjoint}, {source.adjoint})"]
    elif source.type.rank == 3:
        forward = [f"{out.code} = np.empty_like({source.code})", f"for _m in range({source.code}.shape[0]):",
                   f"    {out.code}[_m] = event_kernels.cholesky({source.code}[_m])"]
        adjoint = [f"for _m in range({source.code}.shape[0]):",
                   f"    event_kernels.cholesky_vjp({out.code}[_m], {out.adjoint}[_m], {source.adjoint}[_m])"]
    else:
        raise NotSupportedYet("cholesky() of matrices with more than one batch axis")
    return forward, (adjoint if source.active else [])
