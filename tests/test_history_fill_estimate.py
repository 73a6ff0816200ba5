"""How long the long zoom's backfill still needs (livetop.history.backfill `Backfill.estimate`): from the requests
left and the rate the account really leaves it (its limit less its live demand, one request at a time at its
measured time), and "waits for spare capacity" when live polling takes it all. Against the simulator over real
HTTP on a manual clock, with a temp history file."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from conftest import load_sim_config
from livetop.history.backfill import Backfill
from livetop.history.longview import LongView
from livetop.history.store import DAY
from test_history_longview import NOW, SCENARIO, A, _drop_days, _hw_range, _live, _prefill


async def _zoomed(make_sim, sim_clock, tmp_path, days_gone: int):
    thread = make_sim(SCENARIO)
    config = load_sim_config(thread.sim.write_config(tmp_path / "c.toml", timeout="3s"))
    path = tmp_path / "history.sqlite"
    await _prefill(config, sim_clock, path, days=8)
    _drop_days(path, A.domain, [NOW // DAY - 1 - i for i in range(days_gone)])
    history, engine, recorder = await _live(config, sim_clock, path)
    view = LongView(history, engine.store, 7 * DAY)
    backfill = Backfill(view, engine)
    return thread, history, engine, recorder, view, backfill


async def _close(history, engine, recorder, view, backfill):
    await backfill.close()
    await view.close()
    recorder.close()
    await engine.stop()
    history.close()


async def test_the_estimate_follows_the_requests_left_and_the_accounts_spare_rate(make_sim, sim_clock, tmp_path):
    thread, history, engine, recorder, view, backfill = await _zoomed(make_sim, sim_clock, tmp_path, 3)
    seen = []
    # Read as the pieces are queued, before the first is asked (the backfill's listener runs first).
    view.on_loaded.append(lambda keys: seen.append((len(backfill._queues.get("hw", ())), backfill.estimate())))
    try:
        view.start()
        await view._task
        pieces, first = next((p, e) for p, e in seen if p)
        assert pieces >= 3 and first.requests == 2 * pieces  # one day a piece, both metrics
        cap = engine.store.capacities()["hw"]
        assert cap.poll_seconds is not None  # the live polls' measured time on the wire
        rate = min(cap.limit_per_minute - cap.demand_per_minute, 2 * 60.0 / cap.poll_seconds)
        assert first.seconds == pytest.approx(first.requests / rate * 60.0)
        assert first.text.startswith("filling, ~") and not first.blocked
        await asyncio.gather(*backfill._workers.values())
        done = backfill.estimate()
        assert done.requests == 0 and done.text == ""
        assert backfill.piece_seconds["hw"] > 0  # its own pace, for the next estimate
    finally:
        await _close(history, engine, recorder, view, backfill)


async def test_an_account_its_live_polls_saturate_leaves_the_backfill_waiting_and_says_so(
    make_sim, sim_clock, tmp_path
):
    thread, history, engine, recorder, view, backfill = await _zoomed(make_sim, sim_clock, tmp_path, 2)
    try:
        cap = engine.store.capacities()["hw"]
        # The account's live demand takes all its limit (as 1000 Huawei v1 domains do at 280 a minute).
        engine.store.set_capacities({"hw": replace(cap, demand_per_minute=cap.limit_per_minute * 1.5)})
        # Its live polls hold every slot: the backfill asks nothing meanwhile.
        runtime = engine.accounts["hw"]
        for _ in range(runtime.concurrency):
            await runtime.semaphore.acquire()
        thread.sim.reset()
        view.start()
        await view._task
        assert backfill.pending
        est = backfill.estimate()
        assert est.blocked == ("hw",) and est.seconds is None
        assert est.text == "filling, waits for spare capacity (hw)"
        await asyncio.sleep(0.3)
        assert not thread.sim.log and not backfill.asked
        for _ in range(runtime.concurrency):
            runtime.semaphore.release()
        await asyncio.gather(*backfill._workers.values())
        assert backfill.asked and not backfill.pending
    finally:
        await _close(history, engine, recorder, view, backfill)


async def test_nothing_older_than_the_vendors_look_back_is_asked_and_the_gap_is_said(make_sim, sim_clock, tmp_path):
    thread = make_sim(SCENARIO)
    config = load_sim_config(thread.sim.write_config(tmp_path / "c.toml", timeout="3s"))
    path = tmp_path / "history.sqlite"
    await _prefill(config, sim_clock, path, days=8)
    old_day, recent_day = NOW // DAY - 6, NOW // DAY - 2
    _drop_days(path, A.domain, [old_day, recent_day])
    history, engine, recorder = await _live(config, sim_clock, path)
    view = LongView(history, engine.store, 7 * DAY)
    # An API that answers 4 days back (the declared ones all reach past 30 days; the rule is the same).
    backfill = Backfill(view, engine, lookback=lambda account: 4 * DAY)
    try:
        thread.sim.reset()
        view.start()
        await view._task
        await asyncio.gather(*backfill._workers.values())
        oldest = NOW - 4 * DAY
        starts = [_hw_range(e)[0] for e in thread.sim.log if e.account == "hw"]
        assert starts and min(starts) >= oldest  # the recent day asked, nothing older than the look-back
        assert {s // DAY for s in starts} == {recent_day}
        assert backfill.beyond_lookback == {A: 4 * DAY}
        assert backfill.lookback_note() == "older than 4 d: not kept by the vendor (hw)"
        # The view stops saying "filling…" for what the vendor cannot give.
        assert view.snapshot().by_key[A].window_complete and not backfill.pending
    finally:
        await _close(history, engine, recorder, view, backfill)


def test_every_api_declares_its_look_back_with_its_source_as_its_client_clamps():
    from livetop.vendors.alibaba import timerules as alibaba
    from livetop.vendors.huawei import timerules as huawei_v1, v2_timerules as huawei_v2
    from livetop.vendors.jdcloud import openapi_timerules as jd_openapi, timerules as jd_opencdn
    from livetop.vendors.registry import api_spec
    from livetop.vendors.tencent import timerules as tencent

    clients = {("huawei", "v1"): huawei_v1.RETENTION, ("huawei", "v2"): huawei_v2.RETENTION,
               ("jdcloud", "opencdn"): jd_opencdn.LOOKBACK, ("jdcloud", "openapi"): jd_openapi.LOOKBACK,
               ("alibaba", "live"): alibaba.LOOKBACK, ("tencent", "bill"): tencent.LOOKBACK}
    for (vendor, api), clamp in clients.items():
        spec = api_spec(vendor, api)
        assert spec.lookback_seconds == clamp.total_seconds(), (vendor, api)
        assert spec.lookback_source, (vendor, api)
