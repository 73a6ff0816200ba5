"""Alerts in `livetop serve`: the same rules, exported as an ALERTS-style metric, and history recorded."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import httpx

from livetop.alerts.running import AlertService
from livetop.config.load import load_config, parse_config
from livetop.engine import Engine
from livetop.serve.alerts import AlertsCollector
from livetop.serve.server import Collector
from livetop.ui.feed import wait_for_first_data
from tests.test_serve import metric_samples

SCENARIO = {
    "seed": "serve-alerts", "latency_ms": 0,
    "accounts": [{"name": "hw", "vendor": "huawei", "auth": "aksk", "domains": [
        {"name": "play.example.com", "label": "Main event"}, "hls.example.com",
    ]}],
}
RULES = [
    {"name": "NeedsMore", "kind": "below", "threshold": "1000Tbps", "level": "critical", "match": {"domain": "play.*"}},
    {"name": "Later", "kind": "below", "threshold": "1000Tbps", "for": "1h", "match": {"domain": "hls.*"}},
    {"name": "Pager", "kind": "below", "threshold": "1000Tbps", "match": {"domain": "hls.*"},
     "on_fire": ["/nonexistent/pager"]},
]


async def test_alerts_are_exported_like_prometheus_alerts(make_sim, sim_clock, tmp_path):
    thread = make_sim(SCENARIO)
    config = load_config(thread.sim.write_config(tmp_path / "c.toml", timeout="3s"))
    config = replace(config, alerts=parse_config({"alerts": RULES}).alerts)
    engine = Engine(config, sim_clock, stagger=False)
    collector = Collector(config, engine, "127.0.0.1", 0, None, feed_interval=0.05)
    service = AlertService(config, engine)
    collector.registry.register(AlertsCollector(service))
    await collector.start()
    try:
        await wait_for_first_data(engine.store, 20)
        while not all(d.updated_at for d in engine.store.snapshot().domains):
            await asyncio.sleep(0.05)
        service.evaluate()
        await service.hooks.drain()
        async with httpx.AsyncClient() as client:
            text = (await client.get(f"{collector.url}/metrics")).text
    finally:
        await service.stop()
        await collector.stop()
    samples = metric_samples(text)
    alerts = {(s.labels["alertname"], s.labels["alertstate"], s.labels["severity"], s.labels["domain"],
               s.labels["label"], s.labels["vendor"]): s.value for s in samples["livetop_alerts"]}
    assert alerts == {
        ("NeedsMore", "firing", "critical", "play.example.com", "Main event", "huawei"): 1.0,
        ("Later", "pending", "warning", "hls.example.com", "", "huawei"): 1.0,
        ("Pager", "firing", "warning", "hls.example.com", "", "huawei"): 1.0,
    }
    since = samples["livetop_alerts_for_state_timestamp_seconds"]
    assert {s.value for s in since} == {sim_clock.now().timestamp()}
    failures = {s.labels["alertname"]: s.value for s in samples["livetop_alert_hook_failures_total"]}
    assert failures == {"Pager": 1.0}
