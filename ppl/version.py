"""The package's version, in a module of its own so that the compiler (which keys
its model cache on it) can read it without importing the user API above it."""

__version__ = "0.1.0"
