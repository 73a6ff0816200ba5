"""The capacity figure as the engine runs (engine/capacity.py `Live`): paused domains are not demand, a vendor
that answers slowly caps an account at concurrency / poll time whatever its rate limit, and per-domain lists
that fail say so (their domains' own calls are the demand meanwhile). Over real HTTP against the simulator
on a ManualClock."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from conftest import SIM_START, TEST_CLIENT_TIMEOUT, load_sim_config
from livetop.engine import DomainKey, Engine
from livetop.engine.capacity import Capacity, Live, account_capacity, requests_per_domain_per_minute
from test_schedule import _wait_for
from test_schedule_lists import _names


def _hw(names, **account) -> dict:
    acct = {"name": "hw", "vendor": "huawei", "auth": "aksk", "project_id": "0a" * 16,
            "rate_per_second": 1000.0, "burst": 1000.0, "domains": list(names), **account}
    return {"seed": "capacity-live", "latency_ms": 0, "latency_jitter_ms": 0, "accounts": [acct]}


def _config(thread, tmp_path, **account):
    config = load_sim_config(thread.sim.write_config(tmp_path / "c.toml", timeout=TEST_CLIENT_TIMEOUT))
    return replace(config, accounts=tuple(replace(a, **account) for a in config.accounts))


async def test_paused_domains_are_not_counted_as_demand(make_sim, sim_clock, tmp_path):
    names = _names(20)
    thread = make_sim(_hw(names))
    # 20 domains at 6 requests a minute: over capacity (they need about 24).
    engine = Engine(_config(thread, tmp_path, rate_per_second=0.1), clock=sim_clock, stagger=False)
    await engine.start()
    try:
        before = engine.store.capacities()["hw"]
        assert before.domains == 20 and not before.fits
        for name in names[:15]:
            engine.pause(DomainKey("hw", name))
        cap = engine.store.capacities()["hw"]
        assert (cap.domains, cap.paused) == (5, 15)
        assert cap.demand_per_minute == pytest.approx(before.demand_per_minute / 4)
        assert cap.fits and cap.message == ""  # 5 domains fit in 6 a minute: nothing to warn about
        engine.resume()
        assert engine.store.capacities()["hw"] == before
    finally:
        await engine.stop()


async def test_a_slow_vendor_caps_the_account_at_concurrency_over_its_answer_time(make_sim, sim_clock, tmp_path):
    names = _names(60)
    # One poll on the wire at a time, one second an answer: 60 requests a minute at most, against 60 000
    # the rate limit allows; 60 domains need 72.
    thread = make_sim(_hw(names, latency_ms=1000))
    engine = Engine(_config(thread, tmp_path, concurrency=1), clock=sim_clock, stagger=False)
    assert engine.store.capacities() == {}
    await engine.start()
    try:
        assert engine.store.capacities()["hw"].fits  # nothing measured yet: the rate limit is all we know
        await _wait_for(lambda: engine.store.capacities()["hw"].poll_seconds is not None, 30)
        cap = engine.store.capacities()["hw"]
        assert cap.poll_seconds >= 2.0  # both metrics, one after the other on the one connection
        assert cap.concurrency == 1 and cap.rate_per_minute == 60000
        assert cap.ceiling_per_minute <= 60.0 * 1.001 and cap.limit_per_minute == cap.ceiling_per_minute
        assert not cap.fits and cap.concurrency_bound
        assert "(1 at a time, " in cap.message and cap.message.startswith("60 domains at ")
        assert any(f.startswith("concurrency = ") for f in cap.fixes)
        # Staleness follows what the account can really serve.
        assert engine.store.stale_after_for("hw") >= 2 * cap.interval_seconds
    finally:
        await engine.stop()


def lists_up(engine: Engine) -> dict[str, float]:
    """`livetop_account_lists_up` as the collector's /metrics renders it, per account."""
    from prometheus_client.parser import text_string_to_metric_families

    from livetop.serve.metrics import render
    from livetop.serve.server import account_facts

    text = render(engine.store, lambda: account_facts(engine)).decode()
    [family] = [f for f in text_string_to_metric_families(text) if f.name == "livetop_account_lists_up"]
    return {s.labels["account"]: s.value for s in family.samples}


def _v2(names, **account) -> dict:
    acct = {"name": "hw2", "vendor": "huawei", "api": "v2", "auth": "aksk", "rate_per_second": 1000.0,
            "burst": 1000.0, "domains": list(names), **account}
    return {"seed": "capacity-live", "latency_ms": 0, "latency_jitter_ms": 0, "accounts": [acct]}


async def test_failing_lists_say_so_and_count_each_domains_own_calls(make_sim, sim_clock, tmp_path):
    names = _names(4)
    # The account's calls for several domains at once (the lists) fail; each domain's own calls answer.
    thread = make_sim(_v2([{"name": n, "error_rate": 0.0} for n in names], error_rate=1.0))
    sim_clock.set(SIM_START + timedelta(minutes=2, seconds=20))
    config = _config(thread, tmp_path)
    engine = Engine(config, clock=sim_clock, stagger=False)
    await engine.start()
    try:
        runtime = engine.accounts["hw2"]
        await _wait_for(lambda: all(runtime.loops[n].listed for n in names))
        running = engine.store.capacities()["hw2"]
        assert running.notice == "" and running.demand_with_lists is None
        assert lists_up(engine) == {"hw2": 1.0}
        sim_clock.advance(runtime.list_due - sim_clock.now().timestamp())
        engine.tick()
        await _wait_for(lambda: engine.store.capacities()["hw2"].notice != "")
        cap = engine.store.capacities()["hw2"]
        assert cap.lists_failing.startswith("LIVE.100011005")
        assert cap.notice.startswith("per-domain lists failing, retried (LIVE.100011005")
        account = config.accounts[0]
        own = requests_per_domain_per_minute(account, config.refresh_seconds, lists=False) * 4
        assert cap.demand_per_minute == pytest.approx(own)
        assert cap.demand_with_lists == pytest.approx(running.demand_per_minute)
        # Said wherever the capacity goes: the snapshot JSON, the exporter's JSON, a remote viewer.
        body = cap.as_dict()
        assert body["notice"] == cap.notice and body["lists_failing"] == cap.lists_failing
        assert Capacity.from_dict("hw2", body).as_dict() == body and Capacity.from_dict("hw2", body).notice == cap.notice
        assert lists_up(engine) == {"hw2": 0.0}  # and the exporter, for an alert rule
    finally:
        await engine.stop()


def test_lists_turned_off_count_each_domains_own_calls_and_say_why(make_sim, tmp_path):
    thread = make_sim(_v2(_names(1000)))
    account = _config(thread, tmp_path).accounts[0]
    running = account_capacity(account, 30.0)
    off = account_capacity(account, 30.0, live=Live(lists_off="APIGW.0101: The API does not exist"))
    assert running.notice == "" and running.fits
    # A thousand domains' own calls: 20 times the lists' (a call per bucket per metric per 100 domains).
    assert off.demand_per_minute == pytest.approx(20 * running.demand_per_minute, rel=0.05)
    assert off.demand_with_lists == running.demand_per_minute and off.domains == 1000
    assert off.notice == (
        "per-domain lists off (APIGW.0101: The API does not exist): its domains ask their own calls, "
        "1200 req/min instead of 60 req/min"
    )



def test_lists_off_while_the_account_still_fits_get_a_status_line_of_their_own(make_sim, tmp_path):
    """1000 v2 domains with their lists off need 1200 req/min against a limit that still serves them: nothing
    is over capacity, but the demand rose twenty times over, and the status line says why."""
    from types import SimpleNamespace

    from livetop.ui.widgets.status_bar import StatusState, capacity_lines, over_capacity

    thread = make_sim(_v2(_names(1000)))
    account = _config(thread, tmp_path).accounts[0]
    running = account_capacity(account, 30.0)
    off = account_capacity(account, 30.0, live=Live(lists_off="APIGW.0101: The API does not exist"))
    assert off.fits and running.fits
    # What over_capacity reads of a StoreSnapshot: its account totals' capacities.
    snap = SimpleNamespace(accounts=[SimpleNamespace(capacity=running), SimpleNamespace(capacity=off)])
    assert over_capacity(snap) == (off,)
    state = StatusState(window_seconds=3600, refresh_seconds=30, sort="bandwidth", over_capacity=(off,))
    assert capacity_lines(state, 200) == [f"⚠ hw2: {off.notice}"]
