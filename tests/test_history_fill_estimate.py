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
from test_history_longview import NOW, SCENARIO, A, _drop_days, _live, _prefill


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
