"""A viewer attached to a collector (`livetop --remote URL`) shows what a local livetop shows: the same rows,
the same drilldown figures; `r` is forwarded, a zoom beyond the collector's window is refused with a message,
and a collector that goes away turns the screen stale with a reconnect countdown."""

from __future__ import annotations

import pytest

from livetop.engine import Engine
from livetop.remote.source import RemoteSource
from livetop.ui.app import LivetopApp
from livetop.ui.screens.drilldown import DrilldownScreen, Figures
from tests.test_serve import start_collector
from tests.test_ui_app import SIZE, lines, started, ui_scenario, until

pytestmark = pytest.mark.usefixtures("no_user_themes")
TALL = (120, 90)


async def screen_of(app: LivetopApp, domain: str, size=SIZE) -> tuple[list[str], dict, str]:
    async with app.run_test(size=size) as pilot:
        screen = await started(pilot, app)
        rows = lines(screen.overview)
        if isinstance(app.engine, RemoteSource):
            await until(pilot, lambda: "⇄" in screen.status_bar.render().plain, "the collector on the status line")
        status = screen.status_bar.render().plain
        ov = screen.overview
        while ov.selected_key is None or ov.selected_key.domain != domain:
            await pilot.press("j")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DrilldownScreen), "the drilldown")
        await pilot.pause()
        figures = dict(app.screen.query_one(Figures)._pairs)
    return rows, figures, status


async def test_a_remote_viewer_shows_the_same_rows_and_figures_as_a_local_one(make_sim, sim_clock, tmp_path):
    thread = make_sim(ui_scenario())
    collector = await start_collector(thread, tmp_path, sim_clock)
    config = collector.config
    try:
        local = LivetopApp(config, Engine(config, sim_clock, stagger=False), clock=sim_clock,
                           persist_theme=False, watch_terminal=False, watch_config=False)
        # Tall enough for every row beside the error panel: neither screen scrolls or drops a row.
        local_rows, local_figures, local_status = await screen_of(local, "play.concert.example.cn", TALL)
        source = RemoteSource(collector.url, clock=sim_clock)
        remote = LivetopApp(config, source, clock=sim_clock, persist_theme=False, watch_terminal=False,
                            watch_config=False)
        remote_rows, remote_figures, status = await screen_of(remote, "play.concert.example.cn", TALL)
        # Row for row, character for character (the panels below may be laid out a frame apart).
        assert [r for r in remote_rows if r.strip()] == [r for r in local_rows if r.strip()]
        assert len([r for r in remote_rows if r.strip()]) > len(config.accounts) + sum(
            len(a.domains) for a in config.accounts)
        assert remote_figures == local_figures and "bps" in remote_figures["now"]
        where = collector.url.split("://")[1]
        assert status.startswith(f"⇄ {where} · ") and status.removeprefix(f"⇄ {where} · ") == local_status
    finally:
        await collector.stop()


async def test_a_remote_viewer_forwards_r_refuses_a_long_zoom_and_shows_a_collector_gone(
    make_sim, sim_clock, tmp_path
):
    thread = make_sim(ui_scenario())
    collector = await start_collector(thread, tmp_path, sim_clock)
    source = RemoteSource(collector.url, clock=sim_clock)
    app = LivetopApp(collector.config, source, clock=sim_clock, persist_theme=False, watch_terminal=False,
                     watch_config=False, tick_seconds=0.1)
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = await started(pilot, app)
            before = len(thread.sim.log)
            await pilot.press("r")
            await until(pilot, lambda: len(thread.sim.log) > before, "the collector to poll")
            await pilot.press("minus")  # 1h -> 3h: more than the collector keeps
            await until(pilot, lambda: any("collector keeps 1h" in str(n.message)
                                           for n in app._notifications), "the refusal")
            assert screen.status_bar.render().plain.count("window 1h") == 1
            await collector.stop()
            await until(pilot, lambda: "reconnecting in" in screen.status_bar.render().plain, "the countdown")
            rows = lines(screen.overview)
            shown = [r for r in rows if r[:1] in "●◐✖·‖" and r.strip()]
            assert shown and all(r.startswith("◐") for r in shown), shown
    finally:
        await collector.stop()
