"""on_fire / on_resolve hooks: real processes, the alert's facts in LIVETOP_* variables, no shell, a timeout;
failures shown, never raised; vendor secrets' variables withheld."""

from __future__ import annotations

import asyncio
import json
import sys

from livetop.alerts.evaluate import FIRING, RESOLVED, Alert, AlertEvent
from livetop.alerts.hooks import HookRunner, secret_env_names
from livetop.clock import ManualClock
from livetop.config.load import parse_config
from livetop.engine.store import DomainKey

DUMP = "import json, os, sys; json.dump({k: v for k, v in os.environ.items()}, open(sys.argv[1], 'w'))"


def _event(rule, state=FIRING, value=3.2e8):
    clock = ManualClock()
    alert = Alert(rule, DomainKey("hw", "play.example.com"), "Final; rm -rf /", FIRING, clock.now(), clock.now(),
                  value, "320 Mbps < 500Mbps")
    return AlertEvent(state, alert, clock.now())


def _rule(**extra):
    table = {"name": "Low", "kind": "below", "threshold": "500Mbps", "level": "critical", **extra}
    return parse_config({"alerts": [table]}).alerts[0]


def test_hooks_get_the_alerts_facts_and_no_secrets(tmp_path, monkeypatch):
    fired, resolved = tmp_path / "fired.json", tmp_path / "resolved.json"
    rule = _rule(on_fire=[sys.executable, "-c", DUMP, str(fired)], on_resolve=[sys.executable, "-c", DUMP, str(resolved)])
    monkeypatch.setenv("HW_SK_FOR_TEST", "very-secret")
    monkeypatch.setenv("UNRELATED_FOR_TEST", "kept")
    runner = HookRunner(ManualClock(), hidden_env={"HW_SK_FOR_TEST"})

    async def go():
        runner.dispatch([_event(rule)])
        await runner.drain()
        runner.dispatch([_event(rule, RESOLVED)])
        await runner.drain()

    asyncio.run(go())
    env = json.loads(fired.read_text())
    assert env["LIVETOP_ALERT"] == "Low" and env["LIVETOP_LEVEL"] == "critical" and env["LIVETOP_STATE"] == "firing"
    assert env["LIVETOP_ACCOUNT"] == "hw" and env["LIVETOP_DOMAIN"] == "play.example.com"
    assert env["LIVETOP_LABEL"] == "Final; rm -rf /"  # passed as data; no shell ever sees it
    assert env["LIVETOP_VALUE"] == "320000000" and env["LIVETOP_THRESHOLD"] == "500000000"
    assert env["LIVETOP_SINCE"] == "2026-11-20T12:00:00Z"
    assert "HW_SK_FOR_TEST" not in env and env["UNRELATED_FOR_TEST"] == "kept"
    assert json.loads(resolved.read_text())["LIVETOP_STATE"] == "resolved"
    assert [r.ok for r in runner.results] == [True, True] and runner.failures == []


def test_failing_missing_and_hanging_hooks_are_reported_not_raised(tmp_path):
    failing = _rule(on_fire=[sys.executable, "-c", "import sys; print('pager down'); sys.exit(3)"])
    missing = _rule(on_fire=[str(tmp_path / "no-such-hook")])
    hanging = _rule(on_fire=[sys.executable, "-c", "import time; time.sleep(60)"], hook_timeout="0.5s")
    runner = HookRunner(ManualClock())

    async def go():
        runner.dispatch([_event(failing), _event(missing), _event(hanging)])
        await runner.drain()

    asyncio.run(go())
    details = sorted(r.detail for r in runner.failures)
    assert details == ["command not found", "exit 3: pager down", "timed out after 0.5s (killed)"]


def test_secret_env_names_come_from_the_config(monkeypatch):
    monkeypatch.setenv("T_AK", "ak-value")
    monkeypatch.setenv("T_SK", "sk-value")
    config = parse_config({"accounts": [{
        "name": "hw", "vendor": "huawei", "region": "cn-north-4", "project_id": "p",
        "access_key_env": "T_AK", "secret_key_env": "T_SK", "domains": ["a.example.com"],
    }]})
    assert secret_env_names(config) == {"T_AK", "T_SK"}
