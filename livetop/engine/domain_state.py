"""A watched domain's mutable state inside the store, and the immutable snapshot made from it.

Only livetop.engine.store (and its subclass, the remote viewer's mirror) writes these; readers get the
DomainSnapshot `build_domain_snapshot` makes (the rules are in livetop.engine.store's docstring).
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timezone

from livetop.engine.series import EMPTY_VIEW, MutableSeries, peak, percentile_95
from livetop.engine.snapshots import DomainKey, DomainSnapshot, ErrorEvent, RequestRecord
from livetop.model import DecodedError

HISTORY = 50  # errors and requests kept per domain


class _DomainState:
    __slots__ = (
        "key", "vendor", "label", "bandwidth", "traffic", "updated_at", "error", "error_since", "halted",
        "paused", "errors", "requests", "notices", "version", "cached", "ever_fetched", "bucket_seconds",
        "settle_seconds", "covered_from", "traffic_as_of", "valid_from", "valid_until", "valid_regime",
    )

    def __init__(self, key: DomainKey, vendor: str, label: str | None) -> None:
        self.key = key
        self.vendor = vendor
        self.label = label
        self.bandwidth = MutableSeries()
        self.traffic = MutableSeries()
        self.updated_at: datetime | None = None
        self.error: DecodedError | None = None
        self.error_since: datetime | None = None
        self.halted = False
        self.paused = False
        self.errors: deque[ErrorEvent] = deque(maxlen=HISTORY)
        self.requests: deque[RequestRecord] = deque(maxlen=HISTORY)
        self.notices: tuple[str, ...] = ()
        self.version = 0
        self.cached: DomainSnapshot | None = None
        self.ever_fetched = False
        self.bucket_seconds = 300
        self.settle_seconds = 0
        self.covered_from: int | None = None  # data complete from here on (epoch seconds)
        self.traffic_as_of: datetime | None = None
        # `cached` stands, whatever the clock says, from valid_from until valid_until (epoch seconds) under the
        # store's regime number valid_regime (Store._regime_now): see Store._valid_until.
        self.valid_from = 0.0
        self.valid_until = 0.0
        self.valid_regime = -1

    def settle_edge(self, now_ts: int) -> int:
        """Buckets starting before this (epoch seconds) are settled: settled by now, and already when the last
        successful fetch answered (a bucket that settled after it holds a figure the vendor may since have
        changed: a failing domain's newest buckets stay provisional until a fetch lands)."""
        t = now_ts - self.settle_seconds
        if self.updated_at is not None:
            t = min(t, int(self.updated_at.timestamp()) - self.settle_seconds)
        return t - t % max(1, self.bucket_seconds)


def build_domain_snapshot(state: _DomainState, status: str, edge: int, complete: bool) -> DomainSnapshot:
    """The domain's snapshot now: its `status`, settle `edge` (epoch seconds) and whether its window is
    `complete`, as the store judged them; billing figures from the settled buckets only."""
    bw = state.bandwidth.view() if len(state.bandwidth) else EMPTY_VIEW
    tr = state.traffic.view() if len(state.traffic) else EMPTY_VIEW
    values = bw.values
    settled = bw.count_before(edge)
    settled_tr = tr.count_before(edge)
    settled_values = values[:settled]
    peak_bps, peak_at = peak(bw.head(settled))
    traffic_values = tr.values
    last = bw.last() or tr.last()
    snap = DomainSnapshot(
        key=state.key,
        vendor=state.vendor,
        label=state.label,
        status=status,
        bandwidth=bw,
        traffic=tr,
        bandwidth_now=values[-1] if len(values) else None,
        bandwidth_prev=values[-2] if len(values) > 1 else None,
        peak_bps=peak_bps,
        peak_at=peak_at,
        p95_bps=percentile_95(settled_values),
        mean_bps=(sum(settled_values) / settled) if settled else None,
        traffic_bytes=sum(traffic_values[:settled_tr]) if settled_tr else None,
        last_bucket=datetime.fromtimestamp(last[0], tz=timezone.utc) if last else None,
        updated_at=state.updated_at,
        error=state.error,
        error_since=state.error_since,
        halted=state.halted,
        errors=tuple(state.errors),
        requests=tuple(state.requests),
        notices=state.notices,
        version=state.version,
        settle_seconds=state.settle_seconds,
        bucket_seconds=state.bucket_seconds,
        settled_before=datetime.fromtimestamp(edge, tz=timezone.utc),
        settled_buckets=settled,
        settled_traffic_buckets=settled_tr,
        provisional_traffic_bytes=sum(traffic_values[settled_tr:]) if len(tr) > settled_tr else None,
        window_complete=complete,
        covered_from=None if state.covered_from is None else datetime.fromtimestamp(
            state.covered_from, tz=timezone.utc
        ),
        traffic_as_of=state.traffic_as_of,
    )
    return snap
