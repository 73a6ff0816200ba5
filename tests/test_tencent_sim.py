"""Tencent Cloud Live over real HTTP against the simulator: data after unit conversion, day-long requests,
clock skew, the simulator's strictness, every fault decoded, and the official SDK's own requests accepted."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.live.v20180801 import live_client, models

from livetop.clock import ManualClock
from livetop.config.schema import Secret
from livetop.model import VendorError
from livetop.sim import tencent as sim_tencent
from livetop.vendors.tencent import signer
from livetop.vendors.tencent.client import TencentProvider

UTC = timezone.utc
SECRET_ID = "AKIDlivetopSimTest00000000000001"
SECRET_KEY = "sim-tencent-secret-9c1f4e7a2b"
TC_SCENARIO = {
    "seed": "tencent-tests",
    "timeout_hold": "5s",
    "accounts": [
        {
            "name": "tc",
            "vendor": "tencent",
            "access_key": SECRET_ID,
            "secret_key": SECRET_KEY,
            "rate_per_second": 1000.0,
            "burst": 1000.0,
            "domains": [
                {"name": "play.ok.example.com", "base_mbps": 800},
                {"name": "hls.ok.example.com", "base_mbps": 120},
                {"name": "play.gone.example.com", "fault": "not_owned"},
                {"name": "play.broken.example.com", "fault": "internal_500"},
                {"name": "play.proxy.example.com", "fault": "html_502"},
                {"name": "play.slow.example.com", "fault": "timeout"},
                {"name": "play.throttled.example.com", "fault": "throttle"},
                {"name": "play.mangled.example.com", "fault": "malformed"},
            ],
        },
        {
            "name": "tc-tight",
            "vendor": "tencent",
            "access_key": "AKIDlivetopSimTight0000000000002",
            "rate_per_second": 0.001,
            "burst": 1.0,
            "domains": ["play.tight.example.com"],
        },
    ],
}


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture
def tc_sim(make_sim):
    return make_sim(TC_SCENARIO)


@pytest.fixture
def tc_accounts(tc_sim, tmp_path):
    from conftest import load_sim_config

    config = load_sim_config(tc_sim.sim.write_config(tmp_path / "tc.toml", timeout="1s"))
    return {acc.name: acc for acc in config.accounts}


async def _fetch(account, clock, domain, start, end):
    async with httpx.AsyncClient(base_url=account.endpoint, timeout=account.timeout_seconds) as client:
        return await TencentProvider(account, client, clock).fetch(domain, start, end)


def expected(thread, domains, start, end, base=1024):
    """The simulator's own series for [start, end), in the units it sends, converted as livetop must."""
    from livetop.sim import data

    curves = [thread.sim.curve(d) for d in domains]
    rows = data.buckets(lambda m: sum(c.rate_bps(m) for c in curves), int(start.timestamp()),
                        int(end.timestamp()), 300, thread.sim.clock.now().timestamp())  # fmt: skip
    unit = base * base
    return (
        {datetime.fromtimestamp(r.start_ts, UTC): sim_tencent.mbps(r.peak_bps) * unit for r in rows},
        {datetime.fromtimestamp(r.start_ts, UTC): sim_tencent.mbps(r.traffic_bytes) * unit for r in rows},
    )


async def test_an_hour_matches_the_simulated_series_after_unit_conversion(tc_sim, tc_accounts, sim_clock):
    end = sim_clock.now()
    start = end - timedelta(hours=1)
    result = await _fetch(tc_accounts["tc"], sim_clock, "play.ok.example.com", start, end)
    assert result.requests == 1
    bandwidth, traffic = expected(tc_sim, ["play.ok.example.com"], start, end)
    assert len(bandwidth) == 12
    assert {s.bucket_start: s.value for s in result.bandwidth} == pytest.approx(bandwidth, rel=1e-12)
    assert {s.bucket_start: s.value for s in result.traffic} == pytest.approx(traffic, abs=1)
    call = tc_sim.sim.log[-1]
    assert (call.status, call.code, call.path) == (200, "", "/")
    assert call.params["StartTime"] == "2026-11-20T11:00:00Z" and call.params["Granularity"] == "5"


async def test_three_days_go_out_as_day_long_requests_the_simulator_accepts(tc_sim, tc_accounts, sim_clock):
    end = sim_clock.now()
    start = end - timedelta(days=3)
    result = await _fetch(tc_accounts["tc"], sim_clock, "play.ok.example.com", start, end)
    assert result.requests == 3
    assert [(c.status, c.code) for c in tc_sim.sim.log] == [(200, "")] * 3
    starts = [s.bucket_start for s in result.bandwidth]
    assert starts == [start + timedelta(minutes=5 * i) for i in range(3 * 288)]
    bandwidth, _ = expected(tc_sim, ["play.ok.example.com"], start, end)
    assert {s.bucket_start: s.value for s in result.bandwidth} == pytest.approx(bandwidth, rel=1e-12)


async def test_unit_base_1000_is_honoured(tc_sim, tc_accounts, sim_clock):
    end = sim_clock.now()
    account = replace(tc_accounts["tc"], unit_base=1000)
    result = await _fetch(account, sim_clock, "play.ok.example.com", end - timedelta(minutes=30), end)
    bandwidth, _ = expected(tc_sim, ["play.ok.example.com"], end - timedelta(minutes=30), end, base=1024)
    assert result.bandwidth[0].value == pytest.approx(bandwidth[result.bandwidth[0].bucket_start] / 1.048576)  # 1024² / 1000²


@pytest.mark.parametrize(
    "domain, code, kind, retryable, throttled",
    [
        ("play.gone.example.com", "ResourceNotFound.DomainNotExist", "vendor", False, False),
        ("play.broken.example.com", "InternalError", "vendor", True, False),
        ("play.proxy.example.com", "HTTP 502", "transport", True, False),
        ("play.slow.example.com", "NET.TIMEOUT", "transport", True, False),
        ("play.throttled.example.com", "RequestLimitExceeded", "vendor", True, True),
    ],
)
async def test_each_fault_reaches_the_caller_decoded(tc_sim, tc_accounts, sim_clock, domain, code, kind,
                                                     retryable, throttled):  # fmt: skip
    end = sim_clock.now()
    with pytest.raises(VendorError) as info:
        await _fetch(tc_accounts["tc"], sim_clock, domain, end - timedelta(hours=1), end)
    error = info.value.error
    assert (error.code, error.kind, error.retryable, error.throttled) == (code, kind, retryable, throttled)
    assert SECRET_KEY not in error.raw_message and SECRET_ID not in error.raw_message


async def test_a_mangled_answer_is_malformed_or_cut_short(tc_sim, tc_accounts, sim_clock):
    end = sim_clock.now()
    for _ in range(4):
        with pytest.raises(VendorError) as info:
            await _fetch(tc_accounts["tc"], sim_clock, "play.mangled.example.com", end - timedelta(hours=1), end)
        assert info.value.error.kind in ("malformed", "transport") and info.value.error.retryable


async def test_the_account_rate_limit_answers_request_limit_exceeded(tc_sim, tc_accounts, sim_clock):
    end = sim_clock.now()
    account = tc_accounts["tc-tight"]
    await _fetch(account, sim_clock, "play.tight.example.com", end - timedelta(minutes=10), end)
    with pytest.raises(VendorError) as info:
        await _fetch(account, sim_clock, "play.tight.example.com", end - timedelta(minutes=10), end)
    assert info.value.error.code == "RequestLimitExceeded" and info.value.error.throttled


@pytest.mark.parametrize("skew_minutes, ok", [(4, True), (-4, True), (6, False), (-7, False)])
async def test_a_clock_more_than_5_minutes_off_is_shown_as_clock_skew(tc_sim, tc_accounts, sim_clock,
                                                                      skew_minutes, ok):  # fmt: skip
    ours = ManualClock(sim_clock.now() + timedelta(minutes=skew_minutes))
    end = sim_clock.now()
    if ok:
        result = await _fetch(tc_accounts["tc"], ours, "play.ok.example.com", end - timedelta(minutes=10), end)
        assert len(result.bandwidth) == 2
        return
    with pytest.raises(VendorError) as info:
        await _fetch(tc_accounts["tc"], ours, "play.ok.example.com", end - timedelta(minutes=10), end)
    error = info.value.error
    assert error.code == "AuthFailure.SignatureExpire" and error.title == "clock skew: signature expired"
    direction = "ahead of" if skew_minutes > 0 else "behind"
    assert f"{abs(skew_minutes)}m {direction} Tencent's" in error.meaning
    assert "NTP" in error.action


@pytest.mark.parametrize(
    "change, code",
    [
        ({"secret_key": "not-the-key"}, "AuthFailure.SignatureFailure"),
        ({"access_key": "AKIDnobodyknowsthisone000000000"}, "AuthFailure.SecretIdNotFound"),
    ],
)
async def test_wrong_credentials_are_refused_by_name(tc_sim, tc_accounts, sim_clock, change, code):
    account = tc_accounts["tc"]
    creds = replace(account.credentials, **{k: Secret(v) for k, v in change.items()})
    end = sim_clock.now()
    with pytest.raises(VendorError) as info:
        await _fetch(replace(account, credentials=creds), sim_clock, "play.ok.example.com",
                     end - timedelta(minutes=10), end)  # fmt: skip
    assert info.value.error.code == code and not info.value.error.retryable
    assert "not-the-key" not in info.value.error.raw_message


# --- the simulator's strictness, with hand-made signed requests ------------------------------------------


def _signed_post(thread, clock, params, *, action="DescribeBillBandwidthAndFluxList", version="2018-08-01",
                 content_type="application/json", secret_key=SECRET_KEY):  # fmt: skip
    body = json.dumps(params).encode()
    host = thread.url.removeprefix("http://")
    ts = int(clock.now().timestamp())
    authorization, _ = signer.sign(SECRET_ID, secret_key, service="live", method="POST", host=host,
                                   content_type=content_type, timestamp=ts, payload=body)  # fmt: skip
    headers = {"Content-Type": content_type, "X-TC-Action": action, "X-TC-Version": version,
               "X-TC-Timestamp": str(ts), "Authorization": authorization}  # fmt: skip
    return httpx.post(thread.url + "/", content=body, headers=headers)


GOOD = {"StartTime": "2026-11-20T11:00:00Z", "EndTime": "2026-11-20T11:55:00Z",
        "PlayDomains": ["play.ok.example.com"], "Granularity": 5}  # fmt: skip


@pytest.mark.parametrize(
    "params, headers, code",
    [
        ({**GOOD, "EndTime": "2026-11-21T11:00:01Z"}, {}, "InvalidParameter"),  # > 1 day at Granularity 5
        ({**GOOD, "StartTime": "2026-10-01T00:00:00Z", "Granularity": 60}, {}, "InvalidParameter"),  # > 31 d
        ({**GOOD, "EndTime": "2026-11-20T10:00:00Z"}, {}, "InvalidParameter"),  # end before start
        ({**GOOD, "StartTime": "2026/11/20 11:00"}, {}, "InvalidParameter"),
        ({**GOOD, "StartTime": "2020-11-20T11:00:00Z", "Granularity": 60,
          "EndTime": "2020-11-21T11:00:00Z"}, {}, "InvalidParameter"),  # more than 3 years back
        ({**GOOD, "Granularity": 15}, {}, "InvalidParameterValue"),
        ({k: v for k, v in GOOD.items() if k != "StartTime"}, {}, "MissingParameter"),
        ({**GOOD, "Domain": "x"}, {}, "UnknownParameter"),
        (GOOD, {"version": "2020-01-01"}, "NoSuchVersion"),
        (GOOD, {"action": "DescribeLiveDomains"}, "InvalidAction"),
        (GOOD, {"content_type": "application/x-www-form-urlencoded"}, "InvalidRequest"),
    ],
)  # fmt: skip
def test_the_simulator_enforces_the_documented_rules(tc_sim, sim_clock, params, headers, code):
    response = _signed_post(tc_sim, sim_clock, params, **headers)
    assert response.status_code == 200  # Tencent answers its errors with HTTP 200
    assert response.headers["content-type"] == "application/json"
    assert response.json()["Response"]["Error"]["Code"] == code
    assert response.json()["Response"]["RequestId"]


def test_the_simulator_answers_hours_with_the_peak_and_its_time(tc_sim, sim_clock):
    params = {**GOOD, "StartTime": "2026-11-19T12:00:00Z", "EndTime": "2026-11-20T11:59:59Z", "Granularity": 60}
    doc = _signed_post(tc_sim, sim_clock, params).json()["Response"]
    assert len(doc["DataInfoList"]) == 24
    for point in doc["DataInfoList"]:
        start = _t(point["Time"])
        assert start <= _t(point["PeakTime"]) < start + timedelta(hours=1)
    assert doc["PeakBandwidth"] == max(p["Bandwidth"] for p in doc["DataInfoList"])


def test_beijing_times_in_beijing_times_out(tc_sim, sim_clock):
    params = {**GOOD, "StartTime": "2026-11-20 19:00:00", "EndTime": "2026-11-20 19:55:00"}
    doc = _signed_post(tc_sim, sim_clock, params).json()["Response"]
    assert doc["DataInfoList"][0]["Time"] == "2026-11-20 19:00:00" and len(doc["DataInfoList"]) == 12


# --- the official SDK against the simulator ---------------------------------------------------------------


def _sdk_client(thread, secret_key=SECRET_KEY, method="POST"):
    # An http endpoint with a port: HttpProfile(protocol="http") is how the SDK allows plain http.
    http = HttpProfile(protocol="http", endpoint=thread.url.removeprefix("http://"), reqMethod=method)
    profile = ClientProfile(httpProfile=http)
    profile.disable_region_breaker = True  # its breaker would hide errors behind a retry to a backup host
    return live_client.LiveClient(credential.Credential(SECRET_ID, secret_key), "", profile)


def _sdk_request(start, end, domain):
    request = models.DescribeBillBandwidthAndFluxListRequest()
    request.StartTime, request.EndTime = start, end
    request.PlayDomains, request.Granularity = [domain], 5
    return request


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_the_official_sdk_is_accepted_and_reads_the_same_numbers(make_sim, method):
    # The SDK signs with the real time, so this simulator's clock is the real time too (frozen for the data).
    now = datetime.now(UTC).replace(microsecond=0)
    thread = make_sim(TC_SCENARIO, clock=ManualClock(now))
    end = now.replace(second=0) - timedelta(minutes=now.minute % 5)
    start = end - timedelta(hours=1)
    answer = _sdk_client(thread, method=method).DescribeBillBandwidthAndFluxList(
        _sdk_request(start.strftime("%Y-%m-%dT%H:%M:%SZ"), (end - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                     "play.ok.example.com"))  # fmt: skip
    bandwidth, traffic = expected(thread, ["play.ok.example.com"], start, end)
    assert {_t(p.Time): p.Bandwidth * 1024 * 1024 for p in answer.DataInfoList} == pytest.approx(bandwidth)
    assert {_t(p.Time): p.Flux * 1024 * 1024 for p in answer.DataInfoList} == pytest.approx(traffic)
    assert answer.RequestId and [e.code for e in thread.sim.log] == [""]


@pytest.mark.parametrize(
    "secret_key, domain, code",
    [
        (SECRET_KEY, "play.gone.example.com", "ResourceNotFound.DomainNotExist"),
        ("wrong-key", "play.ok.example.com", "AuthFailure.SignatureFailure"),
    ],
)
def test_the_official_sdk_reads_the_simulators_errors(make_sim, secret_key, domain, code):
    now = datetime.now(UTC).replace(microsecond=0)
    thread = make_sim(TC_SCENARIO, clock=ManualClock(now))
    with pytest.raises(TencentCloudSDKException) as info:
        _sdk_client(thread, secret_key).DescribeBillBandwidthAndFluxList(
            _sdk_request("2026-11-20 19:00:00", "2026-11-20 19:55:00", domain))  # fmt: skip
    assert info.value.code == code and info.value.requestId
