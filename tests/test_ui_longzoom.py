"""The 7d and 30d zooms as a person uses them (App.run_test + Pilot): `-` past 24h reads the history file,
the status line and the sparkline header say the window, the rows carry the disk's figures, the drilldown
charts the long window, `+` comes back; without a history the zoom stops at 24h and says why once."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from conftest import SIM_START, load_sim_config
from livetop.engine import DomainKey, Engine
from livetop.history.store import DAY, History
from livetop.model import format_bps
from livetop.ui.app import LivetopApp
from livetop.ui.long_zoom import NO_HISTORY
from livetop.ui.screens.drilldown import DrilldownScreen
from test_history_longview import A, SCENARIO, _prefill, _truth
from test_ui_app import lines, overview_screen, until

pytestmark = pytest.mark.usefixtures("no_user_themes")
NOW = int(SIM_START.timestamp())


def _app(config, clock, history=None) -> LivetopApp:
    engine = Engine(config, clock, stagger=False)
    return LivetopApp(config, engine, clock=clock, watch_terminal=False, persist_theme=False, history=history)


async def test_zoom_to_7d_and_30d_reads_the_history_and_back(make_sim, sim_clock, tmp_path):
    thread = make_sim(SCENARIO)
    config = replace(load_sim_config(thread.sim.write_config(tmp_path / "c.toml", timeout="3s")),
                     window_seconds=3600)
    path = tmp_path / "history.sqlite"
    full = await _prefill(config, sim_clock, path, days=8)
    history = History(path, sim_clock)
    app = _app(config, sim_clock, history)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            screen = overview_screen(app)
            await until(pilot, lambda: screen.overview.snapshot is not None
                        and all(d.status == "ok" for d in screen.overview.snapshot.domains), "first data")
            # Faster than anything lands: four presses reach 7d at once.
            await pilot.press("minus", "minus", "minus", "minus")
            assert app.long_zoom.view is not None and app.long_zoom.view.window_seconds == 7 * DAY
            assert app.engine.store.window_seconds == DAY  # the engine keeps 24 h for the newest part
            await until(pilot, lambda: app.long_zoom.view.complete_load
                        and screen.overview.snapshot.window_seconds == 7 * DAY
                        and screen.overview.snapshot.by_key[A].window_complete, "the week from disk")
            await until(pilot, lambda: "window 7d" in screen.status_bar.plain
                        and "filling" not in screen.status_bar.plain
                        and "LAST 7d" in lines(screen.overview)[0], "the week on screen")
            d = screen.overview.snapshot.by_key[A]
            start = NOW - 7 * DAY - (NOW - 7 * DAY) % 3600
            bw, tr = _truth(full, A, start, int(app.engine.store.domain(A).settled_before.timestamp()))
            row = next(line for line in lines(screen.overview) if "play.example.com" in line)
            assert format_bps(max(v for _, v in bw)) in row  # the week's peak, from disk
            assert d.peak_bps == pytest.approx(max(v for _, v in bw), abs=0.5)
            # The drilldown at 7d: hourly chart, p95 "computing…" then from disk.
            app.open_drilldown(A)
            await until(pilot, lambda: isinstance(app.screen, DrilldownScreen)
                        and app.screen.query("#dd-title"), "the drilldown")
            dd = app.screen
            await until(pilot, lambda: app.long_zoom.view.domain(A).p95_bps is not None, "p95 from disk")
            dd.update_view()
            await until(pilot, lambda: "window 7d" in str(dd.query_one("#dd-title").render()), "the title at 7d")
            await pilot.press("escape")
            await pilot.press("minus")
            assert app.long_zoom.view.window_seconds == 30 * DAY
            await until(pilot, lambda: screen.overview.snapshot.window_seconds == 30 * DAY
                        and app.long_zoom.view.complete_load, "the month from disk")
            await until(pilot, lambda: "window 30d" in screen.status_bar.plain, "the status line at 30d")
            await pilot.press("minus")  # the longest
            await pilot.press("plus", "plus")
            assert app.long_zoom.view is None and app.engine.store.window_seconds == DAY
            await until(pilot, lambda: "window 1d" in screen.status_bar.plain, "the status line at 1d")
            assert screen.store is app.engine.store
    finally:
        history.close()


async def test_without_history_the_zoom_stops_at_24h_and_says_why_once(make_sim, sim_clock, tmp_path):
    thread = make_sim(SCENARIO)
    config = replace(load_sim_config(thread.sim.write_config(tmp_path / "c.toml", timeout="3s")),
                     window_seconds=DAY)
    app = _app(config, sim_clock)
    said = []
    app.notify = lambda message, **kw: said.append(message)  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        await pilot.press("minus", "minus", "minus")
        assert app.engine.store.window_seconds == DAY and app.long_zoom.view is None
        assert said.count(NO_HISTORY) == 1
        assert said[-1] == "already at 1d, the longest window without history"
        await asyncio.sleep(0)
