"""How the screens are drawn: the ANSI theme stays within the 16 colours, NO_COLOR is honoured, 80x24 reads,
and nothing is redrawn when nothing changed. Real app, real engine, simulator over HTTP."""

from __future__ import annotations

from dataclasses import replace

import pytest
from rich.color import ColorType
from textual.filter import Monochrome

from livetop.ui.screens.drilldown import DrilldownScreen
from livetop.ui.widgets.overview import Overview
from tests.conftest import painted
from tests.test_ui_overview import drawn_cells, wire_spy
from tests.test_ui_app import lines, make_app, started, ui_scenario, until, write_config

ANSI_TYPES = {ColorType.STANDARD, ColorType.DEFAULT}


pytestmark = pytest.mark.usefixtures("no_user_themes")  # tests/conftest.py


def colour_types(app) -> set[ColorType]:
    types = set()
    for strip in app.screen._compositor.render_strips():
        for segment in strip:
            style = segment.style
            if style is None:
                continue
            for colour in (style.color, style.bgcolor):
                if colour is not None:
                    types.add(colour.type)
    return types


async def test_the_ansi_theme_draws_every_screen_with_the_16_colours(make_sim, sim_clock, tmp_path):
    sim = make_sim(ui_scenario())
    config = write_config(sim, tmp_path)
    config = replace(config, ui=replace(config.ui, theme="livetop-ansi"))
    app = make_app(config, sim_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await started(pilot, app)
        assert app.theme == "livetop-ansi" and screen.error_panel_open
        await pilot.pause(0.3)
        assert colour_types(app) <= ANSI_TYPES
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DrilldownScreen), "the drilldown")
        await pilot.pause(0.3)
        assert colour_types(app) <= ANSI_TYPES
        await pilot.press("escape", "t")  # the next theme (dark) is truecolor: the check can tell them apart
        await until(
            pilot, lambda: app.theme == "livetop-dark" and ColorType.TRUECOLOR in colour_types(app), "the dark theme"
        )


async def test_no_color_turns_the_screen_monochrome(make_sim, sim_clock, tmp_path, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    sim = make_sim(ui_scenario())
    app = make_app(write_config(sim, tmp_path), sim_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, app)
        assert app.no_color and any(isinstance(f, Monochrome) for f in app._filters)


async def test_80x24_keeps_domain_bandwidth_and_error_and_the_footer_keys(make_sim, sim_clock, tmp_path):
    sim = make_sim(ui_scenario())
    config = write_config(sim, tmp_path)
    app = make_app(config, sim_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await started(pilot, app)
        text = lines(screen.overview)
        assert "NOW" in text[0] and "ERROR" in text[0] and "PEAK" not in text[0]
        assert all(len(t) <= 80 for t in text)
        assert screen.overview.size.height >= 10  # the error panel leaves the overview room
        footer = " ".join(
            app.get_key_display(b.binding) for b in screen.active_bindings.values() if b.binding.show
        )
        for key in ("/", "s", "f", "e", "?", "q"):
            assert key in footer.split()
        status = screen.status_bar.plain
        assert status.startswith(f"{len(screen.overview.snapshot.domains)} domains")
        assert len(status.splitlines()[0]) <= 78


async def test_unchanged_rows_are_not_redrawn_when_a_failing_domain_fails_again(
    make_sim, sim_clock, tmp_path
):
    sim = make_sim(ui_scenario())
    app = make_app(write_config(sim, tmp_path), sim_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await started(pilot, app)
        ov: Overview = screen.overview
        failing = next(d for d in ov.snapshot.domains if d.error is not None and d.halted)
        await painted(pilot)  # the first answers' paint is not the repaint this test is about
        written = wire_spy(app, partial_only=True)  # the overview's own repaints
        version = app.store.domain(failing.key).version
        app.engine.refresh(failing.key)  # it fails again with the same error: a new version, the same text
        await until(pilot, lambda: app.store.domain(failing.key).version > version + 1, "the retry")
        retried = app.store.domain(failing.key).version
        # A negative is only worth checking once the overview has the new version (and has had its chance
        # to repaint): wait for the delivery, then for the screen to settle.
        await until(
            pilot, lambda: ov.snapshot.by_key[failing.key].version >= retried, "the feed to deliver the retry"
        )
        await painted(pilot)
        row = next(i for i, t in enumerate(lines(ov)) if f" {failing.display} " in t)
        terminal_row = ov.region.y + row + 1
        content = ov.scrollable_content_region
        assert not [
            (y, x, text) for y, x, text in drawn_cells(written) if y == terminal_row and x <= content.right
        ], written
