"""The posterior as a function (in the spirit of BridgeStan): a model
conditioned on data, evaluated on the unconstrained scale.

    post = model.condition(data)
    post.dim                          # unconstrained coordinates
    post.log_density(u)               # with the Jacobian of the transforms
    post.log_density_gradient(u)      # (value, gradient)
    post.constrain(u)                 # {param name: value}
    post.unconstrain(params)          # the u that constrains to params
"""

from __future__ import annotations

import numpy as np

from ppl.errors import DataError, InternalError, ModelError, data_index_errors


class Posterior:
    def __init__(self, model, module, facts, bound):
        self.model = model
        self._module = module
        self._facts = facts
        inputs = {name: bound.values[name] for name, _ in facts.inputs}
        self.data = dict(bound.values)
        real_data, int_data = facts.input_layout.pack(inputs)
        transformed = module.transformed_data(real_data, int_data)
        values = dict(inputs)
        for (name, _), value in zip(facts.outputs, transformed):
            values[name] = np.asarray(value)
        self.real_data, self.int_data = facts.full_layout.pack(values)
        self.sizes = dict(bound.sizes)
        self.params = facts.params
        self.dim = int(module.dimension(self.real_data, self.int_data))
        self.param_shapes = {name: np.shape(value) for name, value in self.constrain(np.zeros(self.dim)).items()}
        self.param_names = tuple(_flat_names(self.param_shapes))
        # indices depend on data only: one evaluation meets every index the target reads, so an
        # index the data put out of range is a DataError now, never a read beside an array later
        self.log_density_gradient(np.zeros(self.dim))

    def _vector(self, u) -> np.ndarray:
        u = np.ascontiguousarray(u, dtype=np.float64)
        if u.shape != (self.dim,):
            raise ValueError(f"u must have shape ({self.dim},), not {u.shape}")
        return u

    def log_density(self, u) -> float:
        return float(self._module.log_density(self._vector(u), self.real_data, self.int_data))

    def log_density_gradient(self, u) -> tuple[float, np.ndarray]:
        gradient = np.zeros(self.dim)
        value = self._module.log_density_gradient(self._vector(u), gradient, self.real_data, self.int_data)
        return float(value), gradient

    def constrain(self, u) -> dict[str, np.ndarray]:
        values = self._module.constrain(self._vector(u), self.real_data, self.int_data)
        return {name: np.asarray(value) for name, value in zip(self.params, values)}

    def unconstrain(self, params: dict) -> np.ndarray:
        """The unconstrained vector whose constrained params are `params` (name → value)."""
        arguments = []
        for declaration in self.model.ir.params:
            name = declaration.name
            if name not in params:
                raise DataError(f"no value for param '{name}'", declaration.span,
                                hint="give every param, by name").with_source(self.model.source)
            value = np.asarray(params[name], dtype=np.float64)
            expected = self.param_shapes[name]
            if value.shape != expected:
                raise DataError(f"param '{name}' has the wrong shape", declaration.span,
                                expected=f"shape {list(expected)}", found=f"shape {list(value.shape)}"
                                ).with_source(self.model.source)
            arguments.append(float(value) if value.ndim == 0 else np.ascontiguousarray(value))
        u = self._module.unconstrain(self.real_data, self.int_data, np.zeros(self.dim), *arguments)
        if not np.all(np.isfinite(u)):
            offsets = np.cumsum([0] + [int(np.prod(shape)) for shape in self.param_shapes.values()])
            bad = int(np.flatnonzero(~np.isfinite(u))[0])
            declaration = self.model.ir.params[min(int(np.searchsorted(offsets, bad, side="right")) - 1,
                                                   len(self.model.ir.params) - 1)]
            from codegen.outline import declared_text

            declared = declared_text(declaration.type, declaration.constraint.bounds,
                                     declaration.constraint.constraint)
            raise DataError(f"param '{declaration.name}' is outside its constraint", declaration.span,
                            expected=f"a value of {declared}",
                            found=str(np.asarray(params[declaration.name]).tolist()),
                            ).with_source(self.model.source)
        return u

    def log_prob(self, params: dict) -> float:
        """The log density at constrained params, without the transforms' Jacobian."""
        u = self.unconstrain(params)
        return float(self._module.log_density_without_jacobian(u, self.real_data, self.int_data))

    def deterministics(self, u) -> dict[str, np.ndarray]:
        """The saved deterministic quantities at u."""
        with data_index_errors(self.model.source):
            values = self._module.deterministics(self._vector(u), self.real_data, self.int_data)
        return {name: np.asarray(value) for name, value in zip(self._facts.deterministics, values)}

    def check_generated_quantities(self) -> None:
        """Raise ModelNotSupportedError, at its statement, if a `gen` draw cannot be compiled."""
        unsupported = self._facts.generate_unsupported
        if unsupported and self._facts.generated:
            from codegen.build import not_supported

            raise not_supported(*unsupported).with_source(self.model.source)

    def generate(self, u, seed: int = 0) -> dict[str, np.ndarray]:
        """One draw of the generated quantities at u (reproducible for a given seed)."""
        self.check_generated_quantities()
        with data_index_errors(self.model.source):
            values = self._module.generate(self._vector(u), self.real_data, self.int_data, int(seed))
        return {name: np.asarray(value) for name, value in zip(self._facts.generated, values)}

    def sample(self, *, chains=4, warmup=1000, draws=1000, seed=None, method="nuts", thin=1, init=None,
               target_accept=0.8, max_treedepth=10, metric="diag", step_size=None, num_leapfrog_steps=None,
               save_warmup=False, progress=True, cores=None):
        """Draws from this posterior with NUTS (default) or static HMC; returns a ppl.Fit.

        Warmup adapts the step size (dual averaging towards target_accept for NUTS;
        TFP's simple multiplicative adaptation for HMC) and, unless metric="unit",
        a diagonal (or, with metric="dense", dense) inverse metric in Stan's windows.
        step_size is the initial step size (adapted during warmup).  init: constrained
        param values (a dict, or one dict per chain), validated against the
        constraints; by default uniform(-2, 2) on the unconstrained scale.  The same
        seed gives the same draws whatever `cores` is."""
        from ppl.sampling.run import sample

        return sample(self, chains=chains, warmup=warmup, draws=draws, seed=seed, method=method, thin=thin,
                      init=init, target_accept=target_accept, max_treedepth=max_treedepth, metric=metric,
                      step_size=step_size, num_leapfrog_steps=num_leapfrog_steps, save_warmup=save_warmup,
                      progress=progress, cores=cores)

    def __repr__(self) -> str:
        return f"<ppl.Posterior of {self.model.name!r}: dim={self.dim}>"


def _flat_names(shapes: dict) -> list[str]:
    """`w[0]`, `L[1, 0]`: one name per scalar element, row-major."""
    names = []
    for name, shape in shapes.items():
        if not shape:
            names.append(name)
            continue
        names.extend(f"{name}[{', '.join(map(str, index))}]" for index in np.ndindex(*shape))
    return names


def condition(model, data, strict: bool = False) -> Posterior:
    from codegen.driver import back_end, compile_failure

    bound = model.check_data(data, strict=strict)
    module, facts = back_end(model.source, model.ir)
    try:
        with data_index_errors(model.source):
            return Posterior(model, module, facts, bound)
    except (ModelError, InternalError):
        raise
    except Exception as error:   # the first calls compile the generated functions: a failure is ppl's bug
        from codegen.build import model_folder

        generated = (model_folder(model.source.text) / "model.py").read_text()
        raise compile_failure(error, generated, model.ir).with_source(model.source) from error
