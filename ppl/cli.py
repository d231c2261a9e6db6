"""The `ppl` command line.

    ppl check MODEL.ppl [--data D]    outline of data, params (and their transforms), quantities, statements;
                                      with --data, also validate a data file
    ppl show MODEL.ppl --ast|--ir|--lowered|--code   a stage's dump (parsed program, typed IR, analysis, Numba source)
    ppl sample MODEL.ppl --data D     sample the posterior (NUTS by default), print the summary;
                                      --output draws.csv writes every draw
    ppl optimize MODEL.ppl --data D   the mode (L-BFGS; penalised MLE, or MAP with --jacobian)
    ppl laplace MODEL.ppl --data D    draws from the normal approximation at the mode
    ppl pathfinder MODEL.ppl --data D draws from Pathfinder's approximation

Errors in the model print as located messages without a traceback; exit 1.
"""

from __future__ import annotations

import argparse
import os
import sys

from ppl.errors import InternalError, ModelError

INTERRUPTED_EXIT = 130   # the shell's code for a run stopped by SIGINT


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ppl", description="ppl: probabilistic programs compiled to native code")
    commands = parser.add_subparsers(dest="command", required=True)

    check = commands.add_parser("check", help="parse and type-check a model, print its outline")
    check.add_argument("model", help="path to a .ppl file")
    check.add_argument("--data", help="also validate a data file (JSON, Stan's format) against the declarations")
    check.add_argument("--quiet", "-q", action="store_true", help="print nothing when the model is fine")

    show = commands.add_parser("show", help="print a stage of the compiler")
    show.add_argument("model")
    stage = show.add_mutually_exclusive_group(required=True)
    stage.add_argument("--ast", action="store_true", help="the parsed program, printed back as source")
    stage.add_argument("--ir", action="store_true", help="the typed IR")
    stage.add_argument("--lowered", action="store_true",
                       help="the analysis: which generated function each statement goes to, the data layout")
    stage.add_argument("--code", action="store_true", help="the generated Numba source")

    sample = commands.add_parser("sample", help="sample a model's posterior")
    sample.add_argument("model")
    sample.add_argument("--data", help="data file (JSON, Stan's format); omit for a model without data")
    sample.add_argument("--chains", type=int, default=4)
    sample.add_argument("--warmup", type=int, default=1000)
    sample.add_argument("--draws", type=int, default=1000)
    sample.add_argument("--seed", type=int, default=None)
    sample.add_argument("--method", choices=["nuts", "hmc"], default="nuts")
    sample.add_argument("--metric", choices=["diag", "dense", "low_rank", "unit"], default="diag",
                        help="the inverse metric warmup adapts (low_rank: for strongly correlated posteriors; "
                             "see docs/sampling.md)")
    sample.add_argument("--adaptation", choices=["stan", "fisher"], default=None,
                        help="how warmup adapts the metric (default: the metric's own, see docs/sampling.md)")
    sample.add_argument("--target-accept", type=float, default=0.8)
    sample.add_argument("--max-treedepth", type=int, default=10)
    sample.add_argument("--num-leapfrog-steps", type=int, default=None, help="for --method hmc")
    sample.add_argument("--thin", type=int, default=1)
    sample.add_argument("--cores", type=int, default=None)
    sample.add_argument("--output", help="write the draws (with sampler statistics) to this CSV file")
    sample.add_argument("--no-progress", action="store_true", help="no progress bar")

    _inference_commands(commands)
    args = parser.parse_args(argv)
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


def _run(args) -> int:
    import warnings

    import ppl

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = ppl.compile(args.model)
    for warning in caught:   # the checker's located warnings (ppl.ModelWarning), each with its line and caret
        located = isinstance(warning.message, ppl.ModelWarning)
        print(warning.message if located else f"warning: {warning.message}", file=sys.stderr)
    if args.command == "sample":
        return _sample(model, args)
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


def _sample(model, args) -> int:
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = model.sample(args.data if args.data else {}, chains=args.chains, warmup=args.warmup,
                           draws=args.draws, seed=args.seed, method=args.method, metric=args.metric,
                           adaptation=args.adaptation,
                           target_accept=args.target_accept, max_treedepth=args.max_treedepth,
                           num_leapfrog_steps=args.num_leapfrog_steps, thin=args.thin, cores=args.cores,
                           progress=not args.no_progress)
    for warning in caught:
        if "data not used by the model" in str(warning.message) or "SamplerWarning" in warning.category.__name__:
            continue
        print(f"warning: {warning.message}", file=sys.stderr)
    timing = fit.timing
    print(f"{model.name}: {fit.num_chains} chains x {fit.num_draws} draws ({args.method}), seed {fit.seed}; "
          f"warmup {timing['warmup_seconds'].max():.2f} s, sampling {timing['sampling_seconds'].max():.2f} s "
          f"(slowest chain)\n")
    print(fit.summary())
    report = fit.diagnose()
    print("\n" + report)
    if args.output:
        fit.to_csv(args.output)
        print(f"\ndraws written to {args.output}")
    return INTERRUPTED_EXIT if fit.interrupted else 0


def _tolerance_flags(command) -> None:
    """CmdStan's convergence settings, with its defaults."""
    command.add_argument("--tol-obj", type=float, default=1e-12,
                         help="absolute change of the log density (default 1e-12)")
    command.add_argument("--tol-rel-obj", type=float, default=1e4,
                         help="relative change of the log density, in units of machine epsilon (default 1e4)")
    command.add_argument("--tol-grad", type=float, default=1e-8, help="norm of the gradient (default 1e-8)")
    command.add_argument("--tol-rel-grad", type=float, default=1e7,
                         help="relative gradient, in units of machine epsilon (default 1e7)")
    command.add_argument("--tol-param", type=float, default=1e-8, help="norm of the step (default 1e-8)")


def _inference_commands(commands) -> None:
    """`ppl optimize`, `ppl laplace`, `ppl pathfinder` (docs/inference.md)."""
    def common(name, help_text):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("model", help="path to a .ppl file")
        command.add_argument("--data", help="data file (JSON, Stan's format); omit for a model without data")
        command.add_argument("--seed", type=int, default=None, help="random seed (default: a random one)")
        return command

    optimize = common("optimize", "the posterior mode (penalised MLE, or the MAP with --jacobian)")
    optimize.add_argument("--algorithm", choices=["lbfgs", "bfgs", "newton"], default="lbfgs",
                          help="the optimiser (default lbfgs)")
    optimize.add_argument("--jacobian", action="store_true",
                          help="maximise the unconstrained density with the Jacobian (the MAP on that scale); "
                               "default: without it (Stan's default)")
    optimize.add_argument("--init", default=None,
                          help="JSON file of constrained param values to start from (default: uniform(-2, 2) "
                               "on the unconstrained scale)")
    optimize.add_argument("--max-iters", type=int, default=2000, help="iteration limit (default 2000)")
    optimize.add_argument("--history-size", type=int, default=5, help="L-BFGS history (default 5)")
    _tolerance_flags(optimize)
    optimize.add_argument("--output", help="write the optimum (params, deterministics, log density) to this JSON file")

    laplace = common("laplace", "draws from the normal approximation at the mode (Hessian by finite differences)")
    laplace.add_argument("--draws", type=int, default=1000, help="number of draws (default 1000)")
    laplace.add_argument("--no-jacobian", action="store_true",
                         help="find the mode and the Hessian without the Jacobian (default: with it)")
    laplace.add_argument("--output", help="write the draws (with lp and log_q) to this CSV file")

    pathfinder = common("pathfinder", "draws from Pathfinder's normal approximations along L-BFGS paths")
    pathfinder.add_argument("--paths", type=int, default=4, help="number of single paths (default 4)")
    pathfinder.add_argument("--draws", type=int, default=1000, help="number of draws (default 1000)")
    pathfinder.add_argument("--num-elbo-draws", type=int, default=25,
                            help="draws for each ELBO estimate (default 25)")
    pathfinder.add_argument("--history-size", type=int, default=6, help="L-BFGS history (default 6)")
    pathfinder.add_argument("--max-lbfgs-iters", type=int, default=1000, help="iterations per path (default 1000)")
    pathfinder.add_argument("--init", default=None,
                            help="JSON file of constrained param values to start every path from (default: "
                                 "uniform(-2, 2) on the unconstrained scale)")
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
