"""The `ppl` command line.

    ppl check MODEL.ppl [--data D]    outline of data, params (and their transforms), quantities, statements;
                                      with --data, also validate a data file
    ppl show MODEL.ppl --ast|--ir     a stage's dump
    ppl sample MODEL.ppl --data D     (needs the compiler back end: not implemented yet)

Errors in the model print as located messages without a traceback; exit 1.
"""

from __future__ import annotations

import argparse
import os
import sys

from ppl.errors import ModelError


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
    stage.add_argument("--code", action="store_true", help="the generated Numba source")

    sample = commands.add_parser("sample", help="sample a model's posterior")
    sample.add_argument("model")
    sample.add_argument("--data", required=False)

    args = parser.parse_args(argv)
    try:
        return _run(args)
    except ModelError as error:
        print(error, file=sys.stderr)
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
    import ppl

    if args.command == "sample":
        raise NotImplementedError("sampling is not implemented yet; `ppl check MODEL.ppl` checks a model")
    model = ppl.compile(args.model)
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
    if args.ast:
        from codegen.unparse import program_text

        print(program_text(model.syntax), end="")
    elif args.ir:
        from codegen.ir_print import program_text

        print(program_text(model.ir), end="")
    else:
        print(model.code(), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
