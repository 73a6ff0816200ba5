"""Alerts on screen, driven as a person would: the status line's count, the panel on `a`,
a toast and the optional bell - the real app and engine against the simulator."""

from __future__ import annotations

from dataclasses import replace

import pytest

from livetop.config.load import parse_config
from livetop.engine.store import DomainKey
from livetop.ui.screens.alerts import AlertsScreen
from tests.test_ui_app import SIZE, make_app, overview_screen, until

pytestmark = pytest.mark.usefixtures("no_user_themes")

SCENARIO = {
    "seed": "ui-alerts", "latency_ms": 0,
    "accounts": [{"name": "hw", "vendor": "huawei", "auth": "aksk", "domains": [
        {"name": "play.example.com", "label": "Final"}, "quiet.example.com",
    ]}],
}
RULES = [
    # Far below any real figure: holds on the settled buckets of the matched domain, at once.
    {"name": "NeedsMore", "kind": "below", "threshold": "1000Tbps", "level": "critical", "match": {"label": "Final"}},
    {"name": "Slow", "kind": "below", "threshold": "1000Tbps", "for": "10m", "match": {"domain": "quiet.*"}},
]


async def test_a_firing_alert_is_marked_counted_listed_and_rung(make_sim, sim_clock, tmp_path):
    sim = make_sim(SCENARIO)
    path = sim.sim.write_config(tmp_path / "livetop.toml", timeout="1s")
    from tests.conftest import load_sim_config

    config = load_sim_config(path)
    config = replace(config, alerts=parse_config({"alerts": RULES}).alerts, ui=replace(config.ui, alert_bell=True))
    app = make_app(config, sim_clock)
    rang = []
    app.bell = lambda: rang.append(True)  # the terminal bell, observed
    async with app.run_test(size=SIZE) as pilot:
        screen = overview_screen(app)
        await until(pilot, lambda: all(d.updated_at for d in app.store.snapshot().domains), "data")
        events = app.alerts.evaluate()  # what the 5 s timer does
        assert [(e.state, e.alert.rule.name) for e in events] == [("firing", "NeedsMore")]
        await pilot.pause()
        assert rang == [True]
        assert "⚑ 1 alert firing (a)" in screen.status_bar.plain
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, AlertsScreen), "the alerts panel")
        text = app.screen.plain()
        assert "CRITICAL" in text and "NeedsMore" in text and "play.example.com (Final)" in text
        assert "< 1000Tbps" in text
        assert "pending" in text and "Slow" in text and "fires after 10m" in text  # waiting out its `for`
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, AlertsScreen), "the panel to close")

        # The rule goes away with a config edit: its alert ends, the mark and the count go.
        app.alerts.apply_config(replace(config, alerts=()))
        app._alerts_changed([])
        await pilot.pause()
        assert "alert" not in screen.status_bar.plain
        assert DomainKey("hw", "play.example.com") not in screen.overview.alert_keys
