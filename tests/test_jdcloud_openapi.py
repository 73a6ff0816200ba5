"""JD Cloud OpenAPI, pure unit tests: time rules, parsing, error decoding. Over real HTTP against the
simulator: tests/test_jdcloud_openapi_sim.py; signing: tests/test_jdcloud3_signer.py."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from livetop.model import VendorError
from livetop.vendors.jdcloud import openapi_timerules as rules
from livetop.vendors.jdcloud.openapi_parse import parse_point_time, parse_statistics

UTC = timezone.utc
NOW = datetime(2026, 11, 20, 12, 3, 27, tzinfo=UTC)


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# --- time rules ------------------------------------------------------------------------------------------------


def test_one_hour_is_one_request_from_the_first_bucket_to_the_end():
    plan = rules.plan_range(_t("2026-11-20T11:02:00Z"), NOW, NOW)
    assert plan.period == "fiveMin"
    assert plan.requests == ((_t("2026-11-20T11:05:00Z"), _t("2026-11-20T12:03:27Z")),)
    assert plan.notices == ()


def test_sub_second_end_rounds_up_so_the_newest_bucket_is_asked_for():
    now = NOW.replace(microsecond=500)
    plan = rules.plan_range(_t("2026-11-20T12:00:00Z"), now, now)
    assert plan.requests == ((_t("2026-11-20T12:00:00Z"), _t("2026-11-20T12:03:28Z")),)


def test_a_future_end_is_clamped_to_now():
    plan = rules.plan_range(_t("2026-11-20T11:00:00Z"), NOW + timedelta(days=3), NOW)
    assert plan.requests[-1][1] == NOW and plan.end == NOW


def test_spans_over_30_days_are_split_and_contiguous():
    start = NOW - timedelta(days=75)
    plan = rules.plan_range(start, NOW, NOW)
    assert len(plan.requests) == 3
    for (s1, e1), (s2, _) in zip(plan.requests, plan.requests[1:]):
        assert e1 == s2
    assert all(e - s <= timedelta(days=30) for s, e in plan.requests)
    assert plan.requests[0][0] == rules.ceil_to(start, 300) and plan.requests[-1][1] == NOW


def test_one_minute_periods_split_at_7_days():
    plan = rules.plan_range(NOW - timedelta(days=10), NOW, NOW, step_minutes=1)
    assert plan.period == "oneMin"
    assert len(plan.requests) == 2
    assert all(e - s <= timedelta(days=7) for s, e in plan.requests)


@pytest.mark.parametrize(("step", "period"), [(1, "oneMin"), (5, "fiveMin"), (30, "halfHour"), (60, "hour"),
                                               (120, "twoHour"), (360, "sixHour"), (1440, "day")])  # fmt: skip
def test_steps_map_to_jd_periods(step, period):
    assert rules.period_for(step) == period


def test_a_step_jd_does_not_offer_is_refused_before_sending():
    with pytest.raises(VendorError) as info:
        rules.plan_range(NOW - timedelta(hours=1), NOW, NOW, step_minutes=15)
    assert info.value.error.kind == "client" and "15" in info.value.error.meaning


def test_start_required_and_old_starts_clamped_with_a_notice():
    with pytest.raises(VendorError) as info:
        rules.plan_range(None, NOW, NOW)
    assert info.value.error.code == "LIVETOP.TIME.NO_START"
    plan = rules.plan_range(NOW - timedelta(days=100), NOW, NOW)
    assert plan.start == rules.ceil_to(NOW - timedelta(days=90), 300)
    assert any("clamped" in n for n in plan.notices)
    with pytest.raises(VendorError) as info:
        rules.plan_range(NOW - timedelta(days=200), NOW - timedelta(days=100), NOW)
    assert info.value.error.code == "LIVETOP.TIME.TOO_OLD"


def test_empty_ranges_ask_nothing_and_say_so():
    assert rules.plan_range(NOW, NOW, NOW).requests == ()
    plan = rules.plan_range(NOW - timedelta(seconds=20), NOW, NOW)  # no bucket starts in 12:03:07..12:03:27
    assert plan.requests == () and plan.notices


# --- parsing -----------------------------------------------------------------------------------------------------


def _body(points, **extra) -> bytes:
    return json.dumps({"requestId": "bq3sft7gk0c4e1b7kk5u3t6ep5o5fp0a", "result": {"dataList": points},
                       **extra}).encode()  # fmt: skip


def _point(start: str, value, minutes: int = 5, **data):
    end = (_t(start) + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"startTime": start, "endTime": end, "data": {"value": value, **data}}


def test_bandwidth_points_are_average_bps_keyed_by_their_start():
    body = _body([_point("2026-11-20T11:00:00Z", 1_250_000_000, maxValueTime=1763636460),
                  _point("2026-11-20T11:05:00Z", 1_300_000_000.5)])  # fmt: skip
    points = parse_statistics("bandwidth", 200, body)
    assert points == {_t("2026-11-20T11:00:00Z"): 1.25e9, _t("2026-11-20T11:05:00Z"): 1_300_000_000.5}
    assert all(k.tzinfo == UTC for k in points)


def test_traffic_is_integer_bytes_even_when_large():
    body = _body([_point("2026-11-20T11:00:00Z", 46_875_000_000_123)])
    assert parse_statistics("traffic", 200, body) == {_t("2026-11-20T11:00:00Z"): 46_875_000_000_123}


def test_points_outside_the_asked_range_are_dropped_and_null_values_left_out():
    body = _body([_point("2026-11-20T10:55:00Z", 1), _point("2026-11-20T11:00:00Z", 2),
                  _point("2026-11-20T11:05:00Z", None), {"startTime": "2026-11-20T11:10:00Z",
                  "endTime": "2026-11-20T11:15:00Z", "data": None}, _point("2026-11-20T12:00:00Z", 9)])  # fmt: skip
    points = parse_statistics("bandwidth", 200, body, start=_t("2026-11-20T11:00:00Z"),
                              end=_t("2026-11-20T12:00:00Z"))  # fmt: skip
    assert points == {_t("2026-11-20T11:00:00Z"): 2.0}


def test_the_newest_partial_point_is_kept_and_null_data_list_is_empty():
    partial = {"startTime": "2026-11-20T12:00:00Z", "endTime": "2026-11-20T12:03:27Z", "data": {"value": 5}}
    assert parse_statistics("bandwidth", 200, _body([partial])) == {_t("2026-11-20T12:00:00Z"): 5.0}
    assert parse_statistics("traffic", 200, _body(None)) == {}


def test_point_times_accept_offsets_and_refuse_zoneless_times():
    assert parse_point_time("2026-11-20T20:00:00+08:00") == _t("2026-11-20T12:00:00Z")
    assert parse_point_time("2026-11-20T12:00:00.000Z") == _t("2026-11-20T12:00:00Z")
    for text in ("2026-11-20 12:00:00", "2026-11-20T12:00:00", 1763640000, None, "2026-13-40T12:00:00Z"):
        with pytest.raises(ValueError):
            parse_point_time(text)


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"[]", "JSON object"),
        (b'{"requestId": "x"}', "no `result`"),
        (b'{"requestId": "x", "result": {}}', "no `dataList`"),
        (b'{"requestId": "x", "result": {"dataList": {}}}', "not a list"),
        (_body([1]), "not an object"),
        (_body([{"startTime": "2026-11-20 11:00", "endTime": "x", "data": {"value": 1}}]), "not a UTC time"),
        (_body([_point("2026-11-20T11:00:00Z", 1, minutes=10)]), "not one 5-minute period"),
        (_body([_point("2026-11-20T11:02:00Z", 1)]), "off the 5-minute grid"),
        (_body([_point("2026-11-20T11:00:00Z", -1)]), "non-negative"),
        (_body([_point("2026-11-20T11:00:00Z", "12")]), "non-negative"),
        (_body([_point("2026-11-20T11:00:00Z", True)]), "non-negative"),
        (_body([{"startTime": "2026-11-20T11:00:00Z", "endTime": "2026-11-20T11:05:00Z", "data": [1]}]),
         "not an object"),
        (b'{"requestId":"x","result":{"dataList":[{"startTime":"2026-11-20T11:00:00Z",'
         b'"endTime":"2026-11-20T11:05:00Z","data":{"value":1e400}}]}}', "too large"),
    ],
)
def test_wrong_shapes_are_malformed_errors_with_a_detail(body, detail):
    with pytest.raises(VendorError) as info:
        parse_statistics("bandwidth", 200, body)
    assert info.value.error.code == "MALFORMED"
    assert detail in info.value.error.raw_message


def test_error_bodies_decode_through_the_catalog():
    body = json.dumps({"requestId": "c5a0bq8r1kd2", "error": {"code": 400, "status": "INVALID_ARGUMENT",
                       "message": "startTime is invalid"}}).encode()  # fmt: skip
    with pytest.raises(VendorError) as info:
        parse_statistics("bandwidth", 400, body)
    error = info.value.error
    assert (error.code, error.kind, error.retryable) == ("INVALID_ARGUMENT", "vendor", False)
    assert "startTime is invalid" in error.raw_message and "c5a0bq8r1kd2" in error.raw_message
    # An error object in a 200 answer is still an error, not an empty series.
    with pytest.raises(VendorError) as info:
        parse_statistics("traffic", 200, body)
    assert info.value.error.code == "INVALID_ARGUMENT"


@pytest.mark.parametrize("status", ["RATE_LIMIT", "QUOTA_EXCEEDED"])
def test_429_statuses_are_throttling_and_honour_retry_after(status):
    body = json.dumps({"requestId": "r1", "error": {"code": 429, "status": status, "message": "slow"}}).encode()
    with pytest.raises(VendorError) as info:
        parse_statistics("bandwidth", 429, body, headers={"Retry-After": "7"})
    assert info.value.error.throttled and info.value.error.retryable and info.value.error.retry_after == 7.0


def test_non_json_and_html_answers_are_transport_errors_and_secrets_are_masked():
    with pytest.raises(VendorError) as info:
        parse_statistics("bandwidth", 502, b"<html>502 Bad Gateway</html>")
    assert info.value.error.kind == "transport"
    body = json.dumps({"requestId": "r2", "error": {"code": 401, "status": "UNAUTHENTICATED",
                       "message": "bad key AKSECRET123"}}).encode()  # fmt: skip
    with pytest.raises(VendorError) as info:
        parse_statistics("bandwidth", 401, body, secrets=("AKSECRET123",))
    assert "AKSECRET123" not in info.value.error.raw_message
