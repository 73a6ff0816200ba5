"""The collector's change feed on the wire: one domain's state as JSON, whole or as a change against the last.

The collector encodes each change once and sends the same bytes to every viewer; a viewer applies it to its
mirror of the store (livetop.remote.mirror). A domain record carries everything the screens read: the series,
status inputs (paused, error, halted, last success), and the newest error and request history. A change
record sends a series only from the first bucket that differs (the newest one or two, on a steady poll) and
only the history entries that are new, so a steady feed costs bytes per changed bucket, not per window.

Times are epoch seconds (floats), series are parallel lists of bucket starts and values.
"""

from __future__ import annotations

from bisect import bisect_left
from datetime import UTC, datetime
from typing import Any

from livetop.engine.series import SeriesView
from livetop.engine.store import STATUS_PAUSED, DomainSnapshot, ErrorEvent, RequestRecord
from livetop.model import DecodedError

WIRE_VERSION = 1


def epoch(dt: datetime | None) -> float | None:
    return None if dt is None else dt.timestamp()


def from_epoch(value: Any) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(float(value), tz=UTC)


def error_to_wire(e: DecodedError | None) -> dict | None:
    if e is None:
        return None
    out = e.as_dict()
    out["retry_after"] = e.retry_after
    out["token_expired"] = e.token_expired
    return out


def error_from_wire(d: dict | None) -> DecodedError | None:
    if d is None:
        return None
    return DecodedError(
        vendor=str(d["vendor"]),
        code=str(d["code"]),
        http_status=d.get("http_status"),
        title=str(d.get("title", "")),
        meaning=str(d.get("meaning", "")),
        action=str(d.get("action", "")),
        retryable=bool(d.get("retryable", False)),
        raw_message=str(d.get("raw_message", "")),
        kind=str(d.get("kind", "vendor")),
        throttled=bool(d.get("throttled", False)),
        retry_after=d.get("retry_after"),
        token_expired=bool(d.get("token_expired", False)),
        raw_source="livetop" if d.get("raw_source") == "livetop" else "vendor",
    )


def request_to_wire(r: RequestRecord) -> list:
    return [
        r.at.timestamp(), r.ok, r.http_status, r.code, r.latency_ms, r.requests,
        r.range_start.timestamp(), r.range_end.timestamp(),
    ]


def request_from_wire(w: list) -> RequestRecord:
    at, ok, status, code, latency, requests, start, end = w
    return RequestRecord(
        at=from_epoch(at), ok=bool(ok), http_status=status, code=str(code), latency_ms=float(latency),
        requests=int(requests), range_start=from_epoch(start), range_end=from_epoch(end),
    )  # fmt: skip


def error_event_to_wire(e: ErrorEvent) -> list:
    return [e.at.timestamp(), error_to_wire(e.error)]


def error_event_from_wire(w: list) -> ErrorEvent:
    return ErrorEvent(from_epoch(w[0]), error_from_wire(w[1]))


def _series_from(view: SeriesView, first: int | None) -> dict:
    """Points of `view` from bucket `first` on (all when first is None), and where the window starts."""
    times = view.times
    i = 0 if first is None else bisect_left(times, first)
    return {
        "oldest": times[0] if len(times) else None,
        "from": first,
        "t": times[i:].tolist(),
        "v": view.values[i:].tolist(),
    }


def _first_difference(old: SeriesView | None, new: SeriesView) -> int | None:
    """The first bucket start from which `new` differs from `old` once both start where `new` starts: the
    viewer drops its points from there on and appends ours. None: send it whole; -1: nothing changed."""
    if old is None:
        return None
    if old is new:
        return -1
    nt, nv = new.times, new.values
    ot, ov = old.times, old.values
    skip = bisect_left(ot, nt[0]) if len(nt) else len(ot)  # trimmed at the old end: not a difference
    n, m = len(nt), len(ot) - skip
    # A steady poll changes the newest buckets: check the older part in one C-level comparison first.
    p = max(0, min(n, m) - 4)
    if p and not (nt[:p] == ot[skip : skip + p] and nv[:p] == ov[skip : skip + p]):
        p = 0
    while p < n and p < m and nt[p] == ot[skip + p] and nv[p] == ov[skip + p]:
        p += 1
    if p == n and p == m:
        return -1 if (n or not len(ot)) else 0
    if p < n:
        return nt[p]
    return ot[skip + p]  # the new series ends earlier: drop the old points from there


def _new_entries(old: tuple, new: tuple) -> tuple[list, bool]:
    """The entries of `new` after the last entry of `old` (histories only append); (entries, whole)."""
    if not old:
        return list(new), bool(new)
    last = old[-1]
    for i in range(len(new) - 1, -1, -1):
        if new[i] is last:
            return list(new[i + 1 :]), False
    return list(new), True


def domain_to_wire(
    d: DomainSnapshot, before: DomainSnapshot | None = None, timing: tuple[int, int] | None = None
) -> dict:
    """The domain's record: whole (before=None), or what changed since `before` was sent. `timing`: the
    domain's (bucket seconds, settle delay), so the viewer settles the same buckets."""
    bucket_seconds, settle_seconds = timing or (300, d.settle_seconds)
    record: dict[str, Any] = {
        "account": d.account,
        "domain": d.domain,
        "vendor": d.vendor,
        "label": d.label,
        "paused": d.status == STATUS_PAUSED,
        "halted": d.halted,
        "updated_at": epoch(d.updated_at),  # set by a success only: also says the domain has data
        "error": error_to_wire(d.error),
        "error_since": epoch(d.error_since),
        "notices": list(d.notices),
        "bucket_seconds": bucket_seconds,
        "settle_seconds": settle_seconds,
        "covered_from": epoch(d.covered_from),
        "traffic_as_of": epoch(d.traffic_as_of),  # traffic is asked less often than bandwidth
    }
    for name, view, old in (
        ("bandwidth", d.bandwidth, None if before is None else before.bandwidth),
        ("traffic", d.traffic, None if before is None else before.traffic),
    ):
        first = _first_difference(old, view)
        if first != -1:
            record[name] = _series_from(view, first)
    errors, whole = _new_entries(() if before is None else before.errors, d.errors)
    if errors or whole or before is None:
        record["errors"] = {"whole": whole or before is None, "add": [error_event_to_wire(e) for e in errors]}
    requests, whole = _new_entries(() if before is None else before.requests, d.requests)
    if requests or whole or before is None:
        record["requests"] = {"whole": whole or before is None, "add": [request_to_wire(r) for r in requests]}
    return record
