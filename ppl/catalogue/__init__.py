"""The catalogue: every distribution, constraint, built-in function and kernel,
declared once and read by the checker, the compiler and the Python library."""
