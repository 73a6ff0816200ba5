"""Time moving on without new data: ages and stale marks follow the clock, cheaply, on every screen. Real app,
real engine, simulator over HTTP, a ManualClock shared by both (the data ages only when a test says so)."""

from __future__ import annotations

import pytest

from livetop.ui.feed import next_time_change
from livetop.ui.screens.drilldown import DrilldownScreen, Figures
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
        healthy = await unthrottled_healthy(pilot, app)
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
        # First to when the oldest bucket leaves the window: that needs a snapshot (and makes polls due).
        due = next_time_change(ov.snapshot, stale_after)
        oldest = ov.snapshot.domains[0].bandwidth.times[0]
        sim_clock.advance((due - sim_clock.now()).total_seconds())
        await until(
            pilot, lambda: ov.snapshot.domains[0].bandwidth.times[0] > oldest, "the window to move on"
        )
        assert snapshots
        # That jump made every domain due: wait for those polls to land (a refused one retried) and be shown.
        loops = [lp for rt in app.engine.accounts.values() for lp in rt.loops.values()]
        await until(
            pilot,
            lambda: "12 ok" in screen.status_bar.plain and not any(lp.in_flight for lp in loops)
            and ov.snapshot.version == app.store.version,
            "the polls the jump made due to land",
        )
        snapshots.clear()
        assert (next_time_change(ov.snapshot, stale_after) - sim_clock.now()).total_seconds() > 15
        sim_clock.advance(15)  # ages move on one 15 s step: nothing else changes
        await until(pilot, lambda: any(" 15s " in t for t in lines(ov)[1:]), "the ages to read 15s")
        assert snapshots == [] and "12 ok" in screen.status_bar.plain
        sim_clock.advance(stale_after)  # now every domain's data is stale: a status change, due by the clock
        await until(pilot, lambda: "12 stale" in screen.status_bar.plain, "the stale marks")
        assert snapshots


def screen_lines(app) -> list[str]:
    return ["".join(segment.text for segment in strip) for strip in app.screen._compositor.render_strips()]


def group_rows(text: list[str], code: str) -> set[int]:
    """The screen rows of the error panel's group for `code`: its head line down to the next group's."""
    first = next(i for i, line in enumerate(text) if f"✖ {code} " in line)
    end = next((i for i in range(first + 1, len(text)) if "✖ " in text[i]), len(text))
    return set(range(first, end))


async def test_a_retry_that_changes_one_error_group_repaints_only_that_group(make_sim, sim_clock, tmp_path):
    from textual._compositor import ChopsUpdate, LayoutUpdate

    sim = make_sim(ui_scenario())
    app = make_app(write_config(sim, tmp_path), sim_clock)
    async with app.run_test(size=(140, 100)) as pilot:
        screen = await started(pilot, app)
        panel = screen.error_panel
        throttled, halted = "APIGW.0308", "LIVE.100011001"  # retried every second / never retried
        await until(
            pilot,
            lambda: all(f"✖ {code} " in "\n".join(screen_lines(app)) for code in (throttled, halted)),
            "both groups on screen",
        )
        halted_key = next(g for g in panel.groups if g.code == halted)
        rows = group_rows(screen_lines(app), halted)
        written: set[int] = set()
        real_display = app._display

        def spy(target, renderable):
            if isinstance(renderable, ChopsUpdate):
                written.update(y for y, _, _ in renderable.spans)
            elif isinstance(renderable, LayoutUpdate):
                written.update(range(renderable.region.y, renderable.region.bottom))
            return real_display(target, renderable)

        app._display = spy
        # A known start: the panel closed and opened again is painted whole; once that frame is out, every
        # later write is a change.
        # (Closed on screen first: both keys handled within one frame would leave nothing to paint.)
        await pilot.press("e")
        await until(
            pilot,
            lambda: not screen.error_panel_open and f"✖ {halted} " not in "\n".join(screen_lines(app)),
            "the panel to close on screen",
        )
        await pilot.press("e")
        await until(pilot, lambda: rows <= written, "the reopened panel to be painted")
        # ...in as many frames as a loaded machine takes: settled once a moment passes without the halted
        # group being written (the throttled group changes every second meanwhile; a bug that repaints the
        # whole panel on each change is caught below all the same).
        for _ in range(100):
            written.clear()
            await pilot.pause(0.3)
            if not written & rows:
                break
        written.clear()
        before = next(g for g in panel.groups if g.code == throttled).error.raw_message
        # The vendor gives each refusal a new request id: the group's latest message changes...
        await until(
            pilot,
            lambda: next(g for g in panel.groups if g.code == throttled).error.raw_message != before,
            "a new throttling answer",
        )
        latest = next(g for g in panel.groups if g.code == throttled).error.raw_message
        await until(pilot, lambda: latest[-20:] in "\n".join(screen_lines(app)), "the new message on screen")
        await until(pilot, lambda: bool(written), "the repaint")
        # ...and only that group is written: the halted group's lines stay as they are on the terminal.
        assert next(g for g in panel.groups if g.code == halted) == halted_key
        assert group_rows(screen_lines(app), halted) == rows
        assert not written & rows, (sorted(written), sorted(rows))


async def test_after_a_zoom_out_figures_say_filling_until_the_backfill_lands(make_sim, sim_clock, tmp_path):
    sim = make_sim(ui_scenario())
    app = make_app(write_config(sim, tmp_path), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot, app)
        healthy = await unthrottled_healthy(pilot, app)
        app.engine.pause(healthy)  # its backfill waits until the test resumes it
        app.open_drilldown(healthy)
        await until(
            pilot, lambda: isinstance(app.screen, DrilldownScreen) and app.screen.query(Figures), "drill"
        )
        drill = app.screen

        def figures() -> dict[str, str]:
            return dict(drill.query_one(Figures)._pairs)

        def caption() -> str:
            return str(drill.query_one("#bandwidth-caption").render())

        await until(pilot, lambda: "traffic (1h)" in figures(), "the 1h figures")
        one_hour = figures()["traffic (1h)"]
        await pilot.press("minus")  # 1h -> 3h: only 1h of data is there until the domain polls again
        await until(pilot, lambda: "traffic (filling…)" in figures(), "the figures to say filling")
        assert figures()["traffic (filling…)"] == one_hour and "filling" in caption()
        # Peak, p95 and average cover the hour that is in, not the 3 h the window says: marked, not shown as 3 h's.
        marked = {"peak (filling…)", "95th percentile (filling…)", "average (filling…)"}
        assert marked <= set(figures()) and not {"peak", "95th percentile", "average"} & set(figures())
        drawn = drill.query_one(Figures).render().plain
        assert all(label in drawn for label in marked)
        assert "window 3h filling…" in screen.status_bar.plain
        app.engine.resume(healthy)  # it polls now: the whole 3 h window
        await until(pilot, lambda: "traffic (3h)" in figures(), "the 3h figures")
        assert {"peak", "95th percentile", "average"} <= set(figures()) and "filling" not in str(figures())
        assert "filling" not in caption() and app.store.domain(healthy).traffic_bytes > 0
        await pilot.press("escape")
        await until(pilot, lambda: "filling" not in screen.status_bar.plain, "every backfill to land")
        assert "window 3h" in screen.status_bar.plain
