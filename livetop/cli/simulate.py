"""`livetop simulate` (placeholder until its issue lands)."""

from __future__ import annotations

import argparse
import sys

HELP = "simulate"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    print("livetop simulate: not available yet", file=sys.stderr)
    return 2
