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

from collections.abc import Mapping

import numpy as np

from ppl.errors import DataError, InternalError, ModelError, data_index_errors, did_you_mean


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
        # the shape of each observed name's pointwise log-likelihood: its batch (codegen/log_likelihood.py)
        self.observed_shapes = {name: np.shape(values[name])[:np.ndim(values[name]) - event_rank]
                                for name, event_rank in facts.observed}
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
        self._check_param_names(params)
        arguments = []
        for declaration in self.model.ir.params:
            name = declaration.name
            if name not in params:
                raise DataError(f"no value for param '{name}'", declaration.span,
                                hint="give every param, by name").with_source(self.model.source)
            value = _numbers(params[name])
            if value is None:
                raise DataError(f"the value given for param '{name}' is not numbers", declaration.span,
                                expected="a number or an array of numbers (float or int)",
                                found=_shown(params[name])).with_source(self.model.source)
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

    def _check_param_names(self, params: dict) -> None:
        """Every name in params is a param: a DataError with a did-you-mean for any other."""
        if not isinstance(params, Mapping):
            raise DataError(f"param values must be a dict of param name to value, not {type(params).__name__}",
                            hint="e.g. {" + ", ".join(f"'{name}': ..." for name in self.params) + "}"
                            ).with_source(self.model.source)
        names = [declaration.name for declaration in self.model.ir.params]
        for key in params:
            if key in names:
                continue
            symbol = next((s for s in self.model.ir.symbols if s.name == key), None)
            if symbol is not None:
                what = {"data": "data", "transformed_data": "computed from data", "deterministic":
                        "a deterministic quantity", "gen": "a generated quantity"}.get(symbol.role, symbol.role)
                message = f"{key!r} is {what}, not a param: only params take values here"
                span = symbol.span
            else:
                message = f"{key!r} is not a param of this model"
                span = None
            hint = (did_you_mean(key, names) if isinstance(key, str) else None) or \
                f"the params are {', '.join(repr(name) for name in names) or '(none)'}"
            raise DataError(message, span, hint=hint).with_source(self.model.source)

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

    def log_likelihood(self, unconstrained) -> dict[str, np.ndarray]:
        """Each observation's log density (its own term of the target, no prior) at each draw:
        observed name → [*leading, *its batch shape] for `unconstrained` [*leading, dim], from
        one native call over all the draws.  An observed name is a data name on the left of a
        `~`; its terms are per element, or per event for event families (an MVN row); an element
        no statement observes is 0 (see codegen/log_likelihood.py).  For LOO and WAIC."""
        unsupported = self._facts.log_likelihood_unsupported
        if unsupported:
            from codegen.build import not_supported

            raise not_supported(*unsupported).with_source(self.model.source)
        unconstrained = np.asarray(unconstrained, dtype=np.float64)
        if unconstrained.shape[-1:] != (self.dim,):
            raise ValueError(f"log_likelihood needs draws of {self.dim} unconstrained coordinates in the last "
                             f"axis, not an array of shape {unconstrained.shape}")
        leading = unconstrained.shape[:-1]
        rows = np.ascontiguousarray(unconstrained.reshape(-1, self.dim))
        sizes = [int(np.prod(shape)) for shape in self.observed_shapes.values()]
        out = np.zeros((rows.shape[0], sum(sizes)))
        with data_index_errors(self.model.source):
            self._module.log_likelihood_draws(rows, self.real_data, self.int_data, out)
        terms, start = {}, 0
        for (name, shape), size in zip(self.observed_shapes.items(), sizes):
            terms[name] = out[:, start:start + size].reshape(*leading, *shape)
            start += size
        return terms

    def sample(self, *, chains=4, warmup=1000, draws=1000, seed=None, method="nuts", thin=1, init=None,
               target_accept=0.8, max_treedepth=10, metric="auto", step_size=None, num_leapfrog_steps=None,
               save_warmup=False, progress=True, cores=None, adaptation=None):
        """Draws from this posterior with NUTS (default) or static HMC; returns a ppl.Fit.

        Warmup adapts the step size (dual averaging towards target_accept for NUTS;
        TFP's simple multiplicative adaptation for HMC) and, unless metric="unit",
        the inverse metric: diagonal ("diag"), dense ("dense") or nutpie's low rank
        ("low_rank": a diagonal times (I + U (Lambda - I) U'), for strongly correlated
        posteriors in many dimensions, at O(dim k) per gradient).  adaptation="stan"
        estimates it from the variances of the draws in Stan's doubling windows;
        adaptation="fisher" from the draws and their gradients in nutpie's windows
        (Seyboldt, Carlson & Carpenter 2026), which needs far fewer draws.  Left out,
        it is the metric's default: "stan" for "diag" and "dense", "fisher" for
        "low_rank".  The default, metric="auto", is Stan's diagonal warmup, in which a
        chain whose slow window leaves 10% or more of its trees at max_treedepth (a
        diagonal that cannot follow the correlations) switches to the low rank for the
        rest of its warmup; a chain that never does makes exactly metric="diag"'s draws
        (`fit.settings["escalated_at"]` says which switched, and when; naming an
        adaptation with it asks for that adaptation's diagonal; static HMC, without
        trees, keeps the diagonal).  benchmarks/README.md, "Adaptation", compares them
        and says why.  step_size is the initial step size (adapted during warmup).  init: constrained
        param values (a dict, or one dict per chain), validated against the
        constraints, or "pathfinder" (each chain starts from a Pathfinder draw); by default
        uniform(-2, 2) on the unconstrained scale.  The same
        seed gives the same draws whatever `cores` is."""
        from ppl.sampling.run import sample

        return sample(self, chains=chains, warmup=warmup, draws=draws, seed=seed, method=method, thin=thin,
                      init=init, target_accept=target_accept, max_treedepth=max_treedepth, metric=metric,
                      step_size=step_size, num_leapfrog_steps=num_leapfrog_steps, save_warmup=save_warmup,
                      progress=progress, cores=cores, adaptation=adaptation)

    def variational(self, *, method="meanfield", draws=1000, seed=None, iter=10000,  # noqa: A002 - Stan's name
                    grad_samples=1, elbo_samples=100, eta=None, tol_rel_obj=0.01, eval_elbo=100, init=None):
        """Stan's ADVI: a normal approximation on the unconstrained scale, diagonal
        ("meanfield") or with a full covariance ("fullrank"), fitted by stochastic gradient
        ascent on the ELBO from `grad_samples` draws per step; eta None searches Stan's step
        sizes; the run stops when the mean or median relative ELBO change over the last
        evaluations (every `eval_elbo` iterations, `elbo_samples` draws each) is below
        tol_rel_obj, or at `iter` iterations with a VariationalWarning.  Returns a
        VariationalFit of `draws` draws (statistics lp and log_q; `elbo_history`,
        `converged`, `eta`).  init: constrained param values to start from (else
        uniform(-2, 2) on the unconstrained scale).  See docs/inference.md."""
        from ppl.inference.advi import variational

        return variational(self, method=method, draws=draws, seed=seed, iter=iter, grad_samples=grad_samples,
                           elbo_samples=elbo_samples, eta=eta, tol_rel_obj=tol_rel_obj, eval_elbo=eval_elbo,
                           init=init)

    def generate_quantities(self, fit_or_draws, *, seed=None):
        """Deterministics and `gen` recomputed on existing draws under this posterior's data
        (new predictors, same params), as CmdStan's generate_quantities: `fit_or_draws` is a
        ppl.Fit or a dict of constrained param draws [chains, draws, ...] whose names and
        shapes are this model's params.  Returns a Fit with the same params and the new
        quantities.  seed None reuses the fit's own per-draw seeds (`fit.gen_seeds`), which
        gives back the `gen` draws of `sample` exactly on the same data; a seed draws new
        ones, reproducibly.  See docs/inference.md."""
        from ppl.inference.generate import generate_quantities

        return generate_quantities(self, fit_or_draws, seed=seed)

    def optimize(self, *, jacobian=False, algorithm="lbfgs", init=None, seed=None, tol_obj=1e-12, tol_rel_obj=1e4,
                 tol_grad=1e-8, tol_rel_grad=1e7, tol_param=1e-8, history_size=5, init_alpha=1e-3, max_iters=2000):
        """The mode, as CmdStan's optimize (settings and defaults are CmdStan's): an OptimizeResult
        (ppl/inference/optimize.py).

        jacobian=False (Stan's default) maximises the density of the constrained params without
        the transforms' Jacobian (a penalised maximum likelihood); jacobian=True the posterior
        density of the unconstrained params (the MAP on that scale, Laplace's centre).
        algorithm: "lbfgs", "bfgs" or "newton".  init: constrained param values (a dict), by
        default uniform(-2, 2) on the unconstrained scale.  A run that stops before converging
        warns (ppl.inference.optimize.ConvergenceWarning) and has converged=False; see
        docs/inference.md."""
        from ppl.inference.optimize import optimize

        return optimize(self, jacobian=jacobian, algorithm=algorithm, init=init, seed=seed, tol_obj=tol_obj,
                        tol_rel_obj=tol_rel_obj, tol_grad=tol_grad, tol_rel_grad=tol_rel_grad, tol_param=tol_param,
                        history_size=history_size, init_alpha=init_alpha, max_iters=max_iters)

    def laplace(self, *, draws=1000, mode=None, jacobian=True, seed=None):
        """Draws from the normal approximation at the mode on the unconstrained scale, with the
        Hessian from finite differences of the compiled gradient (CmdStan's laplace_sample): a
        ppl.Fit with statistics lp and log_q.  mode: None (found by optimize with the same
        jacobian), a result of optimize, or constrained param values (a dict)."""
        from ppl.inference.laplace import laplace

        return laplace(self, draws=draws, mode=mode, jacobian=jacobian, seed=seed)

    def pathfinder(self, *, paths=4, draws=1000, num_elbo_draws=25, history_size=6, seed=None, init=None,
                   tol_obj=1e-12, tol_rel_obj=1e4, tol_grad=1e-8, tol_rel_grad=1e7, tol_param=1e-8,
                   max_lbfgs_iters=1000, init_alpha=1e-3, psis_resample=True):
        """Pathfinder variational inference (Zhang et al. 2022): a ppl.Fit of `draws` draws, with
        statistics lp and log_q.  With paths > 1 the paths' draws are combined by Pareto-smoothed
        importance resampling; fit.settings["pareto_k"] is its k-hat (warned above 0.7)."""
        from ppl.inference.pathfinder import pathfinder

        return pathfinder(self, paths=paths, draws=draws, num_elbo_draws=num_elbo_draws, history_size=history_size,
                          seed=seed, init=init, tol_obj=tol_obj, tol_rel_obj=tol_rel_obj, tol_grad=tol_grad,
                          tol_rel_grad=tol_rel_grad, tol_param=tol_param, max_lbfgs_iters=max_lbfgs_iters,
                          init_alpha=init_alpha, psis_resample=psis_resample)

    def __repr__(self) -> str:
        return f"<ppl.Posterior of {self.model.name!r}: dim={self.dim}>"


def _numbers(value) -> np.ndarray | None:
    """value as a float64 array when it is numbers (ints or floats, not bools, strings or
    complex numbers), else None."""
    if isinstance(value, (bool, np.bool_, str, bytes)):
        return None
    try:
        array = np.asarray(value)
        if array.dtype.kind == "O":   # e.g. a list of Python and NumPy numbers
            if not all(isinstance(item, (int, float, np.integer, np.floating))
                       and not isinstance(item, (bool, np.bool_)) for item in array.flat):
                return None
        elif array.dtype.kind not in "iuf":
            return None
        return np.asarray(array, dtype=np.float64)
    except (TypeError, ValueError):
        return None


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


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
    from codegen.build import discard_numba_cache
    from codegen.driver import back_end, compile_failure

    bound = model.check_data(data, strict=strict)
    for attempt in range(2):
        module, facts = back_end(model.source, model.ir)
        try:
            with data_index_errors(model.source):
                return Posterior(model, module, facts, bound)
        except (ModelError, InternalError):
            raise
        except Exception as error:   # the first calls compile the generated functions
            if attempt == 0 and discard_numba_cache(model.source.text, error):
                continue             # Numba's cache of them was damaged: deleted, compiled again
            from codegen.build import model_folder

            generated = (model_folder(model.source.text) / "model.py").read_text()
            raise compile_failure(error, generated, model.ir).with_source(model.source) from error
