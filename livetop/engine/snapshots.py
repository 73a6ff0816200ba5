"""What the store hands its readers: immutable snapshots of one domain and of all of them, and the records
they carry (errors, requests). The rules they follow (settled and provisional buckets, whole window or not)
are in livetop.engine.store's docstring; the store builds them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from types import MappingProxyType
from typing import NamedTuple

from livetop.engine.series import SeriesView
from livetop.engine.totals import TotalSnapshot
from livetop.model import DecodedError

# The change sort and the Δ column compare the newest settled bucket with the settled bucket this many before
# it (15 minutes at 5-minute buckets): long enough that one noisy bucket does not rank a domain, short enough
# that an audience falling off a cliff shows within one settle delay.
CHANGE_BUCKETS = 3

STATUS_LOADING = "loading"  # no answer yet
STATUS_OK = "ok"
STATUS_STALE = "stale"  # last good data older than two intervals (Store.stale_after_for)
STATUS_ERROR = "error"  # the last fetch failed
STATUS_PAUSED = "paused"



class DomainKey(NamedTuple):
    account: str
    domain: str

    def __str__(self) -> str:
        return f"{self.account}/{self.domain}"


@dataclass(frozen=True, slots=True)
class ErrorEvent:
    at: datetime
    error: DecodedError


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One fetch of one domain (which may be several HTTP requests, e.g. bandwidth + traffic)."""

    at: datetime
    ok: bool
    http_status: int | None
    code: str  # "" when ok, else the decoded error code
    latency_ms: float
    requests: int
    range_start: datetime
    range_end: datetime


@dataclass(frozen=True, slots=True)
class DomainSnapshot:
    key: DomainKey
    vendor: str
    label: str | None
    status: str
    bandwidth: SeriesView
    traffic: SeriesView
    bandwidth_now: float | None  # the newest bucket as it stands (see now_provisional)
    bandwidth_prev: float | None  # the bucket before it
    peak_bps: float | None  # settled buckets only, as every billing figure
    peak_at: datetime | None
    p95_bps: float | None
    mean_bps: float | None
    traffic_bytes: float | None  # settled traffic over the window
    last_bucket: datetime | None
    updated_at: datetime | None  # last successful fetch
    error: DecodedError | None
    error_since: datetime | None
    halted: bool  # non-retryable error: not retried until a refresh or a config change
    errors: tuple[ErrorEvent, ...]
    requests: tuple[RequestRecord, ...]
    notices: tuple[str, ...]
    version: int
    # Settling (see the module docstring).
    settle_seconds: int = 0
    bucket_seconds: int = 300
    settled_before: datetime | None = None  # buckets starting before this are settled
    settled_buckets: int = 0  # how many of `bandwidth`'s buckets (the oldest ones) are settled
    settled_traffic_buckets: int = 0  # the same for `traffic`
    provisional_traffic_bytes: float | None = None  # traffic in the provisional buckets (not yet final)
    # Whole window: the data is complete from `covered_from` on; False while a zoom's backfill is missing.
    window_complete: bool = False
    covered_from: datetime | None = None
    # When the traffic was last answered: the schedule asks traffic when a bucket settles (more often only
    # for a focused domain), so provisional traffic may be older than `updated_at` (engine/schedule.py).
    traffic_as_of: datetime | None = None

    @property
    def account(self) -> str:
        return self.key.account

    @property
    def domain(self) -> str:
        return self.key.domain

    @property
    def display(self) -> str:
        return self.label or self.key.domain

    @property
    def settled_bandwidth(self) -> SeriesView:
        return self.bandwidth.head(self.settled_buckets)

    @property
    def settled_traffic(self) -> SeriesView:
        return self.traffic.head(self.settled_traffic_buckets)

    @property
    def provisional_buckets(self) -> int:
        """Bandwidth buckets held that the vendor may still change (the newest ones)."""
        return len(self.bandwidth) - self.settled_buckets

    @property
    def newest_settled(self) -> datetime | None:
        """Start of the newest settled bandwidth bucket (None: none settled yet)."""
        if not self.settled_buckets:
            return None
        return datetime.fromtimestamp(self.bandwidth.times[self.settled_buckets - 1], tz=timezone.utc)

    @property
    def newest_settled_bps(self) -> float | None:
        return self.bandwidth.values[self.settled_buckets - 1] if self.settled_buckets else None

    @property
    def now_provisional(self) -> bool:
        """`bandwidth_now` comes from a bucket the vendor is still filling."""
        return self.provisional_buckets > 0

    def is_provisional(self, bucket_start: datetime | int) -> bool:
        ts = bucket_start if isinstance(bucket_start, int) else int(bucket_start.timestamp())
        return self.settled_before is not None and ts >= int(self.settled_before.timestamp())

    @property
    def filling(self) -> bool:
        """Holds data but not yet for the whole window: its figures cover part of it."""
        return not self.window_complete and bool(len(self.bandwidth) or len(self.traffic))

    def change_over(self, buckets: int = CHANGE_BUCKETS) -> float | None:
        """The newest settled bandwidth against the settled bucket `buckets` before it: -0.9 means it fell by
        90 %. None without enough settled buckets or from zero."""
        n = self.settled_buckets
        if n <= buckets:
            return None
        values = self.bandwidth.values
        before, after = values[n - 1 - buckets], values[n - 1]
        if not before:
            return None
        return (after - before) / before

    @property
    def change_ratio(self) -> float | None:
        """`change_over(CHANGE_BUCKETS)`: what the change sort and the Δ column show."""
        return self.change_over(CHANGE_BUCKETS)


@dataclass(frozen=True, slots=True)
class StoreSnapshot:
    version: int
    taken_at: datetime
    window_seconds: int
    domains: tuple[DomainSnapshot, ...]
    accounts: tuple[TotalSnapshot, ...]
    grand: TotalSnapshot
    by_key: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))

    def failed(self) -> list[DomainSnapshot]:
        return [d for d in self.domains if d.status == STATUS_ERROR]
