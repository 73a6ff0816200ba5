"""Helpers shared by the subcommands."""

from __future__ import annotations

import argparse
import sys


def add_config_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="config file (default: $LIVETOP_CONFIG, else $XDG_CONFIG_HOME/livetop/config.toml)",
    )


def load_config_or_none(args: argparse.Namespace):
    """Load the config; on a config error print its message and return None (the caller exits 2)."""
    from livetop.config import ConfigError, load_config

    try:
        return load_config(getattr(args, "config", None))
    except ConfigError as exc:
        print(f"livetop: config error: {exc.message()}", file=sys.stderr)
        return None


EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CONFIG = 2
