"""Huawei v2's per-domain lists for the provisional buckets (schedule rule 7), over real HTTP on a ManualClock:
the lists answer what the detail calls answer for the same bucket, and once a domain's window is filled
its provisional buckets come from one call per bucket per metric per 100 domains instead of its own calls."""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from conftest import SIM_START, TEST_CLIENT_TIMEOUT, load_sim_config
from livetop.engine import DomainKey, Engine, schedule
from livetop.engine.store import STATUS_ERROR
from livetop.vendors.base import make_client
from livetop.vendors.huawei.v2_client import HuaweiV2Provider

ACCOUNT = "hw2"


def _scenario(domains) -> dict:
    return {
        "seed": "schedule-lists",
        "latency_ms": 0,
        "latency_jitter_ms": 0,
        "accounts": [{"name": ACCOUNT, "vendor": "huawei", "api": "v2", "auth": "aksk",
                      "rate_per_second": 1000.0, "burst": 1000.0, "domains": list(domains)}],
    }


def _names(n: int) -> list[str]:
    return [f"p{i:03d}.v2.example.com" for i in range(n)]


def _config(thread, tmp_path, refresh: float = 30.0):
    config = load_sim_config(thread.sim.write_config(tmp_path / "v2.toml", timeout=TEST_CLIENT_TIMEOUT))
    return replace(config, refresh_seconds=refresh)


async def _wait_for(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.01)


def _kind(entry) -> str:
    return entry.path.rsplit("/stats/", 1)[1]  # bandwidth/detail, traffic/summary, ...


async def test_the_lists_answer_what_the_detail_calls_answer_for_each_bucket(make_sim, sim_clock, tmp_path):
    names = _names(3)
    thread = make_sim(_scenario(names))
    sim_clock.set(SIM_START + timedelta(minutes=2, seconds=30))  # the newest bucket is under way
    account = _config(thread, tmp_path).accounts[0]
    async with make_client(account) as client:
        provider = HuaweiV2Provider(account, client, sim_clock)
        now = sim_clock.now()
        newest = datetime.fromtimestamp(now.timestamp() // 300 * 300, tz=timezone.utc)
        for bucket in (newest - timedelta(minutes=15), newest - timedelta(minutes=5), newest):
            listed, requests = await provider.fetch_buckets(names, bucket)
            assert requests == 2  # one peak call and one summary call for all three domains
            for name in names:
                detail = await provider.fetch(name, bucket, bucket + timedelta(minutes=5))
                assert listed[name].bandwidth == detail.bandwidth and len(detail.bandwidth) == 1
                assert listed[name].traffic == detail.traffic and len(detail.traffic) == 1
                assert listed[name].bandwidth[0].bucket_start == bucket


async def test_the_lists_replace_each_domains_own_calls_for_its_provisional_buckets(make_sim, sim_clock, tmp_path):
    names = _names(150)  # two batches of at most 100
    thread = make_sim(_scenario(names))
    sim_clock.set(SIM_START + timedelta(minutes=2, seconds=20))
    engine = Engine(_config(thread, tmp_path), clock=sim_clock, stagger=False)
    await engine.start()
    try:
        runtime = engine.accounts[ACCOUNT]
        await _wait_for(lambda: all(lp.listed for lp in runtime.loops.values()))
        # The window: each domain's own detail calls, one per metric.
        assert sorted({_kind(e) for e in thread.sim.log}) == ["bandwidth/detail", "traffic/detail"]
        assert len(thread.sim.log) == 2 * len(names)
        for cycle in range(3):
            thread.sim.reset()
            timing = runtime.timing()
            before = engine.clock.now().timestamp()
            assert runtime.list_due >= schedule.next_change(before - 1e-6, timing) or cycle
            sim_clock.set(datetime.fromtimestamp(runtime.list_due, tz=timezone.utc))
            engine.tick()
            await _wait_for(lambda: all(
                engine.store.domain(DomainKey(ACCOUNT, n)).updated_at == sim_clock.now() for n in names))
            await asyncio.sleep(0.2)
            kinds = [_kind(e) for e in thread.sim.log]
            assert "bandwidth/detail" not in kinds and "traffic/detail" not in kinds
            buckets = schedule.list_buckets(before if cycle else None, sim_clock.now().timestamp(), timing)
            assert buckets
            batches = math.ceil(len(names) / 100)
            assert kinds.count("bandwidth/peak") == kinds.count("traffic/summary") == len(buckets) * batches
            # What the lists put in the store is what a detail call answers for that domain and bucket.
            domain = names[cycle * 50]
            d = engine.store.domain(DomainKey(ACCOUNT, domain))
            async with make_client(runtime.account) as client:
                provider = HuaweiV2Provider(runtime.account, client, sim_clock)
                newest = datetime.fromtimestamp(buckets[-1], tz=timezone.utc)
                detail = await provider.fetch(domain, newest, newest + timedelta(minutes=5))
            assert d.bandwidth.values[-1] == detail.bandwidth[0].value
            assert d.traffic.values[-1] == detail.traffic[0].value
            assert d.bandwidth.times[-1] == buckets[-1] and d.now_provisional
    finally:
        await engine.stop()


async def test_a_domain_whose_own_call_fails_stays_out_of_the_lists(make_sim, sim_clock, tmp_path):
    names = _names(4)
    thread = make_sim(_scenario([*names, {"name": "gone.v2.example.com", "fault": "not_owned"}]))
    sim_clock.set(SIM_START + timedelta(minutes=2, seconds=20))
    engine = Engine(_config(thread, tmp_path), clock=sim_clock, stagger=False)
    await engine.start()
    try:
        runtime = engine.accounts[ACCOUNT]
        gone = DomainKey(ACCOUNT, "gone.v2.example.com")
        await _wait_for(lambda: all(runtime.loops[n].listed for n in names) and engine.store.domain(gone).halted)
        thread.sim.reset()
        sim_clock.set(datetime.fromtimestamp(runtime.list_due, tz=timezone.utc))
        engine.tick()
        await _wait_for(lambda: engine.store.domain(DomainKey(ACCOUNT, names[0])).updated_at == sim_clock.now())
        await asyncio.sleep(0.2)
        # One domain the tenant lost does not fail the lists for the others: it is not in them.
        assert thread.sim.log and all(e.status == 200 for e in thread.sim.log)
        assert all("gone" not in e.params.get("play_domains", "") for e in thread.sim.log)
        assert engine.store.domain(gone).status == STATUS_ERROR
        assert runtime.lists_off is None
    finally:
        await engine.stop()


def test_demand_with_lists_is_a_call_per_bucket_per_metric_per_hundred_domains(make_sim, tmp_path):
    thread = make_sim(_scenario(_names(1)))
    account = _config(thread, tmp_path).accounts[0]
    timing = schedule.account_timing(account)
    per_cycle = timing.settle_seconds / timing.bucket_seconds + 1  # the buckets provisional at a cycle
    cycles = 60 / timing.update_seconds
    assert schedule.demand_per_minute(account, 1000, 30.0) == pytest.approx(
        cycles * per_cycle * 2 * 10, rel=0.05
    )
    assert schedule.full_poll_per_minute(account, 1000, 30.0) == 4000
