"""The bucket /metrics exports per domain: the newest one the vendor has stopped changing.

A vendor keeps filling its newest buckets for its settle delay; a figure exported before that would be revised
later, and a TSDB keeps no revision. The store decides what is settled (`DomainSnapshot.settled_before`: settled
by now and already at the last successful fetch, so a failing domain's held figures are not passed off as
final) - the same rule the screen, the alerts and the history use, so /metrics never says otherwise.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import NamedTuple

from livetop.engine.store import DomainSnapshot


class SettledBucket(NamedTuple):
    start: int  # epoch seconds
    bandwidth_bps: float | None
    traffic_bytes: float | None


def settled_bucket(d: DomainSnapshot) -> SettledBucket | None:
    """The newest settled bucket of `d` with a figure in it, or None (nothing settled yet)."""
    best: int | None = None
    for view, n in ((d.bandwidth, d.settled_buckets), (d.traffic, d.settled_traffic_buckets)):
        if n:
            t = view.times[n - 1]
            best = t if best is None else max(best, t)
    if best is None:
        return None
    return SettledBucket(best, _at(d.bandwidth, best), _at(d.traffic, best))


def _at(view, t: int) -> float | None:
    i = bisect_left(view.times, t)
    if i < len(view.times) and view.times[i] == t:
        return view.values[i]
    return None
