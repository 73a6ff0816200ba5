"""`livetop tui` (placeholder until its issue lands)."""

from __future__ import annotations

import argparse
import sys

HELP = "tui"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    print("livetop tui: not available yet", file=sys.stderr)
    return 2
