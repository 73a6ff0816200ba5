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
        assert "< 1.00 Pbps" in text  # the threshold formatted like the value
        assert "pending" in text and "Slow" in text and "fires after 10m" in text  # waiting out its `for`
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, AlertsScreen), "the panel to close")

        # The rule goes away with a config edit: its alert ends, the mark and the count go.
        app.alerts.apply_config(replace(config, alerts=()))
        app._alerts_changed([])
        await pilot.pause()
        assert "alert" not in screen.status_bar.plain
        assert DomainKey("hw", "play.example.com") not in screen.overview.alert_keys


async def test_a_failing_hook_is_a_toast_and_a_panel_line_never_a_crash(make_sim, sim_clock, tmp_path):
    sim = make_sim(SCENARIO)
    path = sim.sim.write_config(tmp_path / "livetop.toml", timeout="1s")
    from tests.conftest import load_sim_config

    hooks = [
        {"name": "Pager", "kind": "below", "threshold": "1000Tbps", "match": {"domain": "play.*"},
         "on_fire": [str(tmp_path / "no-such-pager"), "--team", "live"]},
        {"name": "Broken", "kind": "below", "threshold": "1000Tbps", "match": {"domain": "quiet.*"},
         "on_fire": ["sh", "-c", "echo pager gateway said no >&2; exit 3"]},
    ]
    config = replace(load_sim_config(path), alerts=parse_config({"alerts": hooks}).alerts)
    app = make_app(config, sim_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = overview_screen(app)
        await until(pilot, lambda: all(d.updated_at for d in app.store.snapshot().domains), "data")
        assert len(app.alerts.evaluate()) == 2
        await app.alerts.hooks.drain()
        said = lambda: [(str(n.title), str(n.message)) for n in app._notifications]  # noqa: E731
        await until(pilot, lambda: any(t == "alert hooks failed" for t, _ in said()), "the hook toast")
        title, message = next((t, m) for t, m in said() if t == "alert hooks failed")
        assert message.startswith("2 hooks failed (Broken, Pager)") and "press a for the list" in message
        assert app.is_running and "⚑ 2 alerts firing" in screen.status_bar.plain
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, AlertsScreen), "the alerts panel")
        text = app.screen.plain()
        assert "hooks that failed" in text
        flat = "".join(text.split())  # a long hook path wraps at 80 columns
        assert "sh:exit3:pagergatewaysaidno" in flat and "no-such-pager:commandnotfound" in flat
        # 80 columns: every line fits the panel, nothing is cut with an ellipsis.
        assert all(len(line) <= 74 for line in text.splitlines()) and "…" not in text


async def test_the_alerts_key_pressed_quickly_toggles_the_panel(make_sim, sim_clock, tmp_path):
    sim = make_sim(SCENARIO)
    path = sim.sim.write_config(tmp_path / "livetop.toml", timeout="1s")
    from tests.conftest import load_sim_config

    config = replace(load_sim_config(path), alerts=parse_config({"alerts": RULES}).alerts)
    app = make_app(config, sim_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: all(d.updated_at for d in app.store.snapshot().domains), "data")
        app.alerts.evaluate()
        await pilot.press("a", "escape", "a", "a", "a")  # open, close, open, close, open
        await pilot.pause()
        assert isinstance(app.screen, AlertsScreen)
        assert sum(isinstance(s, AlertsScreen) for s in app.screen_stack) == 1
        await pilot.press("q", "a", "escape")  # q closes the panel, never quits from it
        await pilot.pause()
        assert app.is_running and not any(isinstance(s, AlertsScreen) for s in app.screen_stack)


def mark_of(overview, text: str):
    """(glyph, colour) of the status-mark cell on the overview line showing `text`; the colour is None on the
    cursor's line (the cursor's own colours cover the row)."""
    cursor = overview.get_component_rich_style("overview--cursor", partial=True).bgcolor
    for y in range(overview.scrollable_content_region.height):
        strip = overview.render_line(y)
        if text in strip.text:
            first = next(iter(strip))
            return first.text[0], None if first.style.bgcolor == cursor else (first.style.color, bool(first.style.bold))
    raise AssertionError(f"no line shows {text!r}")


async def test_the_row_is_flagged_while_its_alert_fires_in_every_layout(make_sim, sim_clock, tmp_path):
    """A real rule firing on the simulator's data: the row's mark is ⚑ in the level's colour (grouped, flat,
    hostnames, 120 and 80 columns), and goes back to the status mark once the alert resolves."""
    sim = make_sim(SCENARIO)
    path = sim.sim.write_config(tmp_path / "livetop.toml", timeout="1s")
    from tests.conftest import load_sim_config

    rules = [
        # The newest data of "Final" older than 15 minutes: fires once time moves on without a fetch.
        {"name": "NoNews", "kind": "stale", "threshold": "15m", "level": "critical", "match": {"label": "Final"}},
        {"name": "Low", "kind": "below", "threshold": "1000Tbps", "match": {"domain": "quiet.*"}},  # warning
    ]
    config = load_sim_config(path)
    config = replace(config, alerts=parse_config({"alerts": rules}).alerts)
    app = make_app(config, sim_clock)
    final = DomainKey("hw", "play.example.com")
    async with app.run_test(size=SIZE) as pilot:
        screen = overview_screen(app)
        ov = screen.overview
        await until(pilot, lambda: all(d.updated_at for d in app.store.snapshot().domains), "data")
        await until(pilot, lambda: all(d.updated_at for d in ov.snapshot.domains), "the rows")
        warning = ov.get_component_rich_style("overview--alert", partial=True).color
        critical = ov.get_component_rich_style("overview--critical", partial=True).color
        ok = ov.get_component_rich_style("overview--ok", partial=True).color
        assert len({warning, critical, ok}) == 3

        assert [(e.state, e.alert.rule.name) for e in app.alerts.evaluate()] == [("firing", "Low")]
        await pilot.pause()
        quiet = DomainKey("hw", "quiet.example.com")
        ov.select_key(final)
        await pilot.pause()
        assert mark_of(ov, "quiet.example.com") == ("⚑", (warning, True))
        assert mark_of(ov, "Final")[0] == "●"
        ov.select_key(quiet)
        await pilot.pause()
        assert mark_of(ov, "Final") == ("●", (ok, False))

        sim_clock.advance(20 * 60)  # no fetch meanwhile: Final's newest bucket ages past 15 minutes
        fired = app.alerts.evaluate()
        assert [(e.state, e.alert.rule.name) for e in fired] == [("firing", "NoNews")]
        await pilot.pause()
        for keys in ((), ("v",), ("h",), ("v",)):  # grouped, flat, flat with hostnames, grouped with hostnames
            await pilot.press(*keys)
            await pilot.pause()
            name = "play.example.com" if ov.hostnames else "Final"
            ov.select_key(quiet)
            await pilot.pause()
            assert mark_of(ov, name) == ("⚑", (critical, True)), (keys, ov.flat, ov.hostnames)
            ov.select_key(final)
            await pilot.pause()
            assert mark_of(ov, "quiet.example.com") == ("⚑", (warning, True))
        await pilot.resize_terminal(80, 24)
        await until(pilot, lambda: ov.size.width == 80, "the 80-column layout")
        assert "PEAK" not in ov.render_line(0).text
        assert mark_of(ov, "play.example.com")[0] == "⚑" and mark_of(ov, "quiet.example.com")[0] == "⚑"

        # A fetch brings new buckets: the rule no longer holds, the alert resolves and the flag goes.
        before = app.store.domain(final).last_bucket
        await pilot.press("R")
        await until(pilot, lambda: app.store.domain(final).last_bucket > before, "the refresh")
        resolved = app.alerts.evaluate()
        assert [(e.state, e.alert.rule.name) for e in resolved] == [("resolved", "NoNews")]
        await until(pilot, lambda: ov.snapshot.by_key[final].last_bucket > before, "the new data on screen")
        await pilot.pause()
        assert mark_of(ov, "play.example.com")[0] != "⚑"
        assert mark_of(ov, "quiet.example.com")[0] == "⚑"  # still below 1000 Tbps
        assert final not in ov.alert_keys
