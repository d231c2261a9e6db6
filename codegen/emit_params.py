"""Params and their transforms: the unconstrained coordinates of each param, its constraining
transform (with the log-Jacobian added to the target) and the inverse, ``unconstrain``.

Every transform comes from the registry (``ppl.transforms.transform``): scalar transforms
are SymPy expressions fused like any elementwise region; event transforms are Numba library
functions ``<kind>_constrain`` / ``_constrain_vjp`` / ``_unconstrain`` in the module the
registry names.  No constraint is named here.
"""

from __future__ import annotations

import sympy

from codegen import ir, structural
from codegen.check_exprs import constant_number
from codegen.emit import NotSupportedYet, Op, SizeCode, Value, dim_code, lines_of, shape_code, zeros_like
from codegen.fuse import Region, number
from codegen.index_ranges import dim_polynomial
from ppl.transforms import transform


def event_transform_of(constraint: ir.ParamConstraint):
    """The registry's transform of a param's constraint, and the generated code's name for the
    module holding its Numba functions (the last part of the module's path)."""
    found = transform(constraint.constraint.name)
    return found, found.module.rsplit(".", 1)[-1]


def event_free_size_code(constraint: ir.ParamConstraint, scope) -> str:
    """The unconstrained coordinates of one event, as code: the registry's formula applied to code."""
    found, _ = event_transform_of(constraint)
    return str(found.free_size(SizeCode(dim_code(constraint.event_shape[-1], scope))))


class ParamEmitter:
    def _ParamDeclaration(self, s: ir.ParamDeclaration):
        constraint = s.constraint
        previous = self.param_offsets[-1] if self.param_offsets else None
        offset = f"{self.names.of(s.name)}_offset"
        start = "0" if previous is None else f"{previous[1]} + {previous[2]}"
        size = self._free_size_code(s)
        self.emit_op(Op(forward=[f"{offset} = {start}"]))
        self.param_offsets.append((s, offset, size))
        found, _ = event_transform_of(constraint)
        if found.kind == "event":
            self._event_param(s, offset)
        elif constraint.constraint.bounded:
            self._bounded_param(s, offset, size, found.name)
        else:
            self._real_param(s, offset, size)

    def size_checks(self) -> list[str]:
        """Lines raising for a param size the data set below its least (negative; a simplex of no
        element, whose free size K - 1 would be negative): `dimension()` runs them when data is bound."""
        lines = []
        for s, _, _ in self.param_offsets:
            c = s.constraint
            least = [0] * len(c.batch_shape) + [0] * len(c.event_shape)
            if c.event_shape:
                found, _ = event_transform_of(c)
                least[-1] = next(k for k in range(8) if found.free_size(k) >= 0)
            for dim, minimum in zip(tuple(c.batch_shape) + tuple(c.event_shape), least):
                if not self.index_facts().at_least(dim_polynomial(dim), minimum):   # the declared bounds may settle it
                    lines += structural.size_checks([(dim_code(dim, self.scope), s.span)], minimum)
        return lines

    def _free_size_code(self, s: ir.ParamDeclaration) -> str:
        c = s.constraint
        batch = [dim_code(d, self.scope) for d in c.batch_shape]
        if c.event_shape:
            batch.append(event_free_size_code(c, self.scope))
        return " * ".join(batch) if batch else "1"

    def _unconstrained_slice(self, s, offset, size, active=True) -> Value:
        u_value = Value(f"{self.names.of(s.name)}_u", s.type, active)
        if not s.type.shape:
            forward = [f"{u_value.code} = u[{offset}]"]
            reverse = [f"grad_out[{offset}] += {u_value.adjoint}"]
        else:
            view = f"u[{offset}:{offset} + {size}]"
            if s.type.rank > 1:
                view += f".reshape({shape_code(s.type.shape, self.scope)})"
                reverse = [f"grad_out[{offset}:{offset} + {size}] += {u_value.adjoint}.ravel()"]
            else:   # the adjoint is grad_out's window itself (zeroed when the gradient starts)
                self.emit_op(Op(forward=[f"{u_value.code} = {view}"],
                                adjoint_init=[f"{u_value.adjoint} = grad_out[{offset}:{offset} + {size}]"]))
                return u_value
            forward = [f"{u_value.code} = {view}"]
        self.emit_op(Op(forward=forward, adjoint_init=[zeros_like(u_value)], reverse=reverse))
        return u_value

    def _real_param(self, s, offset, size):
        u_value = self._unconstrained_slice(s, offset, size)
        param = self.bind(s.name, s.type, True)
        if s.type.shape:   # the same array: one adjoint
            self.emit_op(Op(forward=[f"{param.code} = {u_value.code}"],
                            adjoint_init=[f"{param.adjoint} = {u_value.adjoint}"]))
            return
        self.emit_op(Op(forward=[f"{param.code} = {u_value.code}"], adjoint_init=[zeros_like(param)],
                        reverse=[f"{u_value.adjoint} += {param.adjoint}"]))

    def _bounded_param(self, s, offset, size, kind):
        from ppl.transforms.scalar import scalar_transform_expressions

        transform = scalar_transform_expressions(kind)
        bounds = s.constraint.bounds
        u_value = self._unconstrained_slice(s, offset, size)
        leaves = [(sympy.Symbol("leaf_u", real=True), u_value)]
        substitution = {transform.unconstrained: leaves[0][0]}
        for bound_name, expr in (("lower", bounds.lower), ("upper", bounds.upper)):
            if expr is None:
                continue
            constant = _constant_bound(expr)
            if constant is not None:   # a literal bound folds into the transform's expression
                substitution[getattr(transform, bound_name)] = constant
                continue
            bound_value = self.value(expr)
            symbol = sympy.Symbol(f"leaf_{bound_name}", real=True)
            leaves.append((symbol, bound_value))
            substitution[getattr(transform, bound_name)] = symbol
        shape = s.type.shape
        param = self.bind(s.name, s.type, True)
        self._emit_region_value(Region(transform.forward.xreplace(substitution), leaves, shape), param)
        if self.mode.target:   # the log-Jacobian only where a log density is computed
            self.sum_into_target(Region(transform.log_det_jacobian.xreplace(substitution), leaves, shape),
                                 jacobian=True)

    def _event_param(self, s, offset):
        c = s.constraint
        found, module = event_transform_of(c)
        kind = found.name
        if len(c.batch_shape) > 1:
            raise NotSupportedYet(f"{kind} params with more than one batch axis")
        event_size = event_free_size_code(c, self.scope)
        param = self.bind(s.name, s.type, True)
        allocate = f"{param.code} = np.empty({shape_code(s.type.shape, self.scope)})"
        if not c.batch_shape:
            window = f"u[{offset}:{offset} + {event_size}]"
            forward = [allocate, f"lp += {module}.{kind}_constrain({window}, {param.code})"]
            reverse = [f"{module}.{kind}_constrain_vjp({window}, {param.adjoint}, "
                       f"grad_out[{offset}:{offset} + {event_size}])"]
        else:
            n = next(self.loops)
            batch = dim_code(c.batch_shape[0], self.scope)
            window = f"u[{offset} + _b{n} * ({event_size}):{offset} + (_b{n} + 1) * ({event_size})]"
            gradient = f"grad_out[{offset} + _b{n} * ({event_size}):{offset} + (_b{n} + 1) * ({event_size})]"
            forward = [allocate, f"for _b{n} in range({batch}):",
                       f"    lp += {module}.{kind}_constrain({window}, {param.code}[_b{n}])"]
            reverse = [f"for _b{n} in range({batch}):",
                       f"    {module}.{kind}_constrain_vjp({window}, {param.adjoint}[_b{n}], {gradient})"]
        # the transform returns its log-Jacobian: a function without a log density drops it
        without_jacobian = [line.replace("lp += ", "") for line in forward]
        if not self.mode.target:
            forward = without_jacobian
        self.emit_op(Op(forward=forward, recompute=[allocate], adjoint_init=[zeros_like(param)],
                        reverse=reverse, without_jacobian=without_jacobian))


def unconstrain_function(emitter, program, analysis) -> tuple[list[str], list[str]]:
    """The body of unconstrain(real_data, int_data, u_out, *params), the inverse transforms param by
    param, after the data prologue: (the params' argument names, the lines)."""
    from ppl.transforms.scalar import scalar_transform_expressions

    for name, type_ in analysis.inputs + analysis.outputs:
        emitter.bind(name, type_, False)
    lines: list[str] = []
    previous = None
    arguments = []
    for declaration in program.params:
        constraint = declaration.constraint
        found, module = event_transform_of(constraint)
        kind = found.name
        param = emitter.bind(declaration.name, declaration.type, False)
        arguments.append(param.code)
        offset = f"{param.code}_offset"
        size = emitter._free_size_code(declaration)
        lines.append(f"{offset} = {'0' if previous is None else previous}")
        previous = f"{offset} + {size}"
        if found.kind == "scalar":
            transform = scalar_transform_expressions(kind)
            x = sympy.Symbol("leaf_x", real=True)
            leaves = [(x, param)]
            substitution = {transform.constrained: x}
            for bound_name, expr in (("lower", constraint.bounds.lower), ("upper", constraint.bounds.upper)):
                if expr is None:
                    continue
                substitution[getattr(transform, bound_name)] = _constant_bound(expr)
                if substitution[getattr(transform, bound_name)] is not None:
                    continue
                emitter.ops = []
                bound_value = emitter.value(expr)
                lines += lines_of(emitter.ops, "forward")
                symbol = sympy.Symbol(f"leaf_{bound_name}", real=True)
                leaves.append((symbol, bound_value))
                substitution[getattr(transform, bound_name)] = symbol
            region = Region(transform.inverse.xreplace(substitution), leaves, declaration.type.shape)
            flat = Value(f"u_out[{offset}:{offset} + {size}]", declaration.type, False)
            if declaration.type.shape:
                target = Value(f"{param.code}_u", declaration.type, False)
                lines += emitter.region_emitter().value(region, target)
                lines.append(f"{flat.code} = {target.code}.ravel()")
            else:
                lines += emitter.region_emitter().value(region, Value(f"u_out[{offset}]", declaration.type, False))
            continue
        event_size = event_free_size_code(constraint, emitter.scope)
        if not constraint.batch_shape:
            lines.append(f"{module}.{kind}_unconstrain({param.code}, u_out[{offset}:{offset} + {event_size}])")
        else:
            lines += [f"for _b in range({param.code}.shape[0]):",
                      f"    {module}.{kind}_unconstrain({param.code}[_b], "
                      f"u_out[{offset} + _b * ({event_size}):{offset} + (_b + 1) * ({event_size})])"]
    return arguments, lines + ["return u_out"]


def _constant_bound(expr):
    """A literal bound as SymPy sees it (an integer one exact: `log(x)` for lower=0, not
    `log(x - 0.0)`), or None."""
    constant = constant_number(expr)
    if constant is None:
        return None
    return number(constant, "int" if float(constant).is_integer() else "real")
