"""Headless renderings of a store snapshot: table, JSON (documented schema), CSV. Pure: snapshot in, text out."""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import datetime

from livetop.engine.store import DomainSnapshot, StoreSnapshot, TotalSnapshot
from livetop.model import format_bps, format_bytes, format_window, iso_utc
from livetop.vendors.registry import vendor_mark

SCHEMA_VERSION = 1

CSV_COLUMNS = [
    "account", "vendor", "domain", "label", "status", "bandwidth_now_bps", "peak_bps", "peak_at", "p95_bps",
    "mean_bps", "traffic_bytes", "last_bucket", "error_code", "error_title", "error_action",
]


def _iso(dt: datetime | None) -> str | None:
    return None if dt is None else iso_utc(dt)


def _num(value: float | None) -> float | None:
    """A figure for JSON/CSV: a sum that overflowed to inf (or a NaN) is no figure at all, and `Infinity` is
    not JSON a reader like jq accepts."""
    return value if value is not None and math.isfinite(value) else None


def _int(value: float | None) -> int | None:
    value = _num(value)
    return None if value is None else int(round(value))


def domain_record(d: DomainSnapshot) -> dict[str, object]:
    return {
        "account": d.account,
        "vendor": d.vendor,
        "domain": d.domain,
        "label": d.label,
        "status": d.status,
        "bandwidth_now_bps": _num(d.bandwidth_now),
        # The newest bucket is still being filled by the vendor: bandwidth_now_bps may change.
        "provisional": d.now_provisional,
        "peak_bps": _num(d.peak_bps),
        "peak_at": _iso(d.peak_at),
        "p95_bps": _num(d.p95_bps),
        "mean_bps": _num(d.mean_bps),
        "traffic_bytes": _int(d.traffic_bytes),
        "provisional_traffic_bytes": _int(d.provisional_traffic_bytes),
        # When the traffic was last asked: the schedule asks it when a bucket settles, bandwidth more often,
        # so provisional_traffic_bytes may be older than updated_at.
        "traffic_as_of": _iso(d.traffic_as_of),
        "last_bucket": _iso(d.last_bucket),
        "newest_settled_bucket": _iso(d.newest_settled),
        "newest_settled_bps": _num(d.newest_settled_bps),
        "settle_delay_seconds": d.settle_seconds,
        "window_complete": d.window_complete,
        "error": None if d.error is None else d.error.as_dict(),
        "notices": list(d.notices),
    }


def total_record(t: TotalSnapshot) -> dict[str, object]:
    return {
        "account": t.account,
        "label": t.label,
        "watched_domains": t.domains,
        "failed_domains": t.errors,
        "bandwidth_now_bps": _num(t.bandwidth_now),
        "provisional": t.now_provisional,
        "peak_bps": _num(t.peak_bps),
        "peak_at": _iso(t.peak_at),
        "traffic_bytes": _int(t.traffic_bytes),
        "provisional_traffic_bytes": _int(t.provisional_traffic_bytes),
        "window_complete": t.complete,
        # Whether the account's rate limit serves its domains at the refresh (null for the grand total).
        "capacity": None if t.capacity is None else t.capacity.as_dict(),
    }


def to_json(snap: StoreSnapshot) -> str:
    document = {
        "schema": SCHEMA_VERSION,
        "taken_at": _iso(snap.taken_at),
        "window_seconds": snap.window_seconds,
        "domains": [domain_record(d) for d in snap.domains],
        "accounts": [total_record(t) for t in snap.accounts],
        "total": total_record(snap.grand),
    }
    return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def to_csv(snap: StoreSnapshot) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for d in snap.domains:
        rec = domain_record(d)
        err = d.error
        writer.writerow(
            [
                "" if rec[c] is None else rec[c]
                for c in CSV_COLUMNS[:12]
            ]
            + [err.code if err else "", err.title if err else "", err.action if err else ""]
        )
    return out.getvalue()


def to_table(snap: StoreSnapshot) -> str:
    """A plain fixed-width table for terminals and logs."""
    headers = ["ACCOUNT", "V", "DOMAIN", "STATUS", "NOW", "PEAK", "P95", "TRAFFIC", "ERROR"]
    rows: list[list[str]] = []
    for d in snap.domains:
        error = ""
        if d.error is not None:
            error = d.error.short()
            if d.error.raw_message and d.error.kind in ("unknown", "transport"):
                error += f" ({d.error.raw_message[:60]})"
        rows.append(
            [
                d.account, vendor_mark(d.vendor), d.display, d.status,
                format_bps(d.bandwidth_now), format_bps(d.peak_bps), format_bps(d.p95_bps),
                format_bytes(d.traffic_bytes), error,
            ]
        )
    for t in (*snap.accounts, snap.grand):
        rows.append(
            ["", "", "Σ " + t.label, f"{t.errors} failed" if t.errors else "", format_bps(t.bandwidth_now),
             format_bps(t.peak_bps), "", format_bytes(t.traffic_bytes), ""]
        )
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    right = {4, 5, 6, 7}

    def fmt(row: list[str]) -> str:
        cells = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))]
        return "  ".join(cells).rstrip()

    filling = sum(d.filling for d in snap.domains)
    head = f"window {format_window(snap.window_seconds)}, taken {_iso(snap.taken_at)}"
    head += "; PEAK, P95 and TRAFFIC count settled buckets only (NOW: the newest bucket, may still change)"
    if filling:
        head += f"; {filling} domain{'s' if filling != 1 else ''} hold only part of the window"
    lines = [head, fmt(headers)]
    lines += [fmt(r) for r in rows]
    return "\n".join(lines) + "\n"
