"""`livetop demo [--domains N]`: the TUI against the built-in vendor simulator, no account needed.

The simulator runs as a child process (`livetop simulate`), so its CPU work never competes with the TUI for
the GIL. It dies with livetop: terminated on exit, on a crash, on SIGHUP, and (Linux) by a parent-death
signal even if livetop is killed outright.
"""

from __future__ import annotations

import argparse
import contextlib
import sys

from livetop.cli.common import EXIT_CONFIG, EXIT_FAILED

HELP = "try livetop against the built-in simulator of both vendors (no account needed)"

# Fast enough that something visibly changes within ten seconds of start (the demo's events move each bucket).
DEMO_REFRESH_SECONDS = 5.0
# Beyond this many domains a 5 s poll would mostly measure the HTTP client: poll like a real setup would.
BIG_DEMO_DOMAINS = 100
BIG_DEMO_REFRESH_SECONDS = 15.0
SIMULATOR_START_TIMEOUT = 20.0
SIMULATOR_STOP_TIMEOUT = 3.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--domains", type=int, metavar="N", help="scale the demo to N play domains (e.g. 1000)"
    )
    parser.add_argument(
        "--refresh", metavar="DURATION", help="poll interval (default: 5s, or 15s above 100 domains)"
    )
    parser.add_argument(
        "--history", metavar="FILE",
        help="record the demo's history into FILE (not your own history file): zoom out to 7d and 30d with -",
    )


def _die_with_parent() -> None:
    """In the child before exec: ask Linux to send SIGTERM when livetop dies, however it dies."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the normal shutdown path still stops the simulator


class Simulator:
    """`livetop simulate` as a child process writing a config that points at it."""

    def __init__(self, config_path: str, domains: int | None, log_path: str) -> None:
        self.config_path = config_path
        self.log_path = log_path
        self.command = [
            sys.executable,
            "-m",
            "livetop",
            "simulate",
            "--port",
            "0",
            "--write-config",
            config_path,
        ]
        if domains is not None:
            self.command += ["--domains", str(domains)]
        self.proc = None
        self.url: str | None = None

    def start(self) -> None:
        import subprocess

        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(  # our own interpreter and module, no shell
                self.command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=log,
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,  # noqa: PLW1509
            )

    def wait_listening(self, timeout: float = SIMULATOR_START_TIMEOUT) -> str:
        """Read the `listening on URL` line; raise RuntimeError with the simulator's own words if it failed."""
        import selectors
        import threading
        import time

        assert self.proc is not None and self.proc.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(self.proc.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        line = b""
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(left):
                raise RuntimeError(f"the simulator did not start within {timeout:g} s")
            chunk = self.proc.stdout.read1(4096)  # type: ignore[attr-defined]
            if not chunk:
                raise RuntimeError(self._failure())
            line += chunk
        selector.close()
        first = line.split(b"\n", 1)[0].decode("utf-8", "replace").strip()
        if not first.startswith("listening on "):
            raise RuntimeError(self._failure(first))
        self.url = first.removeprefix("listening on ").strip()
        # Keep reading whatever else it prints so it can never block on a full pipe.
        threading.Thread(target=self._drain, name="simulator stdout", daemon=True).start()
        return self.url

    def _drain(self) -> None:
        stream = self.proc.stdout if self.proc is not None else None
        if stream is None:
            return
        try:
            while stream.read1(65536):  # type: ignore[attr-defined]
                pass
        except (OSError, ValueError):
            pass

    def _failure(self, first_line: str = "") -> str:
        import subprocess

        if self.proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=2)  # let it finish writing its message
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as fh:
                said = fh.read().strip()
        except OSError:
            said = ""
        said = said or first_line or "no message"
        return f"the simulator failed to start: {said.splitlines()[-1] if said else said}"

    def kill(self) -> None:
        """Kill it now, without waiting (for the forced-exit backstop)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()

    def stop(self) -> None:
        import subprocess

        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=SIMULATOR_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def demo_refresh(domains: int, requested: str | None) -> float:
    from livetop.config.durations import refresh_seconds

    if requested:
        return refresh_seconds(requested)  # the config's bounds: 1 s to 24 h
    return DEMO_REFRESH_SECONDS if domains <= BIG_DEMO_DOMAINS else BIG_DEMO_REFRESH_SECONDS


def run(args: argparse.Namespace) -> int:
    import os
    import shutil
    import tempfile

    from livetop.cli.tui import terminal_problem

    problem = terminal_problem()
    if problem:
        print(f"livetop demo: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    if args.domains is not None and args.domains < 1:
        print("livetop demo: --domains must be at least 1", file=sys.stderr)
        return EXIT_CONFIG
    if args.refresh:
        try:
            demo_refresh(0, args.refresh)
        except ValueError as exc:
            print(f"livetop demo: --refresh: {exc}", file=sys.stderr)
            return EXIT_CONFIG
    from livetop.ui.terminal import exit_on_stop_signals, on_forced_exit, stop_signals_ignored

    # From here on a hang-up or SIGTERM raises SystemExit, so the `finally` below runs whenever it comes
    # (until the TUI takes the signals over, and again after): the temp dir holds a config WITH credentials.
    with exit_on_stop_signals():
        workdir: str | None = None
        sim: Simulator | None = None
        forget = None
        try:
            workdir = tempfile.mkdtemp(prefix="livetop-demo-")
            sim = Simulator(
                os.path.join(workdir, "config.toml"), args.domains, os.path.join(workdir, "simulator.log")
            )
            # The backstop that ends a shutdown hung on a dead terminal skips `finally`: it runs this.
            forget = on_forced_exit(lambda: (sim.kill(), shutil.rmtree(workdir, ignore_errors=True)))
            return _run_demo(sim, args)
        finally:
            with stop_signals_ignored():
                if sim is not None:
                    sim.stop()
                if workdir is not None:
                    shutil.rmtree(workdir, ignore_errors=True)
                if forget is not None:
                    forget()


def _run_demo(sim: Simulator, args: argparse.Namespace) -> int:
    from dataclasses import replace

    from livetop.cli.tui import run_tui

    sim.start()
    import livetop.ui.app  # noqa: F401 - import Textual while the simulator boots in its own process

    try:
        sim.wait_listening()
    except RuntimeError as exc:
        print(f"livetop demo: {exc}", file=sys.stderr)
        return EXIT_FAILED
    from livetop.config import ConfigError, load_config

    try:
        config = load_config(sim.config_path)
    except ConfigError as exc:
        print(f"livetop demo: the simulator's config does not load: {exc.message()}", file=sys.stderr)
        return EXIT_FAILED
    total = sum(len(a.domains) for a in config.accounts)
    config = replace(config, refresh_seconds=demo_refresh(total, args.refresh))
    if args.history:
        from pathlib import Path

        from livetop.config.schema import HistoryConfig

        config = replace(config, history=HistoryConfig(path=Path(args.history).expanduser().resolve()))
    # The config file is a throw-away: a theme chosen with `t` lasts for this demo only.
    return run_tui(config, user_config=False, record=bool(args.history))
