"""JD Cloud OpenAPI over real HTTP against the simulator: data, time rules, the signature checked as JD does
(both the SDK's wire form and its test-vector form accepted, a wrong one or a stale date refused), every
parameter rule answered with its code, rate limits and faults reaching the caller decoded — and a request
built by the official jdcloud-sdk accepted."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from livetop.clock import SYSTEM_CLOCK, ManualClock
from livetop.config.schema import Secret
from livetop.model import VendorError
from livetop.vendors.jdcloud import jdcloud3
from livetop.vendors.jdcloud.openapi_client import JdcloudOpenApiProvider

UTC = timezone.utc
AK, SK = "JDAKOPENAPI0TESTS001", "jd-openapi-secret-5b2e9c41d07a"
TIGHT_AK = "JDAKOPENAPI0TIGHT002"
SCENARIO = {
    "seed": "jd-openapi-tests",
    "timeout_hold": "5s",
    "throttle_retry_after": 7,
    "latency_ms": 0,
    "accounts": [
        {
            "name": "jdo",
            "vendor": "jdcloud",
            "api": "openapi",
            "access_key": AK,
            "secret_key": SK,
            "rate_per_second": 1000.0,
            "burst": 1000.0,
            "domains": [
                {"name": "live.ok.example.com", "base_mbps": 800, "event": "none"},
                {"name": "live.two.example.com", "base_mbps": 200, "event": "none"},
                {"name": "live.gone.example.com", "fault": "not_owned"},
                {"name": "live.denied.example.com", "fault": "forbidden"},
                {"name": "live.broken.example.com", "fault": "internal_500"},
                {"name": "live.proxy.example.com", "fault": "html_502"},
                {"name": "live.slow.example.com", "fault": "timeout"},
                {"name": "live.throttled.example.com", "fault": "throttle"},
                {"name": "live.mangled.example.com", "fault": "malformed"},
            ],
        },
        {
            "name": "jdo-tight",
            "vendor": "jdcloud",
            "api": "openapi",
            "access_key": TIGHT_AK,
            "rate_per_second": 0.001,
            "burst": 1.0,
            "domains": ["live.tight.example.com"],
        },
    ],
}


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture
def jdo_sim(make_sim):
    return make_sim(SCENARIO)


@pytest.fixture
def accounts(jdo_sim, tmp_path):
    from conftest import load_sim_config

    config = load_sim_config(jdo_sim.sim.write_config(tmp_path / "jdo.toml", timeout="1s"))
    return {acc.name: acc for acc in config.accounts}


async def _fetch(account, clock, domain, start, end):
    async with httpx.AsyncClient(base_url=account.endpoint, timeout=account.timeout_seconds) as client:
        return await JdcloudOpenApiProvider(account, client, clock).fetch(domain, start, end)


async def _error(account, clock, domain, start=None, end=None) -> VendorError:
    now = clock.now()
    with pytest.raises(VendorError) as info:
        await _fetch(account, clock, domain, start or now - timedelta(hours=1), end or now)
    return info.value


def test_the_config_the_simulator_writes_is_an_openapi_account(accounts):
    acc = accounts["jdo"]
    assert acc.api == "openapi" and acc.auth == "aksk"
    assert acc.credentials.access_key == Secret(AK) and acc.credentials.secret_key == Secret(SK)


async def test_an_hour_of_average_bandwidth_and_traffic(accounts, sim_clock, jdo_sim):
    now = sim_clock.now()
    result = await _fetch(accounts["jdo"], sim_clock, "live.ok.example.com", now - timedelta(hours=1), now)
    assert result.requests == 2
    assert [s.bucket_start for s in result.bandwidth] == [now - timedelta(minutes=5 * i) for i in range(12, 0, -1)]
    assert len(result.traffic) == 12
    for bw, tr in zip(result.bandwidth, result.traffic):
        # The value is the period's average: bytes x 8 over the 300 s of a settled bucket.
        assert bw.value == pytest.approx(tr.value * 8 / 300, rel=1e-6)
        assert 100e6 < bw.value < 2e9
    paths = [entry.path for entry in jdo_sim.sim.log]
    assert sorted(paths) == ["/v1/describeLiveStreamBandwidthData", "/v1/describeLiveStreamTrafficData"]
    assert all(entry.status == 200 and entry.account == "jdo" for entry in jdo_sim.sim.log)


async def test_the_newest_bucket_averages_its_elapsed_part(accounts, sim_clock):
    sim_clock.advance(150)  # 12:02:30: two completed minutes of the 12:00 bucket (a partial minute is no data)
    now = sim_clock.now()
    result = await _fetch(accounts["jdo"], sim_clock, "live.ok.example.com", now - timedelta(minutes=10), now)
    newest_bw, newest_tr = result.bandwidth[-1], result.traffic[-1]
    assert newest_bw.bucket_start == _t("2026-11-20T12:00:00Z")
    assert newest_bw.value == pytest.approx(newest_tr.value * 8 / 120, rel=1e-6)


async def test_35_days_are_split_into_30_day_requests_and_merged(accounts, sim_clock, jdo_sim):
    now = sim_clock.now()
    patient = replace(accounts["jdo"], timeout_seconds=60.0)  # the simulator computes 30 days per answer
    result = await _fetch(patient, sim_clock, "live.two.example.com", now - timedelta(days=35), now)
    assert result.requests == 4
    assert len(result.bandwidth) == len(result.traffic) == 35 * 288
    times = [s.bucket_start for s in result.bandwidth]
    assert times == sorted(set(times))
    for entry in jdo_sim.sim.log:
        span = _t(entry.params["endTime"]) - _t(entry.params["startTime"])
        assert span <= timedelta(days=30) and entry.params["period"] == "fiveMin"


@pytest.mark.parametrize(
    ("domain", "code", "kind", "retryable"),
    [
        ("live.gone.example.com", "NOT_FOUND", "vendor", False),
        ("live.denied.example.com", "HTTP_FORBIDDEN", "vendor", False),
        ("live.broken.example.com", "INTERNAL", "vendor", True),
        ("live.proxy.example.com", "HTTP 502", "transport", True),
        ("live.slow.example.com", "NET.TIMEOUT", "transport", True),
    ],
)
async def test_each_fault_reaches_the_caller_decoded(accounts, sim_clock, domain, code, kind, retryable):
    error = (await _error(accounts["jdo"], sim_clock, domain)).error
    assert (error.code, error.kind, error.retryable) == (code, kind, retryable)
    assert SK not in error.raw_message and AK not in error.raw_message


async def test_throttling_is_rate_limit_with_retry_after(accounts, sim_clock):
    error = (await _error(accounts["jdo"], sim_clock, "live.throttled.example.com")).error
    assert error.code == "RATE_LIMIT" and error.throttled and error.retry_after == 7.0


async def test_the_account_rate_limit_answers_429(accounts, sim_clock, jdo_sim):
    acc = accounts["jdo-tight"]
    error = (await _error(acc, sim_clock, "live.tight.example.com")).error  # burst 1: the second call is refused
    assert error.code == "RATE_LIMIT" and error.throttled and error.retry_after >= 1


async def test_malformed_answers_are_decoded_not_raised(accounts, sim_clock):
    error = (await _error(accounts["jdo"], sim_clock, "live.mangled.example.com")).error
    assert error.code in ("MALFORMED", "HTTP 200") and error.retryable


async def test_a_wrong_secret_is_refused_as_a_signature_error(accounts, sim_clock):
    acc = accounts["jdo"]
    wrong = replace(acc, credentials=replace(acc.credentials, secret_key=Secret("not-the-secret")))
    error = (await _error(wrong, sim_clock, "live.ok.example.com")).error
    assert (error.code, error.http_status, error.title) == ("UNAUTHENTICATED", 401, "signature rejected")
    assert "not-the-secret" not in error.raw_message


async def test_an_unknown_access_key_is_refused(accounts, sim_clock):
    acc = accounts["jdo"]
    wrong = replace(acc, credentials=replace(acc.credentials, access_key=Secret("JDAKNOBODY")))
    error = (await _error(wrong, sim_clock, "live.ok.example.com")).error
    assert (error.code, error.title) == ("UNAUTHENTICATED", "unknown access key")


async def test_a_stale_request_date_is_refused(accounts, sim_clock):
    skewed = ManualClock(sim_clock.now() - timedelta(minutes=20))  # this machine's clock 20 min slow
    now = sim_clock.now()
    with pytest.raises(VendorError) as info:
        await _fetch(accounts["jdo"], skewed, "live.ok.example.com", now - timedelta(hours=1), now)
    assert (info.value.error.code, info.value.error.title) == ("UNAUTHENTICATED", "request date rejected")


async def test_no_domain_is_the_account_total(jdo_sim, sim_clock):
    # The API's domainName is optional: without it JD answers the account's total.
    query = "period=fiveMin&startTime=2026-11-20T11%3A00%3A00Z&endTime=2026-11-20T12%3A00%3A00Z"
    answer = await _signed_get(jdo_sim, sim_clock, "/v1/describeLiveStreamBandwidthData", query)
    assert answer.status_code == 200
    total = answer.json()["result"]["dataList"]
    one = await _signed_get(jdo_sim, sim_clock, "/v1/describeLiveStreamBandwidthData",
                            query + "&domainName=live.ok.example.com")  # fmt: skip
    assert len(total) == 12
    assert total[0]["data"]["value"] > one.json()["result"]["dataList"][0]["data"]["value"]


async def _signed_get(thread, clock, path, query, *, secret=SK, sign_date_and_nonce=False, date=None):
    """A request signed by hand, in either form JD accepts."""
    host = f"{thread.sim.host}:{thread.sim.port}"
    jdcloud_date = (date or clock.now()).strftime(jdcloud3.DATE_FORMAT)
    headers = {"content-type": "application/json"}
    if sign_date_and_nonce:
        headers |= {"x-jdcloud-date": jdcloud_date, "x-jdcloud-nonce": "nonce-1"}
    signed = jdcloud3.sign(access_key=AK, secret_key=secret, method="GET", host=host, path=path, query=query,
                           headers=headers, jdcloud_date=jdcloud_date, region="jdcloud-api",
                           service="live")  # fmt: skip
    wire = headers | {"x-jdcloud-date": jdcloud_date, "x-jdcloud-nonce": "nonce-1",
                      "Authorization": signed.authorization}  # fmt: skip
    async with httpx.AsyncClient() as client:
        return await client.get(f"http://{host}{path}?{query}", headers=wire)


START, END = "2026-11-20T11%3A00%3A00Z", "2026-11-20T12%3A00%3A00Z"


async def test_the_test_vector_form_signing_date_and_nonce_is_accepted(jdo_sim, sim_clock):
    query = f"domainName=live.ok.example.com&startTime={START}&endTime={END}"
    answer = await _signed_get(jdo_sim, sim_clock, "/v1/describeLiveStreamTrafficData", query,
                               sign_date_and_nonce=True)  # fmt: skip
    assert answer.status_code == 200 and len(answer.json()["result"]["dataList"]) == 12


@pytest.mark.parametrize(
    ("query", "words"),
    [
        (f"domainName=live.ok.example.com&endTime={END}", "startTime is required"),
        ("domainName=live.ok.example.com&startTime=2026-11-20%2011%3A00", "startTime"),
        (f"domainName=live.ok.example.com&startTime={END}&endTime={START}", "earlier"),
        (f"domainName=live.ok.example.com&startTime={START}&period=tenMin", "period"),
        ("domainName=live.ok.example.com&startTime=2026-10-01T00%3A00%3A00Z&endTime=2026-11-01T00%3A00%3A01Z",
         "30 days"),
        ("domainName=live.ok.example.com&period=oneMin&startTime=2026-11-01T00%3A00%3A00Z"
         "&endTime=2026-11-08T00%3A00%3A01Z", "7 days"),
        (f"appName=live&startTime={START}", "domainName is required"),
        (f"domainName=live.ok.example.com&streamName=s1&startTime={START}", "appName"),
        (f"domainName=live.ok.example.com&protocolType=rtmp,flv&startTime={START}", "protocolType"),
    ],
)
async def test_every_parameter_rule_answers_invalid_argument(jdo_sim, sim_clock, query, words):
    answer = await _signed_get(jdo_sim, sim_clock, "/v1/describeLiveStreamBandwidthData", query)
    body = answer.json()
    assert answer.status_code == 400
    assert body["error"]["status"] == "INVALID_ARGUMENT" and body["error"]["code"] == 400
    assert words in body["error"]["message"] and body["requestId"]


async def test_signature_refusals_carry_the_vendor_error_shape(jdo_sim, sim_clock):
    query = f"domainName=live.ok.example.com&startTime={START}"
    answer = await _signed_get(jdo_sim, sim_clock, "/v1/describeLiveStreamBandwidthData", query, secret="x")
    assert answer.status_code == 401
    assert answer.json()["error"] == {"code": 401, "status": "UNAUTHENTICATED", "message": "signature does not match"}
    stale = await _signed_get(jdo_sim, sim_clock, "/v1/describeLiveStreamBandwidthData", query,
                              date=sim_clock.now() + timedelta(minutes=16))  # fmt: skip
    assert stale.status_code == 401 and "x-jdcloud-date" in stale.json()["error"]["message"]
    async with httpx.AsyncClient() as client:
        bare = await client.get(f"{jdo_sim.url}/v1/describeLiveStreamBandwidthData?{query}")
    assert bare.status_code == 401 and bare.json()["requestId"]


def test_a_request_built_by_the_official_sdk_is_accepted(make_sim):
    """jdcloud-sdk's LiveClient, unmodified, on the real clock, over real HTTP to the simulator."""
    from jdcloud_sdk.core.config import Config
    from jdcloud_sdk.core.credential import Credential
    from jdcloud_sdk.services.live.apis.DescribeLiveStreamBandwidthDataRequest import (
        DescribeLiveStreamBandwidthDataParameters,
        DescribeLiveStreamBandwidthDataRequest,
    )
    from jdcloud_sdk.services.live.apis.DescribeLiveStreamTrafficDataRequest import (
        DescribeLiveStreamTrafficDataParameters,
        DescribeLiveStreamTrafficDataRequest,
    )
    from jdcloud_sdk.services.live.client.LiveClient import LiveClient

    thread = make_sim(SCENARIO, clock=SYSTEM_CLOCK)
    endpoint = f"{thread.sim.host}:{thread.sim.port}"
    now = SYSTEM_CLOCK.now()
    start = (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def ask(secret, request_class, params_class):
        params = params_class(start)
        params.setDomainName("live.ok.example.com")
        params.setPeriod("fiveMin")
        client = LiveClient(Credential(AK, secret), Config(endpoint, scheme="http", timeout=10))
        return client.send(request_class(params))

    for request_class, params_class in (
        (DescribeLiveStreamBandwidthDataRequest, DescribeLiveStreamBandwidthDataParameters),
        (DescribeLiveStreamTrafficDataRequest, DescribeLiveStreamTrafficDataParameters),
    ):
        answer = ask(SK, request_class, params_class)
        assert answer.error is None and answer.request_id
        assert 11 <= len(answer.result["dataList"]) <= 13
    refused = ask("wrong-secret", DescribeLiveStreamBandwidthDataRequest, DescribeLiveStreamBandwidthDataParameters)
    # The SDK recognises the simulator's refusal as a JD error (requestId + error in one body).
    assert refused.error is not None and refused.error.status == "UNAUTHENTICATED" and refused.error.code == 401
