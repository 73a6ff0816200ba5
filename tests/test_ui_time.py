"""Time moving on without new data: ages and stale marks follow the clock, cheaply, on every screen. Real app,
real engine, simulator over HTTP, a ManualClock shared by both (the data ages only when a test says so)."""

from __future__ import annotations

import pytest

from livetop.ui.feed import next_time_change
from livetop.ui.screens.drilldown import DrilldownScreen
from tests.conftest import demo_scenario_for_tests
from tests.test_ui_app import (
    SIZE,
    lines,
    make_app,
    started,
    ui_scenario,
    unthrottled_healthy,
    until,
    write_config,
)

pytestmark = pytest.mark.usefixtures("no_user_themes")


async def test_the_drilldown_title_turns_stale_with_time_alone(make_sim, sim_clock, tmp_path):
    sim = make_sim(ui_scenario())
    app = make_app(write_config(sim, tmp_path), sim_clock, tick_seconds=0.2)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, app)
        healthy = unthrottled_healthy(app)
        app.open_drilldown(healthy)
        await until(
            pilot,
            lambda: isinstance(app.screen, DrilldownScreen) and app.screen.query("#dd-title"),
            "the drilldown",
        )
        title = app.screen.query_one("#dd-title")
        await until(pilot, lambda: " · ok · " in title.render().plain, "the title to say ok")
        sim_clock.advance(app.store.stale_after_seconds + 1)  # no poll comes in that time (refresh is 30 s)
        await until(pilot, lambda: " · stale · " in title.render().plain, "the title to say stale")


async def test_a_tick_with_no_new_data_moves_the_ages_without_a_snapshot(make_sim, sim_clock, tmp_path):
    sim = make_sim(demo_scenario_for_tests().scaled(12, keep_faults=False))
    app = make_app(write_config(sim, tmp_path), sim_clock, tick_seconds=0.2)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot, app)
        ov = screen.overview
        await until(pilot, lambda: ov.snapshot.version == app.store.version, "the feed to catch up")
        snapshots = []
        real_snapshot = app.store.snapshot
        app.store.snapshot = lambda: (snapshots.append(1), real_snapshot())[1]
        stale_after = app.store.stale_after_seconds
        # Nothing is fetched in this test (refresh is 30 s): only the clock moves. First to when the oldest
        # bucket leaves the window: that needs a snapshot.
        due = next_time_change(ov.snapshot, stale_after)
        oldest = ov.snapshot.domains[0].bandwidth.times[0]
        sim_clock.advance((due - sim_clock.now()).total_seconds())
        await until(
            pilot, lambda: ov.snapshot.domains[0].bandwidth.times[0] > oldest, "the window to move on"
        )
        assert snapshots
        snapshots.clear()
        assert (next_time_change(ov.snapshot, stale_after) - sim_clock.now()).total_seconds() > 10
        sim_clock.advance(5)  # ages move on 5 s: nothing else changes
        await until(pilot, lambda: any(" 5s " in t for t in lines(ov)[1:]), "the ages to read 5s")
        assert snapshots == [] and "12 ok" in screen.status_bar.plain
        sim_clock.advance(stale_after)  # now every domain's data is stale: a status change, due by the clock
        await until(pilot, lambda: "12 stale" in screen.status_bar.plain, "the stale marks")
        assert snapshots
