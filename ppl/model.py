"""The user's entry points: `ppl.compile(path)` and `ppl.model(text)`.

A Model holds the checked program; `condition(data)` compiles it (or loads it
from the cache) and binds data, giving a Posterior; `sample` does both and
runs the samplers.
"""

from __future__ import annotations

import os

from ppl.errors import Source


class Model:
    """A checked ppl model: its source, its AST and its typed IR."""

    def __init__(self, source: Source):
        from codegen.build import load_program, store_program

        self.source = source
        self._syntax = None
        self.ir = load_program(source.text, source.filename)
        if self.ir is None or self.ir.filename != source.filename:
            from codegen.driver import front_end  # Lark and the checker load only on a cache miss

            result = front_end(source)
            self._syntax = result.syntax
            self.ir = result.program
            store_program(source.text, self.ir)
        _issue_warnings(self.ir, source)

    @property
    def syntax(self):
        """The AST (parsed on demand when the model came from the cache)."""
        if self._syntax is None:
            from codegen.driver import front_end

            self._syntax = front_end(self.source).syntax
        return self._syntax

    @property
    def name(self) -> str:
        return os.path.splitext(os.path.basename(self.source.filename))[0]

    def outline(self) -> str:
        from codegen.outline import outline

        return outline(self.ir)

    def check_data(self, data, strict: bool = False):
        """Validate data (a dict or a JSON path) against the declarations; raises DataError.

        Returns the bound data: arrays by name, the int sizes, and unused names."""
        from codegen.bind import bind_data
        from ppl.errors import ModelError

        try:
            return bind_data(self.ir, data, strict=strict)
        except ModelError as error:
            raise error.with_source(self.source)

    def sample(self, data, **settings):
        """Condition on data and sample the posterior: `model.condition(data).sample(...)`
        (see ppl.Posterior.sample for the settings)."""
        _check_setting_names(settings)   # a misspelt setting fails before the model is compiled
        return self.condition(data).sample(**settings)

    def variational(self, data, **settings):
        """Condition on data and fit Stan's ADVI: `model.condition(data).variational(...)`
        (see ppl.Posterior.variational for the settings)."""
        _check_setting_names(settings, "variational")
        return self.condition(data).variational(**settings)

    def generate_quantities(self, fit_or_draws, data, *, seed=None):
        """Deterministics and `gen` on existing draws with (possibly new) data:
        `model.condition(data).generate_quantities(fit_or_draws, seed=seed)`."""
        return self.condition(data).generate_quantities(fit_or_draws, seed=seed)

    def optimize(self, data, **settings):
        """The posterior mode: `model.condition(data).optimize(...)` (see ppl.Posterior.optimize)."""
        _check_setting_names(settings, "optimize")
        return self.condition(data).optimize(**settings)

    def laplace(self, data, **settings):
        """A normal approximation at the mode: `model.condition(data).laplace(...)` (see ppl.Posterior.laplace)."""
        _check_setting_names(settings, "laplace")
        return self.condition(data).laplace(**settings)

    def pathfinder(self, data, **settings):
        """Pathfinder's approximation: `model.condition(data).pathfinder(...)` (see ppl.Posterior.pathfinder)."""
        _check_setting_names(settings, "pathfinder")
        return self.condition(data).pathfinder(**settings)

    def condition(self, data, strict: bool = False):
        """The posterior given data, as a function of the unconstrained params (ppl.Posterior).

        Data names the model does not declare are ignored with one warning, or are an
        error with strict=True."""
        from ppl.posterior import condition

        return condition(self, data, strict=strict)

    def sample_prior_predictive(self, data, draws: int = 1000, seed=None):
        """Draws from the prior (each param from its `~` statement) and the `gen` quantities at
        each: a ppl.Fit whose to_arviz() has the groups prior and prior_predictive (see ppl.prior)."""
        from ppl.prior import sample_prior_predictive

        return sample_prior_predictive(self, data, draws=draws, seed=seed)

    def code(self) -> str:
        """The generated Numba source of this model."""
        return self.show("code")

    def show(self, stage: str) -> str:
        """One compiler stage's dump: "ast", "ir", "lowered" (the analysis) or "code" (see codegen/driver.py)."""
        from codegen.driver import dump

        return dump(self.source, self.ir, stage)

    def __repr__(self) -> str:
        return f"<ppl.Model {self.name!r}: {len(self.ir.params)} params, {len(self.ir.data)} data>"


def _issue_warnings(program, source: Source):
    """The checker's warnings (codegen/lint.py), as located Python warnings of a ppl class,
    issued on every load (from the cache too) and attributed to the caller of ppl.compile/model."""
    import warnings

    from ppl.errors import WARNING_CLASSES

    for found in program.warnings:
        warning = WARNING_CLASSES[found.kind](found.message, found.span, hint=found.hint, source=source)
        warnings.warn(warning, stacklevel=4)


def compile(path: str | os.PathLike) -> Model:  # noqa: A001 - mirrors the verb users expect
    """Read and check a .ppl file."""
    path = os.fspath(path)
    with open(path, "rb") as handle:
        raw = handle.read()
    return Model(Source(_decode_model_text(raw, path), path))


def _decode_model_text(raw: bytes, path: str) -> str:
    """Model files are UTF-8 (a byte-order mark some editors write is skipped); an invalid byte
    is a located error (the line is shown with the byte replaced by U+FFFD), not a
    UnicodeDecodeError."""
    from ppl.errors import ModelSyntaxError, Span, utf8_error_position

    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        line, column = utf8_error_position(raw, error)
        shown = Source(raw.decode("utf-8", errors="replace"), path)
        raise ModelSyntaxError(f"the model file is not valid UTF-8: byte 0x{raw[error.start]:02x} cannot be read",
                               Span(line, column, line, column + 1), source=shown,
                               hint="ppl reads model files as UTF-8: save the file as UTF-8") from None


def model(text: str, name: str = "<string>") -> Model:
    """Check a model given as text (e.g. in a notebook)."""
    return Model(Source(text, name))


def _check_setting_names(settings: dict, method: str = "sample") -> None:
    """A TypeError with a did-you-mean for a name that is not a setting of Posterior.<method>."""
    import inspect

    from ppl.errors import did_you_mean
    from ppl.posterior import Posterior

    known = [name for name, parameter in inspect.signature(getattr(Posterior, method)).parameters.items()
             if parameter.kind is inspect.Parameter.KEYWORD_ONLY]
    for name in settings:
        if name not in known:
            hint = did_you_mean(name, known) or f"the settings are {', '.join(known)}"
            raise TypeError(f"{method}() has no setting {name!r}: {hint}")
