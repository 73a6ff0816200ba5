"""A vendor answer that trickles in (a byte every 0.1 s, so no single read ever times out) is cut off at the
answer's total deadline — ANSWER_DEADLINE_TIMEOUTS times the account's timeout — and becomes the decoded
"answer too slow" on its row, while every other domain keeps updating. Over real HTTP to the simulator's
`trickle` fault; the account timeout is 0.4 s so the deadline (1.2 s) passes within a couple of seconds.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import httpx
from conftest import load_sim_config
from test_schedule import _wait_for

from livetop.clock import SYSTEM_CLOCK
from livetop.engine import DomainKey, Engine
from livetop.engine.store import STATUS_ERROR
from livetop.http11 import HttpServer, Request, Response
from livetop.model import VendorError
from livetop.sim.huge import FAULT_TRICKLE, HugeAnswers
from livetop.vendors.transport_errors import ANSWER_DEADLINE_TIMEOUTS
from livetop.vendors.registry import make_provider

ACCOUNT_TIMEOUT = 0.4
DEADLINE = ANSWER_DEADLINE_TIMEOUTS * ACCOUNT_TIMEOUT


def _oks(engine: Engine, key: DomainKey) -> int:
    return sum(r.ok for r in engine.store.domain(key).requests)


async def test_a_trickling_answer_is_cut_off_at_its_deadline_while_other_domains_keep_updating(
    make_sim, tmp_path
):
    scenario = {
        "seed": "trickle", "latency_ms": 0, "latency_jitter_ms": 0, "trickle_every": 0.1,
        "accounts": [
            {"name": "hw", "vendor": "huawei", "auth": "aksk", "project_id": "0c" * 16,
             "rate_per_second": 1000.0, "burst": 200.0,
             "domains": ["a.example.com", {"name": "slow.example.com", "fault": FAULT_TRICKLE}]},
            {"name": "jd", "vendor": "jdcloud", "rate_per_second": 1000.0, "burst": 50.0,
             "domains": ["j.example.com", {"name": "jslow.example.com", "fault": FAULT_TRICKLE}]},
        ],
    }  # fmt: skip
    thread = make_sim(scenario, clock=SYSTEM_CLOCK)
    config = load_sim_config(thread.sim.write_config(tmp_path / "c.toml"))
    accounts = tuple(replace(a, timeout_seconds=ACCOUNT_TIMEOUT) for a in config.accounts)
    engine = Engine(
        replace(config, accounts=accounts, refresh_seconds=0.2), clock=SYSTEM_CLOCK, stagger=False,
        update_seconds=0.1,
    )  # fmt: skip
    ok = [DomainKey("hw", "a.example.com"), DomainKey("jd", "j.example.com")]
    bad = [DomainKey("hw", "slow.example.com"), DomainKey("jd", "jslow.example.com")]
    sim_trickle = thread.sim.huge
    await engine.start()
    try:
        # Both trickles have begun: from here on the healthy domains must keep answering.
        await _wait_for(lambda: sim_trickle.answers[FAULT_TRICKLE] >= 2 and all(_oks(engine, k) for k in ok), 30)
        before = {k: _oks(engine, k) for k in ok}
        await _wait_for(lambda: all(engine.store.domain(k).error is not None for k in bad), 30)
        for key in ok:
            assert engine.store.domain(key).error is None
            assert _oks(engine, key) > before[key], "a healthy domain stopped updating during the trickle"
        for key in bad:
            domain = engine.store.domain(key)
            error = domain.error
            assert domain.status == STATUS_ERROR
            assert (error.kind, error.code, error.title, error.http_status) == (
                "transport", "NET.SLOW", "answer too slow", 200
            )
            assert "trickled in too slowly" in error.meaning
            # How far it got: the head, some bytes of the body, the seconds it took, the deadline.
            assert error.raw_message.startswith("the answer's head and "), error.raw_message
            got = int(error.raw_message.split(" and ", 1)[1].split(" bytes", 1)[0].replace(",", ""))
            assert got >= 1
            seconds = float(error.raw_message.split(" in ", 1)[1].split(" s ", 1)[0])
            assert seconds >= round(DEADLINE, 1)
            assert f"(deadline {DEADLINE:g} s)" in error.raw_message
    finally:
        await engine.stop()


async def test_a_trickling_iam_token_answer_is_cut_off_and_named_as_the_slow_answer(make_sim, tmp_path):
    """Huawei password auth: IAM's token answer trickles. The token call has its own deadline and its own
    error (HTTP 201, the answer's head arrived), not the Live request's, which is never sent."""
    huge = HugeAnswers()
    paths: list[str] = []

    async def handle(request: Request) -> Response:
        paths.append(request.path)
        return huge.response(FAULT_TRICKLE, 1 << 20, status=201, every=0.1)

    scenario = {"seed": "iam", "latency_ms": 0, "latency_jitter_ms": 0, "accounts": [
        {"name": "hw-pw", "vendor": "huawei", "auth": "password", "project_id": "0d" * 16,
         "domains": ["a.example.com"]}]}  # fmt: skip
    thread = make_sim(scenario, clock=SYSTEM_CLOCK)
    config = load_sim_config(thread.sim.write_config(tmp_path / "c.toml"))
    server = HttpServer(handle)
    await server.start()
    url = f"http://127.0.0.1:{server.port}"
    account = replace(config.accounts[0], endpoint=url, iam_endpoint=url, timeout_seconds=ACCOUNT_TIMEOUT)
    client = httpx.AsyncClient(base_url=url, timeout=ACCOUNT_TIMEOUT)
    try:
        provider = make_provider(account, client, SYSTEM_CLOCK)
        now = SYSTEM_CLOCK.now()
        try:
            # Bounded here too: without a deadline the fetch would wait for ever.
            await asyncio.wait_for(provider.fetch("a.example.com", now - timedelta(hours=1), now), 30)
        except VendorError as exc:
            error = exc.error
        else:
            raise AssertionError("the fetch did not fail")
    finally:
        await client.aclose()
        await server.stop()
    assert (error.code, error.title, error.http_status) == ("NET.SLOW", "answer too slow", 201), error
    assert error.raw_message.startswith("the answer's head and "), error.raw_message
    assert paths == ["/v3/auth/tokens"]  # no Live request went out without a token
