"""The engine against the simulator over real HTTP: concurrency, per-account pacing, failure isolation,
single-flight token renewal, incremental polling, backoff, pause and resume."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from conftest import SIM_START, load_sim_config
from livetop.clock import SYSTEM_CLOCK, ManualClock
from livetop.engine import DomainKey, Engine
from livetop.engine.store import STATUS_ERROR, STATUS_OK

# Tests of failures, pacing and pausing want polls as often as their short refresh: they tell the schedule
# the data changes that fast (the data's own cadence is tests/test_schedule*.py's subject).
FAST = 0.1
HW_PID_A = "0a" * 16
HW_PID_B = "0b" * 16


def _domains(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i:03d}.example.com" for i in range(n)]


def _scenario(hw_aksk=(), hw_password=(), jd=(), *, jd_rate=1000.0, jd_burst=50.0, **top) -> dict:
    accounts = []
    if hw_aksk:
        accounts.append({"name": "hw-aksk", "vendor": "huawei", "auth": "aksk", "project_id": HW_PID_A,
                         "rate_per_second": 1000.0, "burst": 200.0, "domains": list(hw_aksk)})
    if hw_password:
        accounts.append({"name": "hw-pw", "vendor": "huawei", "auth": "password", "project_id": HW_PID_B,
                         "rate_per_second": 1000.0, "burst": 200.0, "domains": list(hw_password)})
    if jd:
        accounts.append({"name": "jd", "vendor": "jdcloud", "rate_per_second": jd_rate, "burst": jd_burst,
                         "domains": list(jd)})
    return {"seed": "engine-tests", "latency_ms": 0, "latency_jitter_ms": 0, **top, "accounts": accounts}


def _config(thread, tmp_path: Path, *, refresh: float = 30.0, timeout: str = "3s", **per_account):
    """The config `livetop simulate --write-config` gives, loaded by livetop's loader, then adjusted:
    `per_account={"jd": {"rate_per_second": 20}}` overrides account fields."""
    config = load_sim_config(thread.sim.write_config(tmp_path / "c.toml", timeout=timeout))
    accounts = tuple(replace(a, **per_account.get(a.name, {})) for a in config.accounts)
    return replace(config, refresh_seconds=refresh, accounts=accounts)


async def _wait_for(predicate, timeout: float = 20.0, step: float = 0.02) -> None:
    """Wait (on real time) until `predicate()` holds; fail the test after `timeout`."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(step)


ARRIVAL_JITTER = 0.5  # seconds a request may take from livetop's pacer to the simulator's clock under load


def _max_in_any_second(times: list[float]) -> int:
    times = sorted(times)
    best = lo = 0
    for hi, t in enumerate(times):
        while t - times[lo] >= 1.0:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


# --- scale and pacing -----------------------------------------------------------------------------------------


async def test_200_domains_poll_concurrently_and_a_paced_account_never_exceeds_its_rate(make_sim, tmp_path):
    scenario = _scenario(_domains("a", 70), _domains("b", 70), _domains("j", 60), jd_rate=25.0, jd_burst=25.0)
    thread = make_sim(scenario, clock=SYSTEM_CLOCK)  # real time: the rate is counted per real second
    # A generous client timeout: on a loaded 2-core CI machine a request may wait behind 200 others.
    config = _config(thread, tmp_path, timeout="20s", jd={"rate_per_second": 20.0})

    engine = Engine(config, clock=SYSTEM_CLOCK, stagger=False)
    try:
        snap = await engine.poll_all_once()
    finally:
        await engine.stop()

    assert len(snap.domains) == 200
    assert all(d.status == STATUS_OK and d.bandwidth_now is not None for d in snap.domains)
    jd_times = [e.mono for e in thread.sim.log if e.account == "jd"]
    assert len(jd_times) == 60  # one request per domain, none refused
    assert all(e.status == 200 for e in thread.sim.log if e.account == "jd")
    # 20/s with a burst of one second's worth: no second ever holds more than rate + burst requests as they
    # leave livetop. The simulator stamps arrivals, not departures: on a loaded machine requests that waited
    # behind the GIL or in the loopback arrive together, so a second of arrivals may also hold what left in
    # the ARRIVAL_JITTER before it (CI once counted 41). Without pacing all 60 arrive within one second.
    assert _max_in_any_second(jd_times) <= 20 + 20 * (1 + ARRIVAL_JITTER)
    # The Huawei accounts were not held back by the paced JD account: both metrics for all 140 domains.
    hw = [e for e in thread.sim.log if e.account.startswith("hw-") and "/stream/" in e.path]
    assert len(hw) == 280


async def test_an_account_throttled_by_the_vendor_slows_down_and_still_completes(make_sim, tmp_path):
    scenario = _scenario(jd=_domains("j", 30), jd_rate=8.0, jd_burst=4.0, throttle_retry_after=1)
    thread = make_sim(scenario, clock=SYSTEM_CLOCK)
    config = _config(thread, tmp_path, jd={"rate_per_second": 40.0})  # the user's limit is too optimistic

    engine = Engine(config, clock=SYSTEM_CLOCK, stagger=False)
    try:
        snap = await engine.poll_all_once()
    finally:
        await engine.stop()

    answers = [e.status for e in thread.sim.log if e.account == "jd"]
    assert 429 in answers  # the vendor did push back ...
    assert all(d.status == STATUS_OK for d in snap.domains)  # ... and every domain still got its data
    # The whole account slowed down to what the vendor accepts: had it kept its 40/s against the vendor's 8/s,
    # most of its requests would have been refused.
    assert answers.count(429) <= len(snap.domains) // 3


# --- failure isolation ----------------------------------------------------------------------------------------


async def test_one_domains_failure_never_delays_another(make_sim, tmp_path):
    faults = [
        {"name": "gone.example.com", "fault": "not_owned"},
        {"name": "broken.example.com", "fault": "malformed"},
        {"name": "hung.example.com", "fault": "timeout"},
    ]
    scenario = _scenario(_domains("a", 5) + faults, hw_password=_domains("b", 5), jd=_domains("j", 5),
                         timeout_hold="60s")
    thread = make_sim(scenario, clock=SYSTEM_CLOCK)
    config = _config(thread, tmp_path, refresh=0.2, timeout="40s")
    # A fourth account whose secret is wrong: authentication fails for all of its domains.
    bad = replace(config.accounts[0], name="hw-badkey", domains=config.accounts[0].domains[:2],
                  credentials=replace(config.accounts[0].credentials,
                                      secret_key=type(config.accounts[0].credentials.secret_key)("wrong")))
    config = replace(config, accounts=(*config.accounts, bad))

    engine = Engine(config, clock=SYSTEM_CLOCK, stagger=False, update_seconds=FAST)
    await engine.start()
    try:
        healthy = [DomainKey(a.name, d.name) for a in config.accounts[:3] for d in a.domains
                   if d.name[1:4].isdigit()]
        assert len(healthy) == 15

        def polled_twice() -> bool:
            return all(
                sum(r.ok for r in engine.store.domain(k).requests) >= 2 for k in healthy
            )

        await _wait_for(polled_twice, timeout=30)  # well inside the hung domain's 40 s client timeout
        hung = engine.store.domain(DomainKey("hw-aksk", "hung.example.com"))
        assert hung.requests == ()  # its first request is still waiting, yet nobody else was held up
        gone = engine.store.domain(DomainKey("hw-aksk", "gone.example.com"))
        broken = engine.store.domain(DomainKey("hw-aksk", "broken.example.com"))
        badkey = engine.store.domain(DomainKey("hw-badkey", config.accounts[0].domains[0].name))
        assert gone.status == STATUS_ERROR and gone.error.code == "LIVE.100011001" and gone.halted
        assert broken.status == STATUS_ERROR and broken.error.kind in ("malformed", "transport")
        assert badkey.status == STATUS_ERROR and badkey.error.code == "APIGW.0301" and badkey.halted
    finally:
        await engine.stop()


async def test_a_domain_refused_for_concurrency_does_not_starve_its_account(make_sim, tmp_path):
    # LIVE.100011007 carries no Retry-After: the account backs off briefly, not for minutes.
    scenario = _scenario(hw_aksk=[{"name": "crowded.example.com", "fault": "concurrency_500"},
                                  "a.example.com", "b.example.com"])
    thread = make_sim(scenario, clock=SYSTEM_CLOCK)
    engine = Engine(_config(thread, tmp_path, refresh=0.3), clock=SYSTEM_CLOCK, stagger=False, update_seconds=FAST)
    await engine.start()
    try:
        healthy = [DomainKey("hw-aksk", "a.example.com"), DomainKey("hw-aksk", "b.example.com")]
        await _wait_for(lambda: all(sum(r.ok for r in engine.store.domain(k).requests) >= 6 for k in healthy))
        crowded = engine.store.domain(DomainKey("hw-aksk", "crowded.example.com"))
        assert crowded.error.code == "LIVE.100011007" and crowded.error.throttled
    finally:
        await engine.stop()


async def test_a_one_shot_poll_gives_up_on_a_refusing_domain_in_bounded_time(make_sim, tmp_path, monkeypatch):
    from livetop.engine import engine as engine_module

    monkeypatch.setattr(engine_module, "ONCE_BUDGET_SECONDS", 3.0)
    scenario = _scenario(hw_aksk=[{"name": "crowded.example.com", "fault": "concurrency_500"}, "a.example.com"])
    thread = make_sim(scenario, clock=SYSTEM_CLOCK)
    engine = Engine(_config(thread, tmp_path), clock=SYSTEM_CLOCK, stagger=False)
    try:
        snap = await asyncio.wait_for(engine.poll_all_once(), timeout=60)
    finally:
        await engine.stop()
    by_domain = {d.domain: d for d in snap.domains}
    assert by_domain["crowded.example.com"].status == STATUS_ERROR
    assert by_domain["a.example.com"].status == STATUS_OK  # fetched early, still current at the end
    tries = len([e for e in thread.sim.log if "crowded" in str(e.params)])
    assert 2 <= tries < 2 * engine_module.ONCE_MAX_THROTTLED  # retried, then stopped by the budget


async def test_the_pacer_does_not_let_a_queued_request_through_a_closed_gate(make_sim, tmp_path):
    thread = make_sim(_scenario(jd=["a.example.com"]), clock=SYSTEM_CLOCK)
    engine = Engine(_config(thread, tmp_path, jd={"rate_per_second": 2.0}), clock=SYSTEM_CLOCK, stagger=False)
    engine._build()
    runtime = engine.accounts["jd"]
    try:
        await runtime.pace()
        await runtime.pace()  # the burst is spent: the next caller queues for a token
        loop = asyncio.get_running_loop()
        queued = asyncio.create_task(runtime.pace())
        await asyncio.sleep(0.05)
        runtime.gate.close_for(1.0)  # "slow down" arrives while it waits for its token
        closed_until = loop.time() + 1.0
        await queued
        assert loop.time() >= closed_until - 0.01
    finally:
        await engine.stop()


# --- tokens -----------------------------------------------------------------------------------------------------


async def test_token_expiry_with_50_requests_in_flight_asks_iam_once(make_sim, sim_clock, tmp_path):
    thread = make_sim(_scenario(hw_password=_domains("b", 50)))
    config = _config(thread, tmp_path, **{"hw-pw": {"concurrency": 50, "rate_per_second": 1000.0}})
    engine = Engine(config, clock=sim_clock, stagger=False)
    try:
        await engine.poll_all_once()
        assert thread.sim.iam_calls == 1  # one token for the whole first poll of 50 domains

        sim_clock.advance(25 * 3600)  # every cached token is now past its 24 h lifetime
        thread.sim.reset()
        engine.refresh()
        for key in engine.store.keys():
            engine.store.reset_coverage(key)  # the whole window again: one request per domain
        snap = await engine.poll_all_once()
    finally:
        await engine.stop()

    assert thread.sim.iam_calls == 1  # 50 requests found the token expired at once: IAM was asked once
    assert all(d.status == STATUS_OK for d in snap.domains)
    assert not [e for e in thread.sim.log if e.code == "APIGW.0307"]  # renewed before expiry, none refused


# --- incremental polling ------------------------------------------------------------------------------------------


def _parse_hw(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=SIM_START.tzinfo)


async def test_after_the_first_fetch_each_poll_asks_only_for_the_newest_buckets(make_sim, sim_clock, tmp_path):
    thread = make_sim(_scenario(hw_aksk=["play.example.com"], jd=["jd.example.com"]))
    config = replace(_config(thread, tmp_path), window_seconds=6 * 3600)
    engine = Engine(config, clock=sim_clock, stagger=False)
    try:
        await engine.poll_all_once()
        first = [e.params for e in thread.sim.log if e.account == "hw-aksk"]
        assert {p["start_time"] for p in first} == {"2026-11-20T06:00:00Z"}  # the whole 6 h window

        for _ in range(3):
            sim_clock.advance(300)
            thread.sim.reset()
            await engine.poll_all_once()
            now = sim_clock.now()
            hw = [e.params for e in thread.sim.log if e.account == "hw-aksk"]
            assert len(hw) == 2  # bandwidth + traffic
            for params in hw:
                start = _parse_hw(params["start_time"])
                # The newest bucket plus the vendor's data lag (10 min by default), never the whole window.
                assert now - timedelta(minutes=20) <= start <= now - timedelta(minutes=5)
            jd = [e.params for e in thread.sim.log if e.account == "jd"]
            assert len(jd) == 1
    finally:
        await engine.stop()

    state = engine.store.domain(DomainKey("hw-aksk", "play.example.com"))
    assert len(state.bandwidth) == 6 * 12  # the window kept whole while only its edge was fetched


# --- backoff, pause, resume ---------------------------------------------------------------------------------------


async def test_backoff_honours_retry_after(make_sim, tmp_path):
    scenario = _scenario(hw_aksk=[{"name": "busy.example.com", "fault": "throttle"}, "calm.example.com"],
                         throttle_retry_after=2)
    thread = make_sim(scenario, clock=SYSTEM_CLOCK)
    config = _config(thread, tmp_path, refresh=0.1)
    engine = Engine(config, clock=SYSTEM_CLOCK, stagger=False, update_seconds=FAST)
    # What the client did and when, on its own side of the wire (httpx's hooks watch the real requests): the
    # simulator's log stamps arrivals, and on a loaded machine a request sent before the 429 came back may
    # arrive well after it.
    engine._build()
    loop = asyncio.get_running_loop()
    sent: list[tuple[float, str]] = []
    refused: list[float] = []

    async def on_request(request):
        sent.append((loop.time(), str(request.url)))

    async def on_response(response):
        if response.status_code == 429:
            refused.append(loop.time())

    engine.accounts["hw-aksk"].client.event_hooks = {"request": [on_request], "response": [on_response]}
    await engine.start()
    try:
        busy = DomainKey("hw-aksk", "busy.example.com")
        await _wait_for(lambda: len([e for e in thread.sim.log if "busy" in str(e.params)]) >= 2 * 2, 15)
        snap = engine.store.domain(busy)
        assert snap.error.code == "APIGW.0308" and snap.error.throttled and snap.error.retry_after == 2
        assert engine.loop_state(busy).last_delay >= 2
    finally:
        await engine.stop()

    # Each try of a kind of question went out only once the 429 of the one before had been waited out (2 s),
    # not at the 0.1 s refresh. (By kind: a poll's bandwidth and traffic questions may arrive apart.)
    busy_log = [e for e in thread.sim.log if "busy" in str(e.params)]
    for path in {e.path for e in busy_log}:
        times = [e.mono for e in busy_log if e.path == path]
        gaps = [b - a for a, b in zip(times, times[1:])]
        assert all(gap >= 1.9 for gap in gaps), (path, gaps)
    assert len(busy_log) > len({e.path for e in busy_log})  # some kind was asked again
    # The throttle is the account's: its calm domain sent nothing while the gate was shut after each 429 (the
    # first 0.3 s after a 429 came back is the engine reading it: a question already past the gate may leave).
    calm = [at for at, url in sent if "calm" in url]
    # Its first poll (bandwidth + traffic) and a bandwidth poll once the gate opened (traffic waits for a
    # bucket to settle): it was polled, just never through a shut gate.
    assert len(calm) >= 3 and refused
    for back in refused:
        assert not [t for t in calm if back + 0.3 < t < back + 1.9]


async def test_pause_stops_requests_and_resume_restarts_them(make_sim, tmp_path):
    thread = make_sim(_scenario(jd=_domains("j", 3)), clock=SYSTEM_CLOCK)
    engine = Engine(_config(thread, tmp_path, refresh=0.1), clock=SYSTEM_CLOCK, stagger=False, update_seconds=FAST)
    await engine.start()
    try:
        await _wait_for(lambda: len(thread.sim.log) >= 6)
        engine.pause()
        # Requests already on the wire finish; then nothing more is sent.
        await _wait_for(lambda: not any(lp.in_flight for rt in engine.accounts.values() for lp in rt.loops.values()))
        paused_at = len(thread.sim.log)
        await asyncio.sleep(0.6)  # six refresh intervals
        assert len(thread.sim.log) == paused_at
        assert {d.status for d in engine.store.snapshot().domains} == {"paused"}

        engine.resume()
        await _wait_for(lambda: len(thread.sim.log) >= paused_at + 3)
        await _wait_for(lambda: {d.status for d in engine.store.snapshot().domains} == {STATUS_OK})
    finally:
        await engine.stop()


async def test_a_halted_domain_resumes_on_refresh(make_sim, tmp_path):
    thread = make_sim(_scenario(hw_aksk=[{"name": "gone.example.com", "fault": "not_owned"}]), clock=SYSTEM_CLOCK)
    engine = Engine(_config(thread, tmp_path, refresh=0.1), clock=SYSTEM_CLOCK, stagger=False)
    await engine.start()
    try:
        key = DomainKey("hw-aksk", "gone.example.com")
        await _wait_for(lambda: engine.store.domain(key).halted)
        await asyncio.sleep(0.5)
        assert len(thread.sim.log) == 2  # one poll (bandwidth + traffic); non-retryable: not retried
        engine.refresh(key)
        await _wait_for(lambda: len(thread.sim.log) == 4)
    finally:
        await engine.stop()


async def test_config_change_adds_and_removes_domains_without_restart(make_sim, sim_clock, tmp_path):
    thread = make_sim(_scenario(jd=_domains("j", 3)))
    config = _config(thread, tmp_path, refresh=0.1)
    engine = Engine(config, clock=sim_clock, stagger=False)
    await engine.start()
    try:
        await _wait_for(lambda: all(engine.store.has_data(k) for k in engine.store.keys()))
        jd = config.accounts[0]
        from livetop.config.schema import DomainConfig

        changed = replace(config, accounts=(replace(jd, domains=(*jd.domains[1:], DomainConfig("new.example.com"))),))
        # The simulator does not own new.example.com: a real vendor would refuse it, and so does JD here.
        await engine.apply_config(changed)
        keys = set(engine.store.keys())
        assert DomainKey("jd", "j000.example.com") not in keys
        assert DomainKey("jd", "new.example.com") in keys
        await _wait_for(lambda: engine.store.domain(DomainKey("jd", "new.example.com")).error is not None)
        assert engine.store.domain(DomainKey("jd", "j001.example.com")).status == STATUS_OK
    finally:
        await engine.stop()


async def test_an_account_rebuilt_by_a_config_change_keeps_pauses_and_lifts_halts(make_sim, sim_clock, tmp_path):
    thread = make_sim(_scenario(jd=["live.example.com", "quiet.example.com",
                                    {"name": "gone.example.com", "fault": "not_owned"}]))
    config = _config(thread, tmp_path, refresh=0.1)
    engine = Engine(config, clock=sim_clock, stagger=False)
    await engine.start()
    try:
        quiet, gone = DomainKey("jd", "quiet.example.com"), DomainKey("jd", "gone.example.com")
        await _wait_for(lambda: engine.store.domain(gone).halted and engine.store.has_data(quiet))
        engine.pause(quiet)
        # A new timeout rebuilds the account (new client, new loops).
        await engine.apply_config(replace(config, accounts=(replace(config.accounts[0], timeout_seconds=7.0),)))
        assert engine.loop_state(quiet).paused and engine.store.domain(quiet).status == "paused"
        assert not engine.store.domain(gone).halted  # the config it was about changed: try again
        sent = len([e for e in thread.sim.log if "gone" in str(e.params)])
        await _wait_for(lambda: len([e for e in thread.sim.log if "gone" in str(e.params)]) > sent)
        engine.resume(quiet)
        await _wait_for(lambda: engine.store.domain(quiet).status == STATUS_OK)
    finally:
        await engine.stop()


async def test_growing_the_window_backfills(make_sim, sim_clock, tmp_path):
    window_hours = 3
    thread = make_sim(_scenario(hw_aksk=["play.example.com"]))
    engine = Engine(_config(thread, tmp_path, refresh=0.1), clock=sim_clock, stagger=False)
    await engine.start()
    try:
        key = DomainKey("hw-aksk", "play.example.com")
        await _wait_for(lambda: len(engine.store.domain(key).bandwidth) == 12)
        engine.set_window(window_hours * 3600)
        await _wait_for(lambda: len(engine.store.domain(key).bandwidth) == window_hours * 12)
    finally:
        await engine.stop()
