"""`livetop export`: settled buckets from the history, as CSV or JSON, for billing reconciliation and incident
reports. Reads the history file only; never calls a vendor."""

from __future__ import annotations

import argparse
import sys

from livetop.cli.common import EXIT_CONFIG, EXIT_FAILED, EXIT_OK, add_config_argument, load_config_or_none

HELP = "print settled buckets from the history as CSV or JSON (default: the last 24 h)"
TIME_HELP = "ISO 8601 time (UTC unless it carries an offset), a date, 'now', or a duration ago such as 7d"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_argument(parser)
    parser.add_argument("--from", dest="start", metavar="T", default="24h", help=f"from (default 24h ago): {TIME_HELP}")
    parser.add_argument("--to", dest="end", metavar="T", default="now", help="up to, not including (default now)")
    parser.add_argument("--domain", action="append", metavar="GLOB", help="only domains matching (repeatable)")
    parser.add_argument("--account", action="append", metavar="GLOB", help="only accounts matching (repeatable)")
    parser.add_argument("--format", choices=("csv", "json"), default="csv", help="output format (default csv)")


def parse_time(text: str, now):
    """--from/--to -> aware UTC datetime. Raises ValueError with the accepted forms."""
    from datetime import datetime, timedelta, timezone

    from livetop.config.durations import DurationError, parse_seconds

    raw = text.strip()
    if raw.lower() == "now":
        return now
    if raw and raw[-1].lower() in "smhd" and raw[:-1].replace(".", "", 1).isdigit():
        try:
            return now - timedelta(seconds=parse_seconds(raw))
        except DurationError:
            pass
    try:
        when = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is not a time; use {TIME_HELP}") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc)


def run(args: argparse.Namespace) -> int:
    from livetop.clock import SYSTEM_CLOCK

    now = SYSTEM_CLOCK.now()
    try:
        start, end = parse_time(args.start, now), parse_time(args.end, now)
    except ValueError as exc:
        print(f"livetop export: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    if start >= end:
        print(f"livetop export: --from ({start:%Y-%m-%dT%H:%M:%SZ}) must be before --to ({end:%Y-%m-%dT%H:%M:%SZ})",
              file=sys.stderr)
        return EXIT_CONFIG
    config = load_config_or_none(args)
    if config is None:
        return EXIT_CONFIG
    from livetop.config.history import history_path

    path = history_path(config.history)
    if path is None:
        print(f"livetop export: history is off in {config.path} (history = false); nothing is recorded",
              file=sys.stderr)
        return EXIT_FAILED
    if not path.exists():
        print(f"livetop export: no history at {path} yet: run livetop (or livetop serve) to record one",
              file=sys.stderr)
        return EXIT_FAILED
    from livetop.history.store import History

    history = History(path, SYSTEM_CLOCK, config.history.retention_seconds)
    for notice in history.notices:
        print(f"livetop export: {notice}", file=sys.stderr)
    rows = history.rows(int(start.timestamp()), int(end.timestamp()), _keep(args.domain, args.account))
    write = _csv if args.format == "csv" else _json
    count = write(rows, start, end)
    history.close()
    print(f"livetop export: {count} buckets from {path}", file=sys.stderr)
    return EXIT_OK


def _keep(domains, accounts):
    from fnmatch import fnmatchcase

    def keep(account: str, domain: str) -> bool:
        if accounts and not any(fnmatchcase(account, g) for g in accounts):
            return False
        return not domains or any(fnmatchcase(domain.lower(), g.lower()) for g in domains)

    return keep


def _iso(ts: int) -> str:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _csv(rows, start, end) -> int:
    import csv

    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["bucket_start", "vendor", "account", "domain", "bandwidth_bps", "traffic_bytes"])
    count = 0
    for r in rows:
        out.writerow([_iso(r.bucket_start), r.vendor, r.account, r.domain,
                      "" if r.bandwidth_bps is None else r.bandwidth_bps,
                      "" if r.traffic_bytes is None else r.traffic_bytes])
        count += 1
    return count


def _json(rows, start, end) -> int:
    import json

    domains: list[dict] = []
    count = 0
    for r in rows:
        if not domains or (domains[-1]["account"], domains[-1]["domain"]) != (r.account, r.domain):
            domains.append({"vendor": r.vendor, "account": r.account, "domain": r.domain, "buckets": []})
        domains[-1]["buckets"].append(
            {"start": _iso(r.bucket_start), "bandwidth_bps": r.bandwidth_bps, "traffic_bytes": r.traffic_bytes}
        )
        count += 1
    doc = {
        "schema": 1,
        "from": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "to": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "domains": domains,
    }
    json.dump(doc, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return count
