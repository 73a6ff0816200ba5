"""A viewer (`livetop --remote`) shows the collector's alerts, not its own config's: a real `serve` collector
running rules against the simulator, a RemoteSource on its feed, and the TUI's panel, marks and status line."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import httpx
import pytest

from livetop.alerts.running import AlertService
from livetop.config.load import load_config, parse_config
from livetop.engine import Engine
from livetop.remote.source import RemoteSource
from livetop.serve.server import Collector
from livetop.ui.app import LivetopApp
from livetop.ui.feed import wait_for_first_data
from livetop.ui.screens.alerts import AlertsScreen
from tests.test_ui_app import SIZE, started, until

pytestmark = pytest.mark.usefixtures("no_user_themes")

SCENARIO = {
    "seed": "remote-alerts", "latency_ms": 0,
    "accounts": [{"name": "hw", "vendor": "huawei", "auth": "aksk", "domains": [
        {"name": "play.example.com", "label": "Main event"}, "hls.example.com",
    ]}],
}
RULES = [
    {"name": "NeedsMore", "kind": "below", "threshold": "1000Tbps", "level": "critical", "match": {"domain": "play.*"}},
    {"name": "Later", "kind": "below", "threshold": "1000Tbps", "for": "1h", "match": {"domain": "hls.*"}},
]


async def collector_with_alerts(thread, tmp_path, clock, rules=RULES):
    config = load_config(thread.sim.write_config(tmp_path / "c.toml", timeout="3s"))
    config = replace(config, alerts=parse_config({"alerts": rules}).alerts)
    engine = Engine(config, clock, stagger=False)
    collector = Collector(config, engine, "127.0.0.1", 0, None, feed_interval=0.05)
    service = AlertService(config, engine)
    collector.attach_alerts(service)
    await collector.start()
    await wait_for_first_data(engine.store, 20)
    while not all(d.updated_at for d in engine.store.snapshot().domains):
        await asyncio.sleep(0.05)
    return collector, service


async def wait(predicate, what, timeout=30.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


def summary(alerts):
    return sorted((a.rule.name, a.state, a.level, a.key.domain, a.label, a.text) for a in alerts)


async def test_a_viewer_holds_the_collectors_alerts_and_its_transitions(make_sim, sim_clock, tmp_path):
    thread = make_sim(SCENARIO)
    collector, service = await collector_with_alerts(thread, tmp_path, sim_clock)
    source = RemoteSource(collector.url, clock=sim_clock)
    seen = []
    source.alerts.listeners.append(seen.append)
    try:
        await source.start()
        await wait(lambda: source.alerts.received is not None, "the collector's alerts document")
        assert source.alerts.rule_count == 2 and source.alerts.evaluator.active == ()  # nothing evaluated yet
        service.evaluate()
        await wait(lambda: source.alerts.evaluator.active, "the evaluation to reach the viewer")
        viewer = source.alerts.evaluator
        assert summary(viewer.active) == summary(service.evaluator.active)
        assert [(a.rule.name, a.key.domain, a.label) for a in viewer.firing] == [
            ("NeedsMore", "play.example.com", "Main event")]
        assert [a.state for a in viewer.active if a.rule.name == "Later"] == ["pending"]
        firing = viewer.firing[0]
        local = service.evaluator.firing[0]
        assert firing.active_since == local.active_since and firing.value == local.value
        assert "< 1.00 Pbps" in firing.text and firing.rule.threshold_text == "1000Tbps"
        # A transition after the first document is an event (a toast and the bell in the TUI).
        assert [[(e.state, e.alert.rule.name) for e in batch] for batch in seen] == [[], [("firing", "NeedsMore")]]
        async with httpx.AsyncClient(base_url=collector.url) as client:
            doc = (await client.get("/api/v1/alerts")).json()
        assert doc["rules"] == 2 and {a["rule"] for a in doc["active"]} == {"NeedsMore", "Later"}
        assert doc["recent"][-1]["state"] == "firing" and doc["recent"][-1]["alert"]["domain"] == "play.example.com"

        # The collector's config drops the firing rule: it resolves on the viewer too.
        service.apply_config(replace(collector.config, alerts=parse_config({"alerts": RULES[1:]}).alerts))
        service.evaluate()
        await wait(lambda: not source.alerts.evaluator.firing, "the resolution")
        assert source.alerts.rule_count == 1
        events = [(e.state, e.alert.rule.name) for batch in seen[2:] for e in batch]
        assert events == [("resolved", "NeedsMore")]
    finally:
        await source.stop()
        await service.stop()
        await collector.stop()


async def test_the_viewer_screen_shows_the_collectors_alerts_not_its_own_config(make_sim, sim_clock, tmp_path):
    thread = make_sim(SCENARIO)
    collector, service = await collector_with_alerts(thread, tmp_path, sim_clock)
    service.evaluate()
    source = RemoteSource(collector.url, clock=sim_clock)
    viewer_config = replace(collector.config, alerts=())  # the viewer's own config has no rules
    app = LivetopApp(viewer_config, source, clock=sim_clock, persist_theme=False, watch_terminal=False,
                     watch_config=False, tick_seconds=0.1)
    where = collector.url.split("://")[1]
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = await started(pilot, app)
            await until(pilot, lambda: "⚑ 1 alert firing" in screen.status_bar.render().plain, "the count")
            await until(pilot, lambda: screen.overview.alert_keys == frozenset(a.key for a in service.evaluator.firing),
                        "the row marks")
            await pilot.press("a")
            await until(pilot, lambda: isinstance(app.screen, AlertsScreen), "the panel")
            panel = " ".join(app.screen.plain().split())  # as read, whatever the wrapping
            assert f"alerts run on the collector {where}: 2 rules, 1 firing (1 critical), 1 pending" in panel
            assert "no [[alerts]] rules" not in panel
            assert "CRITICAL" in panel and "NeedsMore" in panel and "play.example.com (Main event)" in panel
            assert "pending" in panel and "Later" in panel
            sim_clock.advance(600)  # ten quiet minutes: no alert changed, so the collector sent nothing new
            await collector.stop()
            await until(pilot, lambda: "the collector is unreachable" in " ".join(app.screen.plain().split()),
                        "the panel to say so")
            # Current until the feed ended, not merely until the last document came.
            lost = sim_clock.now().astimezone().strftime("%H:%M:%S")
            assert f"(as of {lost}: the collector is unreachable)" in " ".join(app.screen.plain().split())
            # The status line's count is the collector's last word too: marked, not shown as current.
            await until(pilot, lambda: "⚑ 1 alert firing (stale)" in screen.status_bar.plain, "a stale count")
            # ...ahead of the counts, and the rows lose their ⚑ (it would hide their stale mark).
            line = screen.status_bar.plain.splitlines()[0]
            assert "domains" not in line or line.index("⚑ 1 alert firing (stale)") < line.index("domains")
            assert not screen.overview.alert_keys
    finally:
        await service.stop()
        await collector.stop()


async def test_a_collector_without_rules_says_so_on_the_viewer(make_sim, sim_clock, tmp_path):
    thread = make_sim(SCENARIO)
    collector, service = await collector_with_alerts(thread, tmp_path, sim_clock, rules=[])
    source = RemoteSource(collector.url, clock=sim_clock)
    # The viewer's own config has a rule: it must not run here, nor be shown as if it did.
    viewer_config = replace(collector.config, alerts=parse_config({"alerts": RULES[:1]}).alerts)
    app = LivetopApp(viewer_config, source, clock=sim_clock, persist_theme=False, watch_terminal=False,
                     watch_config=False, tick_seconds=0.1)
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = await started(pilot, app)
            await until(pilot, lambda: source.alerts.received is not None, "the alerts document")
            await pilot.press("a")
            await until(pilot, lambda: isinstance(app.screen, AlertsScreen), "the panel")
            await until(pilot, lambda: "0 rules, 0 firing" in " ".join(app.screen.plain().split()), "the panel text")
            assert "the collector's config has no [[alerts]] rules" in " ".join(app.screen.plain().split())
            assert "alert" not in screen.status_bar.render().plain.replace("alerts", "")
    finally:
        await service.stop()
        await collector.stop()


async def test_at_80_columns_a_collector_gone_keeps_its_stale_alert_count_and_the_counts(
    make_sim, sim_clock, tmp_path
):
    """The status line at 80 columns: the alert count and the domain counts stay, marked stale, beside the
    collector's trouble said briefly; the window and the sort (in the header too) are what give way."""
    thread = make_sim(SCENARIO)
    collector, service = await collector_with_alerts(thread, tmp_path, sim_clock)
    service.evaluate()
    source = RemoteSource(collector.url, clock=sim_clock)
    app = LivetopApp(replace(collector.config, alerts=()), source, clock=sim_clock, persist_theme=False,
                     watch_terminal=False, watch_config=False, tick_seconds=0.1)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await started(pilot, app)

            def line() -> str:
                return screen.status_bar.plain.splitlines()[0]

            await until(pilot, lambda: "⚑ 1" in line(), "the count")
            assert "2 domains: 2 ok" in line() and "(stale)" not in line(), line()
            await collector.stop()
            await until(pilot, lambda: "(stale)" in line() and "retry in" in line(), "the collector gone")
            shown = line()
            assert shown.startswith("⇄ gone") and "⚑ 1 " in shown and "2 domains: 2 stale" in shown, shown
            assert "sort" not in shown and len(shown) <= 78, shown
    finally:
        await service.stop()
        await collector.stop()
