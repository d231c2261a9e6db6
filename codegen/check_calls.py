"""Typing calls: built-in functions, distributions, kernels and `.log_prob`.

Part of the checker.  Signatures come from the catalogue (ppl/catalogue/):
this module binds arguments to parameter names, checks each argument's dtype
and domain, unifies the letters naming event axes (an MVNTriL's loc [K] and
scale_tril [K, K]) and broadcasts batch shapes.
"""

from __future__ import annotations

from codegen import ast, ir
from codegen.check_exprs import constant_int, constant_number, describe_type
from codegen.ir_print import expr_text
from codegen.check_sizes import axis_what
from codegen.shapes import Dim, Minimum, shape_str
from ppl.catalogue.builtins import BUILTINS
from ppl.catalogue.declare import Distribution, Parameter
from ppl.catalogue.distributions import DISTRIBUTIONS
from ppl.catalogue.foreign_functions import FOREIGN_FUNCTIONS
from ppl.catalogue.kernels import KERNELS
from ppl.catalogue.supports import describe as describe_support, in_support, is_scalar as is_scalar_constraint
from ppl.errors import ModelNameError, ModelNotSupportedError, ModelTypeError, closest, did_you_mean


def _signature(name, parameter_names, alternatives) -> str:
    """`Bernoulli(logits | probs)`: alternatives joined with |, others with commas."""
    parts, seen = [], set()
    for parameter in parameter_names:
        if parameter in seen:
            continue
        group = next((g for g in alternatives if parameter in g), None)
        if group:
            parts.append(" | ".join(group))
            seen.update(group)
        else:
            parts.append(parameter)
    return f"{name}({', '.join(parts)})"


_DOMAIN_WORDS = {"positive": "positive", "positive_integer": "a positive integer", "nonnegative": "non-negative",
                 "nonnegative_integer": "a non-negative integer", "unit_interval": "between 0 and 1 (exclusive)",
                 "probability": "between 0 and 1", "real": "a number"}


def _constant_fold(expr):
    """The value of an expression of literals only (e.g. -2 * 3), else None."""
    if any(isinstance(sub, ir.Variable) for sub in ir.walk_expr(expr)):
        return None
    if expr.type.shape:
        return None
    try:
        from codegen.evaluate import evaluate

        return float(evaluate(expr, {}))
    except Exception:   # not foldable: checked when sampling
        return None


# Stan's functions of a distribution (`normal_lpdf`, `poisson_log_rng`, ...): suffix → what it is.
_DISTRIBUTION_FUNCTION_SUFFIXES = (("_lpdf", "density"), ("_lupdf", "density"), ("_lpmf", "density"),
                                   ("_lupmf", "density"), ("_log", "density"), ("_rng", "draw"),
                                   ("_lcdf", "log_cdf"), ("_lccdf", "log_survival_function"), ("_cdf", "cdf"))


def _distribution_function_hint(name: str) -> str | None:
    for suffix, kind in _DISTRIBUTION_FUNCTION_SUFFIXES:
        if not name.endswith(suffix):
            continue
        found = _ppl_distribution(name[:-len(suffix)])
        if found is None:
            return None
        arguments, spelling = found
        if kind == "density":
            return f"Stan's `{name}(y | {arguments})` is `{spelling}.log_prob(y)` in ppl"
        if kind == "draw":
            return f"Stan's `{name}({arguments})` is a generated quantity in ppl: `gen y ~ {spelling}`"
        return f"Stan's `{name}(y | {arguments})` is `{spelling}.{kind}(y)` in ppl"
    return None


# what a distribution can be asked at a value, by TFP's names
DISTRIBUTION_METHODS = ("log_prob", "log_cdf", "cdf", "log_survival_function", "survival_function")


# other systems' names for them (Stan's suffixes, SciPy's methods) → the hint
_CDF_HINT = ("the log cdf is `.log_cdf(x)`, the log survival function `.log_survival_function(x)` (Stan's "
             "`_lcdf` and `_lccdf`), and `.cdf(x)`, `.survival_function(x)` without the log")
_FOREIGN_METHODS = {
    **{name: _CDF_HINT for name in ("lcdf", "lccdf", "ccdf", "logcdf", "logsf", "sf")},
    **{name: "the log density is `.log_prob(x)`" for name in ("lpdf", "lpmf", "logpdf", "logpmf", "pdf", "pmf")},
}


def _methods_text() -> str:
    return ", ".join(f"`.{method}(x)`" for method in DISTRIBUTION_METHODS)


def _ppl_distribution(stan_name: str) -> tuple[str, str] | None:
    """The ppl distribution a Stan distribution name stands for: (Stan's arguments, the ppl
    call), `("alpha", "Bernoulli(logits=alpha)")`, or `("...", "Normal(...)")`."""
    row = FOREIGN_FUNCTIONS.get(stan_name)
    if row is not None and row.spelling is not None and row.spelling.split("(")[0] in DISTRIBUTIONS:
        return row.call[len(row.name) + 1:-1], row.spelling
    capitalised = {d.lower(): d for d in DISTRIBUTIONS}
    match = capitalised.get(stan_name.lower()) or capitalised.get(stan_name.lower().replace("_", ""))
    return ("...", f"{match}(...)") if match else None


def _function_hint(name: str) -> str:
    """The nearest name by edit distance among ppl's functions and distributions and the other
    systems' functions: a near miss of a foreign function (`log1mm`) gets that function's ppl
    spelling, never a different ppl function that happens to be spelled alike (`log1p`)."""
    match = closest(name, list(BUILTINS) + list(DISTRIBUTIONS) + list(FOREIGN_FUNCTIONS))
    if match is None:
        return "see the language reference for the built-in functions"
    if match in FOREIGN_FUNCTIONS:
        return f"did you mean '{match}'? {FOREIGN_FUNCTIONS[match].hint}"
    return f"did you mean '{match}'?"


class CallChecker:
    """Mixin for the checker: needs check_value, check_expr, stage_of, dim_of."""

    def _expr_Call(self, node: ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute):
            return self._method_call(node, func)
        if not isinstance(func, ast.Name):
            raise ModelTypeError("only functions and distributions can be called", func.span)
        name = func.id
        if name in DISTRIBUTIONS:
            return self.check_distribution(node)
        if name in KERNELS:
            return self._kernel(node)
        if name in BUILTINS:
            return self._builtin(node, BUILTINS[name])
        if self.scope.lookup(name) is not None:
            raise ModelTypeError(f"'{name}' is a value, not a function", func.span,
                                 hint=f"index it with `{name}[...]`, or multiply with `*`")
        raise self._unknown_callable(name, func.span)

    def _unknown_callable(self, name, span):
        if name in FOREIGN_FUNCTIONS:
            return ModelNameError(f"unknown function '{name}'", span, hint=FOREIGN_FUNCTIONS[name].hint)
        hint = _distribution_function_hint(name)
        if hint is not None:
            return ModelNameError(f"unknown function '{name}'", span, hint=hint)
        capitalised = {d.lower(): d for d in DISTRIBUTIONS}
        if name.lower() in capitalised or name.lower().replace("_", "") in capitalised:
            match = capitalised.get(name.lower()) or capitalised[name.lower().replace("_", "")]
            return ModelNameError(f"unknown distribution '{name}'", span,
                                  hint=f"did you mean '{match}'? (distributions use TensorFlow Probability's names)")
        if name[:1].isupper():
            return ModelNameError(f"unknown distribution '{name}'", span,
                                  hint=did_you_mean(name, list(DISTRIBUTIONS) + list(KERNELS))
                                  or "see the language reference for the list of distributions")
        return ModelNameError(f"unknown function '{name}'", span, hint=_function_hint(name))

    # ---- .log_prob, .log_cdf, ... ------------------------------------------------

    def _method_call(self, node, func: ast.Attribute):
        method = func.attr
        if method not in DISTRIBUTION_METHODS:
            hint = (_FOREIGN_METHODS.get(method) or did_you_mean(method, list(DISTRIBUTION_METHODS))
                    or f"the methods of a distribution are {_methods_text()}")
            raise ModelTypeError(f"unknown method '.{method}'", func.span, hint=hint)
        distribution = self.check_expr(func.value)
        if not isinstance(distribution, ir.DistributionExpr):
            raise ModelTypeError(f"`.{method}` applies to a distribution", func.value.span,
                                 found=f"{expr_text(distribution)}: {describe_type(distribution.type)}",
                                 hint=f"write `Normal(mu, sigma).{method}(x)`")
        if node.keywords or len(node.args) != 1:
            raise ModelTypeError(f"`.{method}` takes exactly one argument, the value", node.span)
        if method != "log_prob":
            self.check_has_cdf(distribution, func.span, f"`.{method}`")
        value = self.check_value(node.args[0])
        batch = self.check_against_distribution(value, distribution, node.args[0].span, method)
        return ir.LogProb(distribution, value, ir.Type("real", batch), node.span, method)

    def check_has_cdf(self, distribution: ir.DistributionExpr, span, what: str) -> None:
        """A located error unless the family declares a cdf (and so every distribution function)."""
        if DISTRIBUTIONS[distribution.family].has_cdf:
            return
        families = ", ".join(sorted({d.name for d in DISTRIBUTIONS.values() if d.has_cdf}))
        raise ModelNotSupportedError(f"{what} needs a cdf, and {distribution.family} has none in ppl",
                                     span, hint=f"the families with a cdf: {families}")

    def check_against_distribution(self, value, distribution: ir.DistributionExpr, span, what) -> tuple:
        """Check a value can be scored by a distribution; return the broadcast batch shape."""
        dtype = distribution.type
        support = dtype.support
        if support.dtype == "int" and value.type.dtype == "real":
            raise ModelTypeError(
                f"{dtype.family} is a distribution over integers, but {expr_text(value)} is real", span,
                expected=f"int values ({support.description})", found=describe_type(value.type),
                hint="declare the data as `int`, or choose a continuous distribution")
        event = dtype.event_shape
        shape = value.type.shape
        value_text = expr_text(value)
        written = self.context_text(distribution.span) or dtype.family   # as the model writes it
        first_event_axis = len(shape) - len(event)
        if len(shape) < len(event) or not all(
                self.sizes_equal(a, b, axis_what(value_text, len(shape), first_event_axis + k),
                                 f"axis {k} of the event of {written}" if len(event) > 1
                                 else f"the event of {written}", span)
                for k, (a, b) in enumerate(zip(shape[first_event_axis:], event))):
            raise ModelTypeError(
                f"{expr_text(value)} does not match the event shape of {dtype.family}", span,
                expected=f"a value whose last axes are {shape_str(event)} (the event shape)",
                found=f"shape {shape_str(shape)}",
                hint="event axes are on the right: one event per row")
        value_batch = shape[:len(shape) - len(event)]
        batch = self.broadcast_sizes([(value_batch, value_text), (dtype.batch_shape, written)], span)
        if batch is None:
            raise ModelTypeError(
                f"the shape of {expr_text(value)} does not broadcast with the batch shape of {dtype.family}",
                span, expected=f"batch shape {shape_str(dtype.batch_shape)}",
                found=f"{shape_str(value_batch)} (value shape {shape_str(shape)})",
                hint="index the value or the parameters so the batch axes line up")
        return batch

    # ---- distributions ------------------------------------------------------------

    def check_distribution(self, node: ast.Call) -> ir.DistributionExpr:
        name = node.func.id
        family = DISTRIBUTIONS[name]
        bound = self._bind_arguments(family.name, family.parameters, node, family)
        arguments: dict[str, ir.Expr] = {}
        for parameter in family.parameters:
            if parameter.name not in bound:
                continue
            arg_node = bound[parameter.name]
            if arg_node is None:   # default
                arguments[parameter.name] = ir.Constant(parameter.default, ir.REAL, node.span)
                continue
            arguments[parameter.name] = self._check_argument(family.name, parameter, arg_node)
        if family.shape_rule == "gaussian_process":
            type_ = self._gaussian_process_type(family, arguments, node)
        elif family.shape_rule == "mixture_same_family":
            type_ = self._mixture_type(family, arguments, bound, node)
        else:
            type_ = self._distribution_type(family, arguments, bound, node)
        return ir.DistributionExpr(family.name, tuple(arguments.items()), type_, node.span)

    def _bind_arguments(self, family_name, parameters: tuple[Parameter, ...], node, family=None):
        """Map parameter name → AST node (None for a default), TFP's positional order."""
        names = [p.name for p in parameters]
        signature = _signature(family_name, names, family.alternatives if family is not None else ())
        keyword_spans = {k.name: k.span for k in node.keywords}
        if len(node.args) > len(parameters):
            raise ModelTypeError(
                f"{family_name} takes at most {len(parameters)} argument{'s' if len(parameters) != 1 else ''}, "
                f"but {len(node.args)} were given", node.args[len(parameters)].span,
                expected=signature, hint="remove the extra arguments")
        bound: dict = {}
        for parameter, arg in zip(parameters, node.args):
            bound[parameter.name] = arg
        for keyword in node.keywords:
            if keyword.name not in names:
                raise ModelTypeError(
                    f"{family_name} has no parameter '{keyword.name}'", keyword.span, expected=signature,
                    hint=did_you_mean(keyword.name, names) or f"its parameters are {', '.join(names)}")
            if keyword.name in bound:
                raise ModelTypeError(f"'{keyword.name}' is given twice (by position and by name)",
                                     keyword.span, expected=signature)
            bound[keyword.name] = keyword.value
        groups = family.alternatives if family is not None else ()
        in_group = {n for group in groups for n in group}
        # positional arguments fill alternatives in order (TFP: Bernoulli(x) means logits=x)
        for group in groups:
            given = [n for n in group if n in bound]
            if len(given) > 1:
                raise ModelTypeError(
                    f"{family_name} takes one of {' or '.join(f'{n}=' for n in group)}, not both",
                    keyword_spans.get(given[1], bound[given[1]].span), expected=signature,
                    hint=f"keep either `{given[0]}=` or `{given[1]}=`")
            if not given:
                raise ModelTypeError(
                    f"{family_name} needs one of {' or '.join(f'{n}=' for n in group)}", node.span,
                    expected=signature, hint=f"e.g. `{family_name}({group[0]}=...)`")
        for parameter in parameters:
            if parameter.name in bound or parameter.name in in_group:
                continue
            if parameter.default is not None:
                bound[parameter.name] = None
                continue
            raise ModelTypeError(f"{family_name} is missing its argument '{parameter.name}'", node.span,
                                 expected=signature, hint=f"add `{parameter.name}=...`")
        return bound

    def _check_argument(self, family_name, parameter: Parameter, arg_node):
        if parameter.kind == "distribution":
            if not (isinstance(arg_node, ast.Call) and isinstance(arg_node.func, ast.Name)
                    and arg_node.func.id in DISTRIBUTIONS):
                raise ModelTypeError(f"{family_name}'s '{parameter.name}' must be a distribution", arg_node.span,
                                     hint="e.g. `Categorical(probs=w)` or `Normal(mu, sigma)`")
            return self.check_distribution(arg_node)
        if parameter.kind == "kernel":
            expr = self.check_expr(arg_node)
            if not isinstance(expr, ir.KernelExpr):
                raise ModelTypeError(f"{family_name}'s '{parameter.name}' must be a kernel", arg_node.span,
                                     expected=" or ".join(KERNELS), found=describe_type(expr.type))
            return expr
        value = self.check_value(arg_node)
        if parameter.kind == "size":
            if value.type.dtype != "int" or value.type.shape or self.stage_of(value) != "data":
                raise ModelTypeError(f"{family_name}'s '{parameter.name}' must be an integer known from data",
                                     arg_node.span, found=describe_type(value.type))
            return value
        if parameter.dtype == "int" and value.type.dtype == "real":
            raise ModelTypeError(f"{family_name}'s '{parameter.name}' must be an integer", arg_node.span,
                                 found=f"{expr_text(value)}: {describe_type(value.type)}")
        self._check_constant_domain(family_name, parameter, value, arg_node.span)
        return value

    def _check_constant_domain(self, family_name, parameter, value, span):
        """A literal argument outside its parameter's domain (ppl/catalogue/supports.py)."""
        number = _constant_fold(value)
        domain = parameter.domain
        if number is None or not is_scalar_constraint(domain) or in_support(domain, number):
            return
        words = _DOMAIN_WORDS.get(domain.name) or f"in {describe_support(domain)}"
        raise ModelTypeError(f"{family_name}'s '{parameter.name}' must be {words}", span, found=f"{number:g}",
                             hint=f"give {family_name} a {parameter.name} that is {words}")

    def _distribution_type(self, family: Distribution, arguments, bound, node) -> ir.DistributionType:
        letters: dict[str, tuple[Dim, str]] = {}
        letter_owners: dict[str, str] = {}     # letter → what has it ("axis 0 of Sigma"), for size checks
        batches = []
        batch_texts = []
        shapes: dict[str, tuple] = {}
        for parameter in family.parameters:
            value = arguments.get(parameter.name)
            if value is None:
                continue
            if parameter.kind == "size":
                if parameter.sets not in letters:
                    letters[parameter.sets] = (self.dim_of(value), parameter.name)
                    letter_owners[parameter.sets] = f"{family.name}'s {parameter.name} ({expr_text(value)})"
                continue
            shape = value.type.shape
            arg_span = bound[parameter.name].span if bound.get(parameter.name) is not None else node.span
            if bound.get(parameter.name) is None and not shape:
                continue  # a scalar default broadcasts over the event
            rank = len(parameter.event)
            if len(shape) < rank:
                raise ModelTypeError(
                    f"{family.name}'s '{parameter.name}' must have at least {rank} ax{'is' if rank == 1 else 'es'}",
                    arg_span, expected=f"shape [..., {', '.join(parameter.event)}]", found=f"shape {shape_str(shape)}")
            event_part = shape[len(shape) - rank:]
            for position, (letter, dim) in enumerate(zip(parameter.event, event_part)):
                axis = len(shape) - rank + position
                if letter in letters and not self.sizes_equal(
                        letters[letter][0], dim, letter_owners[letter],
                        axis_what(expr_text(value), len(shape), axis), arg_span):
                    other_dim, other_name = letters[letter]
                    other_shape = shapes[other_name]
                    wanted = ", ".join(str(letters[l][0]) if l in letters else l for l in parameter.event)
                    raise ModelTypeError(
                        f"{family.name}'s '{parameter.name}' of shape {shape_str(shape)} does not fit "
                        f"'{other_name}' of shape {shape_str(other_shape)}", arg_span,
                        expected=f"'{parameter.name}' of shape [..., {wanted}]", found=shape_str(shape),
                        hint=f"the size {letter} must be the same in both")
                if letter not in letters:
                    letters[letter] = (dim, parameter.name)
                    letter_owners[letter] = axis_what(expr_text(value), len(shape), axis)
            batches.append((parameter.name, shape[:len(shape) - rank]))
            batch_texts.append(expr_text(value))
            shapes[parameter.name] = shape
        batch = self.broadcast_sizes([(b, text) for (_, b), text in zip(batches, batch_texts)], node.span)
        if batch is None:
            described = ", ".join(f"{n}: {shape_str(b)}" for n, b in batches)
            raise ModelTypeError(f"the parameters of {family.name} do not broadcast", node.span,
                                 found=described, hint="parameters broadcast like NumPy arrays")
        event = tuple(letters[letter][0] for letter in family.event)
        return ir.DistributionType(family.name, batch, event, family.support)

    def _gaussian_process_type(self, family, arguments, node):
        points = arguments["index_points"]
        if points.type.rank not in (1, 2):
            raise ModelTypeError("GaussianProcess's index_points must be [N] or [N, F]", node.span,
                                 found=f"shape {shape_str(points.type.shape)}")
        noise = arguments.get("observation_noise_variance")
        if noise is not None and noise.type.shape:
            raise ModelTypeError("GaussianProcess's observation_noise_variance must be a scalar", node.span,
                                 found=f"shape {shape_str(noise.type.shape)}")
        return ir.DistributionType(family.name, (), (points.type.shape[0],), family.support)

    def _mixture_type(self, family, arguments, bound, node):
        mixture = arguments["mixture_distribution"]
        components = arguments["components_distribution"]
        if mixture.family != "Categorical":
            raise ModelTypeError("MixtureSameFamily's mixture_distribution must be a Categorical",
                                 bound["mixture_distribution"].span, found=mixture.family,
                                 hint="e.g. `Categorical(probs=weights)`")
        if not components.type.batch_shape:
            raise ModelTypeError(
                "MixtureSameFamily's components_distribution needs a batch axis of components",
                bound["components_distribution"].span,
                found=f"batch shape {shape_str(components.type.batch_shape)}",
                hint="give the component parameters one entry per component, e.g. Normal(mu, sigma) with mu: real[K]")
        count = components.type.batch_shape[-1]
        weights = mixture.argument("probs") or mixture.argument("logits")
        if not self.sizes_equal(weights.type.shape[-1], count,
                                axis_what(expr_text(weights), weights.type.rank, weights.type.rank - 1),
                                "the components' last batch axis", bound["mixture_distribution"].span):
            raise ModelTypeError("MixtureSameFamily: the number of weights and of components differ",
                                 bound["mixture_distribution"].span,
                                 expected=f"{count} weights (the components' last batch axis)",
                                 found=f"{weights.type.shape[-1]}")
        batch = self.broadcast_sizes([(mixture.type.batch_shape, "the batch of the mixture"),
                                      (components.type.batch_shape[:-1], "the batch of the components")], node.span)
        if batch is None:
            raise ModelTypeError("MixtureSameFamily: the batch shapes of the mixture and components do not broadcast",
                                 node.span)
        return ir.DistributionType(family.name, batch, components.type.event_shape, components.type.support)

    # ---- kernels ------------------------------------------------------------

    def _kernel(self, node):
        name = node.func.id
        parameters = KERNELS[name]
        bound = self._bind_arguments(name, parameters, node)
        arguments = {}
        for parameter in parameters:
            arg_node = bound.get(parameter.name)
            if arg_node is None:
                arguments[parameter.name] = ir.Constant(parameter.default, ir.REAL, node.span)
                continue
            value = self._check_argument(name, parameter, arg_node)
            if value.type.shape:
                raise ModelTypeError(f"{name}'s '{parameter.name}' must be a scalar", arg_node.span,
                                     found=f"shape {shape_str(value.type.shape)}")
            arguments[parameter.name] = value
        return ir.KernelExpr(name, tuple(arguments.items()), ir.KernelType(name), node.span)

    # ---- built-in functions ------------------------------------------------------

    def _builtin(self, node, builtin):
        fewest, most = builtin.arity
        count = len(node.args)
        if not fewest <= count <= most:
            expected = f"{fewest}" if fewest == most else f"{fewest} to {most}"
            raise ModelTypeError(f"{builtin.name}() takes {expected} argument{'s' if most != 1 else ''}, "
                                 f"but {count} {'was' if count == 1 else 'were'} given", node.span,
                                 hint=builtin.description)
        for keyword in node.keywords:
            if keyword.name not in builtin.keywords:
                allowed = ", ".join(f"{k}=" for k in builtin.keywords) or "no keywords"
                raise ModelTypeError(f"{builtin.name}() has no keyword '{keyword.name}'", keyword.span,
                                     expected=allowed)
        args = tuple(self.check_value(a) for a in node.args)
        options = self._options(node, builtin, args)
        rule = getattr(self, "_shape_" + builtin.kind)
        shape, dtype = rule(builtin, args, dict(options), node)
        if builtin.result == "int":
            dtype = "int"
        elif builtin.result == "real":
            dtype = "real"
        return ir.Call(builtin.name, args, options, ir.Type(dtype, shape), node.span)

    def _options(self, node, builtin, args):
        options = []
        for keyword in node.keywords:
            value = self.check_value(keyword.value)
            axis = constant_int(value)
            if axis is None:
                raise ModelTypeError(f"{builtin.name}()'s {keyword.name}= must be an integer literal",
                                     keyword.value.span)
            rank = args[0].type.rank if args else 0
            if not -rank <= axis < rank:
                raise ModelTypeError(f"axis {axis} is out of range for an array of shape "
                                     f"{shape_str(args[0].type.shape)}", keyword.value.span,
                                     expected=f"an axis from {-rank} to {rank - 1}")
            options.append((keyword.name, axis % rank))
        return tuple(options)

    @staticmethod
    def _same_dtype(args):
        return "real" if any(a.type.dtype == "real" for a in args) else "int"

    def _shape_elementwise(self, builtin, args, options, node):
        shape = self.broadcast_sizes([(a.type.shape, expr_text(a)) for a in args], node.span)
        if shape is None:
            shapes = ", ".join(shape_str(a.type.shape) for a in args)
            raise ModelTypeError(f"the arguments of {builtin.name}() do not broadcast", node.span, found=shapes)
        return shape, self._same_dtype(args)

    def _shape_reduction(self, builtin, args, options, node):
        (x,) = args
        if "axis" not in options:
            return (), self._same_dtype(args)
        axis = options["axis"]
        return x.type.shape[:axis] + x.type.shape[axis + 1:], self._same_dtype(args)

    def _shape_along_axis(self, builtin, args, options, node):
        (x,) = args
        if not x.type.shape:
            raise ModelTypeError(f"{builtin.name}() needs an array", node.args[0].span,
                                 found=describe_type(x.type))
        return x.type.shape, self._same_dtype(args)

    def _shape_dot(self, builtin, args, options, node):
        a, b = args
        for arg, arg_node in zip(args, node.args):
            if not arg.type.shape:
                raise ModelTypeError("dot() needs two vectors", arg_node.span, found=describe_type(arg.type),
                                     hint="use '*' to multiply by a scalar")
        if not self.sizes_equal(a.type.shape[-1], b.type.shape[-1],
                                axis_what(expr_text(a), a.type.rank, a.type.rank - 1),
                                axis_what(expr_text(b), b.type.rank, b.type.rank - 1), node.span):
            raise ModelTypeError(f"dot() of shapes {shape_str(a.type.shape)} and {shape_str(b.type.shape)}: "
                                 "the last axes differ", node.span,
                                 expected="equal last axes", found=f"{a.type.shape[-1]} and {b.type.shape[-1]}")
        batch = self.broadcast_sizes([(a.type.shape[:-1], expr_text(a)), (b.type.shape[:-1], expr_text(b))],
                                     node.span)
        if batch is None:
            raise ModelTypeError("dot(): the leading axes do not broadcast", node.span)
        return batch, self._same_dtype(args)

    def _size_dims(self, builtin, args, node):
        dims = []
        for arg, arg_node in zip(args, node.args):
            if arg.type.dtype != "int" or arg.type.shape:
                raise ModelTypeError(f"{builtin.name}() takes integer sizes", arg_node.span,
                                     found=describe_type(arg.type))
            if self.stage_of(arg) != "data":
                raise ModelTypeError(f"the sizes given to {builtin.name}() must be known from data",
                                     arg_node.span)
            dims.append(self.dim_of(arg))
        return tuple(dims)

    def _shape_filled(self, builtin, args, options, node):
        return self._size_dims(builtin, args, node), "real"

    def _shape_eye(self, builtin, args, options, node):
        (n,) = self._size_dims(builtin, args, node)
        return (n, n), "real"

    def _shape_diag(self, builtin, args, options, node):
        (x,) = args
        shape = x.type.shape
        if len(shape) == 1:
            return (shape[0], shape[0]), x.type.dtype
        if len(shape) == 2:
            size = shape[0] if shape[0].provably_equal(shape[1]) else Dim.unknown(
                f"min({shape[0]}, {shape[1]})", Minimum(shape[0], shape[1]))
            return (size,), x.type.dtype
        raise ModelTypeError("diag() takes a vector (to make a diagonal matrix) or a matrix (to take its diagonal)",
                             node.args[0].span, found=describe_type(x.type))

    def _shape_cholesky(self, builtin, args, options, node):
        (x,) = args
        shape = x.type.shape
        text = expr_text(x)
        if len(shape) < 2 or not self.sizes_equal(shape[-2], shape[-1], f"axis {len(shape) - 2} of {text}",
                                                  f"axis {len(shape) - 1} of {text}", node.span):
            raise ModelTypeError("cholesky() needs a square matrix", node.args[0].span,
                                 found=describe_type(x.type))
        return shape, "real"

    def _shape_transpose(self, builtin, args, options, node):
        return args[0].type.shape[::-1], args[0].type.dtype

    def _shape_size(self, builtin, args, options, node):
        return (), "int"

    def _shape_where(self, builtin, args, options, node):
        """where(cond, a, b): the three broadcast (NumPy); ints when both branches are ints."""
        shape, _ = self._shape_elementwise(builtin, args, options, node)
        return shape, self._same_dtype(args[1:])

    def _shape_argmax(self, builtin, args, options, node):
        """argmax / argmin of a vector."""
        self._vector(builtin, args[0], node.args[0], "index one row, e.g. `argmax(delta[t])`")
        return (), "int"

    def _vector(self, builtin, x, arg_node, hint=None):
        if x.type.rank != 1:
            raise ModelTypeError(f"{builtin.name}() takes a vector", arg_node.span, found=describe_type(x.type),
                                 hint=hint or "index one row, e.g. `x[t]`, or flatten the array with `flatten(x)`")
        return x.type.shape[0]

    def _square(self, builtin, x, arg_node, what="a square matrix"):
        """The size N of an [N, N] argument (a located error for anything else)."""
        shape, text = x.type.shape, expr_text(x)
        if len(shape) != 2 or not self.sizes_equal(shape[0], shape[1], f"axis 0 of {text}", f"axis 1 of {text}",
                                                    arg_node.span):
            raise ModelTypeError(f"{builtin.name}() needs {what}", arg_node.span, expected="shape [N, N]",
                                 found=describe_type(x.type))
        return shape[0]

    def _same_size(self, builtin, first, first_what, second, second_what, node):
        if not self.sizes_equal(first, second, first_what, second_what, node.span):
            raise ModelTypeError(f"the sizes of {builtin.name}()'s arguments do not fit", node.span,
                                 expected=f"{first_what} equal to {second_what}", found=f"{first} and {second}")

    def _shape_prod(self, builtin, args, options, node):
        return (), self._same_dtype(args)

    def _shape_concatenate(self, builtin, args, options, node):
        """All of one rank; every axis but `axis` of equal size; that axis's sizes add up."""
        axis = options.get("axis", 0)
        first = args[0]
        if not first.type.shape:
            raise ModelTypeError("concatenate() joins arrays, not scalars", node.args[0].span,
                                 found=describe_type(first.type), hint="make a scalar a vector with `[x]`")
        total = first.type.shape[axis]
        for arg, arg_node in zip(args[1:], node.args[1:]):
            if arg.type.rank != first.type.rank:
                raise ModelTypeError("concatenate() joins arrays of one rank", arg_node.span,
                                     expected=f"rank {first.type.rank}, as {expr_text(first)}",
                                     found=describe_type(arg.type), hint="make a scalar a vector with `[x]`")
            for k, (a, b) in enumerate(zip(first.type.shape, arg.type.shape)):
                if k != axis:
                    self._same_size(builtin, a, axis_what(expr_text(first), first.type.rank, k),
                                    b, axis_what(expr_text(arg), arg.type.rank, k), node)
            total = total + arg.type.shape[axis]
        shape = first.type.shape[:axis] + (total,) + first.type.shape[axis + 1:]
        return shape, self._same_dtype(args)

    def _shape_full(self, builtin, args, options, node):
        *sizes, value = args
        return self._size_dims(builtin, sizes, node) + value.type.shape, value.type.dtype

    def _shape_flatten(self, builtin, args, options, node):
        size = Dim.constant(1)
        for dim in args[0].type.shape:
            size = size * dim
        return (size,), args[0].type.dtype

    def _shape_sort(self, builtin, args, options, node):
        return (self._vector(builtin, args[0], node.args[0]),), args[0].type.dtype

    def _shape_rank(self, builtin, args, options, node):
        return (self._vector(builtin, args[0], node.args[0]),), "int"

    def _shape_dot_self(self, builtin, args, options, node):
        self._vector(builtin, args[0], node.args[0], "for the squares of every element, `sum(square(x))`")
        return (), args[0].type.dtype

    def _shape_trace(self, builtin, args, options, node):
        self._square(builtin, args[0], node.args[0])
        return (), args[0].type.dtype

    def _shape_square_matrix(self, builtin, args, options, node):
        size = self._square(builtin, args[0], node.args[0])
        return (size, size), "real"

    def _matrix(self, builtin, x, arg_node):
        if x.type.rank != 2:
            raise ModelTypeError(f"{builtin.name}() needs a matrix here", arg_node.span, expected="shape [N, M]",
                                 found=describe_type(x.type))
        return x.type.shape

    def _shape_diag_pre_multiply(self, builtin, args, options, node):
        size = self._vector(builtin, args[0], node.args[0])
        rows, columns = self._matrix(builtin, args[1], node.args[1])
        self._same_size(builtin, size, f"the size of {expr_text(args[0])}", rows,
                        f"axis 0 of {expr_text(args[1])}", node)
        return (rows, columns), "real"

    def _shape_diag_post_multiply(self, builtin, args, options, node):
        rows, columns = self._matrix(builtin, args[0], node.args[0])
        size = self._vector(builtin, args[1], node.args[1])
        self._same_size(builtin, columns, f"axis 1 of {expr_text(args[0])}", size,
                        f"the size of {expr_text(args[1])}", node)
        return (rows, columns), "real"

    def _shape_quad_form_diag(self, builtin, args, options, node):
        size = self._square(builtin, args[0], node.args[0])
        self._same_size(builtin, size, f"the size of {expr_text(args[0])}",
                        self._vector(builtin, args[1], node.args[1]), f"the size of {expr_text(args[1])}", node)
        return (size, size), "real"

    def _shape_solve(self, builtin, args, options, node):
        size = self._square(builtin, args[0], node.args[0])
        b = args[1]
        if b.type.rank not in (1, 2):
            raise ModelTypeError(f"{builtin.name}()'s right-hand side is a vector or a matrix", node.args[1].span,
                                 found=describe_type(b.type))
        self._same_size(builtin, size, f"the size of {expr_text(args[0])}", b.type.shape[0],
                        f"axis 0 of {expr_text(b)}", node)
        return b.type.shape, "real"

    def _shape_eigenvalues(self, builtin, args, options, node):
        size = self._square(builtin, args[0], node.args[0])
        return (size,), "real"

    def _shape_log_determinant(self, builtin, args, options, node):
        self._square(builtin, args[0], node.args[0])
        return (), "real"

    def _shape_quad_form(self, builtin, args, options, node):
        size = self._square(builtin, args[0], node.args[0])
        b = args[1]
        if b.type.rank not in (1, 2):
            raise ModelTypeError("quad_form()'s second argument is a vector or a matrix", node.args[1].span,
                                 found=describe_type(b.type))
        self._same_size(builtin, size, f"the size of {expr_text(args[0])}", b.type.shape[0],
                        f"axis 0 of {expr_text(b)}", node)
        return ((b.type.shape[1],) * 2 if b.type.rank == 2 else ()), "real"

    def _shape_covariance(self, builtin, args, options, node):
        points = args[:-2]
        for arg, arg_node in zip(args[-2:], node.args[-2:]):
            if arg.type.shape:
                raise ModelTypeError(f"{builtin.name}()'s amplitude and length_scale must be scalars",
                                     arg_node.span, found=describe_type(arg.type))
        sizes = []
        for arg, arg_node in zip(points, node.args):
            if arg.type.rank not in (1, 2):
                raise ModelTypeError(f"{builtin.name}() takes points of shape [N] or [N, F]", arg_node.span,
                                     found=describe_type(arg.type))
            sizes.append(arg.type.shape[0])
        if len(points) == 2 and (points[0].type.rank != points[1].type.rank or points[0].type.rank == 2 and not
                                 self.sizes_equal(points[0].type.shape[1], points[1].type.shape[1],
                                                  f"axis 1 of {expr_text(points[0])}",
                                                  f"axis 1 of {expr_text(points[1])}", node.span)):
            raise ModelTypeError(f"{builtin.name}(): both sets of points need the same number of features",
                                 node.span)
        first = sizes[0]
        second = sizes[1] if len(sizes) > 1 else first
        return (first, second), "real"
