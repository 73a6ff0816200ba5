"""A one-shot poll (snapshot, check) ends at its hard deadline, whatever the vendor does: a Retry-After of
ten minutes, a server that never answers. Against the simulator over real HTTP, on the real clock."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

from conftest import load_sim_config
from livetop.clock import SYSTEM_CLOCK
from livetop.engine import DomainKey, Engine
from livetop.engine.store import STATUS_ERROR, STATUS_OK

HEALTHY_JD = [f"jd{i}.example.com" for i in range(4)]
HEALTHY_HW = [f"hw{i}.example.com" for i in range(4)]
# Long enough for the healthy domains to answer on a loaded machine; only the silent one ever waits it out.
DEADLINE = 6.0
SCENARIO = {
    "seed": "deadline-tests",
    "latency_ms": 0,
    "throttle_retry_after": 600,
    "timeout_hold": "120s",
    "accounts": [
        # The throttled domain first: its 429 closes the account's gate before its neighbours are asked.
        {"name": "jd", "vendor": "jdcloud", "rate_per_second": 1000.0, "burst": 100.0,
         "domains": [{"name": "throttled.example.com", "fault": "throttle"}, *HEALTHY_JD]},
        {"name": "hw", "vendor": "huawei", "auth": "aksk", "rate_per_second": 1000.0, "burst": 100.0,
         "domains": [{"name": "silent.example.com", "fault": "timeout"}, *HEALTHY_HW]},
    ],
}  # fmt: skip


def _engine(thread, tmp_path, **per_account) -> Engine:
    # The account timeout (60 s) is longer than the poll's deadline: only the deadline can end the wait.
    config = load_sim_config(thread.sim.write_config(tmp_path / "c.toml", timeout="60s"))
    accounts = tuple(replace(a, **per_account.get(a.name, {})) for a in config.accounts)
    return Engine(replace(config, accounts=accounts), clock=SYSTEM_CLOCK, stagger=False)


async def test_a_throttled_and_a_silent_domain_cannot_hold_a_one_shot_poll_past_its_deadline(
    make_sim, tmp_path
):
    thread = make_sim(SCENARIO, clock=SYSTEM_CLOCK)
    engine = _engine(thread, tmp_path, jd={"concurrency": 1})
    seen_pending: list[list[DomainKey]] = []
    silent_key = DomainKey("hw", "silent.example.com")

    async def watch() -> None:
        # What is still awaited, until only the silent domain is: the throttled one is reported as soon as its
        # Retry-After is known to outlast the deadline, not at the deadline with the silent one.
        while not seen_pending or seen_pending[-1] != [silent_key]:
            seen_pending.append(engine.pending_once())
            await asyncio.sleep(0.01)

    began = time.monotonic()
    try:
        poll = asyncio.ensure_future(engine.poll_all_once(timeout=DEADLINE))
        watcher = asyncio.create_task(watch())
        snap = await asyncio.wait_for(poll, timeout=60)
        watcher.cancel()
    finally:
        await engine.stop()
    took = time.monotonic() - began
    assert took < DEADLINE + 20, took  # the deadline plus the cancelling, not the 120 s hold or 600 s
    by_domain = {d.domain: d for d in snap.domains}
    for name in HEALTHY_JD + HEALTHY_HW:  # the throttled domain's neighbours were asked all the same
        assert by_domain[name].status == STATUS_OK, (name, by_domain[name].error)
    throttled, silent = by_domain["throttled.example.com"], by_domain["silent.example.com"]
    assert throttled.status == STATUS_ERROR and silent.status == STATUS_ERROR
    assert throttled.error.code == silent.error.code == "LIVETOP.DEADLINE"
    assert "throttled by the vendor until " in throttled.error.meaning and "UTC" in throttled.error.meaning
    assert "RATE_LIMIT" in throttled.error.raw_message  # what the vendor said is kept
    assert "waiting for a slow answer" in silent.error.meaning
    assert seen_pending and seen_pending[-1] == [silent_key], seen_pending[-3:]
    assert engine.pending_once() == []
    # Asked once each: the 600 s Retry-After was honoured for the throttled domain itself.
    asked = [
        e
        for e in thread.sim.log
        if "throttled" in str(e.params) or "throttled" in str(getattr(e, "body", ""))
    ]
    assert len(asked) <= 1


async def test_a_retry_the_gate_holds_past_the_deadline_is_reported_at_once(make_sim, tmp_path):
    # A domain that fails (retryably) while its account's gate is shut for ten minutes: its retry would wait
    # behind the gate, so it is reported as throttled right away instead of at the deadline.
    scenario = {**SCENARIO, "accounts": [{
        "name": "jd", "vendor": "jdcloud", "rate_per_second": 1000.0, "burst": 100.0,
        "domains": [{"name": "throttled.example.com", "fault": "throttle"},
                    {"name": "broken.example.com", "fault": "internal_500"}],
    }]}  # fmt: skip
    thread = make_sim(scenario, clock=SYSTEM_CLOCK)
    engine = _engine(thread, tmp_path, jd={"concurrency": 1})
    began = time.monotonic()
    try:
        snap = await asyncio.wait_for(engine.poll_all_once(timeout=60.0), timeout=120)
    finally:
        await engine.stop()
    assert time.monotonic() - began < 30.0  # well before the 60 s deadline
    broken = {d.domain: d for d in snap.domains}["broken.example.com"]
    assert broken.error.code == "LIVETOP.DEADLINE" and "throttled by the vendor until" in broken.error.meaning


async def test_without_a_timeout_the_one_shot_budget_is_the_hard_deadline(make_sim, tmp_path, monkeypatch):
    from livetop.engine import engine as engine_module

    monkeypatch.setattr(engine_module, "ONCE_BUDGET_SECONDS", 2.0)
    scenario = {**SCENARIO, "accounts": [SCENARIO["accounts"][1]]}
    thread = make_sim(scenario, clock=SYSTEM_CLOCK)
    engine = _engine(thread, tmp_path)
    try:
        snap = await asyncio.wait_for(engine.poll_all_once(), timeout=60)
    finally:
        await engine.stop()
    silent = {d.domain: d for d in snap.domains}["silent.example.com"]
    assert silent.error.code == "LIVETOP.DEADLINE" and "(2 s)" in silent.error.meaning
