"""The store: per (account, domain) bounded series, status, decoded errors and request history.

Writers (the engine's loops, all on one event loop) mutate private state; readers get immutable snapshots.
A domain's snapshot is rebuilt only when that domain changed or the window moved past its oldest bucket, and
an account's total only when one of its domains changed (livetop.engine.totals), so a reader polling a few
times a second costs little.

The window is kept by the store's clock, not only when data arrives: a domain failing for hours loses its
buckets as they fall out of the window, so nothing older than the window is shown, exported or summed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from types import MappingProxyType
from typing import NamedTuple

from livetop.clock import Clock
from livetop.engine.series import EMPTY_VIEW, MutableSeries, SeriesView, peak, percentile_95
from livetop.engine.totals import Member, TotalsCache, TotalSnapshot
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
        self._account_versions: dict[str, int] = {}  # store version at the account's last change
        self._totals = TotalsCache()

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

    def preload(self, key: DomainKey, result: FetchResult) -> None:
        """Buckets read back from the history: merged into the series like a fetch, but the domain's status,
        age and errors are left alone - data from disk is not an answer from the vendor."""
        state = self._states.get(key)
        if state is None:
            return
        changed = state.bandwidth.merge(result.bandwidth) | state.traffic.merge(result.traffic)
        self._trim(state)
        if changed:
            self._changed(key)

    def record_failure(self, key: DomainKey, error: DecodedError, record: RequestRecord, halted: bool) -> None:
        state = self._states.get(key)
        if state is None:
            return
        if state.error is None or state.error.code != error.code:
            state.error_since = record.at
        state.error = error
        state.halted = halted
        self._trim(state)
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

    def _window_start(self, now: datetime) -> int:
        """The oldest bucket start still in the window (epoch seconds)."""
        return int(now.timestamp()) - self.window_seconds

    def _trim(self, state: _DomainState, oldest: int | None = None) -> None:
        if oldest is None:
            oldest = self._window_start(self.clock.now())
        state.bandwidth.trim_before(oldest)
        state.traffic.trim_before(oldest)

    def _touch(self, state: _DomainState) -> None:
        """The domain's data changed: its snapshot and its account's total are out of date."""
        self._version += 1
        state.version += 1
        state.cached = None
        self._account_versions[state.key.account] = self._version

    def _changed(self, key: DomainKey, bump: bool = True) -> None:
        state = self._states.get(key)
        if state is not None and bump:
            self._touch(state)
        else:
            self._version += 1
            self._account_versions[key.account] = self._version
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
        oldest = self._window_start(now)
        domains: list[DomainSnapshot] = []
        groups: dict[str, list[DomainSnapshot]] = {}
        for state in self._states.values():
            snap = self._domain_snapshot(state, now, oldest)
            domains.append(snap)
            group = groups.get(state.key.account)
            if group is None:
                group = groups[state.key.account] = []
            group.append(snap)
        accounts = tuple(
            self._totals.account(name, self._account_versions[name], lambda g=group: [_member(d) for d in g])
            for name, group in groups.items()
        )
        self._totals.keep_only(groups.keys())
        grand = self._totals.grand(accounts)
        return StoreSnapshot(
            version=self._version,
            taken_at=now,
            window_seconds=self.window_seconds,
            domains=tuple(domains),
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

    def _domain_snapshot(
        self, state: _DomainState, now: datetime, oldest: int | None = None
    ) -> DomainSnapshot:
        """`oldest`: the window's start for `now` (the snapshot computes it once for every domain)."""
        if oldest is None:
            oldest = self._window_start(now)
        # Only the oldest buckets need looking at: the window moving on is what ages data out. Listeners are
        # not called: the change is in what this reader gets, and the next change notice covers the rest.
        bw_times, tr_times = state.bandwidth.times, state.traffic.times
        if (bw_times and bw_times[0] < oldest) or (tr_times and tr_times[0] < oldest):
            self._trim(state, oldest)
            self._touch(state)
        status = self._status(state, now)
        cached = state.cached
        if cached is not None:
            if cached.status != status:
                # Staleness depends on time alone: swap the status without recomputing anything else, and keep
                # the swapped copy so readers see one object until the domain changes again.
                cached = state.cached = replace(cached, status=status)
            return cached
        bw = state.bandwidth.view() if len(state.bandwidth) else EMPTY_VIEW
        tr = state.traffic.view() if len(state.traffic) else EMPTY_VIEW
        values = bw.values
        peak_bps, peak_at = peak(bw)
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


def _member(d: DomainSnapshot) -> Member:
    return Member(
        bandwidth=d.bandwidth,
        traffic_bytes=d.traffic_bytes,
        vendor=d.vendor,
        failed=d.status == STATUS_ERROR,
        current=d.status not in (STATUS_ERROR, STATUS_PAUSED),
    )
