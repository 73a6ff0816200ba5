"""`livetop snapshot`: poll every configured domain once through the engine and print the result."""

from __future__ import annotations

import argparse
import sys

from livetop.cli.common import EXIT_CONFIG, EXIT_FAILED, EXIT_OK, add_config_argument, load_config_or_none

DEADLINE_CODE = "LIVETOP.DEADLINE"  # livetop.engine.runtime's, kept here so --help loads no engine

HELP = "poll every configured domain once and print a table, JSON or CSV (for scripts and cron)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_argument(parser)
    parser.add_argument(
        "--window", metavar="DURATION", help="history window, 1m to 90d, e.g. 15m, 1h, 24h (default: config)"
    )
    parser.add_argument("--format", choices=("table", "json", "csv"), default="table", help="output format")
    parser.add_argument(
        "--timeout",
        metavar="DURATION",
        default="30s",
        help="hard deadline for the whole run, e.g. 10s, 2m (default: 30s); domains not answered by then "
        "are reported as LIVETOP.DEADLINE and the exit status is 1",
    )
    parser.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        help="no progress lines on stderr (warnings still print: a config problem, an account whose rate "
        "limit cannot ask all its domains before the deadline, the deadline's summary)",
    )
    add_remote_arguments(parser)


TIMEOUT_FIX = 'give a duration such as "10s", "30s" or "2m" (at most 1h)'
MAX_TIMEOUT_SECONDS = 3600.0
PROGRESS_SECONDS = 3.0  # a progress line this often while domains are still awaited
PROGRESS_NAMES = 3  # ... naming at most this many of them


def timeout_seconds(text: str) -> float:
    """--timeout -> seconds. Raises DurationError."""
    from livetop.config.durations import DurationError, parse_seconds

    seconds = parse_seconds(text, fix=TIMEOUT_FIX)
    if seconds > MAX_TIMEOUT_SECONDS:
        raise DurationError(f'"{text}" is longer than an hour', TIMEOUT_FIX)
    return seconds


def add_remote_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--remote",
        metavar="URL",
        help="read a collector (livetop serve) instead of the vendors (default: remote in the config)",
    )
    parser.add_argument(
        "--token-env",
        metavar="NAME",
        help="environment variable holding the collector's token (default: remote_token_env in the config, "
        "else LIVETOP_TOKEN when set)",
    )


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
    try:
        timeout = timeout_seconds(args.timeout)
    except DurationError as exc:
        print(f"livetop: --timeout: {exc.problem}\n  fix: {exc.fix}", file=sys.stderr)
        return EXIT_CONFIG
    from livetop.cli.remote import remote_target

    target = remote_target(args)
    if target is None:
        return EXIT_CONFIG
    if target:
        return _render(args, asyncio.run(_remote(*target, window, timeout)))
    config = load_config_or_none(args)
    if config is None:
        return EXIT_CONFIG
    if window is not None:
        config = replace(config, window_seconds=window)
    if not any(a.domains for a in config.accounts):
        print(f"livetop: {config.path}: no domains configured under any account", file=sys.stderr)
        return EXIT_CONFIG
    from livetop.config.schema import empty_accounts

    for warning in empty_accounts(config):
        print(f"livetop: warning: {warning}", file=sys.stderr)
    for warning in capacity_warnings(config, timeout):
        print(f"livetop: warning: {warning}", file=sys.stderr)
    return _render(args, asyncio.run(_poll(config, timeout, progress=not args.quiet)))


def capacity_warnings(config, timeout: float) -> list[str]:
    """One line per account whose rate limit cannot ask all its domains within the run's deadline: said
    before polling, so a script's log explains the LIVETOP.DEADLINE rows (and the exit status 1) that follow."""
    from livetop.engine.capacity import one_poll_warning

    lines = []
    for account in config.accounts:
        try:
            line = one_poll_warning(account, timeout)
        except KeyError:  # an API livetop does not know: the config loader has said so already
            continue
        if line:
            lines.append(line)
    return lines


def _render(args: argparse.Namespace, snap) -> int:
    if snap is None:
        return EXIT_FAILED
    from livetop import report

    render = {"table": report.to_table, "json": report.to_json, "csv": report.to_csv}[args.format]
    sys.stdout.write(render(snap))
    sys.stdout.flush()
    failed = unanswered(snap)
    late = [d for d in failed if d.error is not None and d.error.code == DEADLINE_CODE]
    if late:
        shown = ", ".join(f"{d.domain} ({_why(d.error)})" for d in late[:PROGRESS_NAMES])
        more = f" and {len(late) - PROGRESS_NAMES} more" if len(late) > PROGRESS_NAMES else ""
        print(f"livetop: deadline of {args.timeout} reached: {len(late)} not answered: {shown}{more}",
              file=sys.stderr)  # fmt: skip
    if failed:
        silent = sum(1 for d in failed if d.error is None)
        note = f" ({silent} never answered)" if silent else ""
        print(f"livetop: {len(failed)} of {len(snap.domains)} domains failed{note}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _why(error) -> str:
    """The reason part of a LIVETOP.DEADLINE meaning ("throttled by the vendor until 14:23 UTC")."""
    return error.meaning.split(": ", 1)[-1].rstrip(".")


def _progress_line(engine, total: int) -> str:
    waiting = engine.pending_once()
    names = ", ".join(key.domain for key in waiting[:PROGRESS_NAMES])
    more = f" (+{len(waiting) - PROGRESS_NAMES} more)" if len(waiting) > PROGRESS_NAMES else ""
    line = f"livetop: {total - len(waiting)}/{total} domains done"
    return line + (f"; waiting on {names}{more}" if waiting else "")


async def _poll(config, timeout: float, progress: bool = True):
    """One poll through the engine, within `timeout` seconds. With `progress`, a line on stderr every few
    seconds while domains are awaited (on a terminal, one line rewritten in place)."""
    import asyncio

    from livetop.engine import Engine

    engine = Engine(config)
    total = sum(len(a.domains) for a in config.accounts)
    tty = sys.stderr.isatty()

    async def report() -> None:
        while True:
            await asyncio.sleep(1.0 if tty else PROGRESS_SECONDS)
            line = _progress_line(engine, total)
            sys.stderr.write(f"\r\033[K{line}" if tty else line + "\n")
            sys.stderr.flush()

    reporter = asyncio.create_task(report()) if progress else None
    try:
        return await engine.poll_all_once(timeout=timeout)
    finally:
        if reporter is not None:
            reporter.cancel()
            if tty:
                sys.stderr.write("\r\033[K")
        await engine.stop()


async def _remote(url: str, token, window: int | None, timeout: float):
    """The collector's current state, mirrored into a store: rendered by the same code as a local poll."""
    import asyncio
    import json

    from livetop.httpread import AnswerTooLarge, EncodingRefused, read_bounded
    from livetop.remote import sse
    from livetop.remote.source import RemoteSource, describe
    from livetop.vendors.body import oversized_detail

    async def state() -> tuple[int, bytes]:
        async with source.client().stream("GET", "/api/v1/state") as response:
            if response.status_code != 200:
                return response.status_code, b""
            return 200, await read_bounded(response, sse.MAX_SNAPSHOT_BYTES)

    source = RemoteSource(url, token)
    try:
        try:
            status, body = await asyncio.wait_for(state(), timeout)
        except TimeoutError:
            return _remote_failed(url, f"no answer within --timeout {timeout:g}s")
        except AnswerTooLarge as exc:
            detail = oversized_detail(exc.cap, read=exc.read, declared=exc.declared)
            return _remote_failed(url, f"the answer {detail}")
        except EncodingRefused as exc:
            return _remote_failed(url, str(exc))
        except Exception as exc:  # noqa: BLE001 - any transport failure is one line for the user
            return _remote_failed(url, describe(exc))
        if status == 401:
            return _remote_failed(url, "the collector wants a token (--token-env NAME, or remote_token_env)")
        if status != 200:
            return _remote_failed(url, f"the collector answered HTTP {status}")
        try:
            source.store.apply(json.loads(body), whole=True)
        except (ValueError, KeyError, TypeError, RecursionError):
            return _remote_failed(url, "the answer is not a livetop collector's state")
        store = source.store
        store.set_connected(True)
        if window is not None:
            if window > store.collector_window_seconds:
                from livetop.model import format_window

                kept = format_window(store.collector_window_seconds)
                return _remote_failed(url, f"--window: the collector keeps {kept} (its config's window)")
            store.set_window(window)
        return store.snapshot()
    finally:
        await source.stop()


def _remote_failed(url: str, why: str) -> None:
    print(f"livetop snapshot: {url}: {why}", file=sys.stderr)
    return None
