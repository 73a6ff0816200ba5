"""Huawei Live v1 over real HTTP against the simulator: the three auth modes, token expiry and renewal,
single-flight IAM, the time rules as the vendor enforces them, and each decoded error reaching the caller.

The simulator and the client share `sim_clock` unless a test gives the client its own clock on purpose
(a skewed machine, or a gateway that expires a token before the client expects it)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from livetop.clock import ManualClock
from livetop.config.schema import AUTH_TOKEN, Credentials, Secret
from livetop.model import VendorError
from livetop.vendors.base import make_client
from livetop.vendors.huawei.client import HuaweiProvider

UTC = timezone.utc
BANDWIDTH = frozenset({"bandwidth"})
SK = "sim-hw-secret-key-9c4e1a7b3d5f2e8a6c0b"
PASSWORD = "sim-hw-password-Q7x2"
HW_SCENARIO = {
    "seed": "huawei-tests",
    "timeout_hold": "5s",
    "throttle_retry_after": 7,
    "accounts": [
        {
            "name": "hw-aksk",
            "vendor": "huawei",
            "auth": "aksk",
            "secret_key": SK,
            "rate_per_second": 1000.0,
            "burst": 1000.0,
            "domains": [
                {"name": "play.ok.example.com", "base_mbps": 800},
                {"name": "play.gone.example.com", "fault": "not_owned"},
                {"name": "play.throttled.example.com", "fault": "throttle"},
                {"name": "play.mangled.example.com", "fault": "malformed"},
                {"name": "play.proxy.example.com", "fault": "html_502"},
                {"name": "play.busy.example.com", "fault": "concurrency_500"},
            ],
        },
        {
            "name": "hw-pw",
            "vendor": "huawei",
            "auth": "password",
            "username": "livetop-ops",
            "password": PASSWORD,
            "domain_name": "media-group",
            "rate_per_second": 1000.0,
            "burst": 1000.0,
            "domains": [{"name": "play.pw.example.cn", "base_mbps": 300}],
        },
    ],
}


@pytest.fixture
def hw_sim(make_sim):
    return make_sim(HW_SCENARIO)


@pytest.fixture
def accounts(hw_sim, tmp_path):
    from conftest import TEST_CLIENT_TIMEOUT, load_sim_config

    config = load_sim_config(hw_sim.sim.write_config(tmp_path / "hw.toml", timeout=TEST_CLIENT_TIMEOUT))
    return {acc.name: acc for acc in config.accounts}


async def fetch_once(account, clock, domain, start, end, metrics=frozenset({"bandwidth", "traffic"})):
    async with make_client(account) as client:
        return await HuaweiProvider(account, client, clock).fetch(domain, start, end, metrics)


async def fetch_error(account, clock, domain, start, end, metrics=BANDWIDTH) -> VendorError:
    with pytest.raises(VendorError) as info:
        await fetch_once(account, clock, domain, start, end, metrics)
    return info.value


def live_log(sim):
    return [entry for entry in sim.log if "/stream/" in entry.path]


def assert_no_secret(error: VendorError, *secrets: str) -> None:
    text = repr(error) + str(error) + json.dumps(error.error.as_dict(), ensure_ascii=False)
    for secret in secrets:
        assert secret not in text


def assert_buckets(samples, start, end, step_seconds=300):
    stamps = [s.bucket_start for s in samples]
    assert stamps == [start + timedelta(seconds=step_seconds * i) for i in range(len(stamps))]
    assert stamps and stamps[-1] < end
    assert all(t.tzinfo is not None and t.utcoffset() == timedelta(0) for t in stamps)


# --- the three auth modes fetch real data ---------------------------------------------------------------


async def test_aksk_fetches_bandwidth_and_traffic(hw_sim, accounts, sim_clock):
    now = sim_clock.now()
    start = now - timedelta(hours=1)
    result = await fetch_once(accounts["hw-aksk"], sim_clock, "play.ok.example.com", start, now)
    assert result.requests == 2 and result.notices == []
    assert_buckets(result.bandwidth, start, now)
    assert_buckets(result.traffic, start, now)
    assert len(result.bandwidth) == len(result.traffic) == 12
    assert all(s.value > 0 for s in result.bandwidth)
    for peak, traffic in zip(result.bandwidth, result.traffic):
        # Units check: a bucket cannot carry more bytes than its peak bit rate for 300 s would.
        assert 0 < traffic.value <= peak.value * 300 / 8 + 1
    log = live_log(hw_sim.sim)
    pid = accounts["hw-aksk"].project_id
    assert [(e.path, e.status) for e in log] == [
        (f"/v1/{pid}/stream/bandwidth", 200),
        (f"/v1/{pid}/stream/traffic", 200),
    ]
    assert log[0].params == {
        "domain": "play.ok.example.com",
        "start_time": "2026-11-20T11:00:00Z",
        "end_time": "2026-11-20T12:00:00Z",
        "step": "5",
    }


async def test_only_the_requested_metric_is_fetched(hw_sim, accounts, sim_clock):
    now = sim_clock.now()
    result = await fetch_once(
        accounts["hw-aksk"], sim_clock, "play.ok.example.com", now - timedelta(minutes=30), now,
        frozenset({"traffic"}),
    )
    assert result.bandwidth == [] and len(result.traffic) == 6
    assert [e.path.rsplit("/", 1)[-1] for e in live_log(hw_sim.sim)] == ["traffic"]


async def test_samples_stay_inside_an_unaligned_range(accounts, sim_clock):
    now = sim_clock.now()
    start, end = now - timedelta(minutes=58, seconds=30), now - timedelta(minutes=1)
    result = await fetch_once(accounts["hw-aksk"], sim_clock, "play.ok.example.com", start, end, BANDWIDTH)
    stamps = [s.bucket_start for s in result.bandwidth]
    assert stamps[0] == datetime(2026, 11, 20, 11, 5, tzinfo=UTC)
    assert stamps[-1] == datetime(2026, 11, 20, 11, 55, tzinfo=UTC)
    assert all(start <= t < end for t in stamps)


async def test_password_auth_gets_one_token_and_reuses_it(hw_sim, accounts, sim_clock):
    account = accounts["hw-pw"]
    paced = []

    async def pacer():
        paced.append(hw_sim.sim.iam_calls)

    now = sim_clock.now()
    async with make_client(account) as client:
        provider = HuaweiProvider(account, client, sim_clock, pacer)
        first = await provider.fetch("play.pw.example.cn", now - timedelta(hours=1), now)
        second = await provider.fetch("play.pw.example.cn", now - timedelta(minutes=10), now)
    assert len(first.bandwidth) == 12 and len(first.traffic) == 12
    assert len(second.bandwidth) == 2
    assert hw_sim.sim.iam_calls == 1
    # Paced before each Live request, not before the IAM call (the first pace happens before the token).
    assert first.requests + second.requests == len(paced) == 4
    iam = [e for e in hw_sim.sim.log if e.path.startswith("/v3/auth/tokens")]
    assert [e.status for e in iam] == [201]


async def test_token_mode_uses_the_configured_token_and_cannot_renew_it(hw_sim, accounts, sim_clock):
    pw = accounts["hw-pw"]
    # A user gets a token from IAM by hand and puts it in the config.
    async with httpx.AsyncClient() as client:
        answer = await client.post(
            f"{hw_sim.url}/v3/auth/tokens",
            json={
                "auth": {
                    "identity": {
                        "methods": ["password"],
                        "password": {
                            "user": {
                                "name": "livetop-ops",
                                "password": PASSWORD,
                                "domain": {"name": "media-group"},
                            }
                        },
                    },
                    "scope": {"project": {"id": pw.project_id}},
                }
            },
        )
    assert answer.status_code == 201
    token = answer.headers["X-Subject-Token"]
    account = replace(pw, auth=AUTH_TOKEN, credentials=Credentials(token=Secret(token)))
    now = sim_clock.now()
    result = await fetch_once(account, sim_clock, "play.pw.example.cn", now - timedelta(hours=1), now)
    assert len(result.bandwidth) == 12 and len(result.traffic) == 12
    sim_clock.advance(25 * 3600)
    now = sim_clock.now()
    error = await fetch_error(account, sim_clock, "play.pw.example.cn", now - timedelta(hours=1), now)
    assert error.error.code == "APIGW.0307" and error.error.token_expired
    assert hw_sim.sim.iam_calls == 1  # livetop never logs in for a token-mode account
    assert_no_secret(error, token)


async def test_an_expired_config_token_is_final_not_retried(hw_sim, accounts, sim_clock):
    """The catalog calls APIGW.0307 retryable because password auth renews; a token from the config cannot
    be renewed, so the engine must stop and tell the user to replace it instead of retrying for ever."""
    token = hw_sim.sim.issue_token("hw-pw")
    issued = hw_sim.sim.iam_calls
    account = replace(accounts["hw-pw"], auth=AUTH_TOKEN, credentials=Credentials(token=Secret(token)))
    sim_clock.advance(25 * 3600)
    now = sim_clock.now()
    error = await fetch_error(account, sim_clock, "play.pw.example.cn", now - timedelta(hours=1), now)
    assert (error.error.code, error.error.http_status) == ("APIGW.0307", 401)
    assert not error.error.retryable and not error.error.throttled
    assert "fresh token in the config" in error.error.action
    assert [e.code for e in live_log(hw_sim.sim)] == ["APIGW.0307"]  # one request, no renewal attempt
    assert hw_sim.sim.iam_calls == issued  # livetop never logs in for a token-mode account
    assert_no_secret(error, token)


async def test_a_token_refused_right_after_renewal_is_final(make_sim, tmp_path, sim_clock):
    """Password auth renews once when the gateway says the token expired. When the fresh token is refused
    as well, another poll would only buy another IAM call and the same refusal: the error says to check
    the IAM user and project, and is not retryable."""
    from conftest import load_sim_config

    # Tokens live 1 s, and every Live request reaches the gateway 2 s after it was authorised (as if the
    # gateway's clock ran ahead of IAM's): each token is already expired there, the renewed one too.
    sim = make_sim({**HW_SCENARIO, "token_lifetime": "1s"})
    account = load_sim_config(sim.sim.write_config(tmp_path / "hw.toml", timeout="3s")).account("hw-pw")

    async def age_token_in_flight(request: httpx.Request) -> None:
        if "/stream/" in request.url.path:
            sim_clock.advance(2)

    now = sim_clock.now()
    async with make_client(account) as client:
        client.event_hooks["request"].append(age_token_in_flight)
        provider = HuaweiProvider(account, client, sim_clock)
        with pytest.raises(VendorError) as info:
            await provider.fetch("play.pw.example.cn", now - timedelta(minutes=10), now, BANDWIDTH)
    error = info.value.error
    assert error.code == "APIGW.0307" and not error.retryable
    assert "IAM user and project" in error.action
    assert sim.sim.iam_calls == 2  # the first token and one renewal, nothing more
    assert [e.code for e in live_log(sim.sim)] == ["APIGW.0307", "APIGW.0307"]
    assert_no_secret(info.value, PASSWORD)


# --- token expiry and renewal -------------------------------------------------------------------------


async def test_password_token_renewed_within_five_minutes_of_expiry(hw_sim, accounts, sim_clock):
    account = accounts["hw-pw"]
    async with make_client(account) as client:
        provider = HuaweiProvider(account, client, sim_clock)

        async def poll():
            now = sim_clock.now()
            return await provider.fetch("play.pw.example.cn", now - timedelta(minutes=10), now, BANDWIDTH)

        await poll()
        assert hw_sim.sim.iam_calls == 1
        expires_at = provider.auth.expires_at
        assert expires_at == sim_clock.now() + timedelta(hours=24)
        sim_clock.set(expires_at - timedelta(minutes=6))
        await poll()
        assert hw_sim.sim.iam_calls == 1  # still outside the 5-minute margin
        sim_clock.advance(2 * 60)
        result = await poll()
        assert hw_sim.sim.iam_calls == 2  # renewed before the gateway could refuse it
        assert result.requests == 1
    assert all(e.status == 200 for e in live_log(hw_sim.sim))


async def test_renewal_margin_is_configurable(hw_sim, accounts, sim_clock):
    account = accounts["hw-pw"]
    async with make_client(account) as client:
        provider = HuaweiProvider(account, client, sim_clock, renew_before_seconds=3600)
        now = sim_clock.now()
        await provider.fetch("play.pw.example.cn", now - timedelta(minutes=10), now, BANDWIDTH)
        sim_clock.advance(23 * 3600 + 60)
        now = sim_clock.now()
        await provider.fetch("play.pw.example.cn", now - timedelta(minutes=10), now, BANDWIDTH)
    assert hw_sim.sim.iam_calls == 2


async def test_gateway_expiry_renews_once_and_retries(hw_sim, accounts, sim_clock):
    """The gateway says the token expired while the client's clock says it is fresh (a clock behind, or a
    token invalidated by a password change): one renewal, one retry, and the caller gets data."""
    account = accounts["hw-pw"]
    client_clock = ManualClock(sim_clock.now())
    async with make_client(account) as client:
        provider = HuaweiProvider(account, client, client_clock)
        now = client_clock.now()
        await provider.fetch("play.pw.example.cn", now - timedelta(minutes=10), now, BANDWIDTH)
        sim_clock.advance(25 * 3600)
        result = await provider.fetch("play.pw.example.cn", now - timedelta(minutes=10), now, BANDWIDTH)
    assert len(result.bandwidth) == 2
    assert result.requests == 2  # the refused request and its retry
    assert hw_sim.sim.iam_calls == 2
    assert [(e.status, e.code) for e in live_log(hw_sim.sim)] == [(200, ""), (401, "APIGW.0307"), (200, "")]


async def test_fifty_concurrent_fetches_with_an_expired_token_cost_one_iam_call(hw_sim, accounts, sim_clock):
    account = accounts["hw-pw"]
    async with make_client(account) as client:
        provider = HuaweiProvider(account, client, sim_clock)
        now = sim_clock.now()
        await provider.fetch("play.pw.example.cn", now - timedelta(minutes=10), now, BANDWIDTH)
        sim_clock.advance(25 * 3600)
        now = sim_clock.now()
        results = await asyncio.gather(
            *(
                provider.fetch("play.pw.example.cn", now - timedelta(minutes=10), now, BANDWIDTH)
                for _ in range(50)
            )
        )
    assert hw_sim.sim.iam_calls == 2
    assert all(len(r.bandwidth) == 2 and r.requests == 1 for r in results)


async def test_fifty_requests_refused_as_expired_cost_one_iam_call(hw_sim, accounts, sim_clock):
    account = accounts["hw-pw"]
    client_clock = ManualClock(sim_clock.now())
    async with make_client(account) as client:
        provider = HuaweiProvider(account, client, client_clock)
        now = client_clock.now()
        await provider.fetch("play.pw.example.cn", now - timedelta(minutes=10), now, BANDWIDTH)
        sim_clock.advance(25 * 3600)
        results = await asyncio.gather(
            *(
                provider.fetch("play.pw.example.cn", now - timedelta(minutes=10), now, BANDWIDTH)
                for _ in range(50)
            )
        )
    assert hw_sim.sim.iam_calls == 2
    assert all(len(r.bandwidth) == 2 and r.requests == 2 for r in results)
    codes = [e.code for e in live_log(hw_sim.sim)]
    assert codes.count("APIGW.0307") == 50 and codes.count("") == 51


async def test_wrong_password_is_the_decoded_iam_error_and_iam_is_asked_once(hw_sim, accounts, sim_clock):
    wrong = "not-the-password-5521"
    pw = accounts["hw-pw"]
    account = replace(pw, credentials=replace(pw.credentials, password=Secret(wrong)))
    now = sim_clock.now()
    async with make_client(account) as client:
        provider = HuaweiProvider(account, client, sim_clock)
        outcomes = await asyncio.gather(
            *(provider.fetch("play.pw.example.cn", now - timedelta(minutes=10), now) for _ in range(20)),
            return_exceptions=True,
        )
    assert all(isinstance(o, VendorError) for o in outcomes)
    error = outcomes[0].error
    assert error.code == "IAM.401" and error.http_status == 401 and error.kind == "vendor"
    assert "username or password is wrong" in error.raw_message
    assert not error.retryable
    # Repeated wrong passwords lock an IAM user: the burst shared one attempt.
    assert hw_sim.sim.iam_calls == 0 and len([e for e in hw_sim.sim.log if "/v3/" in e.path]) == 1
    assert live_log(hw_sim.sim) == []
    for outcome in outcomes:
        assert_no_secret(outcome, wrong, PASSWORD)


async def test_a_late_request_shares_a_recent_iam_failure_and_a_later_one_tries_again(hw_sim, accounts, sim_clock):
    pw = accounts["hw-pw"]
    account = replace(pw, credentials=replace(pw.credentials, password=Secret("not-the-password-5521")))
    now = sim_clock.now()

    def iam_requests() -> int:
        return len([e for e in hw_sim.sim.log if "/v3/" in e.path])

    async with make_client(account) as client:
        provider = HuaweiProvider(account, client, sim_clock)
        with pytest.raises(VendorError):
            await provider.fetch("play.pw.example.cn", now - timedelta(minutes=10), now)
        sim_clock.advance(10)  # a domain whose poll starts a moment after the burst failed
        with pytest.raises(VendorError) as late:
            await provider.fetch("play.pw.example.cn", now - timedelta(minutes=10), now)
        assert late.value.error.code == "IAM.401" and iam_requests() == 1
        sim_clock.advance(30)  # the next poll, or the user's refresh after fixing the IAM user, asks again
        with pytest.raises(VendorError):
            await provider.fetch("play.pw.example.cn", now - timedelta(minutes=10), now)
        assert iam_requests() == 2


async def test_unreachable_iam_is_a_transport_error(accounts, sim_clock):
    account = replace(accounts["hw-pw"], iam_endpoint="http://127.0.0.1:9", timeout_seconds=2.0)
    now = sim_clock.now()
    error = await fetch_error(account, sim_clock, "play.pw.example.cn", now - timedelta(hours=1), now)
    assert error.error.kind == "transport" and error.error.http_status is None
    assert_no_secret(error, PASSWORD)


# --- errors from the gateway and from Live, decoded ----------------------------------------------------


async def test_wrong_secret_key_is_a_decoded_signature_failure(hw_sim, accounts, sim_clock):
    ak = accounts["hw-aksk"]
    wrong = "wrong-secret-key-0000111122223333"
    account = replace(ak, credentials=replace(ak.credentials, secret_key=Secret(wrong)))
    now = sim_clock.now()
    error = await fetch_error(account, sim_clock, "play.ok.example.com", now - timedelta(hours=1), now)
    assert error.error.code == "APIGW.0301" and error.error.http_status == 401
    assert error.error.title == "AK/SK signature rejected"
    assert "verify aksk signature fail" in error.error.raw_message
    assert_no_secret(error, wrong, SK)


async def test_skewed_clock_is_refused_by_the_gateway(hw_sim, accounts, sim_clock):
    skewed = ManualClock(sim_clock.now() - timedelta(minutes=20))
    now = skewed.now()
    error = await fetch_error(
        accounts["hw-aksk"], skewed, "play.ok.example.com", now - timedelta(hours=1), now
    )
    assert error.error.code == "APIGW.0301"
    assert error.error.title == "request time out of range"
    # Within the 15-minute tolerance the same machine is accepted.
    near = ManualClock(sim_clock.now() - timedelta(minutes=14))
    now = near.now()
    result = await fetch_once(accounts["hw-aksk"], near, "play.ok.example.com", now - timedelta(hours=1), now)
    assert len(result.bandwidth) == 12


@pytest.mark.parametrize("domain", ["play.unknown.example.com", "play.gone.example.com"])
async def test_a_domain_the_project_does_not_own_is_live_100011001(accounts, sim_clock, domain):
    now = sim_clock.now()
    error = await fetch_error(accounts["hw-aksk"], sim_clock, domain, now - timedelta(hours=1), now)
    assert error.error.code == "LIVE.100011001" and error.error.http_status == 400
    assert "Invalid request parameter: domain" in error.error.raw_message
    assert error.error.kind == "vendor" and not error.error.retryable


async def test_throttling_is_apigw_0308_with_retry_after(accounts, sim_clock):
    now = sim_clock.now()
    error = await fetch_error(accounts["hw-aksk"], sim_clock, "play.throttled.example.com",
                              now - timedelta(hours=1), now)
    assert error.error.code == "APIGW.0308" and error.error.http_status == 429
    assert error.error.throttled and error.error.retry_after == 7.0


async def test_account_rate_limit_reaches_the_caller_as_throttling(make_sim, tmp_path, sim_clock):
    from conftest import load_sim_config

    scenario = {
        "accounts": [
            {"name": "hw-tight", "vendor": "huawei", "auth": "aksk", "rate_per_second": 0.001, "burst": 1.0,
             "domains": ["play.tight.example.com"]}
        ]
    }
    tight = make_sim(scenario)
    account = load_sim_config(tight.sim.write_config(tmp_path / "tight.toml")).accounts[0]
    now = sim_clock.now()
    error = await fetch_error(account, sim_clock, "play.tight.example.com", now - timedelta(hours=1), now,
                              frozenset({"bandwidth", "traffic"}))
    assert error.error.code == "APIGW.0308" and error.error.throttled
    assert error.error.retry_after is not None and error.error.retry_after > 0
    assert "over ratelimit" in error.error.raw_message


async def test_malformed_html_and_overload_answers_are_decoded(accounts, sim_clock):
    account, now = accounts["hw-aksk"], sim_clock.now()
    start = now - timedelta(hours=1)
    for _ in range(4):  # the simulator garbles either way (cut short / wrong shape): both are malformed
        mangled = await fetch_error(account, sim_clock, "play.mangled.example.com", start, now)
        assert mangled.error.kind == "malformed" and mangled.error.http_status == 200
    proxy = await fetch_error(account, sim_clock, "play.proxy.example.com", start, now)
    assert proxy.error.kind == "transport" and proxy.error.http_status == 502
    assert "502 Bad Gateway" in proxy.error.raw_message
    busy = await fetch_error(account, sim_clock, "play.busy.example.com", start, now)
    assert busy.error.code == "LIVE.100011007" and busy.error.throttled


async def test_unreachable_endpoint_is_a_transport_error(accounts, sim_clock):
    account = replace(accounts["hw-aksk"], endpoint="http://127.0.0.1:9", timeout_seconds=2.0)
    now = sim_clock.now()
    error = await fetch_error(account, sim_clock, "play.ok.example.com", now - timedelta(hours=1), now)
    assert error.error.kind == "transport" and error.error.http_status is None


# --- time rules as the vendor enforces them --------------------------------------------------------------


async def test_31_day_span_is_two_requests_merged(hw_sim, accounts, sim_clock):
    account = replace(accounts["hw-aksk"], step_minutes=60)
    now = sim_clock.now()
    start = now - timedelta(days=31)
    result = await fetch_once(account, sim_clock, "play.ok.example.com", start, now, BANDWIDTH)
    assert result.requests == 2
    assert_buckets(result.bandwidth, start, now, step_seconds=3600)
    assert len(result.bandwidth) == 31 * 24
    log = live_log(hw_sim.sim)
    assert [(e.params["start_time"], e.params["end_time"], e.status) for e in log] == [
        ("2026-10-20T12:00:00Z", "2026-11-19T12:00:00Z", 200),
        ("2026-11-19T12:00:00Z", "2026-11-20T12:00:00Z", 200),
    ]


async def test_start_older_than_three_months_is_clamped_and_accepted(hw_sim, accounts, sim_clock):
    account = replace(accounts["hw-aksk"], step_minutes=60)
    now = sim_clock.now()
    result = await fetch_once(
        account, sim_clock, "play.ok.example.com",
        now - timedelta(days=100), now - timedelta(days=80), BANDWIDTH,
    )
    assert result.notices == ["start clamped to 2026-08-22T13:00:00Z: Huawei keeps 3 months of statistics"]
    assert result.bandwidth[0].bucket_start == datetime(2026, 8, 22, 13, tzinfo=UTC)
    assert [e.status for e in live_log(hw_sim.sim)] == [200]


async def test_a_range_entirely_too_old_sends_nothing(hw_sim, accounts, sim_clock):
    now = sim_clock.now()
    error = await fetch_error(
        accounts["hw-aksk"], sim_clock, "play.ok.example.com",
        now - timedelta(days=200), now - timedelta(days=95),
    )
    assert error.error.kind == "client"
    assert hw_sim.sim.log[:] == []


async def test_future_end_is_clamped_before_sending(hw_sim, accounts, sim_clock):
    now = sim_clock.now()
    result = await fetch_once(
        accounts["hw-aksk"], sim_clock, "play.ok.example.com",
        now - timedelta(minutes=30), now + timedelta(days=1), BANDWIDTH,
    )
    assert len(result.bandwidth) == 6
    assert live_log(hw_sim.sim)[0].params["end_time"] == "2026-11-20T12:00:00Z"


# --- livetop query, end to end ---------------------------------------------------------------------------


def test_livetop_query_for_both_huawei_auth_modes(make_sim, tmp_path):
    """What a user runs by hand against `livetop simulate`: real processes, real clock."""
    import subprocess
    import sys

    from conftest import demo_scenario_for_tests, last_hour_buckets

    from livetop.clock import SYSTEM_CLOCK

    thread = make_sim(demo_scenario_for_tests(), clock=SYSTEM_CLOCK)
    # Only healthy domains are asked: a generous timeout costs nothing and holds on a loaded machine.
    config = thread.sim.write_config(tmp_path / "c.toml", timeout="20s")
    secrets = [acc.secret_key for acc in thread.sim.scenario.accounts] + [
        acc.password for acc in thread.sim.scenario.accounts
    ]

    def query(*args):
        done = subprocess.run(
            [sys.executable, "-m", "livetop", "query", "--config", str(config), *args],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert "Traceback" not in done.stderr
        assert not any(s and s in done.stdout + done.stderr for s in secrets)
        return done

    cases = (("hw-sports", "play.sports-live.example.com"), ("hw-media", "play.news.example.cn"))
    for account, domain in cases:
        begun = SYSTEM_CLOCK.now()
        ok = query(account, domain, "--json")
        ended = SYSTEM_CLOCK.now()
        assert ok.returncode == 0, ok.stderr
        points = json.loads(ok.stdout)
        # The last hour's buckets holding a completed minute, for a "now" between `begun` and `ended`.
        least, most = last_hour_buckets(begun, ended)
        assert least <= len(points) <= most and least >= 11, (len(points), least, most, begun, ended)
        # Only completed minutes count: even the newest bucket holds traffic.
        assert all(p["bandwidth_bps"] > 0 and p["traffic_bytes"] > 0 for p in points)
        assert all(p["time"].endswith(("0:00Z", "5:00Z")) for p in points)
    gone = query("hw-sports", "play.legacy-event.example.com")
    assert gone.returncode == 1
    assert "LIVE.100011001" in gone.stderr and "Invalid request parameter: domain" in gone.stderr
