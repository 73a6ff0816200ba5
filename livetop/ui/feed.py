"""Coalesce the store's change notifications before they reach the screen.

The store calls its listeners once per changed domain; with a thousand domains polled in a burst that is a
thousand calls in a few hundred milliseconds. The feed collects the changed keys and hands them over at most
once per `min_interval`, after a short `settle` delay so one burst becomes one delivery. A costly delivery
(a thousand domains to snapshot) waits longer before the next: the gap grows with what the last delivery
took, so deliveries use at most COST_SHARE of the loop's time, up to `max_interval` (at a thousand domains the
poll schedule's minute burst spreads over up to 30 s: 120 deliveries at 0.25 s, 30 at 1 s; the data on
screen changes once a minute). No Textual here: it runs on the asyncio loop the engine and the app share.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from livetop.engine.store import STATUS_OK, DomainKey, DomainSnapshot, Store, StoreSnapshot

Deliver = Callable[[frozenset[DomainKey]], None]

COST_SHARE = 0.02  # deliveries may take at most this share of the loop's time: the gap is their cost / this


class SnapshotFeed:
    def __init__(
        self,
        store: Store,
        deliver: Deliver,
        *,
        min_interval: float = 0.25,
        settle: float = 0.03,
        max_interval: float = 1.0,
        timer: Callable[[], float] = time.thread_time,
    ) -> None:
        self.store = store
        self.deliver = deliver
        self.min_interval = min_interval
        self.max_interval = max(min_interval, max_interval)
        self.settle = settle
        self.timer = timer  # what a delivery costs: CPU time of the loop's thread, not wall time
        self.deliveries = 0
        self.gap = min_interval  # the least time from one delivery to the next, from the last one's cost
        self._pending: set[DomainKey] = set()
        self._handle: asyncio.TimerHandle | None = None
        self._last: float | None = None
        self._unsubscribe: Callable[[], None] | None = None

    def start(self) -> None:
        if self._unsubscribe is None:
            self._unsubscribe = self.store.subscribe(self._on_change)

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self._pending.clear()

    @property
    def pending(self) -> frozenset[DomainKey]:
        return frozenset(self._pending)

    def _on_change(self, keys: frozenset[DomainKey]) -> None:
        self._pending |= keys
        if self._handle is not None:
            return
        loop = asyncio.get_running_loop()
        now = loop.time()
        delay = self.settle
        if self._last is not None:
            delay = max(delay, self._last + self.gap - now)
        self._handle = loop.call_later(delay, self.flush)

    def flush(self) -> None:
        """Deliver what is pending now (also called by the timer)."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if not self._pending:
            return
        keys = frozenset(self._pending)
        self._pending.clear()
        try:
            self._last = asyncio.get_running_loop().time()
        except RuntimeError:
            self._last = None
        self.deliveries += 1
        started = self.timer()
        try:
            self.deliver(keys)
        finally:
            cost = self.timer() - started
            self.gap = min(self.max_interval, max(self.min_interval, cost / COST_SHARE))


def next_time_change(
    snap: StoreSnapshot,
    stale_after_seconds: float | Callable[[str], float],
    cache: TimeChangeCache | None = None,
) -> datetime | None:
    """The first time at which the clock alone changes what a snapshot says (None: never): a fresh domain
    turns stale, a bucket leaves the window, a provisional bucket settles, or a new bucket begins (the
    sparkline's span moves). Until then a newer snapshot of an unchanged store differs only in the ages,
    which the overview moves without one. `stale_after_seconds`: one figure, or the store's per-account one
    (`Store.stale_after_for`: an account its rate limit cannot serve turns stale later). `cache`: remembers
    each domain's own time per snapshot object, so a thousand domains of which a few changed cost a thousand
    look-ups, not a thousand computations."""
    stale_after = stale_after_seconds if callable(stale_after_seconds) else lambda _account: stale_after_seconds
    first: datetime | None = None
    window = snap.window_seconds
    now_ts = int(snap.taken_at.timestamp())
    buckets: set[int] = set()
    remembered = cache._times if cache is not None else {}
    fresh: dict[DomainKey, tuple[DomainSnapshot, float, int, datetime | None]] = {}
    for d in snap.domains:
        if len(d.bandwidth) or len(d.traffic):
            buckets.add(d.bucket_seconds)
        limit = stale_after(d.key.account)
        held = remembered.get(d.key)
        if held is not None and held[0] is d and held[1] == limit and held[2] == window:
            at = held[3]
        else:
            at = _domain_time_change(d, limit, window)
        fresh[d.key] = (d, limit, window, at)
        if at is not None and (first is None or at < first):
            first = at
    for bucket in buckets:
        at = datetime.fromtimestamp(now_ts - now_ts % bucket + bucket, tz=UTC)
        if first is None or at < first:
            first = at
    if cache is not None:
        cache._times = fresh
    return first


def _domain_time_change(d: DomainSnapshot, stale_after: float, window: int) -> datetime | None:
    """The first time the clock alone changes this domain's snapshot (its part of next_time_change)."""
    first: datetime | None = None
    has_data = bool(len(d.bandwidth) or len(d.traffic))
    if d.settled_before is not None and has_data:
        # The settle edge is floor(now - settle delay, bucket): it moves one bucket on at this time.
        first = d.settled_before + timedelta(seconds=d.bucket_seconds + d.settle_seconds)
    if d.status == STATUS_OK and d.updated_at is not None:
        # Stale once strictly older than stale_after (Store._status).
        at = d.updated_at + timedelta(seconds=stale_after, microseconds=1)
        if first is None or at < first:
            first = at
    oldest = [s.times[0] for s in (d.bandwidth, d.traffic) if len(s.times)]
    if oldest:
        # Trimmed once int(now) - window > the oldest bucket start (Store._window_start).
        at = datetime.fromtimestamp(min(oldest) + window + 1, tz=UTC)
        if first is None or at < first:
            first = at
    return first


class TimeChangeCache:
    """Each domain's own next time change, remembered for next_time_change by snapshot object (the store hands
    out the same object until the domain changes), its stale limit and the window."""

    def __init__(self) -> None:
        self._times: dict[DomainKey, tuple[DomainSnapshot, float, int, datetime | None]] = {}


def has_answered(store: Store, key: DomainKey) -> bool:
    """The domain has data, or its first fetch failed with a decoded error."""
    if store.has_data(key):
        return True
    snap = store.domain(key)
    return snap is not None and snap.error is not None


async def wait_for_first_data(store: Store, timeout: float, share: float = 1.0) -> bool:
    """Wait until `share` of the domains have answered (data or error), at most `timeout` seconds.

    The TUI's first frame then already shows the window's history instead of a screen of "loading" marks;
    a domain that never answers (a timeout) does not hold the start-up for longer than `timeout`. Checks only
    the keys that changed, so a thousand domains answering cost a thousand checks, not a million."""
    done_event = asyncio.Event()
    watched = store.keys()
    waiting = {key for key in watched if not has_answered(store, key)}
    total = len(watched)

    def check(keys: frozenset[DomainKey]) -> None:
        for key in keys & waiting:
            if has_answered(store, key):
                waiting.discard(key)
        if total - len(waiting) >= share * total:
            done_event.set()

    unsubscribe = store.subscribe(check)
    try:
        check(frozenset())
        await asyncio.wait_for(done_event.wait(), timeout)
        return True
    except TimeoutError:
        return False
    finally:
        unsubscribe()
