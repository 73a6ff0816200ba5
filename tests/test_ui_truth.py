"""Issue 10 on the real app (Pilot, real engine, simulator over HTTP): quick zooms converge and say filling
until they do, provisional buckets on screen, the keys a user reached for (p, ctrl+c, v, h, feedback), the
error panel's re-open policy and size, the drilldown of a failing domain, [keys] conflicts, NO_COLOR."""

from __future__ import annotations

from dataclasses import replace

import pytest
from rich.style import Style

from livetop.engine import DomainKey
from livetop.ui.screens.drilldown import DrilldownScreen
from tests.test_ui_app import (
    SIZE,
    lines,
    make_app,
    plain,
    record_notices,
    started,
    ui_scenario,
    until,
    write_config,
)

pytestmark = pytest.mark.usefixtures("no_user_themes")


def messages(notices: list) -> list[str]:
    return [str(n.message) for n in notices]


async def test_quick_zooms_say_filling_until_the_whole_window_is_there(make_sim, sim_clock, tmp_path):
    sim = make_sim(ui_scenario())
    app = make_app(write_config(sim, tmp_path), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot, app)
        healthy = [d.key for d in app.store.snapshot().domains if d.error is None]
        held = healthy[0]
        app.engine.pause(held)  # its backfill waits: the row must say so for as long as it does
        await pilot.press("minus", "minus", "minus")  # 1h -> 24h, faster than any fetch
        assert app.store.window_seconds == 24 * 3600
        await until(
            pilot,
            lambda: all(app.store.window_complete(k) for k in healthy if k != held),
            "every running domain to hold the whole 24 h",
        )
        ov = screen.overview

        def held_row() -> str:
            return next(t for t in lines(ov) if f" {app.store.domain(held).display} " in t)

        await until(
            pilot,
            lambda: "filling…" in held_row() and "filling" in screen.status_bar.plain,
            "the paused domain's row and the status line to say filling",
        )
        for key in healthy:
            if key != held:
                d = app.store.domain(key)
                assert not d.filling and len(d.bandwidth) >= 24 * 12 - 1
        app.engine.resume(held)
        await until(pilot, lambda: app.store.window_complete(held), "the paused domain's backfill")
        await until(pilot, lambda: "filling" not in screen.status_bar.plain, "the status line to stop filling")
        assert not any("filling…" in t for t in lines(ov))


async def test_p_pauses_and_resumes_the_selected_domain_with_feedback(make_sim, sim_clock, tmp_path):
    sim = make_sim(ui_scenario())
    app = make_app(write_config(sim, tmp_path), sim_clock)
    said = record_notices(app)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot, app)
        key = screen.overview.selected_key
        await pilot.press("p")
        await until(pilot, lambda: app.store.domain(key).status == "paused", "the pause")
        assert app.engine.loop_state(key).paused and any(f"paused {key.domain}" in n for n in messages(said))
        await until(pilot, lambda: any(t.startswith("‖") for t in lines(screen.overview)), "the paused mark")
        await pilot.press("p")
        await until(pilot, lambda: app.store.domain(key).status != "paused", "the resume")
        assert any(f"resumed {key.domain}" in n for n in messages(said))


async def test_keys_that_looked_dead_say_what_they_did(make_sim, sim_clock, tmp_path):
    sim = make_sim(ui_scenario())
    app = make_app(write_config(sim, tmp_path), sim_clock)
    # Every notice as it is posted: a 2 s toast may have expired (wall clock) before a loaded machine looks.
    posted: list[str] = []
    notify = app.notify

    def record(message, *args, **kwargs):
        posted.append(str(message))
        return notify(message, *args, **kwargs)

    app.notify = record
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, app)
        await pilot.press("plus")  # already at 1h
        await pilot.press("R")
        await pilot.press("t")
        await until(pilot, lambda: any(n == f"theme {app.theme}" for n in posted), "the theme's notice")
        said = posted
        assert any("already at 1h" in n for n in said)
        assert any(f"refreshing all {len(app.store.keys())} domains" in n for n in said)
        for _ in range(3):
            await pilot.press("minus")
        await pilot.press("minus")
        # No history in this app: the fourth `-` says why the window stops at 1d (livetop.ui.long_zoom).
        await until(pilot, lambda: any("stops at 1d" in n for n in posted), "why the zoom stops at 1d")


async def test_ctrl_c_quits(make_sim, sim_clock, tmp_path):
    sim = make_sim(ui_scenario())
    app = make_app(write_config(sim, tmp_path), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, app)
        await pilot.press("slash", "x")  # even with the filter line focused
        await pilot.press("ctrl+c")
        await pilot.pause(0.2)
        assert app._exit


async def test_the_error_panel_stays_hidden_once_the_user_hid_it(make_sim, sim_clock, tmp_path):
    sim = make_sim(ui_scenario())
    app = make_app(write_config(sim, tmp_path), sim_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await started(pilot, app)
        await until(pilot, lambda: screen.error_panel_open, "the panel to open for the first errors")
        # At 80x24 the overview keeps most of the screen (once the panel is laid out).
        await until(pilot, lambda: screen.error_panel.size.height > 0, "the panel's layout")
        assert screen.error_panel.size.height <= 8 and screen.overview.size.height >= 12
        await pilot.press("e")
        assert not screen.error_panel_open
        # A new kind of error arrives: the panel stays hidden (only e opens it again).
        screen._seen_error_kinds = frozenset()
        screen.refresh_view()
        await pilot.pause(0.2)
        assert not screen.error_panel_open
        await pilot.press("e")
        assert screen.error_panel_open


async def test_the_drilldown_of_a_failing_domain_without_data_shows_the_error_first(make_sim, sim_clock, tmp_path):
    sim = make_sim(ui_scenario())
    app = make_app(write_config(sim, tmp_path), sim_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot, app)
        failing = next(d for d in app.store.snapshot().domains if d.error is not None and not len(d.bandwidth))
        app.open_drilldown(failing.key)
        await until(
            pilot, lambda: isinstance(app.screen, DrilldownScreen) and app.screen.query("#dd-error-first"),
            "the drilldown",
        )
        first = app.screen.query_one("#dd-error-first")
        await until(pilot, lambda: first.display and first.region.height > 0, "the error's place on screen")
        assert first.region.y < 24 and first.region.y <= 3
        assert not app.screen.query_one("#bandwidth-chart").display
        assert failing.error.code in plain(first.content, 80)


async def test_a_key_bound_to_two_actions_warns_naming_both_and_the_loser_keeps_its_default(
    make_sim, sim_clock, tmp_path
):
    sim = make_sim(ui_scenario())
    config = write_config(sim, tmp_path)
    config = replace(config, keys={"app.refresh": "s"})  # s already sorts
    app = make_app(config, sim_clock)
    notices = record_notices(app)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot, app)
        said = messages(notices)
        assert any("'app.refresh'" in n and "'overview.sort'" in n for n in said), said
        before = screen.overview.sort
        await pilot.press("s")  # still sorts
        await until(pilot, lambda: screen.overview.sort != before, "s to sort")
        await pilot.press("r")  # refresh kept its default key
        await until(pilot, lambda: any(n.startswith("refreshing ") for n in messages(notices)), "r to refresh")


async def test_under_no_color_a_failure_is_emphasised_not_dimmed(make_sim, sim_clock, tmp_path, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    sim = make_sim(ui_scenario())
    app = make_app(write_config(sim, tmp_path), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot, app)
        ov = screen.overview
        failing = next(d for d in app.store.snapshot().domains if d.error is not None)
        y = next(i for i, t in enumerate(lines(ov)) if failing.error.code in t)
        styles = [seg.style or Style() for seg in ov.render_line(y) if failing.error.code in seg.text]
        assert styles and all(s.bold and s.reverse for s in styles)


async def test_v_and_h_toggle_the_flat_view_and_hostnames(make_sim, sim_clock, tmp_path):
    sim = make_sim(ui_scenario())
    app = make_app(write_config(sim, tmp_path), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot, app)
        ov = screen.overview
        await pilot.press("v")
        await until(pilot, lambda: ov.flat and "flat" in screen.status_bar.plain, "the flat view")
        assert not any(" total (" in t and "all accounts" not in t for t in lines(ov))
        await pilot.press("h")
        await until(pilot, lambda: ov.hostnames and lines(ov)[0].split()[0] == "HOST", "the hostnames")
        labelled = next(d for d in app.store.snapshot().domains if d.label)
        assert not any(f" {labelled.label} " in t for t in lines(ov))
        key: DomainKey = ov.selected_key
        assert key is not None
