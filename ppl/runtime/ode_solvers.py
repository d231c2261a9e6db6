"""What a generated model calls to solve an ODE: the solvers as first-class function values,
and the two helpers around a solve (the adjoint contraction and the error of a failed solve).

Why function values and not direct calls: a generated function that calls `solve_rk45`
directly links the solver's code into the model's module, where LLVM optimises it again
(seconds of CPU per model); a call through a function value is an indirect call, so a model
compiles only its own code.  Numba's own ways of making such a value from a global (a cfunc
or a dispatcher named in the module) bake the function's address into the machine code,
which turns off Numba's disk cache.  Here each solver's C wrapper is registered with LLVM
under a fixed symbol name when this module is imported (the generated module imports it
first), and `rk45()` / `sdirk()` are intrinsics that declare that symbol: the cached machine
code refers to the name, which LLVM resolves when the code is loaded in a new process.

`rhs_function(f)` / `jacobian_function(f)` turn the model's own generated right-hand side and
Jacobian (module-level `@njit` functions with the fixed signatures of ppl.runtime.ode_system)
into function values the same way, by their compiled wrapper's name, without the dispatcher's
address that a plain argument would bake in.
"""

from __future__ import annotations

import llvmlite.binding as llvm
import numba
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from ppl.runtime.ode_rk45 import solve_rk45
from ppl.runtime.ode_sdirk import solve_sdirk
from ppl.runtime.ode_system import JACOBIAN, RHS, SOLVE_SIGNATURE

SOLVE = types.FunctionType(SOLVE_SIGNATURE)
_SYMBOLS = {"rk45": "ppl_ode_solve_rk45", "sdirk": "ppl_ode_solve_sdirk"}


def _register(symbol: str, dispatcher):
    result = dispatcher.overloads[SOLVE_SIGNATURE.args]
    llvm.add_symbol(symbol, result.library.get_pointer_to_function(result.fndesc.llvm_cfunc_wrapper_name))


_register(_SYMBOLS["rk45"], solve_rk45)
_register(_SYMBOLS["sdirk"], solve_sdirk)


def _declared(context, builder, function_type, symbol):
    """A first-class function value whose C entry point is the symbol `symbol`."""
    value = cgutils.create_struct_proxy(function_type)(context, builder)
    declared = cgutils.get_or_insert_function(builder.module, context.get_value_type(function_type.ftype).pointee,
                                              symbol)
    value.c_addr = builder.bitcast(declared, context.get_value_type(types.voidptr))
    return value._getvalue()


def _solver(name):
    @intrinsic
    def solver(typingctx):
        return SOLVE(), lambda context, builder, signature, arguments: _declared(context, builder, SOLVE,
                                                                                 _SYMBOLS[name])
    return solver


rk45 = _solver("rk45")      # Dormand–Prince 5(4): ppl.runtime.ode_rk45
sdirk = _solver("sdirk")    # L-stable SDIRK of order 4, for stiff systems: ppl.runtime.ode_sdirk


def _compiled(function_type):
    @intrinsic
    def as_function(typingctx, dispatcher):
        if not isinstance(dispatcher, types.Dispatcher):
            return None

        def codegen(context, builder, signature, arguments):
            compiled = dispatcher.dispatcher.get_compile_result(function_type.signature)
            context.active_code_library.add_linking_library(compiled.library)
            return _declared(context, builder, function_type, compiled.fndesc.llvm_cfunc_wrapper_name)

        return function_type(dispatcher), codegen
    return as_function


rhs_function = _compiled(RHS)
jacobian_function = _compiled(JACOBIAN)


@numba.njit(cache=True, error_model="numpy")
def add_sensitivity_adjoints(sensitivities, states_adjoint, y0_adjoint, p_adjoint):
    """Reverse mode through a solve: y0_adjoint += sum_{t,i} A[t, i] S[t, i, :n] and
    p_adjoint += sum_{t,i} A[t, i] S[t, i, n:] (A = states_adjoint [len(ts), n])."""
    n = y0_adjoint.shape[0]
    for t in range(sensitivities.shape[0]):
        for i in range(n):
            weight = states_adjoint[t, i]
            if weight == 0.0:
                continue
            for k in range(n):
                y0_adjoint[k] += weight * sensitivities[t, i, k]
            for k in range(p_adjoint.shape[0]):
                p_adjoint[k] += weight * sensitivities[t, i, n + k]
