"""`livetop [--config FILE]`: the TUI on the user's accounts (the default command).

Textual and the engine are imported only here, inside run(): `livetop --help` stays fast.
"""

from __future__ import annotations

import argparse
import sys

from livetop.cli.common import EXIT_CONFIG, add_config_argument, load_config_or_none

HELP = "watch every configured play domain in the terminal (the default command)"

# The first frame waits at most this long for the first answers, so it shows the window's history rather than
# a screen of "loading" marks; a domain that never answers does not hold the start-up longer than this.
FIRST_DATA_WAIT = 0.6


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from livetop.cli.snapshot import add_remote_arguments

    add_config_argument(parser)
    add_remote_arguments(parser)


def terminal_problem() -> str | None:
    """Why the TUI cannot run here, or None."""
    if not sys.stdin.isatty():
        return "the TUI needs a terminal on stdin (for scripts and cron use `livetop snapshot`)"
    return None


def run(args: argparse.Namespace) -> int:
    from livetop.cli.remote import remote_target

    target = remote_target(args)
    if target is None:
        return EXIT_CONFIG
    if target:
        return _run_remote(args, *target)
    config = load_config_or_none(args)
    if config is None:
        return EXIT_CONFIG
    if not any(a.domains for a in config.accounts):
        print(
            f"livetop: {config.path}: no domains configured under any account (add domains = [...] to an "
            "account, or try `livetop demo`)",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    problem = terminal_problem()
    if problem:
        print(f"livetop: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    return run_tui(config)


def _run_remote(args: argparse.Namespace, url: str, token) -> int:
    """The TUI on a collector's feed. The config, if there is one, still gives the theme, keys and [ui]."""
    from livetop.config.load import config_path
    from livetop.config.schema import Config

    if args.config or config_path(None).exists():
        config = load_config_or_none(args)
        if config is None:
            return EXIT_CONFIG
    else:
        config = Config(path=None)
    problem = terminal_problem()
    if problem:
        print(f"livetop: {problem}", file=sys.stderr)
        return EXIT_CONFIG

    def source():
        from livetop.remote.source import RemoteSource

        return RemoteSource(url, token)

    return run_tui(config, source=source)


def run_tui(config, *, user_config: bool = True, first_data_wait: float = FIRST_DATA_WAIT,
            source=None, record: bool = False) -> int:
    """Run the app on `config` until the user quits (or the terminal goes away); returns the exit code.

    `user_config`: the file is the user's (theme choices are saved to it, edits to it apply at once); the
    demo's generated file is neither. `record`: keep a history even so (the demo's `--history FILE`)."""
    import asyncio

    from livetop.ui.app import LivetopApp  # before the engine starts: the import must not eat its time
    from livetop.ui.terminal import exit_on_stop_signals

    async def main() -> int:
        from livetop.engine import Engine
        from livetop.history.running import open_recording
        from livetop.ui.feed import wait_for_first_data

        # `source`: a collector's feed instead of the engine (--remote): no config watch, no history of its
        # own (the collector's figures are not this machine's to record).
        engine = source() if source is not None else Engine(config, stagger=False)
        watch = user_config and source is None
        # The demo's simulated domains stay out of the user's history file (`livetop demo --history FILE`
        # records into a file of its own). Opened before the engine starts: windows come from disk.
        recording = open_recording(config, engine) if (user_config or record) and source is None else None
        app = LivetopApp(config, engine, persist_theme=user_config, watch_config=watch,
                         history=recording.history if recording is not None else None)
        try:
            await engine.start()
            if source is not None:
                await engine.wait_connected(3 * first_data_wait)
            else:
                await wait_for_first_data(engine.store, first_data_wait)
            if recording is not None:
                for notice in recording.history.notices:
                    asyncio.get_running_loop().call_later(1.0, app.notify, notice, severity="warning", timeout=20)
            await app.run_async()
            return app.return_code or 0
        finally:
            await engine.stop()
            if recording is not None:
                await recording.stop()

    # Until the app takes SIGHUP/SIGTERM over (and after it lets go), they raise SystemExit: the engine's
    # `finally` still runs, and so does the caller's (the demo removes its temp dir there).
    with exit_on_stop_signals():
        return asyncio.run(main())
