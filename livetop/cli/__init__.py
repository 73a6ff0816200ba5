"""Entry points. Subcommand modules import only argparse at top level: `livetop --help` stays fast and never
loads Textual or httpx."""

from __future__ import annotations

import argparse
import sys

from livetop import __version__
from livetop.cli import check, demo, export, init, query, serve, simulate, snapshot, tui

COMMANDS = {
    "check": check,
    "demo": demo,
    "export": export,
    "init": init,
    "query": query,
    "simulate": simulate,
    "snapshot": snapshot,
    "serve": serve,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="livetop",
        description="top for live-streaming CDN play domains: bandwidth, traffic and decoded vendor errors "
        "across Huawei Cloud Live and JD Cloud in one terminal screen.",
    )
    parser.add_argument("--version", action="version", version=f"livetop {__version__}")
    tui.add_arguments(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in COMMANDS.items():
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        if args.command == "check":  # a monitoring plugin answers bad arguments with UNKNOWN (3), not 2
            return check.unknown_arguments(extra)
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    module = COMMANDS.get(args.command, tui)
    try:
        return module.run(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `livetop snapshot | head`: the reader went away; that is not an error worth a traceback.
        sys.stderr.close()
        return 0
