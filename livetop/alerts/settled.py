"""Which buckets are settled, for alerts, `check`, the history recorder and /metrics: the store's word and
nothing else (`DomainSnapshot.settled_before`, livetop.engine.store), so the screen, the alerts, the history,
its exports and the collector's metrics always agree on it.

A vendor keeps filling its newest buckets for a while (its settle delay); until then a bucket is provisional
and never judged or recorded: a half-filled bucket reads as a drop.
"""

from __future__ import annotations

from typing import NamedTuple


class Settled(NamedTuple):
    """The settled part of one domain's data, as the store decided it."""

    edge: int  # epoch seconds: buckets starting before this are settled
    bucket_seconds: int
    newest: int | None  # start of the newest settled bandwidth bucket (None: none)
    newest_bps: float | None

    def missing(self) -> bool:
        """No settled bucket, or the newest two are not there: "no data" is not a value."""
        return self.newest is None or self.newest <= self.edge - 3 * self.bucket_seconds


def settled(domain) -> Settled | None:
    """The store's settled edge of a DomainSnapshot and its newest settled bandwidth; None when the store has
    none (a domain never snapshotted with a settle rule)."""
    edge = domain.settled_before
    if edge is None:
        return None
    n = domain.settled_buckets
    newest = domain.bandwidth.times[n - 1] if n else None
    return Settled(int(edge.timestamp()), domain.bucket_seconds, newest, domain.bandwidth.values[n - 1] if n else None)
