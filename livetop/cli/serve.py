"""`livetop serve [--config FILE] [--listen HOST:PORT]`: the collector, headless (livetop.serve)."""

from __future__ import annotations

import argparse
import sys

from livetop.cli.common import EXIT_CONFIG, EXIT_FAILED, EXIT_OK, add_config_argument, load_config_or_none

HELP = "run the collector for a team: Prometheus /metrics, a snapshot API and a change feed for viewers"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_argument(parser)
    parser.add_argument(
        "--listen",
        metavar="HOST:PORT",
        help="address to listen on (default: serve.listen in the config, else 127.0.0.1:9360); any address "
        "but loopback needs serve.token_env",
    )


def run(args: argparse.Namespace) -> int:
    from livetop.config.load import split_listen
    from livetop.serve.auth import ServeRefused, read_token

    config = load_config_or_none(args)
    if config is None:
        return EXIT_CONFIG
    listen = args.listen or config.serve.listen
    where = split_listen(listen)
    if where is None:
        print(f'livetop serve: --listen: "{listen}" is not HOST:PORT (e.g. 127.0.0.1:9360)', file=sys.stderr)
        return EXIT_CONFIG
    if not any(a.domains for a in config.accounts):
        print(f"livetop serve: {config.path}: no domains configured under any account", file=sys.stderr)
        return EXIT_CONFIG
    host, port = where
    try:
        token = read_token(config, host)
    except ServeRefused as exc:
        print(f"livetop serve: refusing to start: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    import asyncio

    try:
        return asyncio.run(_serve(config, host, port, token))
    except OSError as exc:
        print(f"livetop serve: cannot listen on {listen}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED


async def _serve(config, host: str, port: int, token) -> int:
    import asyncio
    import signal

    from livetop.engine import Engine
    from livetop.engine.watch import ConfigWatcher
    from livetop.serve.server import Collector, log

    from livetop.alerts.running import AlertService
    from livetop.history.running import open_recording
    from livetop.serve.alerts import AlertsCollector

    engine = Engine(config)
    collector = Collector(config, engine, host, port, token)
    # The same [[alerts]] rules as the TUI, on /metrics as livetop_alerts (ALERTS-style), transitions logged.
    alerts = AlertService(config, engine)
    alerts.listeners.append(
        lambda events: [log(f"alert {e.state}: {e.alert.rule.name} {e.alert.key}: {e.alert.text}") for e in events]
    )
    collector.registry.register(AlertsCollector(alerts))
    collector.attach_alerts(alerts)  # viewers (`livetop --remote`) show the collector's alerts, not their own
    recording = open_recording(config, engine)  # before the engine starts: windows come from disk
    if recording is not None:
        for notice in recording.history.notices:
            log(notice)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(sig, stop.set)
    watcher = None
    if config.path is not None:
        watcher = ConfigWatcher(
            engine,
            config.path,
            on_applied=lambda c: (log("config reloaded"), alerts.apply_config(c)),
            on_error=lambda m: log(m),
        )
    try:
        await collector.start()
        domains = sum(len(a.domains) for a in config.accounts)
        guard = "bearer token required" if token else "no token: loopback only"
        if token and config.serve.metrics_public:
            guard += " (except /metrics)"
        log(f"{domains} domains in {len(config.accounts)} accounts, refresh {config.refresh_seconds:g}s; {guard}")
        print(f"listening on {collector.url}", flush=True)
        alerts.start()
        if watcher is not None:
            watcher.start()
        await stop.wait()
    finally:
        if watcher is not None:
            await watcher.stop()
        await alerts.stop()
        await collector.stop()
        if recording is not None:
            await recording.stop()
    return EXIT_OK
