"""JD Cloud opencdn over real HTTP against the simulator: data, time rules, and each JD error reaching the
caller decoded."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from livetop.clock import ManualClock
from livetop.config.schema import Secret
from livetop.model import VENDOR_JDCLOUD, VendorError
from livetop.vendors.jdcloud.client import JdcloudProvider
from livetop.vendors.jdcloud.parse import parse_bandwidth_flow

UTC = timezone.utc


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


JD_SECRET = "sim-jd-secret-4f1c9a7be2d0"
JD_SCENARIO = {
    "seed": "jd-tests",
    "timeout_hold": "5s",
    "throttle_retry_after": 7,
    "accounts": [
        {
            "name": "jd",
            "vendor": "jdcloud",
            "username": "jd_live_pin",
            "secret_key": JD_SECRET,
            "rate_per_second": 1000.0,
            "burst": 1000.0,
            "domains": [
                {"name": "live.ok.example.com", "base_mbps": 800},
                {"name": "live.gone.example.com", "fault": "not_owned"},
                {"name": "live.busy.example.com", "fault": "jd_status"},
                {"name": "live.broken.example.com", "fault": "internal_500"},
                {"name": "live.proxy.example.com", "fault": "html_502"},
                {"name": "live.slow.example.com", "fault": "timeout"},
                {"name": "live.throttled.example.com", "fault": "throttle"},
                {"name": "live.mangled.example.com", "fault": "malformed"},
            ],
        },
        {
            "name": "jd-tight",
            "vendor": "jdcloud",
            "username": "jd_tight_pin",
            "rate_per_second": 0.001,
            "burst": 1.0,
            "domains": ["live.tight.example.com"],
        },
    ],
}


@pytest.fixture
def jd_sim(make_sim):
    return make_sim(JD_SCENARIO)


@pytest.fixture
def jd_accounts(jd_sim, tmp_path):
    from conftest import load_sim_config

    config = load_sim_config(jd_sim.sim.write_config(tmp_path / "jd.toml", timeout="1s"))
    return {acc.name: acc for acc in config.accounts}


async def _fetch(account, clock, domain, start, end, metrics=None):
    async with httpx.AsyncClient(base_url=account.endpoint, timeout=account.timeout_seconds) as client:
        provider = JdcloudProvider(account, client, clock)
        if metrics is None:
            return await provider.fetch(domain, start, end)
        return await provider.fetch(domain, start, end, metrics)


def _expected(jd_sim, domain, start, end, unit=1e6):
    """What the simulator's own data model says, in the units JD sends (Mbps/MB, 2 decimals), normalised."""
    from livetop.sim import data

    rows = data.buckets(
        jd_sim.sim.curve(domain).rate_bps,
        int(start.timestamp()),
        int(end.timestamp()),
        300,
        jd_sim.sim.clock.now().timestamp(),
    )
    return (
        {datetime.fromtimestamp(r.start_ts, UTC): round(r.peak_bps / 1e6, 2) * unit for r in rows},
        {datetime.fromtimestamp(r.start_ts, UTC): round(r.traffic_bytes / 1e6, 2) * unit for r in rows},
    )


async def test_fetch_over_http_matches_the_simulated_curve(jd_sim, jd_accounts, sim_clock):
    end = sim_clock.now()  # 2026-11-20T12:00Z = 20:00 in Beijing
    start = end - timedelta(hours=1)
    result = await _fetch(jd_accounts["jd"], sim_clock, "live.ok.example.com", start, end)
    assert result.requests == 1
    starts = [s.bucket_start for s in result.bandwidth]
    assert starts == [start + timedelta(minutes=5 * i) for i in range(12)]
    assert [s.bucket_start for s in result.traffic] == starts
    bandwidth, traffic = _expected(jd_sim, "live.ok.example.com", start, end)
    assert {s.bucket_start: s.value for s in result.bandwidth} == pytest.approx(bandwidth)
    assert {s.bucket_start: s.value for s in result.traffic} == pytest.approx(traffic, abs=1)
    assert all(s.value > 0 for s in result.bandwidth)
    last = jd_sim.sim.log[-1]
    assert (last.path, last.status, last.code) == ("/api/live/bandwidth_flow", 200, "")
    assert last.params["start_time"] == "2026-11-20 19:00" and last.params["end_time"] == "2026-11-20 20:00"
    assert "time_point" not in last.params  # labels are bucket ends; the parser shifts them


async def test_partial_newest_bucket_and_one_metric(jd_sim, jd_accounts, sim_clock):
    sim_clock.advance(150)  # 12:02:30: the 12:00 bucket is half-filled
    end = sim_clock.now()
    result = await _fetch(
        jd_accounts["jd"],
        sim_clock,
        "live.ok.example.com",
        end - timedelta(minutes=15),
        end,
        frozenset({"traffic"}),
    )
    assert result.bandwidth == []
    assert [s.bucket_start for s in result.traffic] == [
        _t("2026-11-20T11:50:00Z"),
        _t("2026-11-20T11:55:00Z"),
        _t("2026-11-20T12:00:00Z"),
    ]
    assert result.traffic[-1].value < result.traffic[-2].value  # the current bucket is still growing


async def test_unit_base_1024_over_http(jd_sim, jd_accounts, sim_clock):
    end = sim_clock.now()
    start = end - timedelta(minutes=30)
    account = replace(jd_accounts["jd"], unit_base=1024)
    result = await _fetch(account, sim_clock, "live.ok.example.com", start, end)
    bandwidth, _ = _expected(jd_sim, "live.ok.example.com", start, end, unit=1024 * 1024)
    assert {s.bucket_start: s.value for s in result.bandwidth} == pytest.approx(bandwidth)


async def test_span_over_30_days_is_split_and_merged(jd_sim, jd_accounts, sim_clock):
    end = sim_clock.now()
    start = end - timedelta(days=31)
    # 31 days of 5-minute points take the simulator a while to build: the fixture's 1 s client timeout (kept
    # short for the timeout test) is not what this test is about.
    account = replace(jd_accounts["jd"], timeout_seconds=30.0)
    result = await _fetch(account, sim_clock, "live.ok.example.com", start, end)
    assert result.requests == 2
    calls = jd_sim.sim.log[-2:]
    assert [c.status for c in calls] == [200, 200] and [c.code for c in calls] == ["", ""]
    starts = [s.bucket_start for s in result.bandwidth]
    assert len(starts) == 31 * 288 and len(set(starts)) == len(starts)
    assert starts[0] == start and starts[-1] == end - timedelta(minutes=5)
    assert all(b - a == timedelta(minutes=5) for a, b in zip(starts, starts[1:], strict=False))


async def test_signature_follows_the_beijing_date_across_midnight(jd_sim, jd_accounts, sim_clock):
    sim_clock.set(_t("2026-11-20T15:59:30Z"))  # 23:59:30 in Beijing
    account = jd_accounts["jd"]
    before = await _fetch(
        account, sim_clock, "live.ok.example.com", sim_clock.now() - timedelta(minutes=10), sim_clock.now()
    )
    sim_clock.advance(60)  # 00:00:30 on the 21st in Beijing: the simulator now wants the new date
    after = await _fetch(
        account, sim_clock, "live.ok.example.com", sim_clock.now() - timedelta(minutes=10), sim_clock.now()
    )
    assert before.bandwidth and after.bandwidth
    assert [e.code for e in jd_sim.sim.log] == ["", ""]  # each signed once, with the right date


@pytest.mark.parametrize(
    "jd_now, our_now",
    [
        ("2026-11-20T16:00:30Z", "2026-11-20T15:59:30Z"),  # JD is past Beijing midnight, we are not yet
        ("2026-11-20T15:59:30Z", "2026-11-20T16:00:30Z"),  # we are past it, JD is not yet
    ],
)
async def test_signature_refused_near_midnight_is_resigned_with_the_other_date_once(
    make_sim, tmp_path, jd_now, our_now
):
    from conftest import load_sim_config

    jd_clock, our_clock = ManualClock(_t(jd_now)), ManualClock(_t(our_now))
    sim = make_sim(JD_SCENARIO, clock=jd_clock)
    account = load_sim_config(sim.sim.write_config(tmp_path / "jd.toml", timeout="3s")).account("jd")
    end = _t("2026-11-20T15:55:00Z")
    result = await _fetch(account, our_clock, "live.ok.example.com", end - timedelta(minutes=15), end)
    assert len(result.bandwidth) == 3 and result.requests == 2
    assert [(e.status, e.code) for e in sim.sim.log] == [(200, "JD.STATUS.1"), (200, "")]


async def test_signature_refused_away_from_midnight_is_not_resent(make_sim, tmp_path):
    from conftest import load_sim_config

    # Our clock is 5 minutes behind JD's across Beijing midnight: more skew than livetop allows for.
    sim = make_sim(JD_SCENARIO, clock=ManualClock(_t("2026-11-20T16:02:30Z")))
    account = load_sim_config(sim.sim.write_config(tmp_path / "jd.toml", timeout="3s")).account("jd")
    stale = ManualClock(_t("2026-11-20T15:57:30Z"))
    with pytest.raises(VendorError) as info:
        await _fetch(
            account, stale, "live.ok.example.com", _t("2026-11-20T15:40:00Z"), _t("2026-11-20T15:50:00Z")
        )
    err = info.value.error
    assert (err.code, err.title, err.retryable) == ("JD.STATUS.1", "signature rejected", False)
    assert err.raw_message.startswith("signature error (request id ")  # the simulator's X-Request-Id
    assert [e.code for e in sim.sim.log] == ["JD.STATUS.1"]


async def test_a_request_paced_past_midnight_is_signed_when_it_leaves(jd_sim, jd_accounts, sim_clock):
    """The pacer (the engine's rate limiter) can hold a request across Beijing midnight: the body must be
    signed after the wait, with the date JD sees, not when the request was queued."""
    sim_clock.set(_t("2026-11-20T15:57:00Z"))  # 23:57 in Beijing
    account = jd_accounts["jd"]
    end = sim_clock.now()

    async def slow_pacer():
        sim_clock.advance(5 * 60)  # released at 00:02 on the 21st, beyond the midnight re-sign margin

    async with httpx.AsyncClient(base_url=account.endpoint, timeout=account.timeout_seconds) as client:
        provider = JdcloudProvider(account, client, sim_clock, slow_pacer)
        result = await provider.fetch("live.ok.example.com", end - timedelta(minutes=15), end)
    assert len(result.bandwidth) == 3 and result.requests == 1
    assert [(e.status, e.code) for e in jd_sim.sim.log] == [(200, "")]


async def test_wrong_secret_is_decoded_and_never_shown(jd_sim, jd_accounts, sim_clock):
    account = jd_accounts["jd"]
    wrong = replace(
        account, credentials=replace(account.credentials, secret_key=Secret("not-the-secret-xyz"))
    )
    with pytest.raises(VendorError) as info:
        await _fetch(
            wrong, sim_clock, "live.ok.example.com", sim_clock.now() - timedelta(hours=1), sim_clock.now()
        )
    err = info.value.error
    assert err.code == "JD.STATUS.1" and "secret_key" in err.action
    shown = json.dumps(err.as_dict(), ensure_ascii=False)
    assert "not-the-secret-xyz" not in shown and JD_SECRET not in shown


@pytest.mark.parametrize(
    "domain, code, kind, http_status, retryable, raw",
    [
        ("live.gone.example.com", "JD.STATUS.3", "vendor", 200, False, "domain not belong to user"),
        (
            "live.not-in-scenario.example.com",
            "JD.STATUS.3",
            "vendor",
            200,
            False,
            "domain not belong to user",
        ),
        ("live.busy.example.com", "JD.STATUS.5", "vendor", 200, True, "system busy, please try again later"),
        ("live.broken.example.com", "INTERNAL", "vendor", 500, True, "Internal error"),
        ("live.proxy.example.com", "HTTP 502", "transport", 502, True, None),
    ],
)
async def test_each_jd_error_reaches_the_caller_decoded(
    jd_sim, jd_accounts, sim_clock, domain, code, kind, http_status, retryable, raw
):
    with pytest.raises(VendorError) as info:
        await _fetch(
            jd_accounts["jd"], sim_clock, domain, sim_clock.now() - timedelta(hours=1), sim_clock.now()
        )
    err = info.value.error
    assert (err.vendor, err.code, err.kind, err.http_status, err.retryable) == (
        VENDOR_JDCLOUD,
        code,
        kind,
        http_status,
        retryable,
    )
    assert err.title and err.meaning and err.action
    if raw is not None:
        assert err.raw_message.startswith(raw)
    else:
        assert "<" not in err.raw_message and 0 < len(err.raw_message) <= 120


async def test_bad_parameters_are_decoded(jd_sim, jd_accounts, sim_clock):
    # JD's own parameter check, reached by a body livetop itself never builds (start_time missing).
    account = jd_accounts["jd"]
    async with httpx.AsyncClient(base_url=account.endpoint) as client:
        body = JdcloudProvider(account, client, sim_clock).request_body(
            "live.ok.example.com", sim_clock.now(), sim_clock.now()
        )
        del body["start_time"]
        response = await client.post("/api/live/bandwidth_flow", json=body)
    with pytest.raises(VendorError) as info:
        parse_bandwidth_flow(response.status_code, response.content, "live.ok.example.com")
    assert (info.value.error.code, info.value.error.title, info.value.error.raw_message) == (
        "JD.STATUS.2",
        "invalid parameter",
        "start_time format error",
    )


async def test_throttling_is_decoded_with_retry_after(jd_sim, jd_accounts, sim_clock):
    with pytest.raises(VendorError) as info:
        await _fetch(
            jd_accounts["jd"],
            sim_clock,
            "live.throttled.example.com",
            sim_clock.now() - timedelta(hours=1),
            sim_clock.now(),
        )
    err = info.value.error
    assert (err.code, err.http_status, err.throttled, err.retry_after) == ("RATE_LIMIT", 429, True, 7.0)
    # The per-account rate limit: the tight account's first request passes, the next is throttled.
    tight = jd_accounts["jd-tight"]
    window = (sim_clock.now() - timedelta(minutes=10), sim_clock.now())
    assert (await _fetch(tight, sim_clock, "live.tight.example.com", *window)).bandwidth
    with pytest.raises(VendorError) as info:
        await _fetch(tight, sim_clock, "live.tight.example.com", *window)
    err = info.value.error
    assert (err.code, err.throttled) == ("RATE_LIMIT", True) and err.retry_after and err.retry_after > 0


async def test_malformed_answers_are_decoded(jd_sim, jd_accounts, sim_clock):
    kinds = set()
    for _ in range(6):  # the simulator alternates truncated bodies and bodies of the wrong shape
        with pytest.raises(VendorError) as info:
            await _fetch(
                jd_accounts["jd"],
                sim_clock,
                "live.mangled.example.com",
                sim_clock.now() - timedelta(hours=1),
                sim_clock.now(),
            )
        err = info.value.error
        assert err.retryable and err.http_status == 200
        kinds.add((err.kind, err.code))
    assert kinds <= {("malformed", "MALFORMED"), ("transport", "HTTP 200")}


async def test_timeout_is_a_transport_error(jd_sim, jd_accounts, sim_clock):
    with pytest.raises(VendorError) as info:
        await _fetch(
            jd_accounts["jd"],
            sim_clock,
            "live.slow.example.com",
            sim_clock.now() - timedelta(hours=1),
            sim_clock.now(),
        )
    err = info.value.error
    assert (err.code, err.kind, err.retryable, err.http_status) == ("NET.TIMEOUT", "transport", True, None)


async def test_pacer_is_awaited_before_each_request(jd_sim, jd_accounts, sim_clock):
    calls = []

    async def pacer():
        calls.append(len(jd_sim.sim.log))

    account = jd_accounts["jd"]
    async with httpx.AsyncClient(base_url=account.endpoint) as client:
        provider = JdcloudProvider(account, client, sim_clock, pacer)
        result = await provider.fetch(
            "live.ok.example.com", sim_clock.now() - timedelta(days=40), sim_clock.now()
        )
    assert result.requests == 2
    assert calls == [0, 1]  # once before each request, before it reached the simulator


def test_livetop_query_prints_jd_points_and_decoded_errors(make_sim, tmp_path):
    """What a user runs by hand: `livetop query` against `livetop simulate`, on the real clock."""
    import subprocess
    import sys

    from livetop.clock import SYSTEM_CLOCK

    thread = make_sim(JD_SCENARIO, clock=SYSTEM_CLOCK)
    config = thread.sim.write_config(tmp_path / "c.toml", timeout="2s")

    def query(*args):
        return subprocess.run(
            [sys.executable, "-m", "livetop", "query", "--config", str(config), "jd", *args],
            capture_output=True,
            text=True,
            timeout=60,
        )

    ok = query("live.ok.example.com", "--json")
    assert ok.returncode == 0, ok.stderr
    points = json.loads(ok.stdout)
    assert len(points) >= 11 and all(p["bandwidth_bps"] > 0 and p["traffic_bytes"] >= 0 for p in points)
    assert all(p["time"].endswith(("0:00Z", "5:00Z")) for p in points)
    busy = query("live.gone.example.com")
    assert busy.returncode == 1
    assert "JD.STATUS.3" in busy.stderr and "domain not belong to user" in busy.stderr
    assert "Traceback" not in busy.stderr and JD_SECRET not in busy.stderr + busy.stdout
