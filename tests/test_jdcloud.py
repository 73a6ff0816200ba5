"""JD Cloud opencdn, pure unit tests: signature, time rules, parsing of the seed page's example.
Over real HTTP against the simulator: tests/test_jdcloud_sim.py."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from livetop.clock import ManualClock
from livetop.config.schema import AccountConfig, Credentials, DomainConfig, Secret
from livetop.model import VENDOR_JDCLOUD, VendorError
from livetop.vendors.jdcloud import timerules
from livetop.vendors.jdcloud.client import JdcloudProvider
from livetop.vendors.jdcloud.parse import parse_bandwidth_flow
from livetop.vendors.jdcloud.signature import md5_signature

UTC = timezone.utc

# The seed page's answer (docs.jdcloud.com query-bandwidth-flow), byte for byte in its shape: padded keys.
SEED_BODY = """{
    "status": 0,
    "msg": "成功",
    "data": [
        {"2018-06-02 17:15": {" play.live.com ": {"bandwidth": 6.1, "flow": 228.88}}},
        {"2018-06-02 17:20": {" play.live.com ": {"bandwidth": 122.07, "flow": 4577.64}}},
        {"2018-06-02 17:25": {" play.live.com ": {"bandwidth": 122.07, "flow": 4577.64}}},
        {"2018-06-02 17:30": {" play.live.com ": {"bandwidth": 115.97, "flow": 4348.75}}}
    ]
}""".encode()


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _account(**kw) -> AccountConfig:
    base = dict(
        name="jd-test",
        vendor=VENDOR_JDCLOUD,
        endpoint="http://127.0.0.1:9",
        auth="md5",
        credentials=Credentials(username="jcloud_00", secret_key=Secret("e7a31b1c5ea0efa9aa2f29c6559f7d61")),
        domains=(DomainConfig("play.live.com"),),
    )
    base.update(kw)
    return AccountConfig(**base)


# --- signature ----------------------------------------------------------------------------------------------


def test_seed_md5_example():
    assert md5_signature("20161023", "jcloud_00", "e7a31b1c5ea0efa9aa2f29c6559f7d61") == (
        "a35685491fd80a80b40a718c3a5c5c56"
    )


@pytest.mark.parametrize(
    "now, date",
    [
        # 2016-10-22 16:30 UTC is already 2016-10-23 00:30 in Beijing: the seed's example date.
        ("2016-10-22T16:30:00Z", "20161023"),
        ("2026-11-20T15:59:59Z", "20261120"),
        ("2026-11-20T16:00:00Z", "20261121"),
        ("2026-11-20T16:30:00Z", "20261121"),
    ],
)
def test_request_body_signs_with_the_beijing_date_of_the_clock(now, date):
    provider = JdcloudProvider(_account(), httpx.AsyncClient(), ManualClock(_t(now)))
    body = provider.request_body("play.live.com", _t("2018-06-02T09:15:00Z"), _t("2018-06-02T09:30:00Z"))
    assert body == {
        "username": "jcloud_00",
        "signature": md5_signature(date, "jcloud_00", "e7a31b1c5ea0efa9aa2f29c6559f7d61"),
        "domain": "play.live.com",
        "start_time": "2018-06-02 17:15",
        "end_time": "2018-06-02 17:30",
    }
    if date == "20161023":
        assert body["signature"] == "a35685491fd80a80b40a718c3a5c5c56"


# --- time rules ---------------------------------------------------------------------------------------------


def test_beijing_time_conversions():
    assert timerules.format_beijing(_t("2018-06-02T09:15:00Z")) == "2018-06-02 17:15"
    assert timerules.format_beijing(_t("2026-12-31T16:05:00Z")) == "2027-01-01 00:05"
    assert timerules.parse_beijing("2018-06-02  17:15") == _t("2018-06-02T09:15:00Z")
    assert timerules.label_to_bucket_start("2018-06-02 17:15") == _t("2018-06-02T09:10:00Z")
    assert timerules.label_to_bucket_start("2027-01-01 00:05") == _t("2026-12-31T16:00:00Z")
    for bad in ("2018-06-02T17:15", "17:15", "2018-13-02 17:15", "2018-06-02 25:00", ""):
        with pytest.raises(ValueError):
            timerules.parse_beijing(bad)


def test_plan_covers_every_bucket_start_in_range_with_one_request():
    plans = timerules.plan_requests(_t("2018-06-02T09:12:00Z"), _t("2018-06-02T09:30:00Z"))
    # Buckets starting 09:15, 09:20, 09:25 are labelled 09:20..09:30; one earlier label in case the
    # vendor treats start_time as exclusive.
    assert plans == [(_t("2018-06-02T09:15:00Z"), _t("2018-06-02T09:30:00Z"))]
    assert timerules.plan_requests(_t("2018-06-02T09:12:00Z"), _t("2018-06-02T09:14:00Z")) == []
    assert timerules.plan_requests(_t("2018-06-02T09:15:00Z"), _t("2018-06-02T09:15:00Z")) == []


@pytest.mark.parametrize(
    "days, expected_requests", [(29, 1), (30, 1), (30.01, 2), (45, 2), (61, 3), (90, 3), (91, 4)]
)
def test_spans_over_30_days_are_split(days, expected_requests):
    end = _t("2026-11-20T12:00:00Z")
    start = end - timedelta(days=days)
    plans = timerules.plan_requests(start, end)
    assert len(plans) == expected_requests
    for (a, b), nxt in zip(plans, plans[1:] + [None], strict=True):
        assert timedelta(0) <= b - a <= timerules.MAX_SPAN
        if nxt is not None:
            assert nxt[0] == b + timerules.BUCKET  # contiguous, no label asked twice
    # Every bucket starting in [start, end) has its end label inside one of the requests.
    labels = {p for a, b in plans for p in _every_5_minutes(a, b)}
    first_bucket = start + (-(start - datetime(1970, 1, 1, tzinfo=UTC))) % timerules.BUCKET
    wanted = {b + timerules.BUCKET for b in _every_5_minutes(first_bucket, end - timedelta(seconds=1))}
    assert len(wanted) >= days * 288 - 1
    assert wanted <= labels


def _every_5_minutes(a: datetime, b: datetime):
    t = a
    while t <= b:
        yield t
        t += timedelta(minutes=5)


async def test_time_rules_are_enforced_before_sending():
    # Port 9 (discard) on 127.0.0.1 is never contacted: every case fails or returns before a request.
    provider = JdcloudProvider(_account(), httpx.AsyncClient(base_url="http://127.0.0.1:9"), ManualClock())
    with pytest.raises(VendorError) as info:
        await provider.fetch("play.live.com", None, _t("2026-11-20T12:00:00Z"))
    assert (info.value.error.code, info.value.error.kind) == ("LIVETOP.TIME.NO_START", "client")
    with pytest.raises(VendorError) as info:
        await provider.fetch("play.live.com", datetime(2026, 11, 20, 11), datetime(2026, 11, 20, 12))
    assert info.value.error.code == "CLIENT.NAIVE_TIME"


@pytest.mark.parametrize(
    "start, end",
    [
        ("2026-11-20T11:00:00Z", "2026-11-20T11:00:00Z"),
        ("2026-11-20T11:00:00Z", "2026-11-20T10:00:00Z"),  # reversed: a wall clock stepped back
    ],
)
async def test_empty_or_reversed_range_asks_nothing_and_says_so_like_huawei(start, end):
    from livetop.vendors.huawei.timerules import plan_range as huawei_plan

    now = _t("2026-11-20T12:00:00Z")
    provider = JdcloudProvider(_account(), httpx.AsyncClient(base_url="http://127.0.0.1:9"), ManualClock(now))
    result = await provider.fetch("play.live.com", _t(start), _t(end))
    assert (result.requests, result.bandwidth, result.traffic) == (0, [], [])
    # The same range means the same thing for both vendors.
    assert result.notices == list(huawei_plan(_t(start), _t(end), now).notices)
    assert result.notices == [f"nothing to fetch: the range {start} .. {end} is empty"]


NOW = _t("2026-11-20T12:00:00Z")


def test_a_start_older_than_the_look_back_is_clamped_with_a_notice():
    plan = timerules.plan_range(_t("2000-01-01T00:00:00Z"), NOW, NOW)
    # 90 days before 2026-11-20T12:00Z, on a bucket boundary; then 3 requests of at most 30 days.
    assert plan.start == _t("2026-08-22T12:00:00Z")
    assert len(plan.requests) == 3 and plan.requests[0][0] == plan.start
    assert plan.notices == (
        "start clamped to 2026-08-22T12:00:00Z: livetop asks JD for at most 90 days back",
    )
    unaligned = timerules.plan_range(_t("2000-01-01T00:00:00Z"), NOW, NOW + timedelta(seconds=61))
    assert unaligned.start == _t("2026-08-22T12:05:00Z")


def test_a_range_entirely_older_than_the_look_back_is_refused():
    with pytest.raises(VendorError) as info:
        timerules.plan_range(_t("2000-01-01T00:00:00Z"), _t("2000-02-01T00:00:00Z"), NOW)
    err = info.value.error
    assert (err.code, err.kind, err.retryable) == ("LIVETOP.TIME.TOO_OLD", "client", False)
    assert "90 days" in err.action


def test_a_future_end_is_clamped_to_now_and_a_future_start_asks_nothing():
    plan = timerules.plan_range(NOW - timedelta(hours=1), _t("9999-12-31T23:59:59Z"), NOW)
    assert plan.end == NOW and plan.requests == ((NOW - timedelta(hours=1), NOW),) and plan.notices == ()
    ahead = timerules.plan_range(NOW + timedelta(hours=1), NOW + timedelta(hours=2), NOW)
    assert ahead.requests == () and "not in the past" in ahead.notices[0]


async def test_missing_credentials_are_a_client_error():
    account = _account(credentials=Credentials(username="jcloud_00"))
    provider = JdcloudProvider(account, httpx.AsyncClient(base_url="http://127.0.0.1:9"), ManualClock())
    with pytest.raises(VendorError) as info:
        await provider.fetch("play.live.com", _t("2026-11-20T11:00:00Z"), _t("2026-11-20T12:00:00Z"))
    assert info.value.error.code == "CLIENT.CREDENTIALS" and "secret_key" in info.value.error.action


# --- parsing ------------------------------------------------------------------------------------------------


def test_seed_example_parses_to_exact_values():
    points = parse_bandwidth_flow(200, SEED_BODY, "play.live.com")
    assert points.bandwidth_bps == {
        _t("2018-06-02T09:10:00Z"): 6_100_000.0,
        _t("2018-06-02T09:15:00Z"): 122_070_000.0,
        _t("2018-06-02T09:20:00Z"): 122_070_000.0,
        _t("2018-06-02T09:25:00Z"): 115_970_000.0,
    }
    assert points.traffic_bytes == {
        _t("2018-06-02T09:10:00Z"): 228_880_000,
        _t("2018-06-02T09:15:00Z"): 4_577_640_000,
        _t("2018-06-02T09:20:00Z"): 4_577_640_000,
        _t("2018-06-02T09:25:00Z"): 4_348_750_000,
    }
    assert all(type(v) is int for v in points.traffic_bytes.values())


def test_unit_base_1024():
    points = parse_bandwidth_flow(200, SEED_BODY, "play.live.com", unit_base=1024)
    first = _t("2018-06-02T09:10:00Z")
    assert points.bandwidth_bps[first] == 6_396_313.6  # 6.1 * 1024 * 1024
    assert points.traffic_bytes[first] == 239_998_075  # 228.88 * 1024 * 1024 = 239998074.88
    assert points.traffic_bytes[_t("2018-06-02T09:25:00Z")] == 4_559_994_880  # 4348.75 MiB


def test_samples_are_kept_only_in_the_asked_range():
    points = parse_bandwidth_flow(
        200, SEED_BODY, " PLAY.live.com", start=_t("2018-06-02T09:15:00Z"), end=_t("2018-06-02T09:25:00Z")
    )
    assert sorted(points.bandwidth_bps) == [_t("2018-06-02T09:15:00Z"), _t("2018-06-02T09:20:00Z")]


def test_other_domains_in_the_answer_are_ignored():
    body = json.dumps(
        {
            "status": 0,
            "msg": "成功",
            "data": [
                {
                    "2018-06-02 17:15": {
                        " other.live.com ": {"bandwidth": 1, "flow": 2},
                        "play.live.com": {"bandwidth": 3, "flow": 4},
                    }
                },
                {"2018-06-02 17:20": {" other.live.com ": {"bandwidth": 5, "flow": 6}}},
            ],
        }
    ).encode()
    points = parse_bandwidth_flow(200, body, "play.live.com")
    assert points.bandwidth_bps == {_t("2018-06-02T09:10:00Z"): 3_000_000.0}
    assert points.traffic_bytes == {_t("2018-06-02T09:10:00Z"): 4_000_000}


@pytest.mark.parametrize(
    "status, msg, code, title",
    [
        (1, "signature error", "JD.STATUS.1", "signature rejected"),
        (2, "start_time format error", "JD.STATUS.2", "invalid parameter"),
        (3, "domain not belong to user", "JD.STATUS.3", "domain not in account"),
        (5, "system busy, please try again later", "JD.STATUS.5", "JD busy"),
        (6, "account suspended", "JD.STATUS.6", "request refused"),
    ],
)
def test_nonzero_status_is_a_decoded_error_carrying_msg(status, msg, code, title):
    body = json.dumps({"status": status, "msg": msg}).encode()
    with pytest.raises(VendorError) as info:
        parse_bandwidth_flow(200, body, "play.live.com")
    err = info.value.error
    assert (err.code, err.title, err.raw_message, err.kind, err.http_status) == (
        code,
        title,
        msg,
        "vendor",
        200,
    )


@pytest.mark.parametrize(
    "doc, detail",
    [
        ({"status": 0, "msg": "成功", "data": {}}, "`data` is dict"),
        ({"status": 0, "msg": "成功"}, "`data` is NoneType"),
        ({"msg": "成功", "data": []}, "no integer `status`"),
        ({"status": True, "data": []}, "no integer `status`"),
        ([1, 2], "not a JSON object but an array"),
        ({"status": 0, "data": ["2018-06-02 17:15"]}, "data[0] is str"),
        ({"status": 0, "data": [{"2018-06-02 17:15": [1]}]}, "not an object of domains"),
        (
            {"status": 0, "data": [{"yesterday": {"play.live.com": {"bandwidth": 1, "flow": 1}}}]},
            "bad time label",
        ),
        (
            {"status": 0, "data": [{"2018-06-02 17:15": {"play.live.com": {"bandwidth": "6.1", "flow": 1}}}]},
            "numbers",
        ),
        (
            {"status": 0, "data": [{"2018-06-02 17:15": {"play.live.com": {"bandwidth": None, "flow": 1}}}]},
            "numbers",
        ),
        (
            {"status": 0, "data": [{"2018-06-02 17:15": {"play.live.com": {"bandwidth": 1, "flow": -2}}}]},
            "numbers",
        ),
        (
            {"status": 0, "data": [{"2018-06-02 17:15": {"play.live.com": {"bandwidth": True, "flow": 1}}}]},
            "numbers",
        ),
        ({"status": 0, "data": [{"2018-06-02 17:15": {"play.live.com": {"flow": 1}}}]}, "numbers"),
        ({"status": 0, "data": [{"2018-06-02 17:15": {"play.live.com": 7}}]}, "not an object"),
    ],
)
def test_wrong_shapes_are_malformed(doc, detail):
    with pytest.raises(VendorError) as info:
        parse_bandwidth_flow(200, json.dumps(doc).encode(), "play.live.com")
    err = info.value.error
    assert (err.kind, err.code, err.http_status) == ("malformed", "MALFORMED", 200)
    assert detail in err.raw_message


@pytest.mark.parametrize(
    "bandwidth, flow",
    [
        ("NaN", "1"),
        ("Infinity", "1"),
        ("1", "-Infinity"),
        ("1e400", "1"),  # a finite Decimal, but infinite as a float: it reached exports as `Infinity`
        ("1", "1e400"),
        pytest.param("1" + "0" * 400, "1", id="10**400-1"),
        ("-0.5", "1"),
    ],
)
def test_non_finite_or_negative_numbers_are_malformed(bandwidth, flow):
    body = (
        '{"status": 0, "data": [{"2018-06-02 17:15": {"play.live.com": '
        f'{{"bandwidth": {bandwidth}, "flow": {flow}}}}}}}]}}'
    ).encode()
    with pytest.raises(VendorError) as info:
        parse_bandwidth_flow(200, body, "play.live.com")
    assert (info.value.error.kind, info.value.error.code) == ("malformed", "MALFORMED")


def test_non_2xx_and_non_json_answers_are_decoded():
    body = (
        b'{"requestId":"r1","error":{"code":429,"status":"RATE_LIMIT",'
        b'"message":"Requests rate limit exceeded"}}'
    )
    with pytest.raises(VendorError) as info:
        parse_bandwidth_flow(429, body, "play.live.com", headers={"Retry-After": "2"})
    err = info.value.error
    assert (err.code, err.throttled, err.retry_after, err.http_status) == ("RATE_LIMIT", True, 2.0, 429)
    with pytest.raises(VendorError) as info:
        parse_bandwidth_flow(502, b"<html><body><h1>502 Bad Gateway</h1></body></html>", "play.live.com")
    assert (info.value.error.kind, info.value.error.code, info.value.error.raw_message) == (
        "transport",
        "HTTP 502",
        "502 Bad Gateway",
    )
    with pytest.raises(VendorError) as info:
        parse_bandwidth_flow(200, SEED_BODY[:-40], "play.live.com")
    assert (info.value.error.kind, info.value.error.title) == ("transport", "truncated answer")
    with pytest.raises(VendorError) as info:
        parse_bandwidth_flow(200, b"", "play.live.com")
    assert info.value.error.title == "empty answer"


def test_secrets_echoed_in_msg_are_masked():
    body = json.dumps({"status": 1, "msg": "signature error for key e7a31b1c5ea0efa9aa2f29c6"}).encode()
    with pytest.raises(VendorError) as info:
        parse_bandwidth_flow(200, body, "play.live.com", secrets=["e7a31b1c5ea0efa9aa2f29c6"])
    assert "e7a31b1c5ea0efa9aa2f29c6" not in info.value.error.raw_message
