"""`livetop query`: one vendor call from the command line, to check an account or a domain by hand."""

from __future__ import annotations

import argparse
import sys

from livetop.cli.common import EXIT_CONFIG, EXIT_FAILED, EXIT_OK, add_config_argument, load_config_or_none

HELP = "fetch one domain's bandwidth/traffic from its vendor and print the normalised points"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_argument(parser)
    parser.add_argument("account", metavar="ACCOUNT", help="account name from the config")
    parser.add_argument("domain", metavar="DOMAIN", help="play domain (need not be in the config)")
    parser.add_argument("--metric", choices=("bandwidth", "traffic", "both"), default="both")
    parser.add_argument("--start", metavar="ISO", help="start, e.g. 2026-11-20T08:00:00Z (default: 1 hour "
                        "before the end; a time without an offset is UTC)")
    parser.add_argument("--end", metavar="ISO", help="end (default: now)")
    parser.add_argument("--step", metavar="MINUTES", type=int,
                        help="bucket size in minutes (default: the account's step_minutes; the steps each "
                        "API accepts are in `livetop init`'s comments; JD opencdn always answers 5-minute "
                        "points)")
    parser.add_argument("--json", action="store_true", help="print a JSON list of points instead of a table")


TIME_HINT = "use ISO 8601, e.g. 2026-11-20T08:00:00Z"


def parse_iso(text: str):
    """ISO 8601 → aware UTC datetime; a trailing Z and a missing offset both mean UTC.

    Raises ValueError (with a message for the user) for text that is not a time, or a time that has no UTC
    equivalent (0001-01-01T00:00:00+01:00 is in year 0 in UTC).
    """
    from datetime import datetime, timezone

    try:
        value = datetime.fromisoformat(text.strip().replace("z", "Z").replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a time ({exc})") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    try:
        return value.astimezone(timezone.utc)
    except OverflowError:
        raise ValueError(f"{text!r} is outside years 1-9999 once converted to UTC") from None


def time_range(start_text: str | None, end_text: str | None, now):
    """(start, end) from --start/--end: end defaults to now, start to one hour before end. Raises ValueError
    with a message naming the option for a bad time, a default that does not exist, or an empty range."""
    from datetime import timedelta

    from livetop.model import iso_utc

    try:
        end = parse_iso(end_text) if end_text else now
    except ValueError as exc:
        raise ValueError(f"--end: {exc}") from None
    if start_text:
        try:
            start = parse_iso(start_text)
        except ValueError as exc:
            raise ValueError(f"--start: {exc}") from None
    else:
        try:
            start = end - timedelta(hours=1)
        except OverflowError:
            raise ValueError(f"--end {end_text!r} leaves no room for the default --start an hour earlier; "
                             "give --start too") from None
    if start >= end:
        raise ValueError(f"the range {iso_utc(start)} .. {iso_utc(end)} is empty: --start must be before "
                         + ("--end" if end_text else "now (the default --end)"))
    return start, end


def run(args: argparse.Namespace) -> int:
    import asyncio
    from dataclasses import replace

    from livetop.clock import SYSTEM_CLOCK

    config = load_config_or_none(args)
    if config is None:
        return EXIT_CONFIG
    account = config.account(args.account)
    if account is None:
        names = ", ".join(a.name for a in config.accounts) or "none"
        print(f"livetop: no account {args.account!r} in {config.path} (accounts: {names})", file=sys.stderr)
        return EXIT_CONFIG
    if args.step is not None:
        problem = step_problem(account, args.step)
        if problem:
            print(f"livetop: {problem}", file=sys.stderr)
            return EXIT_CONFIG
        account = replace(account, step_minutes=args.step)
    try:
        start, end = time_range(args.start, args.end, SYSTEM_CLOCK.now())
    except ValueError as exc:
        print(f"livetop: bad time: {exc} ({TIME_HINT})", file=sys.stderr)
        return EXIT_CONFIG
    metrics = {"both": ("bandwidth", "traffic")}.get(args.metric, (args.metric,))
    return asyncio.run(_query(account, args.domain, start, end, metrics, args.json))


def step_problem(account, step: int) -> str | None:
    """Why --step cannot be sent to this account's API, or None. The config applies the same rule (the API's
    spec) to step_minutes."""
    from livetop.vendors.registry import account_api, vendor_display

    api = account_api(account)
    problem = api.step_problem(step)
    if problem is None:
        return None
    if step <= 0:
        return "--step must be a positive number of minutes"
    return f'--step {step}: {vendor_display(account.vendor)} (api "{api.name}") {problem}'


async def _query(account, domain, start, end, metrics, as_json: bool) -> int:
    import httpx

    from livetop.clock import SYSTEM_CLOCK
    from livetop.engine.engine import internal_error
    from livetop.model import VendorError
    from livetop.vendors.base import make_client
    from livetop.vendors.transport_errors import transport_error
    from livetop.vendors.registry import make_provider

    try:
        async with make_client(account) as client:
            provider = make_provider(account, client, SYSTEM_CLOCK)
            result = await provider.fetch(domain, start, end, frozenset(metrics))
    except VendorError as exc:
        print(format_error(exc.error), file=sys.stderr)
        return EXIT_FAILED
    except (httpx.HTTPError, OSError) as exc:
        print(format_error(transport_error(account.vendor, exc)), file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # a livetop bug: still a decoded error and exit 1, never a traceback
        print(format_error(internal_error(account.vendor, exc)), file=sys.stderr)
        return EXIT_FAILED
    for notice in result.notices:
        print(f"notice: {notice}", file=sys.stderr)
    rows = merge_points(result, metrics)
    sys.stdout.write(points_json(rows, metrics) if as_json else points_table(rows, metrics))
    return EXIT_OK


def format_error(error) -> str:
    status = f"HTTP {error.http_status}" if error.http_status else "no HTTP answer"
    lines = [f"error: {error.code} — {error.title} ({status}, {error.vendor})", f"  what it means: {error.meaning}",
             f"  what to do:    {error.action}"]
    if error.raw_message:
        said = "vendor said:  " if error.raw_source == "vendor" else "livetop says: "
        lines.append(f"  {said} {error.raw_message}")
    lines.append(f"  retrying can help: {'yes' if error.retryable else 'no'}")
    return "\n".join(lines)


def merge_points(result, metrics) -> list[dict]:
    rows: dict = {}
    for metric, key in (("bandwidth", "bandwidth_bps"), ("traffic", "traffic_bytes")):
        if metric not in metrics:
            continue
        for sample in getattr(result, metric):
            rows.setdefault(sample.bucket_start, {})[key] = sample.value
    return [{"time": t, **values} for t, values in sorted(rows.items())]


def points_json(rows: list[dict], metrics) -> str:
    import json

    from livetop.model import iso_utc

    out = []
    for row in rows:
        item: dict = {"time": iso_utc(row["time"])}
        if "bandwidth" in metrics:
            item["bandwidth_bps"] = row.get("bandwidth_bps")
        if "traffic" in metrics:
            traffic = row.get("traffic_bytes")
            item["traffic_bytes"] = None if traffic is None else int(round(traffic))
        out.append(item)
    return json.dumps(out, indent=2) + "\n"


def points_table(rows: list[dict], metrics) -> str:
    from livetop.model import format_bps, format_bytes

    header = ["TIME (UTC, bucket start)"]
    if "bandwidth" in metrics:
        header.append("BANDWIDTH")
    if "traffic" in metrics:
        header.append("TRAFFIC")
    lines = ["  ".join(h.rjust(12) if i else h.ljust(24) for i, h in enumerate(header))]
    for row in rows:
        cells = [row["time"].strftime("%Y-%m-%d %H:%M:%S").ljust(24)]
        if "bandwidth" in metrics:
            cells.append(format_bps(row.get("bandwidth_bps")).rjust(12))
        if "traffic" in metrics:
            cells.append(format_bytes(row.get("traffic_bytes")).rjust(12))
        lines.append("  ".join(cells))
    if not rows:
        lines.append("(no data in this range)")
    return "\n".join(lines) + "\n"
