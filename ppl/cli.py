"""The `ppl` command line.

    ppl check MODEL.ppl [--data D]    outline of data, params (and their transforms), quantities, statements;
                                      with --data, also validate a data file
    ppl show MODEL.ppl --ast|--ir|--lowered|--code   a stage's dump (parsed program, typed IR, analysis, Numba source)
    ppl sample MODEL.ppl --data D     sample the posterior (NUTS by default), print the summary;
                                      --output draws.csv writes every draw
    ppl variational MODEL.ppl --data D   ADVI (meanfield or fullrank), print the summary
    ppl generate MODEL.ppl --fit FIT --data D   deterministics and `gen` again on a saved fit's draws

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

    variational = commands.add_parser("variational", help="approximate the posterior with ADVI (Stan's variational)")
    variational.add_argument("model", help="path to a .ppl file")
    variational.add_argument("--data", help="data file (JSON, Stan's format); omit for a model without data")
    variational.add_argument("--method", choices=["meanfield", "fullrank"], default="meanfield",
                             help="a diagonal normal (meanfield) or one with a full covariance (default: meanfield)")
    variational.add_argument("--draws", type=int, default=1000, help="draws from the approximation (default: 1000)")
    variational.add_argument("--seed", type=int, default=None, help="for reproducible results (default: random)")
    variational.add_argument("--iter", type=int, default=10000, help="maximum iterations (default: 10000)")
    variational.add_argument("--grad-samples", type=int, default=1,
                             help="draws per gradient estimate (default: 1)")
    variational.add_argument("--elbo-samples", type=int, default=100,
                             help="draws per ELBO estimate (default: 100)")
    variational.add_argument("--eta", type=float, default=None,
                             help="step size (default: chosen by Stan's search over 100, 10, 1, 0.1, 0.01)")
    variational.add_argument("--tol-rel-obj", type=float, default=0.01,
                             help="convergence tolerance on the relative ELBO change (default: 0.01)")
    variational.add_argument("--eval-elbo", type=int, default=100,
                             help="iterations between ELBO estimates (default: 100)")
    variational.add_argument("--output", help="write the draws (with lp and log_q) to this CSV file")

    generate = commands.add_parser("generate", help="recompute deterministics and gen quantities on a saved fit")
    generate.add_argument("model", help="path to a .ppl file (its params must be the fit's)")
    generate.add_argument("--fit", required=True,
                          help="a fit saved by fit.save (.npz; keeps each draw's gen seed) or fit.to_csv (.csv)")
    generate.add_argument("--data", help="data file (JSON, Stan's format), e.g. with new predictors; "
                                         "omit for a model without data")
    generate.add_argument("--seed", type=int, default=None,
                          help="seed for new gen draws (default: the fit's own per-draw seeds when it has them)")
    generate.add_argument("--output", help="write the draws with the new quantities to this CSV file")

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
    if args.command in ("variational", "generate"):
        return _approximate(model, args) if args.command == "variational" else _generate(model, args)
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
    print(fit.summary(kinds=("param", "deterministic", "generated")))
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
        print(generated.summary(kinds=("deterministic", "generated")))
    else:
        print("(the model has no saved deterministic or generated quantities)")
    if args.output:
        generated.to_csv(args.output)
        print(f"\ndraws written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
