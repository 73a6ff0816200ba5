"""History in the engine, against the simulator's request log: a restart serves the window from disk and asks
the vendor only for what is missing; a zoom out serves what the disk has."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from conftest import SIM_START, load_sim_config
from livetop.engine import DomainKey, Engine
from livetop.history.recorder import HistoryRecorder
from livetop.history.store import History

SCENARIO = {
    "seed": "history-tests", "latency_ms": 0, "latency_jitter_ms": 0,
    "accounts": [
        {"name": "hw", "vendor": "huawei", "auth": "aksk", "project_id": "0a" * 16, "rate_per_second": 1000.0,
         "burst": 200.0, "domains": ["play.example.com"]},
        {"name": "jd", "vendor": "jdcloud", "rate_per_second": 1000.0, "burst": 200.0,
         "domains": ["jd.example.com"]},
    ],
}
KEY = DomainKey("hw", "play.example.com")


def _hw_start(entry) -> datetime:
    return datetime.strptime(entry.params["start_time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=SIM_START.tzinfo)


async def _run_once(config, clock, path):
    """One livetop process: open the history, poll once, flush, close. Returns the store snapshot."""
    history = History(path, clock)
    engine = Engine(config, clock=clock, stagger=False)
    recorder = HistoryRecorder(history, engine)
    engine.history = recorder
    try:
        snap = await engine.poll_all_once()
        await recorder.flush()
        return snap, engine, recorder
    finally:
        recorder.close()
        await engine.stop()
        history.close()


async def test_a_restart_asks_the_vendor_only_for_what_the_disk_lacks(make_sim, sim_clock, tmp_path):
    thread = make_sim(SCENARIO)
    config = replace(load_sim_config(thread.sim.write_config(tmp_path / "c.toml", timeout="3s")),
                     window_seconds=6 * 3600)
    path = tmp_path / "state" / "history.sqlite"

    first, _, recorder = await _run_once(config, sim_clock, path)
    assert recorder.rows_written >= 2  # both domains' day rows
    hw = [e for e in thread.sim.log if e.account == "hw"]
    assert {_hw_start(e) for e in hw} == {SIM_START - timedelta(hours=6)}  # the whole window, once
    full = first.by_key[KEY]
    assert len(full.bandwidth) == 72

    sim_clock.advance(20 * 60)  # livetop was closed for 20 minutes
    thread.sim.reset()
    second, _, _ = await _run_once(config, sim_clock, path)
    hw = [e for e in thread.sim.log if e.account == "hw"]
    assert len(hw) == 2  # bandwidth and traffic, once each
    settled_before = SIM_START - timedelta(seconds=600 + 300)  # the newest bucket settled at the first run
    for entry in hw:
        start = _hw_start(entry)
        # From the first bucket the disk lacks: just after what had settled, never the window's start.
        assert settled_before < start <= settled_before + timedelta(minutes=5), start
    jd = [e for e in thread.sim.log if e.account == "jd"]
    assert len(jd) == 1 and jd[0].params.get("start_time", "") > "2026-11-20 19:4"  # Beijing time, not 6 h back
    snap = second.by_key[KEY]
    assert len(snap.bandwidth) == 72 and snap.status == "ok"  # the full 6 h window again, from disk + vendor
    old = dict(zip(full.bandwidth.times, full.bandwidth.values))
    new = dict(zip(snap.bandwidth.times, snap.bandwidth.values))
    settled = [t for t in old if t <= int(settled_before.timestamp()) and t in new]
    assert len(settled) > 60 and all(abs(new[t] - old[t]) <= 0.5 for t in settled)  # same figures, from disk


async def test_history_off_or_empty_changes_nothing(make_sim, sim_clock, tmp_path):
    thread = make_sim(SCENARIO)
    config = replace(load_sim_config(thread.sim.write_config(tmp_path / "c.toml", timeout="3s")),
                     window_seconds=3600)
    await _run_once(config, sim_clock, tmp_path / "h.sqlite")  # empty disk: the whole window from the vendor
    hw = [e for e in thread.sim.log if e.account == "hw"]
    assert {_hw_start(e) for e in hw} == {SIM_START - timedelta(hours=1)}


async def test_a_zoom_out_is_served_from_disk(make_sim, sim_clock, tmp_path):
    thread = make_sim(SCENARIO)
    config = load_sim_config(thread.sim.write_config(tmp_path / "c.toml", timeout="3s"))
    path = tmp_path / "history.sqlite"
    await _run_once(replace(config, window_seconds=86400), sim_clock, path)  # a day on disk

    history = History(path, sim_clock)
    engine = Engine(replace(config, window_seconds=3600), clock=sim_clock, stagger=False)
    recorder = HistoryRecorder(history, engine)
    engine.history = recorder
    try:
        await engine.poll_all_once()
        assert len(engine.store.domain(KEY).bandwidth) == 12
        thread.sim.reset()
        engine.set_window(86400)  # zoom out to 24 h
        await engine.poll_all_once()
        hw = [e for e in thread.sim.log if e.account == "hw"]
        edge = SIM_START - timedelta(minutes=15)
        assert hw and all(_hw_start(e) > edge for e in hw)  # not 24 h back: the disk had it
        snap = engine.store.domain(KEY)
        assert len(snap.bandwidth) == 288 and snap.window_complete
    finally:
        recorder.close()
        await engine.stop()
        history.close()
