"""`livetop snapshot`: poll every configured domain once through the engine and print the result."""

from __future__ import annotations

import argparse
import sys

from livetop.cli.common import EXIT_CONFIG, EXIT_FAILED, EXIT_OK, add_config_argument, load_config_or_none

HELP = "poll every configured domain once and print a table, JSON or CSV (for scripts and cron)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_argument(parser)
    parser.add_argument("--window", metavar="DURATION", help="history window, e.g. 15m, 1h, 24h (default: config)")
    parser.add_argument("--format", choices=("table", "json", "csv"), default="table", help="output format")


def run(args: argparse.Namespace) -> int:
    import asyncio
    from dataclasses import replace

    from livetop.model import parse_duration

    config = load_config_or_none(args)
    if config is None:
        return EXIT_CONFIG
    if args.window:
        try:
            config = replace(config, window_seconds=parse_duration(args.window))
        except ValueError:
            print(f"livetop: --window {args.window!r} is not a duration (try 15m, 1h, 24h)", file=sys.stderr)
            return EXIT_CONFIG
    if not any(a.domains for a in config.accounts):
        print(f"livetop: {config.path}: no domains configured under any account", file=sys.stderr)
        return EXIT_CONFIG
    snap = asyncio.run(_poll(config))
    from livetop import report

    render = {"table": report.to_table, "json": report.to_json, "csv": report.to_csv}[args.format]
    sys.stdout.write(render(snap))
    sys.stdout.flush()
    failed = snap.failed()
    if failed:
        print(f"livetop: {len(failed)} of {len(snap.domains)} domains failed", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


async def _poll(config):
    from livetop.engine import Engine

    engine = Engine(config)
    total = sum(len(a.domains) for a in config.accounts)
    progress = sys.stderr.isatty()
    unsubscribe = None
    if progress:
        done: set = set()

        def on_change(keys) -> None:
            for key in keys:
                if engine.store.has_data(key) or (snap := engine.store.domain(key)) and snap.error:
                    done.add(key)
            sys.stderr.write(f"\rpolling {len(done)}/{total} domains…")
            sys.stderr.flush()

        unsubscribe = engine.store.subscribe(on_change)
    try:
        return await engine.poll_all_once()
    finally:
        if unsubscribe:
            unsubscribe()
            sys.stderr.write("\r\033[K")
        await engine.stop()
