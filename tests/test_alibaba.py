"""Alibaba Live, pure unit tests: time rules, parsing of the API pages' example answers, error decoding.
Over real HTTP against the simulator: tests/test_alibaba_sim.py; signatures: tests/test_alibaba_signing.py."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from livetop.model import VendorError
from livetop.vendors.alibaba import timerules
from livetop.vendors.alibaba.errors import read_error
from livetop.vendors.alibaba.parse import acs_retry_after, parse_samples

UTC = timezone.utc
NOW = datetime(2026, 12, 1, 8, 2, 30, tzinfo=UTC)


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# The API page's example answer (https://help.aliyun.com/document_detail/67406.html), in its shape.
BPS_EXAMPLE = json.dumps({
    "EndTime": "2017-12-10T09:00:00Z", "StartTime": "2017-12-10T08:00:00Z", "RequestId": "B955107D-E658-4E77-B913-E0AC3D31693E",
    "DomainName": "example.com", "DataInterval": "300",
    "BpsDataPerInterval": {"DataModule": [
        {"TimeStamp": "2017-12-10T08:00:05Z", "BpsValue": "11288111", "HttpBpsValue": "11286111", "HttpsBpsValue": "2000"},
        {"TimeStamp": "2017-12-10T08:05:00Z", "BpsValue": "11288111.5", "HttpBpsValue": "0", "HttpsBpsValue": "0"},
    ]},
}).encode()  # fmt: skip
TRAFFIC_EXAMPLE = json.dumps({
    "DomainName": "example.com", "DataInterval": "300", "RequestId": "x",
    "TrafficDataPerInterval": {"DataModule": [
        {"TimeStamp": "2017-12-10T20:00:00Z", "TrafficValue": "454680793", "HttpTrafficValue": "0", "HttpsTrafficValue": "454680793"},
    ]},
}).encode()  # fmt: skip


def test_parse_the_documented_examples():
    bps = parse_samples("bandwidth", BPS_EXAMPLE, 300)
    # 08:00:05 (the page's own off-grid stamp) belongs to the 08:00 bucket.
    assert [(s.bucket_start, s.value) for s in bps] == [
        (_t("2017-12-10T08:00:00Z"), 11288111.0),
        (_t("2017-12-10T08:05:00Z"), 11288111.5),
    ]
    traffic = parse_samples("traffic", TRAFFIC_EXAMPLE, 300)
    assert [(s.bucket_start, s.value) for s in traffic] == [(_t("2017-12-10T20:00:00Z"), 454680793.0)]


def test_empty_answer_is_no_samples():
    body = json.dumps({"DataInterval": "300", "BpsDataPerInterval": {"DataModule": []}}).encode()
    assert parse_samples("bandwidth", body, 300) == []
    body = json.dumps({"DataInterval": "300", "BpsDataPerInterval": {}}).encode()
    assert parse_samples("bandwidth", body, 300) == []


@pytest.mark.parametrize(
    "body,detail",
    [
        (b"{", "not JSON"),
        (b"[]", "not a JSON object"),
        (b'{"DataInterval": "300"}', "no 'BpsDataPerInterval'"),
        (b'{"DataInterval": "3600", "BpsDataPerInterval": {"DataModule": []}}', "DataInterval"),
        (b'{"BpsDataPerInterval": {"DataModule": "x"}}', "not a list"),
        (b'{"BpsDataPerInterval": {"DataModule": [1]}}', "not an object"),
        (b'{"BpsDataPerInterval": {"DataModule": [{"TimeStamp": "2017-12-10T08:00:00Z", "BpsValue": "-1"}]}}', "non-negative"),
        (b'{"BpsDataPerInterval": {"DataModule": [{"TimeStamp": "2017-12-10T08:00:00Z", "BpsValue": "NaN"}]}}', "non-negative"),
        (b'{"BpsDataPerInterval": {"DataModule": [{"TimeStamp": "2017-12-10T08:00:00Z", "BpsValue": true}]}}', "non-negative"),
        (b'{"BpsDataPerInterval": {"DataModule": [{"TimeStamp": "2017-12-10T08:00:00Z", "BpsValue": "1e400"}]}}', "too large"),
        (b'{"BpsDataPerInterval": {"DataModule": [{"TimeStamp": "2017-12-10 08:00", "BpsValue": "1"}]}}', "TimeStamp"),
        (b"\xff\xfe", "not JSON"),
    ],
)  # fmt: skip
def test_malformed_answers_are_decoded(body, detail):
    with pytest.raises(VendorError) as err:
        parse_samples("bandwidth", body, 300)
    assert err.value.error.code == "MALFORMED" and err.value.error.kind == "malformed"
    assert detail in err.value.error.raw_message


def test_acs_retry_after():
    assert acs_retry_after({"X-Acs-Retry-After": "1500"}) == 1.5
    assert acs_retry_after({"x-acs-retry-after": "0"}) is None
    assert acs_retry_after({"x-acs-retry-after": "soon"}) is None
    assert acs_retry_after({"x-acs-retry-after": str(10**12)}) == 3600.0
    assert acs_retry_after(None) is None


def test_read_error():
    assert read_error({"Code": " InternalError ", "Message": "m"}) == ("InternalError", "m")
    assert read_error({"code": "Throttling.User", "message": 5}) == ("Throttling.User", "")
    assert read_error({"Code": ""}) is None and read_error([]) is None and read_error({"Code": 3}) is None


# --- time rules ---------------------------------------------------------------------------------------------


def test_plan_sends_both_times_on_the_bucket_grid():
    plan = timerules.plan_range(NOW - timedelta(hours=1), NOW, NOW)
    assert plan.windows == ((_t("2026-12-01T07:00:00Z"), _t("2026-12-01T08:02:30Z")),)
    assert (plan.start, plan.end, plan.notices) == (NOW - timedelta(hours=1), NOW, ())


@pytest.mark.parametrize(
    "interval,days,count", [(300, 3, 1), (300, 7, 3), (3600, 31, 1), (3600, 40, 2), (86400, 60, 1)]
)
def test_plan_splits_at_the_span_per_interval(interval, days, count):
    start = timerules.parse_time("2026-10-01T00:00:00Z")
    plan = timerules.plan_range(start, start + timedelta(days=days), NOW, interval)
    assert len(plan.windows) == count
    assert all(e - s <= timerules.MAX_SPAN[interval] for s, e in plan.windows)
    assert plan.windows[0][0] == start and plan.windows[-1][1] == start + timedelta(days=days)
    assert all(a[1] == b[0] for a, b in zip(plan.windows, plan.windows[1:]))


def test_plan_clamps_old_starts_and_future_ends():
    plan = timerules.plan_range(NOW - timedelta(days=100), NOW + timedelta(days=1), NOW)
    assert plan.end == NOW and plan.start > NOW - timedelta(days=90)
    assert plan.start - (NOW - timedelta(days=90)) <= timedelta(minutes=10)
    assert plan.notices and "90 days" in plan.notices[0]
    with pytest.raises(VendorError) as err:
        timerules.plan_range(NOW - timedelta(days=120), NOW - timedelta(days=95), NOW)
    assert err.value.error.code == "LIVETOP.TIME.TOO_OLD"


def test_plan_refuses_a_missing_start_and_empty_ranges():
    with pytest.raises(VendorError) as err:
        timerules.plan_range(None, NOW, NOW)
    assert err.value.error.code == "LIVETOP.TIME.NO_START"
    assert timerules.plan_range(NOW, NOW - timedelta(hours=1), NOW).windows == ()
    assert timerules.plan_range(NOW + timedelta(hours=1), None, NOW).windows == ()
    with pytest.raises(VendorError):
        timerules.plan_range(NOW - timedelta(hours=1), NOW, NOW, interval=120)


def test_parse_time():
    assert timerules.parse_time("2026-12-01T08:00:00Z") == datetime(2026, 12, 1, 8, tzinfo=UTC)
    for bad in ("2026-12-01T08:00:00", "2026-12-01 08:00:00Z", "2026-13-01T08:00:00Z", 5, None, ""):
        with pytest.raises(ValueError):
            timerules.parse_time(bad)


def test_a_wrong_data_interval_is_named_without_echoing_vendor_text():
    """Found by bench/fuzz.py: the detail quoted DataInterval as sent, which could carry anything."""
    for given, shown in (("3600", "3600-second points"), ("s3cr3t-Fz9", "something else")):
        body = json.dumps({"DataInterval": given, "BpsDataPerInterval": {"DataModule": []}}).encode()
        with pytest.raises(VendorError) as err:
            parse_samples("bandwidth", body, 300)
        assert shown in err.value.error.raw_message and "s3cr3t" not in err.value.error.raw_message
