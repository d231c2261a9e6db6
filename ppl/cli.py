"""The `ppl` command line.

    ppl check MODEL.ppl [--data D]    outline of data, params (and their transforms), quantities, statements;
                                      with --data, also validate a data file
    ppl show MODEL.ppl --ast|--ir|--lowered|--code   a stage's dump (parsed program, typed IR, analysis, Numba source)
    ppl sample MODEL.ppl --data D     sample the posterior (NUTS by default), print the summary;
                                      --output draws.csv writes every draw, --output-dir DIR one
                                      CmdStan CSV file per chain
    ppl summary FILES...              the summary of a saved fit (CmdStan CSV files, ours or CmdStan's)
    ppl diagnose FILES...             its CmdStan-style diagnosis
    ppl variational MODEL.ppl --data D   ADVI (meanfield or fullrank), print the summary
    ppl generate MODEL.ppl --fit FIT --data D   deterministics and `gen` again on a saved fit's draws
    ppl optimize MODEL.ppl --data D   the mode (L-BFGS; penalised MLE, or MAP with --jacobian)
    ppl laplace MODEL.ppl --data D    draws from the normal approximation at the mode
    ppl pathfinder MODEL.ppl --data D draws from Pathfinder's approximation
    ppl --version

Every flag's help (`ppl sample --help`) shows its default.

Errors in the model print as located messages without a traceback; exit 1.
"""

from __future__ import annotations

import argparse
import os
import sys

from ppl.errors import InternalError, ModelError

INTERRUPTED_EXIT = 130   # the shell's code for a run stopped by SIGINT


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except InternalError as error:   # located where it can be: the statement being compiled
        if os.environ.get("PPL_DEBUG"):
            raise
        print(error, file=sys.stderr)
        return 3
    except ModelError as error:
        print(error, file=sys.stderr)
        return 1
    except KeyboardInterrupt as error:   # Ctrl-C before any draw (with draws, _sample reports them)
        print(f"ppl {args.command}: interrupted{': ' + str(error) if str(error) else ''}", file=sys.stderr)
        return INTERRUPTED_EXIT
    except ValueError as error:   # a bad sampler setting
        print(f"ppl {args.command}: {error}", file=sys.stderr)
        return 1
    except NotImplementedError as error:
        print(f"ppl {args.command}: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"ppl: cannot read {error.filename}: {error.strerror}", file=sys.stderr)
        return 1
    except Exception as error:  # a bug in ppl: say so plainly; PPL_DEBUG=1 shows the traceback
        if os.environ.get("PPL_DEBUG"):
            raise
        print(f"ppl: internal error: {type(error).__name__}: {error}\n"
              "this is a bug in ppl; please report it with the model (PPL_DEBUG=1 shows the traceback)",
              file=sys.stderr)
        return 3


def build_parser() -> argparse.ArgumentParser:
    from ppl.version import __version__

    parser = argparse.ArgumentParser(prog="ppl", description="ppl: probabilistic programs compiled to native code",
                                     formatter_class=HELP_FORMAT)
    parser.add_argument("--version", action="version", version=f"ppl {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    check = _command(commands, "check", "parse and type-check a model, print its outline")
    check.add_argument("model", help="path to a .ppl file")
    check.add_argument("--data", help="also validate a data file (JSON, Stan's format) against the declarations")
    check.add_argument("--quiet", "-q", action="store_true", help="print nothing when the model is fine")

    show = _command(commands, "show", "print a stage of the compiler")
    show.add_argument("model", help="path to a .ppl file")
    stage = show.add_mutually_exclusive_group(required=True)
    stage.add_argument("--ast", action="store_true", help="the parsed program, printed back as source")
    stage.add_argument("--ir", action="store_true", help="the typed IR")
    stage.add_argument("--lowered", action="store_true",
                       help="the analysis: which generated function each statement goes to, the data layout")
    stage.add_argument("--code", action="store_true", help="the generated Numba source")

    sample = _command(commands, "sample", "sample a model's posterior")
    _sample_arguments(sample)

    summary = _command(commands, "summary", "the summary table of a saved fit (CmdStan CSV files, ours or "
                                            "CmdStan's; a ppl --output CSV; a fit.save .npz)")
    _saved_fit_arguments(summary)
    summary.add_argument("--all", action="store_true",
                         help="also summarise the deterministics and gen quantities (by default: params only)")

    diagnose = _command(commands, "diagnose", "CmdStan-style diagnosis of a saved fit: divergences, tree depth, "
                                              "E-BFMI, R-hat, ESS")
    _saved_fit_arguments(diagnose)

    _inference_commands(commands)

    variational = _command(commands, "variational", "approximate the posterior with ADVI (Stan's variational)")
    variational.add_argument("model", help="path to a .ppl file")
    variational.add_argument("--data", help="data file (JSON, Stan's format); omit for a model without data")
    variational.add_argument("--method", choices=["meanfield", "fullrank"], default="meanfield",
                             help="a diagonal normal (meanfield) or one with a full covariance")
    variational.add_argument("--draws", type=int, default=1000, help="draws from the approximation")
    variational.add_argument("--seed", type=int, default=None, help="for reproducible results; left out, one is picked and printed")
    variational.add_argument("--iter", type=int, default=10000, help="maximum iterations")
    variational.add_argument("--grad-samples", type=int, default=1,
                             help="draws per gradient estimate")
    variational.add_argument("--elbo-samples", type=int, default=100,
                             help="draws per ELBO estimate")
    variational.add_argument("--eta", type=float, default=None,
                             help="step size; left out, chosen by Stan's search over 100, 10, 1, 0.1, 0.01")
    variational.add_argument("--tol-rel-obj", type=float, default=0.01,
                             help="convergence tolerance on the relative ELBO change")
    variational.add_argument("--eval-elbo", type=int, default=100,
                             help="iterations between ELBO estimates")
    variational.add_argument("--output", help="write the draws (with lp and log_q) to this CSV file")
    variational.add_argument("--all", action="store_true",
                             help="also summarise the deterministics and gen quantities (by default: params only)")

    generate = _command(commands, "generate", "recompute deterministics and gen quantities on a saved fit")
    generate.add_argument("model", help="path to a .ppl file (its params must be the fit's)")
    generate.add_argument("--fit", required=True,
                          help="a fit saved by fit.save (.npz; keeps each draw's gen seed) or fit.to_csv (.csv)")
    generate.add_argument("--data", help="data file (JSON, Stan's format), e.g. with new predictors; "
                                         "omit for a model without data")
    generate.add_argument("--seed", type=int, default=None,
                          help="seed for new gen draws; left out, the fit's own per-draw seeds when it has them")
    generate.add_argument("--output", help="write the draws with the new quantities to this CSV file")

    return parser


HELP_FORMAT = argparse.ArgumentDefaultsHelpFormatter   # every flag's help ends with its default


def _command(commands, name: str, description: str):
    return commands.add_parser(name, help=description, description=description, formatter_class=HELP_FORMAT)


def _sample_arguments(sample) -> None:
    sample.add_argument("model", help="path to a .ppl file")
    sample.add_argument("--data", help="data file (JSON, Stan's format); omit for a model without data")
    sample.add_argument("--chains", type=int, default=4, help="number of chains")
    sample.add_argument("--warmup", type=int, default=1000,
                        help="warmup (adaptation) iterations per chain (CmdStan's num_warmup)")
    sample.add_argument("--draws", type=int, default=1000,
                        help="iterations per chain after warmup (CmdStan's num_samples)")
    sample.add_argument("--seed", type=int, default=None, help="random seed; left out, one is picked and printed")
    sample.add_argument("--init", default=None,
                        help="initial param values: a JSON file (Stan's format, constrained values) for every "
                             "chain, or a list of one object per chain; or 'pathfinder'; left out, uniform(-2, 2) "
                             "on the unconstrained scale")
    sample.add_argument("--method", choices=["nuts", "hmc"], default="nuts", help="the sampler")
    sample.add_argument("--metric", choices=sorted(METRIC_NAMES), default="auto", metavar="METRIC",
                        help="the inverse metric warmup adapts: auto (the diagonal, switching a chain to the low "
                             "rank when its trees hit the maximum depth), diag, dense, low_rank (for strongly "
                             "correlated posteriors; see docs/sampling.md) or unit; CmdStan's diag_e, dense_e, "
                             "unit_e are accepted")
    sample.add_argument("--adaptation", choices=["stan", "fisher"], default=None,
                        help="how warmup adapts the metric; left out, the metric's own (see docs/sampling.md)")
    sample.add_argument("--target-accept", type=float, default=0.8,
                        help="the acceptance rate step-size adaptation aims at (CmdStan's adapt delta)")
    sample.add_argument("--max-treedepth", type=int, default=10, help="NUTS's maximum tree depth")
    sample.add_argument("--num-leapfrog-steps", type=int, default=None,
                        help="leapfrog steps per iteration, for --method hmc; left out, 10")
    sample.add_argument("--thin", type=int, default=1, help="keep every THIN-th iteration")
    sample.add_argument("--cores", type=int, default=None, help="chains run at once; left out, one per chain "
                                                                "up to the machine's cores")
    sample.add_argument("--save-warmup", action="store_true",
                        help="keep the warmup iterations too (written first in each --output-dir file, as CmdStan "
                             "does)")
    sample.add_argument("--output", help="write every draw (with sampler statistics) to this CSV file, ppl's format "
                                         "(ppl.read_csv reads it)")
    sample.add_argument("--output-dir", help="write one CmdStan CSV file per chain into this folder (created if "
                                             "missing), for arviz.from_cmdstan, cmdstanpy.from_csv, "
                                             "ppl.read_cmdstan_csv")
    sample.add_argument("--all", action="store_true",
                        help="also summarise the deterministics and gen quantities (by default: params only)")
    sample.add_argument("--no-progress", action="store_true", help="no progress bar")


def _saved_fit_arguments(command) -> None:
    command.add_argument("files", nargs="+", metavar="FILE",
                         help="CmdStan CSV files (one per chain) or a folder of them; or one ppl CSV "
                              "(--output) or .npz (fit.save) file")


# the CLI's metric names: ppl's, and CmdStan's for the same metric
METRIC_NAMES = {"auto": "auto", "diag": "diag", "dense": "dense", "low_rank": "low_rank", "unit": "unit",
                "diag_e": "diag", "dense_e": "dense", "unit_e": "unit"}


def _run(args) -> int:
    import warnings

    import ppl

    if args.command in ("summary", "diagnose"):
        return _saved(args)
    if args.command == "sample":
        problem = _output_problem(args)   # before compiling and sampling: no run is lost to a typo
        if problem:
            print(f"ppl sample: {problem}", file=sys.stderr)
            return 1
        init = _init(args.init)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = ppl.compile(args.model)
    for warning in caught:   # the checker's located warnings (ppl.ModelWarning), each with its line and caret
        located = isinstance(warning.message, ppl.ModelWarning)
        print(warning.message if located else f"warning: {warning.message}", file=sys.stderr)
    if args.command == "sample":
        return _sample(model, args, init)
    if args.command in ("variational", "generate"):
        return _approximate(model, args) if args.command == "variational" else _generate(model, args)
    if args.command in ("optimize", "laplace", "pathfinder"):
        return _inference(model, args)
    if args.command == "check":
        if args.data:
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")   # the outline lists unused names itself
                bound = model.check_data(args.data)
        else:
            bound = None
        if not args.quiet:
            print(f"{args.model}: ok\n")
            print(model.outline(), end="")
            if bound is not None:
                sizes = ", ".join(f"{k}={v}" for k, v in bound.sizes.items())
                print(f"\n{args.data}: ok" + (f" ({sizes})" if sizes else ""))
                if bound.unused:
                    print(f"  not used by the model: {', '.join(bound.unused)}")
        return 0
    stage = next(stage for stage in ("ast", "ir", "lowered", "code") if getattr(args, stage))
    print(model.show(stage), end="")
    return 0


def _sample(model, args, init) -> int:
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = model.sample(args.data if args.data else {}, chains=args.chains, warmup=args.warmup,
                           draws=args.draws, seed=args.seed, init=init, method=args.method,
                           metric=METRIC_NAMES[args.metric], adaptation=args.adaptation,
                           target_accept=args.target_accept, max_treedepth=args.max_treedepth,
                           num_leapfrog_steps=args.num_leapfrog_steps, thin=args.thin, cores=args.cores,
                           save_warmup=args.save_warmup, progress=not args.no_progress)
    for warning in caught:
        if "data not used by the model" in str(warning.message) or "SamplerWarning" in warning.category.__name__:
            continue
        print(f"warning: {warning.message}", file=sys.stderr)
    timing = fit.timing
    print(f"{model.name}: {fit.num_chains} chains x {fit.num_draws} draws ({args.method}), seed {fit.seed}; "
          f"warmup {timing['warmup_seconds'].max():.2f} s, sampling {timing['sampling_seconds'].max():.2f} s "
          f"(slowest chain)\n")
    print(fit.summary(include="all" if args.all else "params"))
    report = fit.diagnose()
    print("\n" + report)
    if args.output:
        fit.to_csv(args.output)
        print(f"\ndraws written to {args.output}")
    if args.output_dir:
        paths = fit.to_cmdstan_csv(args.output_dir, data_file=args.data)
        print(f"\n{len(paths)} CmdStan CSV files (one per chain) written to {args.output_dir}")
    return INTERRUPTED_EXIT if fit.interrupted else 0


def _init(init):
    """--init: 'pathfinder' as it is; a JSON file's object (one for every chain) or list of
    objects (one per chain)."""
    if init is None or init == "pathfinder":
        return init
    import json

    if not os.path.exists(init) and _is_number(init):
        raise ValueError(f"--init {init}: ppl has no init radius (CmdStan's init=NUMBER); its chains start "
                         f"uniform(-2, 2) on the unconstrained scale. Give a JSON file of param values, or "
                         f"'pathfinder'")

    with open(init, encoding="utf-8") as handle:
        try:
            values = json.load(handle)
        except json.JSONDecodeError as error:
            raise ValueError(f"--init {init}: not valid JSON ({error.msg} at line {error.lineno}, column "
                             f"{error.colno})") from None
    if isinstance(values, dict) or (isinstance(values, list) and all(isinstance(v, dict) for v in values)):
        return values
    raise ValueError(f"--init {init}: expected a JSON object of param values (or a list of one object per "
                     f"chain), found a {type(values).__name__}")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _output_problem(args) -> str | None:
    """Why an output path cannot be written (None when it can), found before sampling;
    the folders they need are created."""
    if args.output:
        if os.path.isdir(args.output):
            return f"--output {args.output}: is a folder; give a file name (or use --output-dir for a folder)"
        problem = _writable_folder(os.path.dirname(os.path.abspath(args.output)), "--output", args.output)
        if problem:
            return problem
        existed = os.path.exists(args.output)
        try:
            with open(args.output, "a", encoding="utf-8"):
                pass
        except OSError as error:
            return f"--output {args.output}: cannot be written ({error.strerror})"
        if not existed:
            os.remove(args.output)
    if args.output_dir:
        return _writable_folder(args.output_dir, "--output-dir", args.output_dir)
    return None


def _writable_folder(folder: str, flag: str, given: str) -> str | None:
    import tempfile

    try:
        os.makedirs(folder, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        return f"{flag} {given}: the folder {folder} cannot be created or written ({error.strerror})"
    return None


def _saved(args) -> int:
    """ppl summary / ppl diagnose on a saved fit."""
    fit = _read_saved_fit(args.files)
    if args.command == "diagnose":
        missing = [name for name in ("diverging", "energy", "tree_depth") if name not in fit.stats]
        if missing:
            print(f"ppl diagnose: these draws have no sampler statistic {', '.join(missing)} (not from NUTS or "
                  f"HMC: CmdStan's fixed_param?); nothing to diagnose", file=sys.stderr)
            return 1
        print(fit.diagnose())
        return 0
    print(f"{fit.model_name}: {fit.num_chains} chains x {fit.num_draws} draws ({fit.method})\n")
    print(fit.summary(include="all" if args.all else "params"))
    return 0


def _read_saved_fit(files: list[str]):
    """A fit from files on disk: a fit.save .npz, a ppl --output CSV, else CmdStan CSV files."""
    import ppl
    from ppl.results.io import is_ppl_csv

    if len(files) == 1 and files[0].endswith(".npz"):
        return ppl.load_fit(files[0])
    if len(files) == 1 and os.path.isfile(files[0]) and is_ppl_csv(files[0]):
        return ppl.read_csv(files[0])
    for path in files:
        if not os.path.exists(path):
            raise FileNotFoundError(2, "No such file or directory", path)
    return ppl.read_cmdstan_csv(files[0] if len(files) == 1 else files)


def _approximate(model, args) -> int:
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = model.variational(args.data if args.data else {}, method=args.method, draws=args.draws,
                                seed=args.seed, iter=args.iter, grad_samples=args.grad_samples,
                                elbo_samples=args.elbo_samples, eta=args.eta, tol_rel_obj=args.tol_rel_obj,
                                eval_elbo=args.eval_elbo)
    for warning in caught:
        if "data not used by the model" not in str(warning.message):
            print(f"warning: {warning.message}", file=sys.stderr)
    settings = fit.settings
    how = f"converged ({settings['convergence']} relative ELBO change)" if fit.converged else "not converged"
    print(f"{model.name}: ADVI {args.method}, seed {fit.seed}; eta {fit.eta:g}, {settings['iterations']} "
          f"iterations, {how}; {fit.num_draws} draws\n")
    print(fit.summary(include="all" if args.all else "params"))
    if args.output:
        fit.to_csv(args.output)
        print(f"\ndraws written to {args.output}")
    return 0


def _generate(model, args) -> int:
    import warnings
    import zipfile

    import ppl

    try:
        fit = ppl.read_csv(args.fit) if args.fit.endswith(".csv") else ppl.load_fit(args.fit)
    except (KeyError, ValueError, zipfile.BadZipFile) as error:
        raise ValueError(f"{args.fit} is not a fit saved by ppl (fit.save's .npz or fit.to_csv's .csv): "
                         f"{type(error).__name__}: {error}") from None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        generated = model.generate_quantities(fit, args.data if args.data else {}, seed=args.seed)
    for warning in caught:
        if "data not used by the model" not in str(warning.message):
            print(f"warning: {warning.message}", file=sys.stderr)
    seeds = "the fit's own gen seeds" if args.seed is None and fit.gen_seeds is not None else f"seed {generated.seed}"
    print(f"{model.name}: deterministics and gen quantities on {generated.num_chains} chains x "
          f"{generated.num_draws} draws of {args.fit} ({seeds})\n")
    if generated.names("deterministic") or generated.names("generated"):
        print(generated.summary(include=["deterministic", "generated"]))
    else:
        print("(the model has no saved deterministic or generated quantities)")
    if args.output:
        generated.to_csv(args.output)
        print(f"\ndraws written to {args.output}")
    return 0


def _tolerance_flags(command) -> None:
    """CmdStan's convergence settings, with its defaults."""
    command.add_argument("--tol-obj", type=float, default=1e-12,
                         help="absolute change of the log density")
    command.add_argument("--tol-rel-obj", type=float, default=1e4,
                         help="relative change of the log density, in units of machine epsilon")
    command.add_argument("--tol-grad", type=float, default=1e-8, help="norm of the gradient")
    command.add_argument("--tol-rel-grad", type=float, default=1e7,
                         help="relative gradient, in units of machine epsilon")
    command.add_argument("--tol-param", type=float, default=1e-8, help="norm of the step")


def _inference_commands(commands) -> None:
    """`ppl optimize`, `ppl laplace`, `ppl pathfinder` (docs/inference.md)."""
    def common(name, help_text):
        command = _command(commands, name, help_text)
        command.add_argument("model", help="path to a .ppl file")
        command.add_argument("--data", help="data file (JSON, Stan's format); omit for a model without data")
        command.add_argument("--seed", type=int, default=None, help="random seed; left out, one is picked and printed")
        return command

    optimize = common("optimize", "the posterior mode (penalised MLE, or the MAP with --jacobian)")
    optimize.add_argument("--algorithm", choices=["lbfgs", "bfgs", "newton"], default="lbfgs",
                          help="the optimiser")
    optimize.add_argument("--jacobian", action="store_true",
                          help="maximise the unconstrained density with the Jacobian (the MAP on that scale); "
                               "left out, without it (Stan's default)")
    optimize.add_argument("--init", default=None,
                          help="JSON file of constrained param values to start from; left out, uniform(-2, 2) "
                               "on the unconstrained scale")
    optimize.add_argument("--max-iters", type=int, default=2000, help="iteration limit")
    optimize.add_argument("--history-size", type=int, default=5, help="L-BFGS history")
    _tolerance_flags(optimize)
    optimize.add_argument("--output", help="write the optimum (params, deterministics, log density) to this JSON file")

    laplace = common("laplace", "draws from the normal approximation at the mode (Hessian by finite differences)")
    laplace.add_argument("--draws", type=int, default=1000, help="number of draws")
    laplace.add_argument("--no-jacobian", action="store_true",
                         help="find the mode and the Hessian without the Jacobian; left out, with it")
    laplace.add_argument("--output", help="write the draws (with lp and log_q) to this CSV file")

    pathfinder = common("pathfinder", "draws from Pathfinder's normal approximations along L-BFGS paths")
    pathfinder.add_argument("--paths", type=int, default=4, help="number of single paths")
    pathfinder.add_argument("--draws", type=int, default=1000, help="number of draws")
    pathfinder.add_argument("--num-elbo-draws", type=int, default=25,
                            help="draws for each ELBO estimate")
    pathfinder.add_argument("--history-size", type=int, default=6, help="L-BFGS history")
    pathfinder.add_argument("--max-lbfgs-iters", type=int, default=1000, help="iterations per path")
    pathfinder.add_argument("--init", default=None,
                            help="JSON file of constrained param values to start every path from; left out, "
                                 "uniform(-2, 2) on the unconstrained scale")
    _tolerance_flags(pathfinder)
    pathfinder.add_argument("--output", help="write the draws (with lp and log_q) to this CSV file")


def _inference(model, args) -> int:
    import json
    import warnings

    import numpy as np

    data = args.data if args.data else {}
    tolerances = {name: getattr(args, name) for name in ("tol_obj", "tol_rel_obj", "tol_grad", "tol_rel_grad",
                                                          "tol_param") if hasattr(args, name)}
    init = None
    if getattr(args, "init", None):
        with open(args.init) as handle:
            init = json.load(handle)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if args.command == "optimize":
            result = model.optimize(data, jacobian=args.jacobian, algorithm=args.algorithm, init=init, seed=args.seed,
                                    max_iters=args.max_iters, history_size=args.history_size, **tolerances)
        elif args.command == "laplace":
            result = model.laplace(data, draws=args.draws, jacobian=not args.no_jacobian, seed=args.seed)
        else:
            result = model.pathfinder(data, paths=args.paths, draws=args.draws, num_elbo_draws=args.num_elbo_draws,
                                      history_size=args.history_size, max_lbfgs_iters=args.max_lbfgs_iters, init=init,
                                      seed=args.seed, **tolerances)
    for warning in caught:
        if "data not used by the model" in str(warning.message):
            continue
        print(f"warning: {warning.message}", file=sys.stderr)
    if args.command == "optimize":
        scale = "MAP on the unconstrained scale" if result.jacobian else "penalised MLE"
        print(f"{model.name}: optimize ({result.algorithm}, {scale}), seed {result.seed}: {result.status} after "
              f"{result.iterations} iterations ({result.message})\nlog density {result.log_density:.8g}\n")
        values = {**result.params, **result.deterministics, **result.generated}
        width = max([len(name) for name in values] + [4])
        for name, value in values.items():
            print(f"{name:<{width}}  {np.array2string(np.asarray(value), precision=6, threshold=20)}")
        if args.output:
            with open(args.output, "w") as handle:
                json.dump({"log_density": result.log_density, "status": result.status, "iterations": result.iterations,
                           **{name: np.asarray(value).tolist() for name, value in values.items()}}, handle, indent=1)
            print(f"\noptimum written to {args.output}")
        return 0 if result.converged else 1
    extra = f", Pareto k-hat {result.settings['pareto_k']:.2f}" if args.command == "pathfinder" else ""
    print(f"{model.name}: {args.command}, {result.num_draws} draws, seed {result.seed}{extra}\n")
    print(result.summary())
    if args.output:
        result.to_csv(args.output)
        print(f"\ndraws written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
