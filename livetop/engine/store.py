"""The store: per (account, domain) bounded series, status, decoded errors and request history.

Writers (the engine's loops, all on one event loop) mutate private state; readers get immutable snapshots.
A domain's snapshot is rebuilt only when that domain changed, so a reader polling at 1 Hz costs little.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from types import MappingProxyType
from typing import NamedTuple

from livetop.clock import Clock
from livetop.engine.series import EMPTY_VIEW, MutableSeries, SeriesView, percentile_95
from livetop.model import DecodedError, FetchResult

STATUS_LOADING = "loading"  # no answer yet
STATUS_OK = "ok"
STATUS_STALE = "stale"  # last good data older than two refresh intervals
STATUS_ERROR = "error"  # the last fetch failed
STATUS_PAUSED = "paused"

HISTORY = 50  # errors and requests kept per domain


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
    bandwidth_now: float | None
    bandwidth_prev: float | None
    peak_bps: float | None
    peak_at: datetime | None
    p95_bps: float | None
    mean_bps: float | None
    traffic_bytes: float | None  # total over the window
    last_bucket: datetime | None
    updated_at: datetime | None  # last successful fetch
    error: DecodedError | None
    error_since: datetime | None
    halted: bool  # non-retryable error: not retried until a refresh or a config change
    errors: tuple[ErrorEvent, ...]
    requests: tuple[RequestRecord, ...]
    notices: tuple[str, ...]
    version: int

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
    def change_ratio(self) -> float | None:
        """Newest bucket against the one before: -0.9 means bandwidth fell by 90 %."""
        if self.bandwidth_now is None or not self.bandwidth_prev:
            return None
        return (self.bandwidth_now - self.bandwidth_prev) / self.bandwidth_prev


@dataclass(frozen=True, slots=True)
class TotalSnapshot:
    """Sums over the watched domains of one account (or of everything): not the vendor's account total."""

    label: str
    account: str | None
    vendor: str | None
    domains: int
    errors: int
    bandwidth: SeriesView
    bandwidth_now: float | None
    peak_bps: float | None
    peak_at: datetime | None
    traffic_bytes: float | None


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


class _DomainState:
    __slots__ = (
        "key", "vendor", "label", "bandwidth", "traffic", "updated_at", "error", "error_since", "halted",
        "paused", "errors", "requests", "notices", "version", "cached", "ever_fetched",
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


Listener = Callable[[frozenset[DomainKey]], None]


class Store:
    def __init__(self, clock: Clock, window_seconds: int, stale_after_seconds: float) -> None:
        self.clock = clock
        self.window_seconds = window_seconds
        self.stale_after_seconds = stale_after_seconds
        self._states: dict[DomainKey, _DomainState] = {}
        self._version = 0
        self._listeners: list[Listener] = []
        self._totals_cache: tuple[int, tuple[TotalSnapshot, ...], TotalSnapshot] | None = None

    # --- writers (the engine) -------------------------------------------------------------------------------

    def ensure(self, key: DomainKey, vendor: str, label: str | None) -> None:
        state = self._states.get(key)
        if state is None:
            self._states[key] = _DomainState(key, vendor, label)
            self._changed(key)
        elif state.label != label or state.vendor != vendor:
            state.label, state.vendor = label, vendor
            self._changed(key)

    def remove(self, key: DomainKey) -> None:
        if self._states.pop(key, None) is not None:
            self._changed(key, bump=False)

    def keys(self) -> list[DomainKey]:
        return list(self._states)

    def has_data(self, key: DomainKey) -> bool:
        state = self._states.get(key)
        return bool(state and state.ever_fetched)

    def newest_bucket(self, key: DomainKey) -> int | None:
        state = self._states.get(key)
        if state is None or not state.bandwidth.times and not state.traffic.times:
            return None
        ends = [s.times[-1] for s in (state.bandwidth, state.traffic) if len(s.times)]
        return min(ends)

    def record_success(self, key: DomainKey, result: FetchResult, record: RequestRecord) -> None:
        state = self._states.get(key)
        if state is None:
            return
        state.bandwidth.merge(result.bandwidth)
        state.traffic.merge(result.traffic)
        self._trim(state)
        state.updated_at = record.at
        state.ever_fetched = True
        state.error = None
        state.error_since = None
        state.halted = False
        if result.notices:
            state.notices = tuple(result.notices)
        state.requests.append(record)
        self._changed(key)

    def record_failure(self, key: DomainKey, error: DecodedError, record: RequestRecord, halted: bool) -> None:
        state = self._states.get(key)
        if state is None:
            return
        if state.error is None or state.error.code != error.code:
            state.error_since = record.at
        state.error = error
        state.halted = halted
        state.errors.append(ErrorEvent(record.at, error))
        state.requests.append(record)
        self._changed(key)

    def set_paused(self, key: DomainKey, paused: bool) -> None:
        state = self._states.get(key)
        if state is not None and state.paused != paused:
            state.paused = paused
            self._changed(key)

    def clear_halt(self, key: DomainKey) -> None:
        state = self._states.get(key)
        if state is not None and state.halted:
            state.halted = False
            self._changed(key)

    def set_window(self, seconds: int) -> None:
        self.window_seconds = seconds
        for key, state in self._states.items():
            self._trim(state)
            self._changed(key)

    def _trim(self, state: _DomainState) -> None:
        oldest = int(self.clock.now().timestamp()) - self.window_seconds
        state.bandwidth.trim_before(oldest)
        state.traffic.trim_before(oldest)

    def _changed(self, key: DomainKey, bump: bool = True) -> None:
        self._version += 1
        state = self._states.get(key)
        if state is not None and bump:
            state.version += 1
            state.cached = None
        self._totals_cache = None
        for listener in list(self._listeners):
            listener(frozenset((key,)))

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    # --- readers -------------------------------------------------------------------------------------------

    @property
    def version(self) -> int:
        return self._version

    def domain(self, key: DomainKey) -> DomainSnapshot | None:
        state = self._states.get(key)
        return None if state is None else self._domain_snapshot(state, self.clock.now())

    def snapshot(self) -> StoreSnapshot:
        now = self.clock.now()
        domains = tuple(self._domain_snapshot(s, now) for s in self._states.values())
        if self._totals_cache is not None and self._totals_cache[0] == self._version:
            accounts, grand = self._totals_cache[1], self._totals_cache[2]
        else:
            accounts, grand = _totals(domains)
            self._totals_cache = (self._version, accounts, grand)
        return StoreSnapshot(
            version=self._version,
            taken_at=now,
            window_seconds=self.window_seconds,
            domains=domains,
            accounts=accounts,
            grand=grand,
            by_key=MappingProxyType({d.key: d for d in domains}),
        )

    def _status(self, state: _DomainState, now: datetime) -> str:
        if state.paused:
            return STATUS_PAUSED
        if state.error is not None:
            return STATUS_ERROR
        if state.updated_at is None:
            return STATUS_LOADING
        if (now - state.updated_at).total_seconds() > self.stale_after_seconds:
            return STATUS_STALE
        return STATUS_OK

    def _domain_snapshot(self, state: _DomainState, now: datetime) -> DomainSnapshot:
        status = self._status(state, now)
        cached = state.cached
        if cached is not None:
            # Staleness depends on time alone: swap the status without recomputing anything else.
            return cached if cached.status == status else replace(cached, status=status)
        bw = state.bandwidth.view() if len(state.bandwidth) else EMPTY_VIEW
        tr = state.traffic.view() if len(state.traffic) else EMPTY_VIEW
        values = bw.values
        peak = peak_at = None
        if len(values):
            idx = max(range(len(values)), key=values.__getitem__)
            peak = values[idx]
            peak_at = datetime.fromtimestamp(bw.times[idx], tz=timezone.utc)
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
            peak_bps=peak,
            peak_at=peak_at,
            p95_bps=percentile_95(values),
            mean_bps=(sum(values) / len(values)) if len(values) else None,
            traffic_bytes=sum(tr.values) if len(tr) else None,
            last_bucket=datetime.fromtimestamp(last[0], tz=timezone.utc) if last else None,
            updated_at=state.updated_at,
            error=state.error,
            error_since=state.error_since,
            halted=state.halted,
            errors=tuple(state.errors),
            requests=tuple(state.requests),
            notices=state.notices,
            version=state.version,
        )
        state.cached = snap
        return snap


def _sum_series(domains: Iterable[DomainSnapshot]) -> SeriesView:
    from array import array

    sums: dict[int, float] = {}
    for d in domains:
        for ts, value in d.bandwidth:
            sums[ts] = sums.get(ts, 0.0) + value
    ordered = sorted(sums)
    return SeriesView(array("q", ordered), array("d", (sums[t] for t in ordered)))


def _total(label: str, account: str | None, group: list[DomainSnapshot]) -> TotalSnapshot:
    series = _sum_series(group)
    values = series.values
    peak = peak_at = None
    if len(values):
        idx = max(range(len(values)), key=values.__getitem__)
        peak, peak_at = values[idx], datetime.fromtimestamp(series.times[idx], tz=timezone.utc)
    nows = [d.bandwidth_now for d in group if d.bandwidth_now is not None]
    traffic = [d.traffic_bytes for d in group if d.traffic_bytes is not None]
    vendors = {d.vendor for d in group}
    return TotalSnapshot(
        label=label,
        account=account,
        vendor=vendors.pop() if len(vendors) == 1 else None,
        domains=len(group),
        errors=sum(1 for d in group if d.status == STATUS_ERROR),
        bandwidth=series,
        bandwidth_now=sum(nows) if nows else None,
        peak_bps=peak,
        peak_at=peak_at,
        traffic_bytes=sum(traffic) if traffic else None,
    )


def _totals(domains: tuple[DomainSnapshot, ...]) -> tuple[tuple[TotalSnapshot, ...], TotalSnapshot]:
    groups: dict[str, list[DomainSnapshot]] = {}
    for d in domains:
        groups.setdefault(d.account, []).append(d)
    accounts = tuple(
        _total(f"{name} total ({len(g)} watched domain{'s' if len(g) != 1 else ''})", name, g)
        for name, g in groups.items()
    )
    grand = _total(f"all accounts total ({len(domains)} watched domains)", None, list(domains))
    return accounts, grand
