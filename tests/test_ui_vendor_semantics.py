"""What a figure means differs by vendor API: the drilldown says it where the API declares it (JD's OpenAPI
reports each period's average bandwidth; an undeclared API's caption stays as it was)."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from livetop.engine.store import DomainKey
from livetop.ui.screens.drilldown import DrilldownScreen
from tests.test_ui_app import SIZE, make_app, started, ui_scenario, until, write_config

pytestmark = pytest.mark.usefixtures("no_user_themes")  # tests/conftest.py


async def test_the_drilldown_caption_says_jd_openapi_bandwidth_is_an_average(make_sim, sim_clock, tmp_path):
    sim = make_sim(ui_scenario())
    config = write_config(sim, tmp_path)
    app = make_app(config, sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, app)
        for key, says_average in (
            (DomainKey("jd-openapi", "play.mall.example.cn"), True),
            (DomainKey("jd-live", "live.shop.example.com"), False),
        ):
            app.open_drilldown(key)
            await until(pilot, lambda: isinstance(app.screen, DrilldownScreen), "the drilldown")
            await pilot.pause()
            caption = str(app.screen.query_one("#bandwidth-caption", Static).render())
            assert caption.startswith("Bandwidth, last 1h (")
            assert ("each point the average of its bucket" in caption) is says_average, caption
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, DrilldownScreen), "the overview")
