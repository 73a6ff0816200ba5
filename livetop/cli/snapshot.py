"""`livetop snapshot`: poll every configured domain once through the engine and print the result."""

from __future__ import annotations

import argparse
import sys

from livetop.cli.common import EXIT_CONFIG, EXIT_FAILED, EXIT_OK, add_config_argument, load_config_or_none

HELP = "poll every configured domain once and print a table, JSON or CSV (for scripts and cron)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_argument(parser)
    parser.add_argument(
        "--window", metavar="DURATION", help="history window, 1m to 90d, e.g. 15m, 1h, 24h (default: config)"
    )
    parser.add_argument("--format", choices=("table", "json", "csv"), default="table", help="output format")


def unanswered(snap) -> list:
    """The domains of a StoreSnapshot that the one poll left without figures: refused by the vendor ("error")
    or never answered at all ("loading"). Either makes the run a failure for cron and scripts."""
    from livetop.engine.store import STATUS_ERROR, STATUS_LOADING

    return [d for d in snap.domains if d.status in (STATUS_ERROR, STATUS_LOADING)]


def run(args: argparse.Namespace) -> int:
    import asyncio
    from dataclasses import replace

    from livetop.config.durations import DurationError, window_seconds

    window = None
    if args.window is not None:
        # Checked before the config is read, so a typo in the flag is reported even when the config is broken.
        try:
            window = window_seconds(args.window)
        except DurationError as exc:
            print(f"livetop: --window: {exc.problem}\n  fix: {exc.fix}", file=sys.stderr)
            return EXIT_CONFIG
    config = load_config_or_none(args)
    if config is None:
        return EXIT_CONFIG
    if window is not None:
        config = replace(config, window_seconds=window)
    if not any(a.domains for a in config.accounts):
        print(f"livetop: {config.path}: no domains configured under any account", file=sys.stderr)
        return EXIT_CONFIG
    snap = asyncio.run(_poll(config))
    from livetop import report

    render = {"table": report.to_table, "json": report.to_json, "csv": report.to_csv}[args.format]
    sys.stdout.write(render(snap))
    sys.stdout.flush()
    failed = unanswered(snap)
    if failed:
        silent = sum(1 for d in failed if d.error is None)
        note = f" ({silent} never answered)" if silent else ""
        print(f"livetop: {len(failed)} of {len(snap.domains)} domains failed{note}", file=sys.stderr)
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
