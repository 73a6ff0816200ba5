"""Settled and provisional buckets, and whole-window coverage: the store's arithmetic (pure, on a manual clock),
the snapshot JSON, and the engine converging on the whole window when zooms come faster than fetches."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from livetop import report
from livetop.clock import ManualClock
from livetop.engine import DomainKey, Engine
from livetop.engine.store import CHANGE_BUCKETS, RequestRecord, Store
from livetop.engine.totals import account_total
from livetop.model import FetchResult, Sample

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
KEY = DomainKey("acc", "play.example.com")


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def record(clock: ManualClock, start: datetime, end: datetime) -> RequestRecord:
    return RequestRecord(clock.now(), True, 200, "", 10.0, 2, start, end)


def store_with(
    values: dict[int, float], *, settle_minutes: int, now_minutes: float = 0.0
) -> tuple[Store, ManualClock]:
    """One domain, 5-minute buckets starting at T0 + each key (minutes), bandwidth = value, traffic = 10 x value."""
    clock = ManualClock(at(now_minutes))
    store = Store(clock, window_seconds=3600, stale_after_seconds=60)
    store.ensure(KEY, "huawei", None, bucket_seconds=300, settle_seconds=settle_minutes * 60)
    bw = [Sample(at(m), v) for m, v in sorted(values.items())]
    tr = [Sample(at(m), 10 * v) for m, v in sorted(values.items())]
    store.record_success(KEY, FetchResult(bw, tr), record(clock, at(-60), clock.now()), covered_from=at(-65))
    return store, clock


def test_buckets_younger_than_the_settle_delay_are_provisional_and_left_out_of_billing_figures():
    # Now is 12:00:30. With a 10-minute settle delay, buckets starting before floor(11:50:30) = 11:50 are
    # settled: 11:35, 11:40, 11:45; 11:50 and 11:55 are still being filled by the vendor, and 12:00 has begun.
    values = {-25: 100.0, -20: 400.0, -15: 200.0, -10: 900.0, -5: 50.0, 0: 10.0}
    store, _ = store_with(values, settle_minutes=10, now_minutes=0.5)
    d = store.snapshot().by_key[KEY]
    assert d.settled_before == at(-10)
    assert d.settled_buckets == 3 and d.provisional_buckets == 3
    assert [int(t) for t in d.settled_bandwidth.times] == [int(at(m).timestamp()) for m in (-25, -20, -15)]
    assert d.newest_settled == at(-15) and d.newest_settled_bps == 200.0
    assert d.bandwidth_now == 10.0 and d.now_provisional
    assert d.is_provisional(at(-10)) and not d.is_provisional(at(-15))
    # The provisional 900 is not the peak: the vendor may still change it.
    assert (d.peak_bps, d.peak_at) == (400.0, at(-20))
    assert d.mean_bps == (100.0 + 400.0 + 200.0) / 3
    assert d.p95_bps == 400.0
    assert d.traffic_bytes == 7000.0 and d.provisional_traffic_bytes == 9600.0


def test_a_bucket_settles_once_its_time_has_come_and_a_fetch_answered_since():
    values = {-25: 100.0, -20: 400.0, -15: 200.0, -10: 900.0, -5: 50.0}
    store, clock = store_with(values, settle_minutes=10, now_minutes=0.5)
    first = store.snapshot().by_key[KEY]
    assert first.peak_bps == 400.0
    clock.advance(5 * 60)  # 12:05:30: 11:50 is settled at the vendor, but the 900 held was fetched before that
    held = store.snapshot().by_key[KEY]
    assert held.settled_buckets == 3 and held.is_provisional(at(-10)) and held.peak_bps == 400.0
    # The fetch after the settle moment brings the vendor's final figure (revised to 950): now it counts.
    store.record_success(KEY, FetchResult([Sample(at(-10), 950.0)], [Sample(at(-10), 9500.0)]),
                         record(clock, at(-10), clock.now()))
    later = store.snapshot().by_key[KEY]
    assert later.settled_before == at(-5)
    assert later.settled_buckets == 4 and later.peak_bps == 950.0 and later.traffic_bytes == 16500.0
    assert later.version > held.version  # readers keyed on the version see it changed


def test_time_alone_settles_nothing_younger_than_the_last_fetch_allows():
    # A fetch at 12:05:30 (11:50 settled at 12:05:00) and time moving on: 11:55 settles at 12:10 only with
    # a fetch after that; until then the snapshot moves by time alone no further than the last fetch allows.
    values = {-25: 100.0, -20: 400.0, -15: 200.0, -10: 900.0, -5: 50.0}
    store, clock = store_with(values, settle_minutes=10, now_minutes=5.5)
    assert store.snapshot().by_key[KEY].settled_before == at(-5)
    clock.advance(6 * 60)  # 12:11:30, no fetch since 12:05:30
    d = store.snapshot().by_key[KEY]
    assert d.settled_before == at(-5) and d.settled_buckets == 4 and d.is_provisional(at(-5))


def test_with_no_settle_delay_only_the_bucket_under_way_is_provisional():
    store, _ = store_with({-10: 1.0, -5: 2.0, 0: 3.0}, settle_minutes=0, now_minutes=2)
    d = store.snapshot().by_key[KEY]
    assert d.settled_buckets == 2 and d.newest_settled == at(-5) and d.now_provisional


def test_the_change_ratio_compares_settled_buckets_only():
    # A drop from 1000 to 100 in the settled buckets; the provisional bucket's 5000 (half-filled) is ignored.
    values = {-40: 1000.0, -35: 1000.0, -30: 1000.0, -25: 1000.0, -20: 100.0, -15: 100.0, -10: 5000.0}
    store, _ = store_with(values, settle_minutes=10, now_minutes=0.5)
    d = store.snapshot().by_key[KEY]
    assert d.newest_settled == at(-15)
    assert CHANGE_BUCKETS == 3
    assert d.change_ratio == (100.0 - 1000.0) / 1000.0  # -15 against -30
    assert d.change_over(1) == 0.0


def test_account_totals_count_settled_buckets_and_settled_traffic():
    store, _ = store_with({-25: 100.0, -20: 400.0, -15: 200.0, -10: 900.0}, settle_minutes=10, now_minutes=0.5)
    t = store.snapshot().accounts[0]
    assert t.peak_bps == 400.0 and t.traffic_bytes == 7000.0 and t.provisional_traffic_bytes == 9000.0
    assert t.settled_before == at(-10) and t.now_provisional and t.complete


def test_a_total_is_settled_where_every_member_is():
    from livetop.engine.series import MutableSeries
    from livetop.engine.totals import Member

    def member(points, settled_before):
        s = MutableSeries()
        s.merge(Sample(datetime.fromtimestamp(t, tz=timezone.utc), v) for t, v in points.items())
        return Member(s.view(), 0.0, "huawei", False, True, settled_before=settled_before)

    total = account_total(
        "acc", [member({0: 1.0, 300: 9.0, 600: 1.0}, 600), member({0: 1.0, 300: 1.0, 600: 1.0}, 300)]
    )
    assert total.settled_before == datetime.fromtimestamp(300, tz=timezone.utc)
    assert total.peak_bps == 2.0  # 300 is settled for one member only: its 10 is not a peak yet


def test_the_window_is_complete_only_once_a_fetch_of_all_of_it_landed():
    clock = ManualClock(at(0))
    store = Store(clock, window_seconds=3600, stale_after_seconds=60)
    store.ensure(KEY, "huawei", None, bucket_seconds=300, settle_seconds=0)
    assert not store.window_complete(KEY)
    points = FetchResult([Sample(at(-5), 1.0)], [Sample(at(-5), 1.0)])
    store.record_success(KEY, points, record(clock, at(-5), at(0)))  # an incremental fetch: not the window
    assert not store.window_complete(KEY) and store.snapshot().by_key[KEY].filling
    store.record_success(KEY, points, record(clock, at(-60), at(0)), covered_from=at(-60))
    assert store.window_complete(KEY) and not store.snapshot().by_key[KEY].filling
    clock.advance(600)  # the window moves on: still complete
    assert store.window_complete(KEY)
    store.set_window(6 * 3600)  # zoom out: the longer window is not there yet
    assert not store.window_complete(KEY) and store.snapshot().by_key[KEY].filling
    assert store.snapshot().accounts[0].complete is False
    store.set_window(3600)  # back in: the hour is still complete
    assert store.window_complete(KEY)
    store.set_window(1800)  # in, then out again: what was trimmed must be fetched again
    store.set_window(3600)
    assert not store.window_complete(KEY)


def test_snapshot_json_says_what_is_provisional_and_settled():
    store, _ = store_with({-25: 100.0, -20: 400.0, -15: 200.0, -10: 900.0}, settle_minutes=10, now_minutes=0.5)
    doc = json.loads(report.to_json(store.snapshot()))
    d = doc["domains"][0]
    assert d["provisional"] is True and d["bandwidth_now_bps"] == 900.0
    assert d["newest_settled_bucket"] == "2026-11-20T11:45:00Z" and d["newest_settled_bps"] == 200.0
    assert d["settle_delay_seconds"] == 600 and d["window_complete"] is True
    assert d["traffic_bytes"] == 7000 and d["provisional_traffic_bytes"] == 9000
    assert doc["total"]["provisional"] is True and doc["total"]["traffic_bytes"] == 7000
    assert "settled buckets only" in report.to_table(store.snapshot())


# --- the engine: quick zooms converge ----------------------------------------------------------------------


def _scenario(latency_ms: float) -> dict:
    return {
        "seed": "settle-tests",
        "latency_ms": latency_ms,
        "latency_jitter_ms": 0,
        "accounts": [
            {"name": "hw", "vendor": "huawei", "auth": "aksk", "project_id": "0c" * 16, "rate_per_second": 1000.0,
             "burst": 200.0, "domains": ["a.example.com", "b.example.com", "c.example.com"]},
            {"name": "jd", "vendor": "jdcloud", "rate_per_second": 1000.0, "burst": 200.0,
             "domains": ["j.example.com"]},
        ],
    }


async def _wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.02)


async def test_zooms_faster_than_fetches_converge_on_the_whole_window(make_sim, sim_clock, tmp_path):
    from conftest import load_sim_config

    thread = make_sim(_scenario(latency_ms=250))  # every fetch takes a quarter of a second or more
    config = load_sim_config(thread.sim.write_config(tmp_path / "c.toml", timeout="5s"))
    config = replace(config, refresh_seconds=3600.0, window_seconds=3600)  # no poll but the zooms' own
    engine = Engine(config, clock=sim_clock, stagger=False)
    await engine.start()
    try:
        keys = engine.store.keys()
        await _wait_for(lambda: all(engine.store.window_complete(k) for k in keys))
        # Three zooms out, each while the previous one's fetches are still in flight.
        for window in (3 * 3600, 6 * 3600, 24 * 3600):
            engine.set_window(window)
            await asyncio.sleep(0.08)
        await _wait_for(lambda: all(engine.store.window_complete(k) for k in keys))
        zoomed = engine.store.snapshot()
    finally:
        await engine.stop()

    # The same 24 h, fetched in one go by a fresh engine: the same figures to the byte.
    fresh = Engine(replace(config, window_seconds=24 * 3600), clock=sim_clock, stagger=False)
    try:
        reference = await fresh.poll_all_once()
    finally:
        await fresh.stop()
    for d in zoomed.domains:
        ref = reference.by_key[d.key]
        assert not d.filling and len(d.bandwidth) == len(ref.bandwidth) >= 24 * 12
        assert (d.traffic_bytes, d.peak_bps, d.p95_bps) == (ref.traffic_bytes, ref.peak_bps, ref.p95_bps)
    assert zoomed.grand.traffic_bytes == reference.grand.traffic_bytes and zoomed.grand.complete


async def test_a_fetch_for_a_shorter_window_landing_after_a_zoom_out_does_not_end_the_backfill(
    make_sim, sim_clock, tmp_path
):
    """The exact race: a poll asks for 1 h, the window grows to 24 h while it is in flight, the 1 h answer
    lands. The domain must still be fetched for 24 h, and say it is filling until then."""
    from conftest import load_sim_config

    thread = make_sim(_scenario(latency_ms=300))
    config = load_sim_config(thread.sim.write_config(tmp_path / "c.toml", timeout="5s"))
    config = replace(config, refresh_seconds=3600.0, window_seconds=3600)
    engine = Engine(config, clock=sim_clock, stagger=False)
    await engine.start()
    try:
        key = DomainKey("hw", "a.example.com")
        lp = engine.loop_state(key)
        await _wait_for(lambda: lp.in_flight)  # the first fetch (1 h) is under way
        engine.set_window(24 * 3600)
        await _wait_for(lambda: engine.store.has_data(key))  # the 1 h answer landed
        assert engine.store.snapshot().by_key[key].filling or engine.store.window_complete(key)
        await _wait_for(lambda: engine.store.window_complete(key))
        assert len(engine.store.snapshot().by_key[key].bandwidth) >= 24 * 12
        asked = [r.range_end - r.range_start for r in engine.store.snapshot().by_key[key].requests]
        assert asked[-1] >= timedelta(hours=24)
    finally:
        await engine.stop()
