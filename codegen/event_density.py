"""Log densities with an event shape, emitted from their SymPy definitions.

A catalogue family whose log density has event axes (Dirichlet, Categorical,
LKJCholesky) writes it once, for any size (``density.event_form``): sums over
the event's entries (``sympy.Sum``), log-sum-exps (``log(Sum(exp(...)))``),
entries of the value and the parameters at the summation index (``x[k]``,
``L[k, k]``) and entries picked at the category (``logits[x]``).  This module
turns that one expression into the code of one event, splitting it into

    R_i   = sum_k b_i(entries at k, scalars)        (or log sum_k exp(b_i), shifted by the largest)
    log p = O(R, picked entries, scalars)

and its adjoint by the chain rule, every local derivative taken by SymPy:

    g_i = weight dO/dR_i,   scalar_adj += weight dO/dscalar,   picked_adj += weight dO/dpicked
    entry_adj[k] += g_i w_ik db_i/dentry,   scalar_adj += g_i w_ik db_i/dscalar   (a loop per range)

with w_ik = 1 for a sum and exp(b_ik - R_i) (the softmax) for a log-sum-exp.
The reductions are recomputed in the adjoint sweep (one event's worth of
work), so nothing is kept between the sweeps.  Reductions do not nest.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from codegen.emit import NotSupportedYet, Value, indent
from codegen.sympy_numba import emit_assignments
from ppl.catalogue import density


@dataclass(frozen=True)
class Reduction:
    """One sum (or log-sum-exp) over the event's entries, the outer expression's `symbol`."""
    symbol: sympy.Symbol
    body: sympy.Expr
    index: sympy.Symbol
    start: sympy.Expr
    stop: sympy.Expr          # inclusive, as sympy.Sum's limits
    logsumexp: bool


def _decompose(expression):
    """(the outer expression in the reductions' symbols, [Reduction])."""
    reductions: list[Reduction] = []

    def take(summation, logsumexp):
        (index, start, stop), = summation.limits
        body = summation.function.args[0] if logsumexp else summation.function
        if body.has(sympy.Sum) or any(body.has(r.symbol) for r in reductions):
            raise NotSupportedYet("an event log density with nested sums")
        symbol = sympy.Symbol(f"R{len(reductions)}", real=True)
        reductions.append(Reduction(symbol, body, index, start, stop, logsumexp))
        return symbol

    outer = expression.replace(density.is_logsumexp, lambda e: take(e.args[0], True))
    outer = outer.replace(lambda e: isinstance(e, sympy.Sum), lambda e: take(e, False))
    return outer, reductions


@dataclass
class Input:
    """The value or a parameter of one event density: its Value, and whether it has a batch axis
    (indexed by the event loop's `batch` index)."""
    value: Value
    batched: bool


class EventDensity:
    """The emitted code of one family and parameterisation's event log density."""

    def __init__(self, family: str, given: tuple[str, ...]):
        self.family = family
        expression, x, symbols, sizes = density.event_form(family, given)
        self.symbols = {"x": x, **symbols}          # name → Symbol or IndexedBase
        self.sizes = sizes                          # letter → size symbol
        self.outer, self.reductions = _decompose(expression)
        self.letters = {}                           # size symbol → (input name, axis from the end)
        for name, symbol in self.symbols.items():
            if isinstance(symbol, sympy.IndexedBase):
                for axis, size in enumerate(symbol.shape):
                    self.letters.setdefault(size, (name, axis - len(symbol.shape)))

    @property
    def input_names(self) -> tuple[str, ...]:
        """The value ("x") and the parameters the generated code reads, in declaration order."""
        return tuple(self.symbols)

    def lines(self, inputs: dict[str, Input], batch: str | None, prefix: str, target: str,
              weight: str) -> tuple[list[str], list[str]]:
        """(forward lines, adjoint lines) of one event: the forward lines end in
        ``<target>= <log density>`` (target "lp +" or "out[b] "), the adjoint lines add
        ``weight`` times the gradient into the active inputs' adjoints; temporaries start with
        ``prefix`` (the statement's, `_theta_l12`)."""
        loop_index = sympy.Symbol(f"{prefix}_k", integer=True)
        code = _Code(self, inputs, batch, loop_index)
        named = {r.symbol: sympy.Symbol(f"{prefix}_r{i}", real=True) for i, r in enumerate(self.reductions)}
        outer = code.substitute(self.outer).xreplace(named)
        reductions = [(i, (r, code.substitute(r.body.xreplace({r.index: loop_index}))))
                      for i, r in enumerate(self.reductions)]
        guards = code.guards

        forward = self._reduction_lines(reductions, code, prefix)
        forward += emit_assignments({f"{prefix}_log_density": outer}, f"{prefix}_c")
        forward.append(f"{target}= {prefix}_log_density")

        adjoint_weight = sympy.Symbol(weight, real=True)
        scalars = [s for s in code.scalars if code.adjoint_of(s)]
        picks = [p for p in code.picks if code.adjoint_of(p)]
        active = [(i, (r, body)) for i, (r, body) in reductions
                  if any(code.adjoint_of(leaf) for leaf in body.free_symbols)]     # R_i depends on a param
        outputs = {f"{prefix}_g{i}": adjoint_weight * sympy.diff(outer, named[r.symbol]) for i, (r, _) in active}
        direct = [(f"{prefix}_s{j}", leaf) for j, leaf in enumerate(scalars + picks)
                  if sympy.diff(outer, leaf) != 0]      # a scalar or picked entry the outer expression reads
        outputs.update({name: adjoint_weight * sympy.diff(outer, leaf) for name, leaf in direct})
        # the reductions the adjoint reads again: in the outputs, and the log-sum-exps' softmax weights
        read = set().union(*(e.free_symbols for e in outputs.values())) | {
            named[r.symbol] for _, (r, _) in active if r.logsumexp}
        reverse = self._reduction_lines([(i, item) for i, item in reductions if named[item[0].symbol] in read],
                                        code, prefix)
        reverse += emit_assignments(outputs, f"{prefix}_a") if outputs else []
        reverse += [f"{code.adjoint_of(leaf)} += {name}" for name, leaf in direct]
        for (start, stop), group in _by_range(active):
            body = self._adjoint_loop_body(group, code, prefix)
            if body:
                reverse += [f"for {loop_index} in range({code.integer(start)}, {code.integer(stop + 1)}):"]
                reverse += indent(body)

        if guards:
            condition = " and ".join(guards)
            outside = f"{target}= -math.inf"
            forward = [f"if {condition}:", *indent(forward), "else:", f"    {outside}"]
            reverse = [f"if {condition}:", *indent(reverse)] if reverse else []
        return forward, reverse

    def _reduction_lines(self, reductions, code, prefix) -> list[str]:
        """The reductions' values R_i: one loop per range for the sums, two (largest, then the
        shifted sum) for each log-sum-exp."""
        lines = []
        loop_index = code.loop_index
        for (start, stop), group in _by_range(reductions):
            header = f"for {loop_index} in range({code.integer(start)}, {code.integer(stop + 1)}):"
            sums = [(i, body) for i, (r, body) in group if not r.logsumexp]
            if sums:
                lines += [f"{prefix}_r{i} = 0.0" for i, _ in sums]
                terms = {f"{prefix}_b{i}": body for i, body in sums}
                lines += [header, *indent(emit_assignments(terms, f"{prefix}_t"))]
                lines += [f"    {prefix}_r{i} += {prefix}_b{i}" for i, _ in sums]
            for i, body in [(i, body) for i, (r, body) in group if r.logsumexp]:
                term = emit_assignments({f"{prefix}_b{i}": body}, f"{prefix}_t")
                lines += [f"{prefix}_m{i} = -math.inf", header, *indent(term),
                          f"    {prefix}_m{i} = max({prefix}_m{i}, {prefix}_b{i})",
                          f"{prefix}_r{i} = 0.0", header, *indent(term),
                          f"    {prefix}_r{i} += math.exp({prefix}_b{i} - {prefix}_m{i})",
                          f"{prefix}_r{i} = {prefix}_m{i} + math.log({prefix}_r{i})"]
        return lines

    def _adjoint_loop_body(self, group, code, prefix) -> list[str]:
        """Inside the loop over k: each active entry's and scalar's share of g_i w_ik db_i."""
        outputs, targets = {}, []
        for i, (reduction, body) in group:
            g = sympy.Symbol(f"{prefix}_g{i}", real=True)
            share = g * sympy.exp(body - sympy.Symbol(f"{prefix}_r{i}", real=True)) if reduction.logsumexp else g
            for leaf in sorted(body.free_symbols, key=lambda s: s.name):
                adjoint = code.adjoint_of(leaf)
                if adjoint is None:
                    continue
                name = f"{prefix}_d{len(outputs)}"
                outputs[name] = share * sympy.diff(body, leaf)
                targets.append(f"{adjoint} += {name}")
        return emit_assignments(outputs, f"{prefix}_u") + targets if outputs else []


def _by_range(reductions):
    """[(i, (reduction, body))] grouped by their (start, stop), in first-seen order."""
    groups: dict = {}
    for i, (reduction, body) in reductions:
        groups.setdefault((reduction.start, reduction.stop), []).append((i, (reduction, body)))
    return list(groups.items())


class _Code:
    """The SymPy symbols of one event's generated code: each entry, scalar and size becomes a
    symbol named by its code (``alpha[_b0, _e0_k]``, ``eta``, ``L.shape[-1]``), remembering its
    adjoint's code where it has one."""

    def __init__(self, density_: EventDensity, inputs: dict[str, Input], batch: str | None, loop_index):
        self.density = density_
        self.inputs = inputs
        self.batch = batch
        self.loop_index = loop_index
        self.adjoints: dict[sympy.Symbol, str | None] = {}
        self.scalars: list[sympy.Symbol] = []
        self.picks: list[sympy.Symbol] = []
        self.guards: list[str] = []
        self.replacements = {size: sympy.Symbol(f"{inputs[name].value.code}.shape[{axis}]", integer=True, positive=True)
                             for size, (name, axis) in density_.letters.items()}
        for name, symbol in density_.symbols.items():
            if isinstance(symbol, sympy.Symbol):
                self.replacements[symbol] = self._symbol(name, (), symbol.assumptions0)
                if name != "x":
                    self.scalars.append(self.replacements[symbol])

    def _access(self, name: str, indices: tuple[str, ...], adjoint: bool = False) -> str:
        entry = self.inputs[name]
        code = entry.value.adjoint if adjoint else entry.value.code
        indices = ((self.batch,) if entry.batched else ()) + indices
        return f"{code}[{', '.join(indices)}]" if indices else code

    def _symbol(self, name: str, indices: tuple[str, ...], assumptions: dict) -> sympy.Symbol:
        value = self.inputs[name].value
        symbol = sympy.Symbol(self._access(name, indices), **{k: v for k, v in assumptions.items()
                                                              if k in ("real", "positive", "integer")})
        differentiable = value.active and value.type.dtype == "real"
        self.adjoints[symbol] = self._access(name, indices, adjoint=True) if differentiable else None
        return symbol

    def integer(self, expression) -> str:
        """An integer expression of sizes and the loop index, as code."""
        return str(sympy.sympify(expression).xreplace(self.replacements))

    def substitute(self, expression):
        """The expression in code-named symbols."""
        def entry(indexed):
            name = indexed.base.label.name
            indices = tuple(self.integer(index) for index in indexed.indices)
            symbol = self._symbol(name, indices, {"real": True, "positive": bool(indexed.is_positive)})
            if not any(index.has(self.loop_index) for index in indexed.indices) and symbol not in self.picks:
                self.picks.append(symbol)       # an entry picked at the category: check its range
                for index, size in zip(indices, indexed.base.shape):
                    self.guards.append(f"0 <= {index} < {self.integer(size)}")
            return symbol

        expression = expression.xreplace(self.replacements)
        return expression.replace(lambda e: isinstance(e, sympy.Indexed), entry)

    def adjoint_of(self, symbol) -> str | None:
        return self.adjoints.get(symbol)
