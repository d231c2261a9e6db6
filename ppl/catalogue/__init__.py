"""The catalogue: every distribution, constraint, built-in function and kernel,
declared once and read by the checker, the compiler and the Python library.

Beside the declarations: ``density`` (the SymPy log densities, their
derivatives and NumPy forms), ``supports`` (each support's NumPy predicate,
SymPy condition and words, from its declared interval), ``draws`` (the declared samplers compiled by
Numba, for `gen` statements and the library), ``sympy_functions`` and
``special_functions`` (the special functions' SymPy and NumPy forms; their
Numba forms are in ``ppl.runtime.special``)."""
