"""The 7 d and 30 d zooms (livetop.history.longview, .backfill) against the simulator over real HTTP, on a
manual clock, with a temp history file: the window comes from disk, missing days are asked of the vendor
(only those), and the figures equal those computed from the full 5-minute data."""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from conftest import SIM_START, load_sim_config
import livetop.engine.engine as engine_module
from livetop.engine import DomainKey, Engine
from livetop.engine.series import percentile_95
from livetop.history.backfill import Backfill
from livetop.history.longview import COMPUTING, LongView, long_step
from livetop.history.recorder import HistoryRecorder
from livetop.history.rollup import rollup
from livetop.history.store import DAY, History

SCENARIO = {
    "seed": "longview-tests", "latency_ms": 0, "latency_jitter_ms": 0,
    "accounts": [
        {"name": "hw", "vendor": "huawei", "auth": "aksk", "project_id": "0a" * 16, "rate_per_second": 1000.0,
         "burst": 200.0, "domains": ["play.example.com", "vod.example.com"]},
    ],
}
A = DomainKey("hw", "play.example.com")
B = DomainKey("hw", "vod.example.com")
NOW = int(SIM_START.timestamp())


def _hw_range(entry) -> tuple[int, int]:
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    start, end = (datetime.strptime(entry.params[k], fmt).replace(tzinfo=SIM_START.tzinfo) for k in
                  ("start_time", "end_time"))
    return int(start.timestamp()), int(end.timestamp())


async def _prefill(config, clock, path, days: int):
    """A livetop that ran with a `days`-long window: its settled buckets on disk. Returns its snapshot
    (the full 5-minute data, the figures' truth)."""
    history = History(path, clock)
    engine = Engine(replace(config, window_seconds=days * DAY), clock=clock, stagger=False)
    recorder = HistoryRecorder(history, engine)
    engine.history = recorder
    try:
        snap = await engine.poll_all_once()
        await recorder.flush()
        return snap
    finally:
        recorder.close()
        await engine.stop()
        history.close()


async def _live(config, clock, path):
    """The running TUI's side at a long zoom: the engine at 24 h, served from disk, recording."""
    history = History(path, clock)
    engine = Engine(replace(config, window_seconds=DAY), clock=clock, stagger=False)
    recorder = HistoryRecorder(history, engine)
    engine.history = recorder
    await engine.poll_all_once()
    return history, engine, recorder


def _truth(full, key, start: int, settled_before: int):
    d = full.by_key[key]
    bw = [(t, v) for t, v in d.bandwidth if start <= t < settled_before]
    tr = [(t, v) for t, v in d.traffic if start <= t < settled_before]
    return bw, tr


def _check_figures(long_d, bw, tr):
    values = [v for _, v in bw]
    assert len(values) > 100
    # The disk keeps bandwidth to the bit per second: each value within 0.5 of the vendor's.
    assert long_d.peak_bps == pytest.approx(max(values), abs=0.5)
    assert long_d.traffic_bytes == pytest.approx(sum(v for _, v in tr), abs=0.5 * len(tr))
    assert long_d.mean_bps == pytest.approx(sum(values) / len(values), abs=0.5)
    top_at = bw[values.index(max(values))][0]
    assert int(long_d.peak_at.timestamp()) == top_at


async def test_a_7d_zoom_shows_the_disk_and_its_figures_equal_the_5_minute_data(make_sim, sim_clock, tmp_path):
    thread = make_sim(SCENARIO)
    config = load_sim_config(thread.sim.write_config(tmp_path / "c.toml", timeout="3s"))
    path = tmp_path / "history.sqlite"
    full = await _prefill(config, sim_clock, path, days=8)
    history, engine, recorder = await _live(config, sim_clock, path)
    view = LongView(history, engine.store, 7 * DAY)
    try:
        thread.sim.reset()
        view.start()
        await view._task
        assert not thread.sim.log  # everything came from disk
        snap = view.snapshot()
        assert snap.window_seconds == 7 * DAY
        step = long_step(7 * DAY)
        start = NOW - 7 * DAY - (NOW - 7 * DAY) % step
        for key in (A, B):
            d = snap.by_key[key]
            live = engine.store.domain(key)
            assert d.window_complete and not d.filling
            assert d.bucket_seconds == 3600 and d.live is live
            assert d.bandwidth.times[0] == start  # a week of hourly buckets, from disk
            assert len(d.bandwidth) == (NOW - start) // 3600
            bw, tr = _truth(full, key, start, int(live.settled_before.timestamp()))
            _check_figures(d, bw, tr)
            # The sparkline series: each hour's highest 5-minute value (settled and provisional alike).
            all_bw = [(t, v) for t, v in full.by_key[key].bandwidth if t >= start]
            hourly = rollup([t for t, _ in all_bw], [v for _, v in all_bw], 3600)
            assert list(d.bandwidth.times) == list(hourly.times)
            assert list(d.bandwidth.values) == pytest.approx(list(hourly.peak), abs=0.5)
            # What is about now is the live store's.
            assert d.bandwidth_now == live.bandwidth_now and d.change_ratio == live.change_ratio
            assert d.p95_bps is None  # the overview's snapshot does not read every domain's buckets
        # The drilldown asks for one domain: p95 is computed from disk off the loop, "computing…" until then.
        first = view.domain(A)
        assert first.p95_bps is None and first.p95_note == COMPUTING
        await asyncio.gather(*view._p95_tasks.values())
        d = view.domain(A)
        bw, _ = _truth(full, A, start, int(engine.store.domain(A).settled_before.timestamp()))
        assert d.p95_bps == pytest.approx(percentile_95([v for _, v in bw]), abs=0.5)
        # Account total: the peak of the bucket-wise sum, not the sum of the peaks.
        total = snap.accounts[0]
        sums: dict[int, float] = {}
        for key in (A, B):
            for t, v in _truth(full, key, start, int(engine.store.domain(key).settled_before.timestamp()))[0]:
                sums[t] = sums.get(t, 0.0) + v
        assert total.peak_bps == pytest.approx(max(sums.values()), abs=1.0)
        assert total.peak_bps < snap.by_key[A].peak_bps + snap.by_key[B].peak_bps
        assert total.traffic_bytes == pytest.approx(snap.by_key[A].traffic_bytes + snap.by_key[B].traffic_bytes)
        assert total.complete
    finally:
        await view.close()
        recorder.close()
        await engine.stop()
        history.close()


def _drop_days(path, domain: str, days: list[int]) -> None:
    db = sqlite3.connect(path)
    sid = db.execute("SELECT series_id FROM series WHERE domain = ?", (domain,)).fetchone()[0]
    db.executemany("DELETE FROM points WHERE series_id = ? AND day = ?", [(sid, d) for d in days])
    db.commit()
    db.close()


async def test_missing_days_are_backfilled_from_the_vendor_and_only_they(make_sim, sim_clock, tmp_path):
    thread = make_sim(SCENARIO)
    config = load_sim_config(thread.sim.write_config(tmp_path / "c.toml", timeout="3s"))
    path = tmp_path / "history.sqlite"
    full = await _prefill(config, sim_clock, path, days=8)
    gone = [NOW // DAY - 4, NOW // DAY - 3]  # livetop was not running for two days
    _drop_days(path, A.domain, gone)
    history, engine, recorder = await _live(config, sim_clock, path)
    view = LongView(history, engine.store, 7 * DAY)
    backfill = Backfill(view, engine)
    try:
        thread.sim.reset()
        view.start()
        await view._task
        d = view.snapshot().by_key[A]
        assert not d.window_complete and d.filling  # the screen says "filling…" while the days are fetched
        assert view.snapshot().by_key[B].window_complete
        await asyncio.gather(*backfill._workers.values())
        asked = [_hw_range(e) for e in thread.sim.log if e.account == "hw"]
        assert asked and backfill.requests == len(asked)
        lo, hi = gone[0] * DAY, (gone[-1] + 1) * DAY
        assert all(lo <= a and b <= hi for a, b in asked), asked  # only the missing days
        assert {a for a, _ in asked} == {lo, lo + DAY}  # each asked once (a day per request, two metrics)
        assert len(asked) == 4
        snap = view.snapshot()
        d = snap.by_key[A]
        assert d.window_complete and not d.filling
        step = long_step(7 * DAY)
        start = NOW - 7 * DAY - (NOW - 7 * DAY) % step
        bw, tr = _truth(full, A, start, int(engine.store.domain(A).settled_before.timestamp()))
        _check_figures(d, bw, tr)
        assert snap.accounts[0].complete
        # Written to disk: a new view needs nothing from the vendor.
        thread.sim.reset()
        again = LongView(history, engine.store, 7 * DAY)
        again_fill = Backfill(again, engine)
        again.start()
        await again._task
        assert again.snapshot().by_key[A].window_complete and not again_fill.pending
        assert not [e for e in thread.sim.log if e.account == "hw"]
        await again.close()
    finally:
        await backfill.close()
        await view.close()
        recorder.close()
        await engine.stop()
        history.close()


async def test_the_view_follows_the_live_window_as_time_moves_on(make_sim, sim_clock, tmp_path):
    thread = make_sim(SCENARIO)
    config = load_sim_config(thread.sim.write_config(tmp_path / "c.toml", timeout="3s"))
    path = tmp_path / "history.sqlite"
    full = await _prefill(config, sim_clock, path, days=8)
    history, engine, recorder = await _live(config, sim_clock, path)
    view = LongView(history, engine.store, 7 * DAY)
    try:
        view.start()
        await view._task
        edge = view.disk_edge
        sim_clock.advance(3 * 3600)  # the live window's start passes close to the disk edge
        await engine.poll_all_once()
        await recorder.flush()
        view.snapshot()  # notices and reads the hours between from disk
        await view._task
        assert view.disk_edge > edge
        snap = view.snapshot()
        now = NOW + 3 * 3600
        start = now - 7 * DAY - (now - 7 * DAY) % 3600
        d = snap.by_key[A]
        assert d.window_complete and d.bandwidth.times[0] == start
        live = engine.store.domain(A)
        bw = [(t, v) for t, v in full.by_key[A].bandwidth if start <= t]
        bw += [(t, v) for t, v in live.settled_bandwidth if t > full.by_key[A].bandwidth.times[-1]]
        settled = int(live.settled_before.timestamp())
        bw = [(t, v) for t, v in bw if t < settled]
        assert d.peak_bps == pytest.approx(max(v for _, v in bw), abs=0.5)
    finally:
        await view.close()
        recorder.close()
        await engine.stop()
        history.close()


async def test_a_failing_domain_is_not_backfilled_while_it_fails(make_sim, sim_clock, tmp_path, monkeypatch):
    # The one-shot polls that fill the file and start the engine wait out one throttling answer, not twelve
    # (each 1 s): the domain fails all the same, 20 s sooner.
    monkeypatch.setattr(engine_module, "ONCE_MAX_THROTTLED", 1)
    scenario = {**SCENARIO, "throttle_retry_after": 1, "accounts": [
        {**SCENARIO["accounts"][0], "domains": ["play.example.com", {"name": "busy.example.com", "fault": "throttle"}]},
    ]}
    thread = make_sim(scenario)
    config = load_sim_config(thread.sim.write_config(tmp_path / "c.toml", timeout="3s"))
    path = tmp_path / "history.sqlite"
    await _prefill(config, sim_clock, path, days=8)
    _drop_days(path, A.domain, [NOW // DAY - 2])
    history, engine, recorder = await _live(config, sim_clock, path)
    busy = DomainKey("hw", "busy.example.com")
    assert engine.store.domain(busy).status == "error"
    view = LongView(history, engine.store, 7 * DAY)
    backfill = Backfill(view, engine)
    try:
        thread.sim.reset()
        view.start()
        await view._task
        for _ in range(2400):  # 2 min at most: the bound turns a hang into a failure
            if not backfill.pending:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError(f"the backfill still has {backfill.pending} ranges to ask")
        asked = {e.params.get("domain") for e in thread.sim.log}
        assert asked == {A.domain}, asked  # the missing day of the healthy domain; the failing one not asked
        assert busy in backfill.waiting and not backfill.failures
        snap = view.snapshot()
        assert snap.by_key[A].window_complete and not snap.by_key[busy].window_complete
    finally:
        await backfill.close()
        await view.close()
        recorder.close()
        await engine.stop()
        history.close()
