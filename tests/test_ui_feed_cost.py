"""The feed spaces deliveries by what the last one cost: a thousand domains' burst becomes few repaints.

The cost is read from an injected timer (the feed's default is the loop thread's CPU time), so nothing here
depends on how fast the machine is; the loop's own scheduling is read from its TimerHandle, not waited for.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from livetop.clock import ManualClock
from livetop.engine.store import DomainKey, Store
from livetop.ui.feed import COST_SHARE, SnapshotFeed

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
A, B = DomainKey("acc", "a.example.com"), DomainKey("acc", "b.example.com")


class StepTimer:
    """Reads `cost` more on each call inside a delivery: the delivery took `cost` seconds."""

    def __init__(self) -> None:
        self.now = 0.0
        self.cost = 0.0

    def __call__(self) -> float:
        return self.now

    def deliver(self, keys) -> None:
        self.delivered.append(keys)
        self.now += self.cost


def _store() -> Store:
    store = Store(ManualClock(T0), window_seconds=3600, stale_after_seconds=60)
    store.ensure(A, "huawei", None)
    store.ensure(B, "huawei", None)
    return store


async def test_a_costly_delivery_holds_the_next_one_back_longer():
    store = _store()
    timer = StepTimer()
    timer.delivered = []
    feed = SnapshotFeed(store, timer.deliver, min_interval=0.25, settle=0.0, max_interval=1.0, timer=timer)
    feed.start()
    loop = asyncio.get_running_loop()
    try:
        timer.cost = 0.001  # cheap (a few domains): the floor holds
        store.set_paused(A, True)
        feed.flush()
        assert feed.gap == 0.25
        timer.cost = 0.012  # 12 ms: the next waits 12 ms / COST_SHARE
        store.set_paused(A, False)
        feed.flush()
        assert feed.gap == 0.012 / COST_SHARE
        store.set_paused(B, True)
        assert feed._handle is not None
        assert feed._handle.when() - feed._last >= 0.012 / COST_SHARE - 1e-9  # scheduled that far out
        feed.flush()
        timer.cost = 0.5  # far over: capped, a delivery at least every max_interval
        store.set_paused(B, False)
        feed.flush()
        assert feed.gap == 1.0
        assert timer.delivered == [frozenset({A}), frozenset({A}), frozenset({B}), frozenset({B})]
        timer.cost = 0.0
        store.set_paused(A, True)
        assert feed._handle.when() - loop.time() > 0.9  # the burst waits for the gap...
        feed.flush()  # ...unless flushed (a zoom's new source)
        assert feed.gap == 0.25  # and a cheap delivery brings the floor back
    finally:
        feed.stop()
