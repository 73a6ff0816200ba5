"""Alibaba Live over real HTTP against the simulator: data after unit conversion, the time rules, the
gateway's signature checks (also against requests the official SDK signs), and each error decoded."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
import pytest

from livetop.clock import ManualClock
from livetop.config.schema import AccountConfig, Credentials, DomainConfig, Secret
from livetop.model import VendorError
from livetop.sim import data
from livetop.vendors.alibaba import signer
from livetop.vendors.alibaba.auth import Acs3Auth
from livetop.vendors.alibaba.client import ACTIONS, AlibabaProvider

UTC = timezone.utc
AK, SK = "LTAI5tSimTestKey0001", "sim-alibaba-secret-Qm3v8ZkP1x"
SCENARIO = {
    "seed": "alibaba-tests",
    "timeout_hold": "5s",
    "throttle_retry_after": 7,
    "accounts": [
        {
            "name": "ali",
            "vendor": "alibaba",
            "access_key": AK,
            "secret_key": SK,
            "rate_per_second": 1000.0,
            "burst": 1000.0,
            "domains": [
                {"name": "play.ok.example.com", "base_mbps": 800},
                {"name": "play.two.example.com", "base_mbps": 300},
                {"name": "play.gone.example.com", "fault": "not_owned"},
                {"name": "play.broken.example.com", "fault": "internal_500"},
                {"name": "play.throttled.example.com", "fault": "throttle"},
                {"name": "play.mangled.example.com", "fault": "malformed"},
            ],
        },
        {
            "name": "ali-tight",
            "vendor": "alibaba",
            "access_key": "LTAI5tSimTightKey002",
            "rate_per_second": 0.001,
            "burst": 1.0,
            "domains": ["play.tight.example.com"],
        },
    ],
}


def _account(url: str, access_key: str = AK, secret_key: str = SK, step_minutes: int = 5) -> AccountConfig:
    return AccountConfig(
        name="ali",
        vendor="alibaba",
        endpoint=url,
        auth="aksk",
        credentials=Credentials(access_key=Secret(access_key), secret_key=Secret(secret_key)),
        domains=(DomainConfig("play.ok.example.com"),),
        step_minutes=step_minutes,
    )


@pytest.fixture
def ali(make_sim):
    return make_sim(SCENARIO)


async def _fetch(url, clock, domain="play.ok.example.com", hours=1.0, **kw):
    account = _account(
        url, **{k: v for k, v in kw.items() if k in ("access_key", "secret_key", "step_minutes")}
    )
    async with httpx.AsyncClient(base_url=url) as client:
        provider = AlibabaProvider(account, client, clock)
        now = clock.now()
        return await provider.fetch(domain, now - timedelta(hours=hours), now)


def _expected(ali, domain: str, start: datetime, end: datetime, now: datetime):
    """The simulator's own series: 5-minute average bit/s (bytes x 8 / elapsed seconds) and bytes."""
    rows = data.buckets(ali.sim.curve(domain).rate_bps, int(start.timestamp()), int(end.timestamp()), 300,
                        now.timestamp())  # fmt: skip
    out = []
    for row in rows:
        elapsed = min(300, now.timestamp() // 60 * 60 - row.start_ts)  # completed minutes only
        out.append(
            (datetime.fromtimestamp(row.start_ts, UTC), row.traffic_bytes * 8 / elapsed, row.traffic_bytes)
        )
    return out


async def test_healthy_domain_matches_the_simulator_series(ali, sim_clock):
    sim_clock.advance(130)  # a partial newest bucket too
    now = sim_clock.now()
    result = await _fetch(ali.url, sim_clock)
    expected = _expected(ali, "play.ok.example.com", now - timedelta(hours=1), now, now)
    assert len(expected) == 12 and result.requests == 2  # 11:05 .. 12:00, the last partial
    assert [s.bucket_start for s in result.bandwidth] == [t for t, _, _ in expected]
    for sample, (_, bps, _) in zip(result.bandwidth, expected):
        assert sample.value == pytest.approx(bps, abs=0.01)
    for sample, (_, _, traffic) in zip(result.traffic, expected):
        assert sample.value == round(traffic)
    # Each call named one domain, in the query, signed; the body was empty.
    log = ali.sim.log[-2:]
    assert {e.params["DomainName"] for e in log} == {"play.ok.example.com"}
    assert all(e.status == 200 and e.code == "" for e in log)


async def test_a_long_range_is_split_within_the_span_and_merged(ali, sim_clock):
    result = await _fetch(ali.url, sim_clock, hours=24 * 7)
    assert result.requests == 2 * 3  # 7 days of 5-minute points: 3 + 3 + 1 days per metric
    assert len(result.bandwidth) == len(result.traffic) == 7 * 288
    spans = {(e.params["StartTime"], e.params["EndTime"]) for e in ali.sim.log[-6:]}
    assert len(spans) == 3


async def test_hourly_points_are_the_peak_of_five_minute_averages(ali, sim_clock):
    now = sim_clock.now()  # 12:00:00, on the hour: the last complete hour is 11:00
    result = await _fetch(ali.url, sim_clock, hours=3, step_minutes=60)
    expected = _expected(ali, "play.ok.example.com", now - timedelta(hours=3), now, now)
    assert [s.bucket_start.hour for s in result.bandwidth] == [9, 10, 11]
    for sample in result.bandwidth:
        inside = [
            bps
            for t, bps, _ in expected
            if sample.bucket_start <= t < sample.bucket_start + timedelta(hours=1)
        ]
        assert sample.value == pytest.approx(max(inside), abs=0.01)


async def test_the_official_sdk_request_is_accepted(ali, sim_clock):
    """A request signed by alibabacloud-live20161101 (the real SDK, real HTTP) passes the simulator's gateway
    and its answer reads back through the SDK's own response model."""
    from alibabacloud_live20161101 import models
    from alibabacloud_live20161101.client import Client
    from alibabacloud_tea_openapi import utils_models as open_api_models
    from alibabacloud_tea_openapi.utils import Utils
    from darabonba.runtime import RuntimeOptions
    from unittest import mock

    host = ali.url.removeprefix("http://")
    config = open_api_models.Config(access_key_id=AK, access_key_secret=SK, endpoint=host, protocol="http")
    client = Client(config)
    now = sim_clock.now()
    request = models.DescribeLiveDomainTrafficDataRequest(
        domain_name="play.ok.example.com",
        start_time=signer_time(now - timedelta(hours=1)),
        end_time=signer_time(now),
        interval="300",
    )
    # The SDK stamps x-acs-date from the wall clock; the simulator runs on the test's clock.
    with mock.patch.object(Utils, "get_timestamp", staticmethod(lambda: signer_time(now))):
        response = client.describe_live_domain_traffic_data_with_options(
            request, RuntimeOptions(autoretry=False)
        )
    modules = response.body.traffic_data_per_interval.data_module
    assert len(modules) == 12 and response.body.data_interval == "300"
    entry = ali.sim.log[-1]
    assert entry.status == 200 and entry.account == "ali"


def signer_time(when: datetime) -> str:
    return when.astimezone(UTC).strftime(signer.DATE_FORMAT)


def test_the_official_sdk_with_a_wrong_secret_is_refused(ali, sim_clock):
    from alibabacloud_live20161101 import models
    from alibabacloud_live20161101.client import Client
    from alibabacloud_tea_openapi import utils_models as open_api_models
    from alibabacloud_tea_openapi.utils import Utils
    from darabonba.runtime import RuntimeOptions
    from unittest import mock

    config = open_api_models.Config(
        access_key_id=AK, access_key_secret="wrong", endpoint=ali.url.removeprefix("http://"), protocol="http"
    )
    now = signer_time(sim_clock.now())
    with (
        mock.patch.object(Utils, "get_timestamp", staticmethod(lambda: now)),
        pytest.raises(Exception) as err,
    ):
        Client(config).describe_live_domain_bps_data_with_options(
            models.DescribeLiveDomainBpsDataRequest(domain_name="play.ok.example.com"),
            RuntimeOptions(autoretry=False),
        )
    assert getattr(err.value, "code", None) == "SignatureDoesNotMatch"


async def _raw(url: str, clock, *, action="DescribeLiveDomainBpsData", query=None, tamper=None, auth=None):
    """One signed request built by hand; `tamper(request)` changes it after signing."""
    now = clock.now()
    query = query or {
        "DomainName": "play.ok.example.com",
        "StartTime": signer_time(now - timedelta(hours=1)),
        "EndTime": signer_time(now),
        "Interval": "300",
    }
    async with httpx.AsyncClient(base_url=url) as client:
        request = client.build_request(
            "POST", "/?" + signer.canonical_query(query), headers={"x-acs-action": action, "User-Agent": "t"}
        )
        (auth or Acs3Auth(Secret(AK), Secret(SK), clock)).sign(request, action)
        if tamper:
            tamper(request)
        return await client.send(request)


def _code(response: httpx.Response) -> str:
    return response.json()["Code"]


async def test_gateway_refusals(ali, sim_clock):
    # A signed header changed on the way.
    r = await _raw(ali.url, sim_clock, tamper=lambda req: req.headers.__setitem__("user-agent", "proxy/1"))
    assert (r.status_code, _code(r)) == (400, "SignatureDoesNotMatch")
    # A query parameter changed after signing.
    r = await _raw(
        ali.url, sim_clock, tamper=lambda req: setattr(req, "url", req.url.copy_add_param("Interval", "3600"))
    )
    assert _code(r) == "SignatureDoesNotMatch"

    # A common header present but left out of SignedHeaders.
    def unsign_date(req):
        parts = signer.parse_authorization(req.headers["Authorization"])
        names = ";".join(n for n in parts["SignedHeaders"].split(";") if n != "x-acs-date")
        req.headers["Authorization"] = signer.authorization(AK, names, parts["Signature"])

    r = await _raw(ali.url, sim_clock, tamper=unsign_date)
    assert _code(r) == "IncompleteSignature"
    # A body whose hash is not the signed one.
    r = await _raw(
        ali.url, sim_clock, tamper=lambda req: req.headers.__setitem__("x-acs-content-sha256", "0" * 64)
    )
    assert _code(r) == "SignatureDoesNotMatch"
    # No Authorization at all, an unknown AccessKey, a wrong version, an unknown action.
    r = await _raw(ali.url, sim_clock, tamper=lambda req: req.headers.pop("Authorization"))
    assert _code(r) == "MissingParameter"
    r = await _raw(ali.url, sim_clock, auth=Acs3Auth(Secret("LTAInobody"), Secret(SK), sim_clock))
    assert (r.status_code, _code(r)) == (404, "InvalidAccessKeyId.NotFound")
    r = await _raw(ali.url, sim_clock, action="DescribeLiveDomainOnlineUserNum")
    assert (r.status_code, _code(r)) == (404, "InvalidAction.NotFound")


async def test_stale_date_and_replayed_nonce(ali, sim_clock):
    behind = ManualClock(sim_clock.now() - timedelta(minutes=16))
    r = await _raw(ali.url, sim_clock, auth=Acs3Auth(Secret(AK), Secret(SK), behind))
    assert (r.status_code, _code(r)) == (400, "InvalidTimeStamp.Expired")
    within = ManualClock(sim_clock.now() - timedelta(minutes=14))
    assert (await _raw(ali.url, sim_clock, auth=Acs3Auth(Secret(AK), Secret(SK), within))).status_code == 200
    fixed = Acs3Auth(Secret(AK), Secret(SK), sim_clock, nonce=lambda: "f" * 32)
    assert (await _raw(ali.url, sim_clock, auth=fixed)).status_code == 200
    r = await _raw(ali.url, sim_clock, auth=fixed)
    assert _code(r) == "SignatureNonceUsed"
    sim_clock.advance(16 * 60)  # remembered for 15 minutes only
    assert (await _raw(ali.url, sim_clock, auth=fixed)).status_code == 200


async def test_parameter_rules(ali, sim_clock):
    now = sim_clock.now()

    def q(**kw):
        base = {"DomainName": "play.ok.example.com", "StartTime": signer_time(now - timedelta(hours=1)),
                "EndTime": signer_time(now)}  # fmt: skip
        base.update(kw)
        return {k: v for k, v in base.items() if v is not None}

    r = await _raw(ali.url, sim_clock, query=q(StartTime="2026-11-20 11:00"))
    assert _code(r) == "InvalidStartTime.Malformed"
    r = await _raw(ali.url, sim_clock, query=q(EndTime="yesterday"))
    assert _code(r) == "InvalidEndTime.Malformed"
    r = await _raw(ali.url, sim_clock, query=q(EndTime=signer_time(now - timedelta(hours=2))))
    assert _code(r) == "InvalidEndTime.Mismatch"
    r = await _raw(ali.url, sim_clock, query=q(StartTime=signer_time(now - timedelta(days=91))))
    assert _code(r) == "InvalidStartTime.ValueNotSupported"
    r = await _raw(ali.url, sim_clock, query=q(DomainName="play.gone.example.com"))
    assert (r.status_code, _code(r)) == (404, "InvalidDomain.NotFound")
    # The documented defaults: no times -> the last 24 h; only a start -> one hour from it.
    r = await _raw(ali.url, sim_clock, query=q(StartTime=None, EndTime=None))
    assert len(r.json()["BpsDataPerInterval"]["DataModule"]) == 288
    r = await _raw(ali.url, sim_clock, query=q(StartTime=signer_time(now - timedelta(hours=5)), EndTime=None))
    assert len(r.json()["BpsDataPerInterval"]["DataModule"]) == 12
    # An unsupported Interval becomes 300; a span over 3 days at 300 is answered with hourly points.
    r = await _raw(ali.url, sim_clock, query=q(Interval="60"))
    assert r.json()["DataInterval"] == "300"
    r = await _raw(ali.url, sim_clock, query=q(StartTime=signer_time(now - timedelta(days=4))))
    assert r.json()["DataInterval"] == "3600"
    # Several domains in one call: ONE merged series (why livetop calls once per domain).
    two = await _raw(
        ali.url,
        sim_clock,
        action=ACTIONS["traffic"],
        query=q(DomainName="play.ok.example.com,play.two.example.com"),
    )
    one = await _raw(ali.url, sim_clock, action=ACTIONS["traffic"], query=q())
    merged = [int(m["TrafficValue"]) for m in two.json()["TrafficDataPerInterval"]["DataModule"]]
    single = [int(m["TrafficValue"]) for m in one.json()["TrafficDataPerInterval"]["DataModule"]]
    assert len(merged) == len(single) and all(m > s for m, s in zip(merged, single))


@pytest.mark.parametrize(
    "domain,code,retryable,throttled",
    [
        ("play.gone.example.com", "InvalidDomain.NotFound", False, False),
        ("play.broken.example.com", "InternalError", True, False),
        ("play.throttled.example.com", "Throttling", True, True),
        ("play.mangled.example.com", "MALFORMED", True, False),
    ],
)
async def test_faults_reach_the_caller_decoded(ali, sim_clock, domain, code, retryable, throttled):
    with pytest.raises(VendorError) as err:
        await _fetch(ali.url, sim_clock, domain=domain)
    error = err.value.error
    assert (error.code, error.retryable, error.throttled) == (code, retryable, throttled)
    assert error.vendor == "alibaba"
    if throttled:
        assert error.retry_after == 7.0  # from x-acs-retry-after, milliseconds
    if error.kind == "vendor":
        assert "request id" in error.raw_message


async def test_wrong_secret_and_unknown_key_decoded_without_leaking(ali, sim_clock):
    with pytest.raises(VendorError) as err:
        await _fetch(ali.url, sim_clock, secret_key="not-the-secret-0000")
    assert err.value.error.code == "SignatureDoesNotMatch" and not err.value.error.retryable
    assert "not-the-secret" not in repr(err.value.error)
    with pytest.raises(VendorError) as err:
        await _fetch(ali.url, sim_clock, access_key="LTAI5tUnknown")
    assert err.value.error.code == "InvalidAccessKeyId.NotFound"


async def test_clock_skew_is_named(ali, sim_clock):
    fast = ManualClock(sim_clock.now() + timedelta(minutes=20))
    account = _account(ali.url)
    async with httpx.AsyncClient(base_url=ali.url) as client:
        with pytest.raises(VendorError) as err:
            await AlibabaProvider(account, client, fast).fetch(
                "play.ok.example.com", sim_clock.now() - timedelta(hours=1), sim_clock.now()
            )
    assert err.value.error.code == "InvalidTimeStamp.Expired"
    assert "clock" in err.value.error.title


async def test_account_rate_limit_throttles(ali, sim_clock):
    tight = "LTAI5tSimTightKey002"
    secret = ali.sim.scenario.account("ali-tight").secret_key
    account = AccountConfig(
        name="ali-tight", vendor="alibaba", endpoint=ali.url, auth="aksk",
        credentials=Credentials(access_key=Secret(tight), secret_key=Secret(secret)),
    )  # fmt: skip
    async with httpx.AsyncClient(base_url=ali.url) as client:
        provider = AlibabaProvider(account, client, sim_clock)
        now = sim_clock.now()
        with pytest.raises(VendorError) as err:
            await provider.fetch("play.tight.example.com", now - timedelta(hours=1), now)
    assert err.value.error.throttled and err.value.error.retry_after >= 1


async def test_missing_credentials_is_a_client_error(sim_clock):
    account = _account("http://127.0.0.1:9", secret_key="")
    async with httpx.AsyncClient(base_url=account.endpoint) as client:
        with pytest.raises(VendorError) as err:
            await AlibabaProvider(account, client, sim_clock).fetch(
                "d", sim_clock.now() - timedelta(hours=1), None
            )
    assert err.value.error.code == "CLIENT.CREDENTIALS" and err.value.error.kind == "client"
