"""Alibaba in the TUI: its mark on the overview, and the drilldown saying its figures are monitoring data (the
API's own declaration, read through the vendor registry: no vendor branch in the UI)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from livetop.engine.store import DomainKey
from livetop.ui.screens.drilldown import DrilldownScreen
from tests.test_ui_app import SIZE, lines, make_app, started, ui_scenario, until, write_config

pytestmark = pytest.mark.usefixtures("no_user_themes")

NOTE = "monitoring data, not billing data"  # the API's own declaration (spec.data_note)


async def test_alibaba_rows_and_drilldown_caption(make_sim, sim_clock, tmp_path):
    scenario = ui_scenario()
    keep = {"ali-live", "hw-media"}
    sim = make_sim(replace(scenario, accounts=tuple(a for a in scenario.accounts if a.name in keep)))
    config = write_config(sim, tmp_path)
    app = make_app(config, sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot, app)
        shown = "\n".join(lines(screen.overview))
        assert "AL Fashion week" in shown and "InvalidDomain.NotFound" in shown
        for account, domain, noted in (
            ("ali-live", "play.fashion-week.example.cn", True),
            ("hw-media", "play.news.example.cn", False),
        ):
            app.open_drilldown(DomainKey(account, domain))
            await until(pilot, lambda: isinstance(app.screen, DrilldownScreen), "the drilldown")
            await pilot.pause()
            source = str(app.screen.query_one("#dd-source").content)
            assert (NOTE in source) is noted, source
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, DrilldownScreen), "the overview")
