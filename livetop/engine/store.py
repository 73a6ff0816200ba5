"""The store: per (account, domain) bounded series, status, decoded errors and request history.

Writers (the engine's loops, all on one event loop) mutate private state; readers get immutable snapshots.
A domain's snapshot is rebuilt only when that domain changed or the window moved past its oldest bucket, and
an account's total only when one of its domains changed (livetop.engine.totals), so a reader polling a few
times a second costs little.

The window is kept by the store's clock, not only when data arrives: a domain failing for hours loses its
buckets as they fall out of the window, so nothing older than the window is shown, exported or summed.

Settled and provisional buckets. A vendor keeps filling its newest buckets for a while (its settle delay:
`settle_delay`, formerly `data_lag`, per account, with a per-vendor default). A bucket is *settled* once its
end lies at least the settle delay in the past, and lay so when the last successful fetch answered (so the
figure held is the vendor's final one): bucket start < floor(min(now, last fetch) - settle delay, bucket size),
the domain snapshot's `settled_before`. This is the one rule: the screen, the alerts, `check`, the history (and
so `export`) and /metrics all read it from the snapshot. Settled buckets are always the oldest ones, so a domain's settled data is
a prefix of its series: `d.bandwidth.head(d.settled_buckets)` (also `d.settled_bandwidth`,
`d.settled_traffic`), the newest settled bucket is `d.newest_settled` / `d.newest_settled_bps`, and
`d.is_provisional(bucket_start)` tells one bucket. Billing figures (peak, p95, mean, traffic_bytes) and
`change_ratio` are computed on settled buckets only; `bandwidth_now` is the newest bucket as it stands, and
`now_provisional` says whether that is still provisional. Totals carry `settled_before` too.

Whole window or not. The store remembers from when on each domain's data is complete (`covered_from`: the
start of the last successful fetch of the whole window, moved forward as the window trims). A domain whose
window is not complete (`window_complete` False: a zoom out whose backfill has not landed) has figures that
cover only part of the window; the engine keeps fetching the whole window until it is, whatever else
happened meanwhile (quick zooms, refreshes, config edits).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from types import MappingProxyType

from livetop.clock import Clock
from livetop.engine.capacity import Capacity
from livetop.engine.counters import RequestCounters
from livetop.engine.domain_state import HISTORY, _DomainState, build_domain_snapshot  # noqa: F401 - re-exported
from livetop.engine.snapshots import (  # noqa: F401 - the snapshots' module; importers of the store find them here
    CHANGE_BUCKETS,
    STATUS_ERROR,
    STATUS_LOADING,
    STATUS_OK,
    STATUS_PAUSED,
    STATUS_STALE,
    DomainKey,
    DomainSnapshot,
    ErrorEvent,
    RequestRecord,
    StoreSnapshot,
)
from livetop.engine.totals import Member, TotalsCache, TotalSnapshot  # noqa: F401 - TotalSnapshot re-exported
from livetop.model import DecodedError, FetchResult

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
        self._members: dict[DomainKey, tuple[DomainSnapshot, Member]] = {}  # by snapshot object: _member_of
        self.counters = RequestCounters()  # vendor requests by outcome, for the collector's /metrics
        self._account_apis: dict[str, str] = {}  # account -> "api v2", said on its total line
        self._capacities: dict[str, Capacity] = {}  # account -> its rate limit against its domains
        # What every domain's time edges depend on besides its own state; a new one voids every valid_until.
        self._regime: tuple = ()
        self._regime_number = 0
        self._capacity_changes = 0

    # --- writers (the engine) -------------------------------------------------------------------------------

    def account_apis(self) -> dict[str, str]:
        """{account: "api v2"} for the accounts whose total line names their API."""
        return {name: api for name, api in self._account_apis.items() if api}

    def set_account_api(self, account: str, api: str) -> None:
        """Say on the account's total line which vendor API it uses ("api v2"; "" says nothing)."""
        if self._account_apis.get(account, "") != api:
            self._account_apis[account] = api
            self._version += 1
            for listener in list(self._listeners):
                listener(frozenset())

    def capacities(self) -> dict[str, Capacity]:
        """{account: Capacity}: each account's rate limit against its domains at the refresh."""
        return dict(self._capacities)

    def set_capacities(self, capacities: dict[str, Capacity]) -> None:
        """Each account's capacity (livetop.engine.capacity), shown on its total line when the limit cannot
        serve the refresh; accounts not named have none."""
        if capacities == self._capacities:
            return
        self._capacities = dict(capacities)
        self._capacity_changes += 1  # stale limits may have moved: every domain's valid_until is void
        self._version += 1  # the totals carry it: TotalsCache keys on it
        for listener in list(self._listeners):
            listener(frozenset())

    def stale_after_for(self, account: str) -> float:
        """Seconds after its last good fetch a domain of `account` turns stale: two refresh intervals, or two
        of the intervals its rate limit can actually serve when that is longer. A domain its account can ask
        only every 7 minutes is not stale at 3 minutes: the account's capacity note says why it is that old."""
        cap = self._capacities.get(account)
        if cap is None:
            return self.stale_after_seconds
        return max(self.stale_after_seconds, 2 * cap.interval_seconds)

    def ensure(
        self,
        key: DomainKey,
        vendor: str,
        label: str | None,
        *,
        bucket_seconds: int = 300,
        settle_seconds: int = 0,
    ) -> None:
        """Watch `key` (or update it). `settle_seconds`: the account's settle delay; `bucket_seconds`: its
        bucket size (both decide which buckets are provisional)."""
        state = self._states.get(key)
        if state is None:
            state = self._states[key] = _DomainState(key, vendor, label)
            state.bucket_seconds, state.settle_seconds = bucket_seconds, settle_seconds
            self._changed(key)
        elif (state.label, state.vendor, state.bucket_seconds, state.settle_seconds) != (
            label, vendor, bucket_seconds, settle_seconds
        ):
            state.label, state.vendor = label, vendor
            state.bucket_seconds, state.settle_seconds = bucket_seconds, settle_seconds
            self._changed(key)

    def remove(self, key: DomainKey) -> None:
        if self._states.pop(key, None) is not None:
            self._changed(key, bump=False)

    def keys(self) -> list[DomainKey]:
        return list(self._states)

    def timing(self, key: DomainKey) -> tuple[int, int] | None:
        """(bucket seconds, settle delay seconds) of a domain, as `ensure` was told: a collector's feed
        passes them on, so a viewer's store settles the same buckets."""
        state = self._states.get(key)
        return None if state is None else (state.bucket_seconds, state.settle_seconds)

    def has_data(self, key: DomainKey) -> bool:
        state = self._states.get(key)
        return bool(state and state.ever_fetched)

    def newest_bucket(self, key: DomainKey) -> int | None:
        state = self._states.get(key)
        if state is None or not state.bandwidth.times and not state.traffic.times:
            return None
        ends = [s.times[-1] for s in (state.bandwidth, state.traffic) if len(s.times)]
        return min(ends)

    def window_complete(self, key: DomainKey) -> bool:
        """The domain's data covers the whole window (a fetch of the whole window landed since it grew)."""
        state = self._states.get(key)
        return state is not None and self._complete(state, self._window_start(self.clock.now()))

    @staticmethod
    def _complete(state: _DomainState, oldest: int) -> bool:
        return state.covered_from is not None and state.covered_from <= oldest

    def reset_coverage(self, key: DomainKey) -> None:
        """Forget that the window is complete: the next fetch asks for all of it again (e.g. the account's
        endpoint changed, so the data held may not be what the new one says)."""
        state = self._states.get(key)
        if state is not None and state.covered_from is not None:
            state.covered_from = None
            self._changed(key)

    def record_success(
        self,
        key: DomainKey,
        result: FetchResult,
        record: RequestRecord,
        covered_from: datetime | None = None,
        metrics: frozenset[str] = frozenset({"bandwidth", "traffic"}),
        counted: bool = True,
    ) -> None:
        """Merge a successful fetch. `covered_from`: the fetch asked for everything from there to now (a
        fetch of the whole window), so the data is complete from there on. `metrics`: what it asked for.
        `counted` False: the requests were shared with other domains (a per-domain list) and counted once."""
        state = self._states.get(key)
        if state is None:
            return
        if counted:
            self.counters.note(key.account, state.vendor, True, "", record.requests, record.latency_ms, False)
        if covered_from is not None:
            ts = int(covered_from.timestamp())
            state.covered_from = ts if state.covered_from is None else min(state.covered_from, ts)
        state.bandwidth.merge(result.bandwidth)
        state.traffic.merge(result.traffic)
        self._trim(state)
        state.updated_at = record.at
        if "traffic" in metrics:
            state.traffic_as_of = record.at
        state.ever_fetched = True
        state.error = None
        state.error_since = None
        state.halted = False
        if result.notices:
            state.notices = tuple(result.notices)
        state.requests.append(record)
        self._changed(key)

    def preload(self, key: DomainKey, bandwidth: tuple, traffic: tuple) -> None:
        """Buckets read back from the history, each metric as (epoch-second times, values): merged into the
        series like a fetch, but the domain's status, age and errors are left alone - data from disk is not an
        answer from the vendor."""
        state = self._states.get(key)
        if state is None:
            return
        changed = state.bandwidth.merge_points(*bandwidth) | state.traffic.merge_points(*traffic)
        self._trim(state)
        if changed:
            self._changed(key)

    def record_failure(self, key: DomainKey, error: DecodedError, record: RequestRecord, halted: bool) -> None:
        state = self._states.get(key)
        if state is None:
            return
        self.counters.note(
            key.account, state.vendor, False, error.code, record.requests, record.latency_ms, error.throttled
        )
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
        if state.covered_from is not None and state.covered_from < oldest:
            state.covered_from = oldest  # what was before is gone: a longer window must be fetched again

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
        if state is None:
            return None
        now = self.clock.now()
        regime = self._regime_now()
        now_ts = now.timestamp()
        cached = state.cached
        if cached is not None and state.valid_regime == regime and state.valid_from <= now_ts < state.valid_until:
            return cached
        return self._domain_snapshot(state, now, None, regime)

    def _regime_now(self) -> int:
        """A number that changes whenever what the domains' time edges depend on, besides their own state,
        changes: the window, the stale limit, the capacities (attributes a caller may set directly)."""
        regime = (self.window_seconds, self.stale_after_seconds, self._capacity_changes)
        if regime != self._regime:
            self._regime = regime
            self._regime_number += 1
        return self._regime_number

    def snapshot(self) -> StoreSnapshot:
        now = self.clock.now()
        now_ts = now.timestamp()
        oldest = self._window_start(now)
        regime = self._regime_now()
        domains: list[DomainSnapshot] = []
        groups: dict[str, list[DomainSnapshot]] = {}
        for state in self._states.values():
            snap = state.cached
            # Most domains did not change since the last snapshot and no time edge of theirs passed: theirs
            # stands (at 1000 domains recomputing status and edges for each was ~2 ms a snapshot).
            if snap is None or state.valid_regime != regime or not state.valid_from <= now_ts < state.valid_until:
                snap = self._domain_snapshot(state, now, oldest, regime)
            domains.append(snap)
            group = groups.get(state.key.account)
            if group is None:
                group = groups[state.key.account] = []
            group.append(snap)
        accounts = tuple(
            self._totals.account(
                name,
                self._account_versions[name],
                lambda g=group: [self._member_of(d) for d in g],
                self._account_apis.get(name, ""),
                self._capacities.get(name),
            )
            for name, group in groups.items()
        )
        self._totals.keep_only(groups.keys())
        if len(self._members) > len(self._states):  # domains that went away
            self._members = {k: v for k, v in self._members.items() if k in self._states}
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

    def _member_of(self, d: DomainSnapshot) -> Member:
        """What the account's total needs of `d`, made once per snapshot object: an account's total is
        re-summed when any of its domains changed, and its other members are the same objects as before."""
        held = self._members.get(d.key)
        if held is not None and held[0] is d:
            return held[1]
        member = member_of(d)
        self._members[d.key] = (d, member)
        return member

    def _status(self, state: _DomainState, now: datetime) -> str:
        if state.paused:
            return STATUS_PAUSED
        if state.error is not None:
            return STATUS_ERROR
        if state.updated_at is None:
            return STATUS_LOADING
        if (now - state.updated_at).total_seconds() > self.stale_after_for(state.key.account):
            return STATUS_STALE
        return STATUS_OK

    def _domain_snapshot(
        self, state: _DomainState, now: datetime, oldest: int | None = None, regime: int | None = None
    ) -> DomainSnapshot:
        """`oldest`: the window's start for `now` (the snapshot computes it once for every domain). `regime`:
        the store's regime number (Store._regime_now) under which the result's valid_until holds."""
        snap = self._compute_domain_snapshot(state, now, oldest)
        state.valid_from = now.timestamp()
        state.valid_until = self._valid_until(state, snap, int(now.timestamp()))
        state.valid_regime = self._regime_now() if regime is None else regime
        return snap

    def _valid_until(self, state: _DomainState, snap: DomainSnapshot, now_ts: int) -> float:
        """Until when (epoch seconds) the clock alone cannot change `snap`, the snapshot this domain's state
        gives now: the first moment a bucket leaves the window, the domain turns stale, a bucket settles or
        the window's data becomes complete. Every other change to the state goes through _touch, which drops
        the cached snapshot. Conditions as _domain_snapshot, _status, settle_edge and _complete have them."""
        until = math.inf
        window = self.window_seconds
        firsts = [s.times[0] for s in (state.bandwidth, state.traffic) if len(s.times)]
        if firsts:  # trimmed once int(now) - window > the oldest bucket start
            until = min(firsts) + window + 1
        if snap.status == STATUS_OK and state.updated_at is not None:  # stale once older than stale_after
            until = min(until, state.updated_at.timestamp() + self.stale_after_for(state.key.account))
        bucket = max(1, state.bucket_seconds)
        t = now_ts - state.settle_seconds  # the settle edge floor(now - settle, bucket) moves at:
        until = min(until, t - t % bucket + bucket + state.settle_seconds)
        if state.covered_from is not None and not snap.window_complete:  # complete once covered_from <= oldest
            until = min(until, state.covered_from + window)
        return until

    def _compute_domain_snapshot(self, state: _DomainState, now: datetime, oldest: int | None) -> DomainSnapshot:
        if oldest is None:
            oldest = self._window_start(now)
        # Only the oldest buckets need looking at: the window moving on is what ages data out. Listeners are
        # not called: the change is in what this reader gets, and the next change notice covers the rest.
        bw_times, tr_times = state.bandwidth.times, state.traffic.times
        if (bw_times and bw_times[0] < oldest) or (tr_times and tr_times[0] < oldest):
            self._trim(state, oldest)
            self._touch(state)
        status = self._status(state, now)
        edge = state.settle_edge(int(now.timestamp()))
        complete = self._complete(state, oldest)
        cached = state.cached
        if cached is not None and cached.settled_before is not None and int(cached.settled_before.timestamp()) != edge:
            cached = None  # a bucket settled: the billing figures take it in
            self._touch(state)
        if cached is not None:
            if cached.status != status or cached.window_complete != complete:
                # Staleness depends on time alone: swap the status without recomputing anything else, and keep
                # the swapped copy so readers see one object until the domain changes again.
                cached = state.cached = replace(cached, status=status, window_complete=complete)
            return cached
        snap = build_domain_snapshot(state, status, edge, complete)
        state.cached = snap
        return snap


def member_of(d: DomainSnapshot) -> Member:
    return Member(
        bandwidth=d.bandwidth,
        traffic_bytes=d.traffic_bytes,
        provisional_traffic_bytes=d.provisional_traffic_bytes,
        settled_before=int(d.settled_before.timestamp()) if d.settled_before is not None else None,
        complete=d.window_complete or not (len(d.bandwidth) or len(d.traffic)),
        vendor=d.vendor,
        failed=d.status == STATUS_ERROR,
        current=d.status not in (STATUS_ERROR, STATUS_PAUSED),
    )
