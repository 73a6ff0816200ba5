"""The poll schedule (livetop/engine/schedule.py): its rules as arithmetic, and the engine keeping them against
the simulator over real HTTP on a ManualClock (advance the clock, `Engine.tick()`, read the simulator's log)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from conftest import SIM_START, load_sim_config
from livetop.engine import DomainKey, Engine
from livetop.engine import schedule
from livetop.engine.store import STATUS_OK, STATUS_STALE
from livetop.sim import data

HW_PID = "0a" * 16
DOMAIN = "play.example.com"
KEY = DomainKey("hw", DOMAIN)


def _scenario(domains=(DOMAIN,), **top) -> dict:
    account = {"name": "hw", "vendor": "huawei", "auth": "aksk", "project_id": HW_PID,
               "rate_per_second": 1000.0, "burst": 200.0, "domains": list(domains)}
    return {"seed": "schedule-tests", "latency_ms": 0, "latency_jitter_ms": 0, **top, "accounts": [account]}


def _config(thread, tmp_path: Path, *, refresh: float = 30.0, **account):
    config = load_sim_config(thread.sim.write_config(tmp_path / "c.toml", timeout="3s"))
    return replace(config, refresh_seconds=refresh, accounts=tuple(replace(a, **account) for a in config.accounts))


async def _wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.01)


async def _quiet(thread, seconds: float = 0.3) -> None:
    """Give the engine real time to send whatever it would send, then check it sent nothing."""
    before = len(thread.sim.log)
    await asyncio.sleep(seconds)
    assert len(thread.sim.log) == before, [e.path for e in thread.sim.log[before:]]


def _metric(entry) -> str:
    return "bandwidth" if entry.path.endswith("bandwidth") else "traffic"


def _start(entry) -> datetime:
    return datetime.strptime(entry.params["start_time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=SIM_START.tzinfo)


def _timing(engine: Engine, key: DomainKey = KEY) -> schedule.Timing:
    runtime = engine.accounts[key.account]
    return runtime.timing(runtime.loops[key.domain])


def _go_to(clock, epoch: float, engine: Engine) -> None:
    clock.advance(epoch - clock.now().timestamp())
    engine.tick()


# --- the rules as arithmetic -----------------------------------------------------------------------------------


def test_no_answer_can_change_before_the_next_update_boundary_plus_margin_and_jitter():
    timing = schedule.Timing(bucket_seconds=300, settle_seconds=600, update_seconds=60, margin=2.0, jitter=3.0)
    t = 1_000_020.0  # 20 s past a minute boundary (1_000_020 = 16667 x 60)
    assert t % 60 == 0
    assert schedule.next_change(t + 6.0, timing) == t + 60 + 5.0
    # Asked before this boundary's data was published (margin + jitter after it): it can change at once.
    assert schedule.next_change(t + 4.0, timing) == t + 5.0
    # The refresh bounds staleness; a refresh faster than the data does not make requests faster.
    assert schedule.bandwidth_due(t + 5.0, 15.0, timing) == t + 65.0
    assert schedule.bandwidth_due(t + 5.0, 90.0, timing) == min(t + 95.0, schedule.next_settle(t + 5.0, timing))


def test_a_bucket_settles_at_its_end_plus_the_settle_delay_and_traffic_waits_for_it():
    timing = schedule.Timing(bucket_seconds=300, settle_seconds=600, update_seconds=60, margin=2.0, jitter=0.0)
    t = 1_800_000.0  # a multiple of 300
    after = schedule.next_settle(t + 10, timing)
    assert after == t + 300 + 2.0  # the bucket ending at t+300-600 ... settles at t+300
    assert schedule.settle_edge(after, 300, 600) == t + 300 - 600
    assert schedule.traffic_due(t + 10, 15.0, timing, focused=False) == after
    assert schedule.traffic_due(t + 10, 15.0, timing, focused=True) == schedule.bandwidth_due(t + 10, 15.0, timing)


def test_jitter_spreads_an_account_over_what_its_rate_limit_takes_and_at_most_half_the_update_period():
    offsets = [schedule.jitter_seconds(f"hw/d{i}.example.com", 1000, 60, 5.0) for i in range(1000)]
    assert 0 <= min(offsets) and max(offsets) < 30.0
    assert max(offsets) - min(offsets) > 25.0  # spread, not bunched
    small = [schedule.jitter_seconds(f"hw/d{i}", 3, 60, 5.0) for i in range(3)]
    assert max(small) < 2 / 5.0


def test_demand_per_minute_counts_what_the_schedule_asks(sim_config):
    hw = next(a for a in sim_config.accounts if a.vendor == "huawei" and a.api in (None, "v1"))
    timing = schedule.account_timing(hw)
    # Bandwidth once per update period (refresh 30 s < 60 s), traffic once per bucket (when one settles).
    per_domain = 60 / timing.update_seconds + 60 / timing.bucket_seconds
    assert schedule.demand_per_minute(hw, 1000, 30.0) == pytest.approx(1000 * per_domain, rel=0.01)
    # A refresh slower than the data: bandwidth every refresh, but never past a bucket settling.
    # A refresh slower than the data: bandwidth every refresh, but never past a bucket settling (3 asks a
    # bucket at 120 s: at the settle moment, 120 s and 240 s after it), traffic once a bucket.
    slow = schedule.demand_per_minute(hw, 1000, 120.0)
    assert slow == pytest.approx(1000 * (3 + 1) * 60 / timing.bucket_seconds, rel=0.01)
    # Before: both metrics of every domain every refresh.
    assert schedule.full_poll_per_minute(hw, 1000, 30.0) == 4000
    jd = next(a for a in sim_config.accounts if a.vendor == "jdcloud" and a.api in (None, "opencdn"))
    # One request answers both metrics: traffic rides along with bandwidth.
    assert schedule.demand_per_minute(jd, 100, 30.0) == pytest.approx(100 * 60 / timing.update_seconds, rel=0.01)


def test_staleness_follows_what_the_rate_limit_can_serve(sim_config):
    hw = next(a for a in sim_config.accounts if a.vendor == "huawei" and a.api in (None, "v1"))
    rate = 280 / 60  # Huawei v1's 300 a minute, less its start-up burst
    demand = schedule.demand_per_minute(hw, 1000, 30.0)
    served = schedule.served_interval(hw, 1000, 30.0, rate)
    # 1200 requests a minute against 280: each domain every ~4.3 minutes, not every minute.
    timing = schedule.account_timing(hw)
    assert schedule.cadence_seconds(hw, 30.0) == timing.update_seconds
    assert served == pytest.approx(timing.update_seconds * demand / (rate * 60))
    assert schedule.stale_after(hw, 1000, 30.0, rate) == pytest.approx(2 * served)
    # An account its limit serves: twice the data's cadence, whatever the refresh (a domain's margin and
    # jitter, at most half an update period, stay inside it).
    assert schedule.stale_after(hw, 10, 15.0, rate) == 2 * timing.update_seconds
    assert timing.margin + schedule.JITTER_MAX_FRACTION * timing.update_seconds < timing.update_seconds


def test_the_simulator_changes_its_newest_bucket_only_when_a_minute_completes():
    rate = lambda minute: 1000.0 + minute % 7  # noqa: E731
    start = 1_800_000  # a bucket start
    within = [data.buckets(rate, start, start + 300, 300, start + 60 + s) for s in (0.5, 30.0, 59.9)]
    assert within[0] == within[1] == within[2]
    assert within[0][0].traffic_bytes == rate(start // 60) * 60 / 8
    later = data.buckets(rate, start, start + 300, 300, start + 120.0)
    assert later[0].traffic_bytes == (rate(start // 60) + rate(start // 60 + 1)) * 60 / 8
    assert data.buckets(rate, start, start + 300, 300, start + 59.0) == []  # no completed minute: no bucket


# --- the engine keeping them, over real HTTP ----------------------------------------------------------------


async def _started(make_sim, sim_clock, tmp_path, *, refresh=30.0, domains=(DOMAIN,), **top):
    """The engine's first fetch done, at 12:02:20: mid-minute, and mid-bucket (12:00-12:05)."""
    sim_clock.set(SIM_START + timedelta(seconds=140))
    thread = make_sim(_scenario(domains, **top))
    engine = Engine(_config(thread, tmp_path, refresh=refresh), clock=sim_clock, stagger=False)
    await engine.start()
    await _wait_for(lambda: all(engine.store.has_data(DomainKey("hw", d)) for d in domains))
    await _wait_for(lambda: not any(lp.in_flight for lp in engine.accounts["hw"].loops.values()))
    return thread, engine


async def test_no_request_before_an_answer_can_have_changed_then_one_right_after(make_sim, sim_clock, tmp_path):
    thread, engine = await _started(make_sim, sim_clock, tmp_path, refresh=15.0)
    try:
        assert sorted(_metric(e) for e in thread.sim.log) == ["bandwidth", "traffic"]  # the whole window
        answered = sim_clock.now().timestamp()
        timing = _timing(engine)
        due = schedule.next_change(answered, timing)
        assert due > answered + 15.0  # later than the refresh: the data cannot change before
        # Up to just before the next minute's data is out: nothing is asked, however often we look.
        for step in (5.0, 15.0, due - answered - 20.0 - 0.5):
            _go_to(sim_clock, answered + step, engine)
            await _quiet(thread, 0.1)
        thread.sim.reset()
        _go_to(sim_clock, due, engine)
        await _wait_for(lambda: len(thread.sim.log) >= 1)
        await _quiet(thread, 0.2)
        [asked] = thread.sim.log
        assert _metric(asked) == "bandwidth"  # traffic waits for a bucket to settle
        # From the oldest bucket the vendor could have changed since the last ask, not the whole window.
        edge = schedule.settle_edge(answered, timing.bucket_seconds, timing.settle_seconds)
        assert _start(asked).timestamp() == edge
    finally:
        await engine.stop()


async def test_a_provisional_bucket_is_asked_again_within_the_refresh(make_sim, sim_clock, tmp_path):
    thread, engine = await _started(make_sim, sim_clock, tmp_path, refresh=70.0)
    try:
        key_lp = engine.accounts["hw"].loops[DOMAIN]
        for _ in range(2):  # 12:02:20 -> 12:03:30 -> 12:04:40, all before the next bucket settles
            answered = key_lp.bandwidth_answered
            thread.sim.reset()
            _go_to(sim_clock, answered + 69.0, engine)  # a minute boundary passed, the refresh did not
            await _quiet(thread, 0.1)
            before = engine.store.domain(KEY).bandwidth_now
            _go_to(sim_clock, answered + 70.0, engine)
            await _wait_for(lambda: key_lp.bandwidth_answered > answered)
            assert [_metric(e) for e in thread.sim.log] == ["bandwidth"]
            d = engine.store.domain(KEY)
            assert d.now_provisional and d.status == STATUS_OK
            # The answer is what the simulator holds now for that bucket: it changed since the last ask.
            rows = data.buckets(thread.sim.curve(DOMAIN).rate_bps, int(d.last_bucket.timestamp()),
                                int(d.last_bucket.timestamp()) + 300, 300, sim_clock.now().timestamp())
            assert d.bandwidth_now == round(rows[-1].peak_bps)
            del before
    finally:
        await engine.stop()


async def test_traffic_is_asked_when_a_bucket_settles_and_the_settled_bucket_once_more(make_sim, sim_clock, tmp_path):
    thread, engine = await _started(make_sim, sim_clock, tmp_path, refresh=30.0)
    try:
        timing = _timing(engine)
        lp = engine.accounts["hw"].loops[DOMAIN]
        first_edge = lp.traffic_since
        settle_at = schedule.next_settle(sim_clock.now().timestamp(), timing)
        # Walk minute by minute to just before the settle moment: only bandwidth is asked.
        thread.sim.reset()
        while lp.bandwidth_due < settle_at:
            _go_to(sim_clock, lp.bandwidth_due, engine)
            answered = lp.bandwidth_answered
            await _wait_for(lambda a=answered: lp.bandwidth_answered != a)
        assert thread.sim.log and {_metric(e) for e in thread.sim.log} == {"bandwidth"}
        thread.sim.reset()
        _go_to(sim_clock, settle_at, engine)
        await _wait_for(lambda: len(thread.sim.log) >= 2)
        await _quiet(thread, 0.2)
        by_metric = {_metric(e): e for e in thread.sim.log}
        assert set(by_metric) == {"bandwidth", "traffic"}
        # Traffic from the edge at its last ask: the bucket that just settled is asked once more, for its
        # final value; the store now counts it as settled traffic.
        assert _start(by_metric["traffic"]).timestamp() == first_edge
        d = engine.store.domain(KEY)
        assert d.settled_before.timestamp() == first_edge + timing.bucket_seconds
        assert d.traffic_as_of == sim_clock.now()
    finally:
        await engine.stop()


async def test_r_asks_both_metrics_at_once(make_sim, sim_clock, tmp_path):
    thread, engine = await _started(make_sim, sim_clock, tmp_path)
    try:
        thread.sim.reset()
        engine.refresh(KEY)  # the clock has not moved: only `r` can explain a request now
        await _wait_for(lambda: len(thread.sim.log) >= 2)
        await _quiet(thread, 0.2)
        assert sorted(_metric(e) for e in thread.sim.log) == ["bandwidth", "traffic"]
    finally:
        await engine.stop()


async def test_a_focused_domain_gets_traffic_at_the_bandwidth_cadence(make_sim, sim_clock, tmp_path):
    other = "other.example.com"
    thread, engine = await _started(make_sim, sim_clock, tmp_path, domains=(DOMAIN, other))
    try:
        engine.focus(KEY)
        loops = engine.accounts["hw"].loops
        due = max(lp.bandwidth_due for lp in loops.values())
        assert due < min(schedule.next_settle(sim_clock.now().timestamp(), _timing(engine, DomainKey("hw", d)))
                         for d in loops)
        thread.sim.reset()
        _go_to(sim_clock, due, engine)
        await _wait_for(lambda: len(thread.sim.log) >= 3)
        await _quiet(thread, 0.2)
        asked = sorted((e.params["domain"], _metric(e)) for e in thread.sim.log)
        assert asked == [(other, "bandwidth"), (DOMAIN, "bandwidth"), (DOMAIN, "traffic")]
        engine.focus(None)
        assert engine.focused is None
    finally:
        await engine.stop()


async def test_staleness_follows_the_schedule_not_twice_a_faster_refresh(make_sim, sim_clock, tmp_path):
    thread, engine = await _started(make_sim, sim_clock, tmp_path, refresh=15.0)
    try:
        engine.pause()  # nothing is asked from here on: only time passes
        await _wait_for(lambda: not engine.accounts["hw"].loops[DOMAIN].in_flight)
        engine.store.set_paused(KEY, False)  # look at the status as if polling went on and nothing arrived
        sim_clock.advance(59)  # twice the refresh, but less than the data's own cadence
        assert engine.store.domain(KEY).status == STATUS_OK
        sim_clock.advance(engine.store.stale_after_for("hw") - 59 + 1)
        assert engine.store.domain(KEY).status == STATUS_STALE
        assert engine.store.stale_after_for("hw") == 2 * 60  # twice the data's cadence, not twice 15 s
    finally:
        await engine.stop()


async def test_errors_are_retried_with_backoff_without_the_clock_moving(make_sim, sim_clock, tmp_path):
    broken = "broken.example.com"
    thread = make_sim(_scenario((DOMAIN, {"name": broken, "fault": "internal_500"})))
    engine = Engine(_config(thread, tmp_path), clock=sim_clock, stagger=False)
    await engine.start()
    try:
        # The ManualClock stands still: retries run on real time (backoff, Retry-After), not on the data's
        # cadence, and each waits longer than the one before (equal jitter: between half and all of 1, 2, 4 s).
        seen: list[float] = []
        tries = lambda: len([e for e in thread.sim.log if e.params.get("domain") == broken]) // 2  # noqa: E731
        deadline = time.monotonic() + 15
        while len(seen) < 4 and time.monotonic() < deadline:
            if tries() > len(seen):
                seen.append(time.monotonic())
            await asyncio.sleep(0.01)
        gaps = [b - a for a, b in zip(seen, seen[1:])]
        assert len(gaps) == 3 and gaps[0] >= 0.45 and gaps[1] >= 0.95 and gaps[2] >= 1.95, gaps
        lp = engine.accounts["hw"].loops[broken]
        assert lp.attempt >= 3 and lp.last_delay >= 1.0
        assert engine.store.domain(DomainKey("hw", broken)).error.code
        healthy = [e for e in thread.sim.log if e.params.get("domain") == DOMAIN]
        assert len(healthy) == 2  # the healthy domain is asked nothing more: its data cannot have changed
    finally:
        await engine.stop()


async def test_an_account_its_rate_limit_cannot_serve_is_served_in_turn_nobody_starved(make_sim, sim_clock, tmp_path):
    names = [f"d{i:02d}.example.com" for i in range(20)]
    sim_clock.set(SIM_START + timedelta(seconds=140))
    thread = make_sim(_scenario(names))
    # 10 requests a second for 20 domains, while the clock below runs a minute every half second: the
    # demand is four times what the limit serves.
    config = _config(thread, tmp_path, rate_per_second=10.0)
    engine = Engine(config, clock=sim_clock, stagger=False)
    await engine.start()
    try:
        await _wait_for(lambda: all(engine.store.has_data(DomainKey("hw", n)) for n in names), 30)
        thread.sim.reset()
        for _ in range(8):
            sim_clock.advance(60)
            engine.tick()
            await asyncio.sleep(0.5)
        asked = [e.params["domain"] for e in thread.sim.log if _metric(e) == "bandwidth"]
        counts = {n: asked.count(n) for n in names}
        assert sum(counts.values()) <= 10 * 4 + 2  # the limit held: about 10 a second for 4 s
        # Each is asked in its turn: oldest due first, nobody asked twice before everyone was asked once.
        assert min(counts.values()) >= 1 and max(counts.values()) - min(counts.values()) <= 1, counts
    finally:
        await engine.stop()
