"""The drilldown tells the vendor's own words from livetop's: a vendor's refusal is quoted as `vendor “…”`,
while what livetop says about an answer it could not use (a garbled body, an oversized or trickling answer,
a timeout) is `livetop “…”` — those words were never the vendor's."""

from __future__ import annotations

import pytest
from textual.css.query import NoMatches

from livetop.ui.screens.drilldown import DrilldownScreen
from tests.test_ui_app import make_app, plain, started, ui_scenario, until, write_config

pytestmark = pytest.mark.usefixtures("no_user_themes")  # tests/conftest.py

GARBLED = "play.vod-mirror.example.cn"  # demo fault "malformed": livetop words what is wrong with the body
NOT_OWNED = "play.legacy-event.example.com"  # demo fault "not_owned": Huawei's own refusal message


def _drawn(app) -> str:
    screen = app.screen
    if not isinstance(screen, DrilldownScreen):
        return ""
    try:  # pushed, maybe not composed yet
        first = screen.query_one("#dd-error-first")
        widget = first if first.display else screen.query_one("#dd-errors")
    except NoMatches:
        return ""
    return plain(widget.content, 118)


async def test_the_drilldown_labels_livetops_own_words_apart_from_the_vendors(make_sim, sim_clock, tmp_path):
    sim = make_sim(ui_scenario())
    app = make_app(write_config(sim, tmp_path), sim_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, app)
        errors = {d.key.domain: (d.key, d.error) for d in app.store.snapshot().domains if d.error is not None}
        for domain, label, other in ((GARBLED, "livetop", "vendor"), (NOT_OWNED, "vendor", "livetop")):
            key, error = errors[domain]
            assert error.raw_source == label, error
            app.open_drilldown(key)
            await until(pilot, lambda: f"{label} “" in _drawn(app), f"{domain}'s quoted message")
            drawn = _drawn(app)
            assert f"{other} “" not in drawn, drawn
            # The quote is the error's raw message (its first words: the rest may wrap).
            assert f"{label} “{error.raw_message[:30]}" in drawn, drawn
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, DrilldownScreen), "the overview again")
