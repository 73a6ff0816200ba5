"""The error panel tells kinds of errors apart by what they mean, not only by code, and a long code stays
identifiable where room is short (the overview's error column at 80 columns)."""

from __future__ import annotations

import json

import pytest
from textual.app import App, ComposeResult

from livetop.clock import ManualClock
from livetop.engine.store import DomainKey, Store
from livetop.ui.error_groups import code_within, group_errors
from livetop.ui.widgets.error_panel import ErrorPanel
from livetop.vendors.catalog import decode
from livetop.ui.screens.drilldown import DrilldownScreen
from tests.test_ui_app import lines, make_app, plain, started, ui_scenario, until, write_config
from tests.test_ui_overview import T0, _record

pytestmark = pytest.mark.usefixtures("no_user_themes")  # tests/conftest.py

ACCOUNT = "jd-api"


def jd_refusal(message: str):
    """JD OpenAPI's 401, decoded by the catalog as livetop decodes it from the wire: one code, a variant per
    message."""
    body = {"requestId": "req-1", "error": {"code": 401, "status": "UNAUTHENTICATED", "message": message}}
    return decode("jdcloud", 401, json.dumps(body).encode(), api="openapi")


class PanelApp(App):
    def compose(self) -> ComposeResult:
        yield ErrorPanel(id="errors")


async def test_two_meanings_of_one_code_are_two_groups_each_with_its_own_title():
    clock = ManualClock(T0)
    store = Store(clock, window_seconds=3600, stale_after_seconds=60)
    refusals = {
        "play-a.example.com": jd_refusal("signature does not match"),
        "play-b.example.com": jd_refusal("signature does not match"),
        "play-c.example.com": jd_refusal("request date too far from server time"),
    }
    for name, error in refusals.items():
        key = DomainKey(ACCOUNT, name)
        store.ensure(key, "jdcloud", None)
        store.record_failure(key, error, _record(clock, ok=False, code=error.code), halted=True)
    assert {e.code for e in refusals.values()} == {"UNAUTHENTICATED"}
    app = PanelApp()
    async with app.run_test(size=(100, 30)) as pilot:
        panel = app.query_one(ErrorPanel)
        panel.show(group_errors(store.snapshot()))
        await pilot.pause()
        assert [(g.code, g.error.title, len(g.domains)) for g in panel.groups] == [
            ("UNAUTHENTICATED", "signature rejected", 2),
            ("UNAUTHENTICATED", "request date rejected", 1),
        ]
        text = panel.plain_text(100)
        assert "Errors: 2 kinds on 3 domains" == panel.border_title
        for group in panel.groups:  # each says its own meaning and names its own domains
            assert group.error.meaning[:40] in " ".join(text.split())
        date_part = text[text.index("request date rejected"):]
        assert "play-c.example.com" in date_part and "play-a.example.com" not in date_part


def test_a_long_code_is_cut_keeping_its_distinctive_end():
    code = "ResourceNotFound.DomainNotExist"
    assert code_within(code, 40) == code
    assert code_within(code, 20) == "Resou…DomainNotExist"
    assert code_within(code, 15) == "…DomainNotExist"
    assert code_within(code, 12) == "Res…NotExist"  # the last part alone does not fit: the middle goes
    assert code_within("LIVE.100011007", 10) == "…100011007"
    assert code_within("SOME_VERY_LONG_CODE_NAME", 10) == "SOM…E_NAME"  # no dot: the middle goes
    assert code_within(code, 20, ascii_mode=True) == "Resou~DomainNotExist"
    for width in range(1, 40):
        assert len(code_within(code, width)) <= width


async def test_a_long_code_keeps_its_distinctive_end_in_the_error_column_at_80_columns(
    make_sim, sim_clock, tmp_path
):
    sim = make_sim(ui_scenario())
    app = make_app(write_config(sim, tmp_path), sim_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await started(pilot, app)
        key = next(d.key for d in app.store.snapshot().domains if d.error and d.error.code.startswith("ResourceNot"))
        await pilot.press("slash", *"DomainNot", "enter")  # the filter matches error codes
        await until(pilot, lambda: screen.overview.visible_domain_count == 1, "the one Tencent row")
        await pilot.pause()
        row = next(t for t in lines(screen.overview) if t.startswith("✖"))
        assert "DomainNotExist" in row and "DomainNotExis…" not in row, row
        # The panel and the drilldown show it whole.
        screen.set_error_panel(True)
        await pilot.pause()
        assert "ResourceNotFound.DomainNotExist" in screen.error_panel.plain_text(78)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DrilldownScreen), "the drilldown")
        await pilot.pause()
        drawn = plain(app.screen.query_one("#dd-error-first").content, 78)
        assert app.screen.key == key and "ResourceNotFound.DomainNotExist" in drawn
