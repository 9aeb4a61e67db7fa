"""`python -m refopt verify`: not written yet (see the issue tracker)."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare this subcommand's options."""


def main(args: argparse.Namespace) -> int:
    print("python -m refopt verify: nothing is registered yet, so nothing was run.")
    return 0
