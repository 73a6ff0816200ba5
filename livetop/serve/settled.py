"""Which of a domain's buckets the vendor has stopped changing: the one decision the exporter's figures rest on.

A vendor keeps filling its newest buckets for a while (its settle delay, the account's `data_lag`). A figure
exported before that would be revised later, and a TSDB keeps the revision nowhere: so /metrics carries the
newest *settled* bucket only, and says so in its HELP text.

A bucket is settled when it ended at least the settle delay before the last successful fetch of the domain:
the figure we hold was then fetched after the vendor stopped changing it (the engine re-fetches everything
younger than the delay on every poll, so an older bucket was last fetched settled, too).
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import datetime
from typing import NamedTuple

from livetop.engine.store import DomainSnapshot


class SettledBucket(NamedTuple):
    start: int  # epoch seconds
    bandwidth_bps: float | None
    traffic_bytes: float | None


def settled_bucket(
    d: DomainSnapshot, bucket_seconds: int, settle_seconds: int, now: datetime
) -> SettledBucket | None:
    """The newest settled bucket of `d` with a figure in it, or None (nothing settled yet)."""
    if d.updated_at is None:
        return None
    fetched = min(now, d.updated_at).timestamp()
    newest_start = fetched - settle_seconds - bucket_seconds  # a bucket starting later is still filling
    best: int | None = None
    for view in (d.bandwidth, d.traffic):
        i = bisect_right(view.times, newest_start)
        if i:
            t = view.times[i - 1]
            best = t if best is None else max(best, t)
    if best is None:
        return None
    return SettledBucket(best, _at(d.bandwidth, best), _at(d.traffic, best))


def _at(view, t: int) -> float | None:
    i = bisect_right(view.times, t)
    if i and view.times[i - 1] == t:
        return view.values[i - 1]
    return None
