"""Under a rate limit, what matters most goes first (engine/fetch.py `queue_lead`, engine/ratelimit.py): a fetch
that makes a bucket settled, `r` and the drilldown's domain go ahead of provisional refreshes already queued,
through both the concurrency cap and the token bucket. Against the simulator over real HTTP on a ManualClock;
the fairness of the queue itself is tests/test_schedule.py's `nobody_starved` test."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest

from conftest import SIM_START
from livetop.engine import DomainKey, Engine, schedule
from livetop.engine.ratelimit import PrioritySemaphore, TokenBucket
from test_schedule import _config, _go_to, _metric, _scenario, _timing, _wait_for

NAMES = [f"p{i:02d}.example.com" for i in range(10)]


async def _queued(make_sim, sim_clock, tmp_path, concurrency: int):
    """10 domains loaded at 12:02:20 on an account paced at 4 requests a second; then a minute boundary passes
    for all of them and their provisional refreshes queue. Returns once the first few have been answered."""
    sim_clock.set(SIM_START + timedelta(seconds=140))
    thread = make_sim(_scenario(NAMES))
    config = _config(thread, tmp_path, rate_per_second=4.0, concurrency=concurrency)
    engine = Engine(config, clock=sim_clock, stagger=False)
    await engine.start()
    loops = engine.accounts["hw"].loops
    await _wait_for(lambda: all(engine.store.has_data(DomainKey("hw", n)) for n in NAMES), 60)
    await _wait_for(lambda: not any(lp.in_flight for lp in loops.values()), 30)
    before = {n: lp.bandwidth_answered for n, lp in loops.items()}
    due = max(lp.bandwidth_due for lp in loops.values())
    assert due < min(schedule.next_settle(sim_clock.now().timestamp(), _timing(engine, DomainKey("hw", n)))
                     for n in NAMES)  # provisional refreshes only
    thread.sim.reset()
    _go_to(sim_clock, due, engine)
    await _wait_for(lambda: sum(lp.bandwidth_answered != before[n] for n, lp in loops.items()) >= 2, 30)
    early = [n for n, lp in loops.items() if lp.bandwidth_answered != before[n]]
    waiting = [n for n in NAMES if n not in early]
    assert len(waiting) >= 4  # still queued: the limit serves 4 a second
    return thread, engine, early, waiting


async def _served_after(thread, engine, mark: int) -> list[tuple[str, str]]:
    loops = engine.accounts["hw"].loops
    await _wait_for(lambda: not any(lp.in_flight for lp in loops.values()), 60)
    return [(e.params["domain"], _metric(e)) for e in thread.sim.log[mark:]]


def _assert_first(served: list[tuple[str, str]], urgent: set[str], waiting: list[str]) -> None:
    """Every request of the urgent domains went out before the refreshes that were queued before them (one
    token may have been on its way to a queued refresh as the urgent ones arrived)."""
    urgent_at = [i for i, (d, _) in enumerate(served) if d in urgent]
    queued_at = [i for i, (d, _) in enumerate(served) if d in waiting]
    assert urgent_at and queued_at, served
    assert max(urgent_at) < len(urgent_at) + 1, served
    assert max(urgent_at) < max(queued_at), served


@pytest.mark.parametrize("concurrency", [2, 16])  # queued for a slot, or for a token
async def test_a_fetch_that_settles_a_bucket_goes_before_queued_provisional_refreshes(
    make_sim, sim_clock, tmp_path, concurrency
):
    thread, engine, early, waiting = await _queued(make_sim, sim_clock, tmp_path, concurrency)
    try:
        loops = engine.accounts["hw"].loops
        # A bucket settles: the domains already answered are due again, and their fetch makes it settled.
        settle_at = max(schedule.next_settle(loops[n].bandwidth_answered, _timing(engine, DomainKey("hw", n)))
                        for n in early)
        mark = len(thread.sim.log)
        _go_to(sim_clock, settle_at + 0.01, engine)
        served = await _served_after(thread, engine, mark)
        _assert_first(served, set(early), waiting)
        # Both metrics of each, the settled bucket among them, and every queued domain served too.
        assert {(d, m) for d, m in served if d in early} == {(d, m) for d in early for m in ("bandwidth", "traffic")}
        assert {d for d, _ in served} >= set(waiting)
    finally:
        await engine.stop()


async def test_r_goes_before_queued_provisional_refreshes(make_sim, sim_clock, tmp_path):
    thread, engine, early, waiting = await _queued(make_sim, sim_clock, tmp_path, 2)
    try:
        mark = len(thread.sim.log)
        engine.refresh(DomainKey("hw", early[0]))
        served = await _served_after(thread, engine, mark)
        _assert_first(served, {early[0]}, waiting)
    finally:
        await engine.stop()


async def test_the_drilldowns_domain_goes_before_queued_provisional_refreshes(make_sim, sim_clock, tmp_path):
    thread, engine, early, waiting = await _queued(make_sim, sim_clock, tmp_path, 2)
    try:
        loops = engine.accounts["hw"].loops
        focused = DomainKey("hw", early[0])
        mark = len(thread.sim.log)
        engine.focus(focused)
        # The next minute's data: the focused domain is due again (a provisional refresh, no bucket settles).
        nxt = schedule.bandwidth_due(loops[early[0]].bandwidth_answered, engine.refresh_seconds,
                                     _timing(engine, focused))
        assert nxt < schedule.next_settle(loops[early[0]].bandwidth_answered, _timing(engine, focused))
        _go_to(sim_clock, nxt, engine)
        served = await _served_after(thread, engine, mark)
        _assert_first(served, {early[0]}, waiting)
    finally:
        engine.focus(None)
        await engine.stop()


# --- the queues themselves -------------------------------------------------------------------------------------

async def test_the_token_bucket_serves_the_lowest_key_first_and_a_cancelled_waiter_loses_nothing():
    bucket = TokenBucket(rate=50.0, burst=1.0)
    await bucket.acquire()  # the burst spent: the rest wait for the timer
    order: list[str] = []

    async def take(name: str, key: float) -> None:
        await bucket.acquire(key)
        order.append(name)

    tasks = [asyncio.create_task(take(n, k)) for n, k in (("late", 3.0), ("gone", 0.5), ("first", 1.0),
                                                            ("second", 2.0))]
    await asyncio.sleep(0)
    tasks[1].cancel()
    began = time.monotonic()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert order == ["first", "second", "late"]
    assert time.monotonic() - began >= 2 / 50 * 0.9  # three tokens at 50/s after the first: the rate held


async def test_the_priority_semaphore_passes_a_released_slot_to_the_lowest_key():
    sem = PrioritySemaphore(1)
    await sem.acquire()
    order: list[str] = []

    async def take(name: str, key: float) -> None:
        async with sem.slot(key):
            order.append(name)

    tasks = [asyncio.create_task(take(n, k)) for n, k in (("b", 2.0), ("gone", 0.0), ("a", 1.0))]
    await asyncio.sleep(0)
    tasks[1].cancel()
    await asyncio.sleep(0)
    sem.release()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert order == ["a", "b"]
    assert not sem.locked()
