"""Keys typed faster than a screen or panel opens or closes (a quick typist, tmux send-keys, a paste): every key
acts where the screen it was typed on would put it. A key that opens or closes a screen is handled as the app
reads it (a priority binding), so the keys queued behind it reach the new screen, not the one going away."""

from __future__ import annotations

import pytest

from livetop.ui.screens.alerts import AlertsScreen
from livetop.ui.screens.drilldown import DrilldownScreen
from livetop.ui.screens.help import HelpScreen
from livetop.ui.screens.overview import OverviewScreen
from tests.test_ui_app import SIZE, make_app, started, ui_scenario, until, write_config
from tests.test_ui_keys import burst

pytestmark = pytest.mark.usefixtures("no_user_themes")  # tests/conftest.py


def stack(app) -> list[str]:
    return [type(s).__name__ for s in app.screen_stack]


async def settled(pilot) -> None:
    """Every key of a burst handled: the app's and the screens' queues drained."""
    for _ in range(3):
        await pilot.pause()


async def test_keys_behind_the_alerts_key_reach_the_panel_and_then_the_overview(make_sim, sim_clock, tmp_path):
    sim = make_sim(ui_scenario())
    app = make_app(write_config(sim, tmp_path), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot, app)
        sort = screen.overview.sort
        burst(app, "a", "escape", "s")  # open, close, then sort the overview
        await until(pilot, lambda: screen.overview.sort != sort, "`s` to sort the overview")
        await settled(pilot)
        assert stack(app) == ["OverviewScreen"]
        burst(app, "a", "a", "a")  # open, close, open
        await until(pilot, lambda: isinstance(app.screen, AlertsScreen), "the alerts panel")
        await settled(pilot)
        assert stack(app) == ["OverviewScreen", "AlertsScreen"]
        burst(app, "q", "s")  # q closes the panel (never quits from it); s sorts the overview behind it
        sort = screen.overview.sort
        await until(pilot, lambda: screen.overview.sort != sort, "`s` to sort the overview")
        await settled(pilot)
        assert app.is_running and stack(app) == ["OverviewScreen"]


async def test_keys_behind_help_reach_the_help_and_then_the_overview(make_sim, sim_clock, tmp_path):
    sim = make_sim(ui_scenario())
    app = make_app(write_config(sim, tmp_path), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot, app)
        sort = screen.overview.sort
        burst(app, "question_mark", "escape", "s")
        await until(pilot, lambda: screen.overview.sort != sort, "`s` to sort the overview")
        await settled(pilot)
        assert stack(app) == ["OverviewScreen"]
        burst(app, "question_mark", "q", "question_mark")  # open, close (q closes help, never quits), open
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        await settled(pilot)
        assert app.is_running and stack(app) == ["OverviewScreen", "HelpScreen"]


async def test_enter_and_esc_typed_quickly_open_and_close_the_drilldown(make_sim, sim_clock, tmp_path):
    sim = make_sim(ui_scenario())
    app = make_app(write_config(sim, tmp_path), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot, app)
        ov = screen.overview
        first = ov.selected_key
        burst(app, "enter", "escape", "j")  # open, close, then the cursor moves on the overview
        await until(pilot, lambda: ov.selected_key != first, "`j` to move the cursor")
        await settled(pilot)
        assert stack(app) == ["OverviewScreen"]
        second = ov.selected_key
        burst(app, "escape", "enter")  # Esc on the overview (clears nothing), Enter opens the drilldown
        await until(pilot, lambda: isinstance(app.screen, DrilldownScreen), "the drilldown")
        assert app.screen.key == second
        burst(app, "escape", "j", "enter")  # back, down one, open that one
        await until(
            pilot,
            lambda: isinstance(app.screen, DrilldownScreen) and app.screen.key != second,
            "the next domain's drilldown",
        )
        await settled(pilot)
        assert stack(app) == ["OverviewScreen", "DrilldownScreen"] and app.screen.key == ov.selected_key
        burst(app, "backspace", "s")  # Backspace closes it too; `s` sorts the overview
        sort = ov.sort
        await until(pilot, lambda: ov.sort != sort, "`s` to sort the overview")
        await settled(pilot)
        assert stack(app) == ["OverviewScreen"]


async def test_the_error_panel_key_in_a_burst_toggles_and_the_rest_reach_the_overview(
    make_sim, sim_clock, tmp_path
):
    sim = make_sim(ui_scenario())
    app = make_app(write_config(sim, tmp_path), sim_clock, )
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot, app)
        ov = screen.overview
        was_open = screen.error_panel_open
        first = ov.selected_key
        burst(app, "e", "j", "e", "e", "s")  # toggle three times, move, sort
        sort = ov.sort
        await until(pilot, lambda: ov.sort != sort, "`s` to sort the overview")
        await settled(pilot)
        assert screen.error_panel_open != was_open and ov.selected_key != first and ov.has_focus
        burst(app, "tab", "e", "j")  # focus the panel (it scrolls), hide it: the cursor keys go back to the rows
        before = ov.selected_key
        await until(pilot, lambda: ov.selected_key != before, "`j` to move the cursor")
        assert screen.error_panel_open == was_open and ov.has_focus


async def test_panels_opened_from_the_drilldown_close_back_to_it_in_a_burst(make_sim, sim_clock, tmp_path):
    sim = make_sim(ui_scenario())
    app = make_app(write_config(sim, tmp_path), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot, app)
        ov = screen.overview
        burst(app, "enter", "a", "escape", "question_mark", "escape", "escape", "s")
        sort = ov.sort
        await until(pilot, lambda: ov.sort != sort, "`s` to sort the overview")
        await settled(pilot)
        assert stack(app) == ["OverviewScreen"]
        burst(app, "enter", "question_mark", "q", "a")  # help over the drilldown, closed, then the alerts
        await until(pilot, lambda: isinstance(app.screen, AlertsScreen), "the alerts panel")
        await settled(pilot)
        assert app.is_running and stack(app) == ["OverviewScreen", "DrilldownScreen", "AlertsScreen"]
