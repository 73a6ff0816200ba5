"""The demo's Tencent account on screen, driven as a person would: its rows carry the TC mark and decoded
errors, and its drilldown says what the figures are (the API's declared note, no vendor branch in the UI)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from livetop.engine.store import DomainKey
from livetop.ui.screens.drilldown import DrilldownScreen
from livetop.vendors.registry import api_spec
from tests.conftest import demo_scenario_for_tests
from tests.test_ui_app import lines, make_app, overview_screen, started, until, write_config

pytestmark = pytest.mark.usefixtures("no_user_themes")  # tests/conftest.py


async def test_tencent_rows_and_the_drilldown_note(make_sim, sim_clock, tmp_path):
    demo = demo_scenario_for_tests()
    scenario = replace(demo, accounts=tuple(a for a in demo.accounts if a.name in ("tc-live", "jd-live")))
    config = write_config(make_sim(scenario), tmp_path)
    app = make_app(config, sim_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, app)
        text = lines(overview_screen(app).overview)
        music = next(t for t in text if " Music festival " in t)
        assert music.startswith("● ") and " TC " in music
        removed = next(t for t in text if " Domain removed " in t)
        # The code is longer than the column: cut in the middle, its distinctive end kept.
        assert removed.startswith("✖") and "ResourceNo…DomainNotExist" in removed

        await pilot.press("escape")
        app.open_drilldown(DomainKey("tc-live", "play.music-fest.example.com"))
        await until(pilot, lambda: isinstance(app.screen, DrilldownScreen), "the Tencent drilldown")
        await pilot.pause()
        note = str(app.screen.query_one("#dd-source").content)
        assert note == api_spec("tencent", "bill").data_note
        assert "5-minute" in note and "one day per request" in note

        await pilot.press("escape")
        app.open_drilldown(DomainKey("jd-live", "live.shop.example.com"))
        await until(pilot, lambda: app.screen.key.account == "jd-live", "the JD drilldown")
        await pilot.pause()
        assert str(app.screen.query_one("#dd-source").content) == api_spec("jdcloud").data_note
