"""The bucket /metrics exports per domain: the newest one the vendor has stopped changing.

A vendor keeps filling its newest buckets for its settle delay; a figure exported before that would be revised
later, and a TSDB keeps no revision. The store decides what is settled (`DomainSnapshot.settled_before`, the
engine's settle API); on top of that the figure we hold must have been *fetched* after the bucket settled: a
domain whose fetches fail keeps the last value it got, and a bucket that settled since then still holds a
provisional figure. So the exported bucket is the newest one settled both now and at the last successful
fetch (the engine re-fetches every bucket younger than the settle delay on each poll, so an older one was last
fetched settled).
"""

from __future__ import annotations

from bisect import bisect_left
from typing import NamedTuple

from livetop.engine.store import DomainSnapshot


class SettledBucket(NamedTuple):
    start: int  # epoch seconds
    bandwidth_bps: float | None
    traffic_bytes: float | None


def settled_limit(d: DomainSnapshot, bucket_seconds: int) -> int | None:
    """Buckets starting before this (epoch seconds) are exported; None: nothing is."""
    if d.updated_at is None or d.settled_before is None:
        return None
    fetched = int(d.updated_at.timestamp()) - d.settle_seconds
    fetched -= fetched % max(1, bucket_seconds)
    return min(int(d.settled_before.timestamp()), fetched)


def settled_bucket(d: DomainSnapshot, bucket_seconds: int) -> SettledBucket | None:
    """The newest exported bucket of `d` with a figure in it, or None (nothing settled yet)."""
    limit = settled_limit(d, bucket_seconds)
    if limit is None:
        return None
    best: int | None = None
    for view in (d.bandwidth, d.traffic):
        i = bisect_left(view.times, limit)
        if i:
            t = view.times[i - 1]
            best = t if best is None else max(best, t)
    if best is None:
        return None
    return SettledBucket(best, _at(d.bandwidth, best), _at(d.traffic, best))


def _at(view, t: int) -> float | None:
    i = bisect_left(view.times, t)
    if i < len(view.times) and view.times[i] == t:
        return view.values[i]
    return None
