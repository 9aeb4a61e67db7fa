"""Command line: ``python -m refopt examples | verify | bench | compare | upstream``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def run_examples(args: argparse.Namespace) -> int:
    """Run every registered worked example and print what it returns."""
    from .examples import iter_examples

    failures = 0
    count = 0
    for name, func in iter_examples():
        if args.only and not any(word in name for word in args.only):
            continue
        count += 1
        title = (func.__doc__ or name).strip().splitlines()[0]
        print(f"== {name}: {title}")
        try:
            print(func())
        except Exception as exc:  # report and go on: one broken example should not hide the rest
            failures += 1
            print(f"FAILED: {type(exc).__name__}: {exc}")
        print()
    if count == 0:
        print("No worked examples are registered yet.")
    print(f"{count - failures} examples ran, {failures} failed")
    return 1 if failures else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m refopt", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    examples = sub.add_parser("examples", help="run the worked examples and print their results")
    examples.add_argument("only", nargs="*", help="run only examples whose name contains one of these words")
    examples.set_defaults(handler=run_examples)
    for name in ("verify", "bench", "compare", "upstream"):
        module = __import__(f"refopt.{name}", fromlist=["add_arguments"])
        cmd = sub.add_parser(name, help=module.__doc__.strip().splitlines()[0])
        module.add_arguments(cmd)
        cmd.set_defaults(handler=module.main)
    args = parser.parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
