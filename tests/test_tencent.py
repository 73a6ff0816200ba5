"""Tencent Cloud Live, pure unit tests: the DescribeBillBandwidthAndFluxList parser and the error reader.
Signing: tests/test_tencent_signing.py; time rules: tests/test_tencent_timerules.py; over real HTTP against
the simulator and the official SDK: tests/test_tencent_sim.py."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from livetop.model import DecodedError, VendorError
from livetop.vendors.catalog import load_catalog
from livetop.vendors.tencent.client import clock_skew, request_body
from livetop.vendors.tencent.errors import read_error
from livetop.vendors.tencent.parse import parse_bill, to_samples

UTC = timezone.utc
MB = 1024 * 1024

# The shape of the API page's example (https://cloud.tencent.com/document/api/267/33850), UTC times.
EXAMPLE = {
    "Response": {
        "PeakBandwidthTime": "2026-11-20T11:05:00Z",
        "PeakBandwidth": 8.6,
        "P95PeakBandwidthTime": "2026-11-20T11:00:00Z",
        "P95PeakBandwidth": 6.1,
        "SumFlux": 548.25,
        "DataInfoList": [
            {"Time": "2026-11-20T11:00:00Z", "Bandwidth": 6.1, "Flux": 228.75, "PeakTime": "2026-11-20T11:00:00Z"},
            {"Time": "2026-11-20T11:05:00Z", "Bandwidth": 8.6, "Flux": 319.5, "PeakTime": "2026-11-20T11:05:00Z"},
        ],
        "RequestId": "3c140219-cfe9-470e-b241-907877d6fb03",
    }
}


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _body(doc: object) -> bytes:
    return json.dumps(doc).encode()


def test_example_parses_to_bits_and_bytes_1024_based_by_default():
    points = parse_bill(200, _body(EXAMPLE))
    assert points.bandwidth_bps == {_t("2026-11-20T11:00:00Z"): 6.1 * MB, _t("2026-11-20T11:05:00Z"): 8.6 * MB}
    assert points.traffic_bytes == {_t("2026-11-20T11:00:00Z"): 239861760, _t("2026-11-20T11:05:00Z"): 335020032}
    assert points.peak_time[_t("2026-11-20T11:05:00Z")] == _t("2026-11-20T11:05:00Z")
    assert [s.value for s in to_samples(points.bandwidth_bps)] == [6.1 * MB, 8.6 * MB]


def test_unit_base_1000():
    points = parse_bill(200, _body(EXAMPLE), unit_base=1000)
    assert points.bandwidth_bps[_t("2026-11-20T11:00:00Z")] == 6_100_000.0
    assert points.traffic_bytes[_t("2026-11-20T11:00:00Z")] == 228_750_000


def test_beijing_times_are_converted_to_utc():
    doc = {"Response": {"DataInfoList": [
        {"Time": "2026-11-21 00:00:00", "Bandwidth": 1, "Flux": 2, "PeakTime": "2026-11-21 00:00:00"}]}}  # fmt: skip
    points = parse_bill(200, _body(doc))
    assert list(points.bandwidth_bps) == [_t("2026-11-20T16:00:00Z")]


def test_points_outside_the_asked_range_are_dropped():
    points = parse_bill(200, _body(EXAMPLE), start=_t("2026-11-20T11:05:00Z"), end=_t("2026-11-20T12:00:00Z"))
    assert list(points.bandwidth_bps) == [_t("2026-11-20T11:05:00Z")]


def test_hourly_peak_time_inside_its_hour_is_kept():
    doc = {"Response": {"DataInfoList": [
        {"Time": "2026-11-20T11:00:00Z", "Bandwidth": 1, "Flux": 2, "PeakTime": "2026-11-20T11:35:00Z"}]}}  # fmt: skip
    points = parse_bill(200, _body(doc), granularity_minutes=60)
    assert points.peak_time[_t("2026-11-20T11:00:00Z")] == _t("2026-11-20T11:35:00Z")
    with pytest.raises(VendorError) as info:
        parse_bill(200, _body(doc))  # at 5-minute points 11:35 is not inside the 11:00 bucket
    assert info.value.error.kind == "malformed" and "PeakTime" in info.value.error.raw_message


@pytest.mark.parametrize(
    "code, title, retryable, throttled",
    [
        ("AuthFailure.SignatureExpire", "clock skew: signature expired", True, False),
        ("AuthFailure.SignatureFailure", "signature rejected", False, False),
        ("AuthFailure.SecretIdNotFound", "unknown SecretId", False, False),
        ("AuthFailure.SomethingNew", "authentication failed", False, False),
        ("RequestLimitExceeded", "throttled", True, True),
        ("RequestLimitExceeded.UinLimitExceeded", "throttled", True, True),
        ("InvalidParameter", "invalid parameter", False, False),
        ("InvalidParameterValue", "invalid parameter value", False, False),
        ("ResourceNotFound.DomainNotExist", "domain not found", False, False),
        ("ResourceNotFound.FreezeService", "service frozen", False, False),
        ("InternalError", "internal error", True, False),
        ("InternalError.DBError", "internal error", True, False),
    ],
)
def test_an_error_answered_with_http_200_is_an_error_not_data(code, title, retryable, throttled):
    doc = {"Response": {"Error": {"Code": code, "Message": "vendor words"}, "RequestId": "req-1a2b"}}
    with pytest.raises(VendorError) as info:
        parse_bill(200, _body(doc))
    error = info.value.error
    assert (error.code, error.title, error.retryable, error.throttled) == (code, title, retryable, throttled)
    assert error.kind == "vendor" and error.http_status == 200
    assert error.raw_message == "vendor words (request id req-1a2b)"


def test_an_unknown_code_keeps_the_vendors_words():
    doc = {"Response": {"Error": {"Code": "Brand.NewCode", "Message": "什么"}, "RequestId": "r"}}
    with pytest.raises(VendorError) as info:
        parse_bill(200, _body(doc))
    assert info.value.error.kind == "unknown" and info.value.error.code == "Brand.NewCode"
    assert "什么" in info.value.error.raw_message


def test_an_error_even_next_to_data_wins():
    doc = {"Response": {**EXAMPLE["Response"], "Error": {"Code": "InternalError", "Message": "x"}}}
    with pytest.raises(VendorError) as info:
        parse_bill(200, _body(doc))
    assert info.value.error.code == "InternalError"


def test_secrets_echoed_by_the_vendor_are_masked():
    doc = {"Response": {"Error": {"Code": "AuthFailure.SignatureFailure",
                                  "Message": "bad key AKIDsecretid123 / topsecretkey"}, "RequestId": "r"}}  # fmt: skip
    with pytest.raises(VendorError) as info:
        parse_bill(200, _body(doc), secrets=("AKIDsecretid123", "topsecretkey"))
    assert "topsecretkey" not in info.value.error.raw_message
    assert "AKIDsecretid123" not in info.value.error.raw_message


@pytest.mark.parametrize(
    "status, body, code, kind",
    [
        (502, b"<html><body>502 Bad Gateway</body></html>", "HTTP 502", "transport"),
        (200, b"", "HTTP 200", "transport"),
        (200, b'{"Response": {"DataInfoList": [', "HTTP 200", "transport"),
        (200, b"\xff\xfe not utf-8", "HTTP 200", "transport"),
        (500, b'{"Response": {"DataInfoList": []}}', "HTTP 500", "unknown"),
        (200, b"[" * 100000, "HTTP 200", "transport"),
    ],
)
def test_non_json_or_non_2xx_answers_are_decoded(status, body, code, kind):
    with pytest.raises(VendorError) as info:
        parse_bill(status, body)
    assert (info.value.error.code, info.value.error.kind) == (code, kind)


@pytest.mark.parametrize(
    "doc, detail",
    [
        ([], "no `Response`"),
        ({"Response": "x"}, "no `Response`"),
        ({"Response": {}}, "DataInfoList"),
        ({"Response": {"DataInfoList": {}}}, "DataInfoList"),
        ({"Response": {"DataInfoList": [1]}}, "DataInfoList[0] is int"),
        ({"Response": {"DataInfoList": [{"Time": "2026-11-20 25:00:00", "Bandwidth": 1, "Flux": 1}]}}, "Time"),
        ({"Response": {"DataInfoList": [{"Time": "2026-11-20T11:00:00Z", "Bandwidth": "1", "Flux": 1}]}}, "numbers"),
        ({"Response": {"DataInfoList": [{"Time": "2026-11-20T11:00:00Z", "Bandwidth": -1, "Flux": 1}]}}, "numbers"),
        ({"Response": {"DataInfoList": [{"Time": "2026-11-20T11:00:00Z", "Bandwidth": True, "Flux": 1}]}}, "numbers"),
        ({"Response": {"DataInfoList": [{"Time": "2026-11-20T11:00:00Z", "Bandwidth": 1}]}}, "numbers"),
        ({"Response": {"DataInfoList": [
            {"Time": "2026-11-20T11:00:00Z", "Bandwidth": 1, "Flux": 1, "PeakTime": "soon"}]}}, "PeakTime"),
    ],
)  # fmt: skip
def test_wrong_shapes_are_malformed(doc, detail):
    with pytest.raises(VendorError) as info:
        parse_bill(200, _body(doc))
    assert info.value.error.kind == "malformed" and detail in info.value.error.raw_message


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400", "-0.5"])
def test_non_finite_huge_or_negative_numbers_are_malformed(literal):
    body = ('{"Response": {"DataInfoList": [{"Time": "2026-11-20T11:00:00Z", "Bandwidth": %s, "Flux": 1}]}}'
            % literal).encode()  # fmt: skip
    with pytest.raises(VendorError) as info:
        parse_bill(200, body)
    assert info.value.error.kind == "malformed"


def test_read_error_needs_the_documented_nesting():
    assert read_error({"Response": {"Error": {"Code": "X.Y", "Message": "m"}, "RequestId": "r-1"}}) == (
        "X.Y", "m", "r-1")  # fmt: skip
    for doc in (None, [], {"Error": {"Code": "X"}}, {"Response": {"Error": "X"}},
                {"Response": {"Error": {"Code": 5}}}, {"Response": {"Error": {"Code": "  "}}}):  # fmt: skip
        assert read_error(doc) is None

    # A hostile request id is not quoted (it could carry anything).
    doc = {"Response": {"Error": {"Code": "InternalError", "Message": "m"}, "RequestId": "a\nb <x>"}}
    with pytest.raises(VendorError) as info:
        parse_bill(200, _body(doc))
    assert info.value.error.raw_message == "m"


def test_the_request_id_is_quoted_unmasked_even_when_it_looks_like_a_key():
    rid = "3c140219cfe9470eb241907877d6fb03"
    doc = {"Response": {"Error": {"Code": "InternalError", "Message": "m"}, "RequestId": rid}}
    with pytest.raises(VendorError) as info:
        parse_bill(200, _body(doc))
    assert info.value.error.raw_message == f"m (request id {rid})"


def test_catalog_marks_the_throttle_and_every_entry_answers_http_200():
    catalog = load_catalog("tencent")
    assert catalog.lookup("RequestLimitExceeded").throttled
    assert all(entry.http == (200,) for entry in catalog.entries.values())


def test_clock_skew_is_measured_from_the_answers_date():
    doc = {"Response": {"Error": {"Code": "AuthFailure.SignatureExpire", "Message": "expired"}, "RequestId": "r"}}
    with pytest.raises(VendorError) as info:
        parse_bill(200, _body(doc))
    told = clock_skew(info.value.error, "Fri, 20 Nov 2026 12:00:00 GMT", _t("2026-11-20T12:07:30Z"))
    assert told.title == "clock skew: signature expired"
    assert "7m ahead of Tencent's" in told.meaning and "at most 5 minutes" in told.meaning
    behind = clock_skew(info.value.error, "Fri, 20 Nov 2026 12:00:00 GMT", _t("2026-11-20T11:50:00Z"))
    assert "10m behind Tencent's" in behind.meaning
    assert clock_skew(info.value.error, None, _t("2026-11-20T12:07:30Z")) == info.value.error
    assert clock_skew(info.value.error, "not a date", _t("2026-11-20T12:07:30Z")) == info.value.error


@pytest.mark.parametrize(
    "date", ["Fri, 31 Dec 9999 23:59:59 -0100", "no date", "", "Thu, 32 Foo 2026 99:99:99 X"]
)
def test_a_date_header_with_no_utc_time_leaves_the_error_as_tencent_worded_it(date):
    error = DecodedError("tencent", "AuthFailure.SignatureExpire", 200, "t", "m", "a", False)
    assert clock_skew(error, date, _t("2026-11-20T12:07:30Z")) == error


def test_request_body_names_one_domain_with_inclusive_bucket_starts():
    body = request_body("play.example.com", _t("2026-11-20T11:00:00Z"), _t("2026-11-20T11:55:00Z"))
    assert body == {"StartTime": "2026-11-20T11:00:00Z", "EndTime": "2026-11-20T11:59:59Z",
                    "PlayDomains": ["play.example.com"], "Granularity": 5}  # fmt: skip


@pytest.mark.parametrize(
    "time, detail",
    [
        ("2026-11-20T11:02:00Z", "not on the 5-minute grid"),
        ("0001-01-01 00:00:00", "not a Tencent time"),  # Beijing midnight of year 1 has no UTC instant
        ("9999-12-31T23:55:00Z", "no measurement year"),
        ("1970-01-01T00:00:00Z", "no measurement year"),
    ],
)
def test_times_off_the_grid_or_at_the_calendars_edge_are_malformed(time, detail):
    doc = {"Response": {"DataInfoList": [{"Time": time, "Bandwidth": 1, "Flux": 1, "PeakTime": time}]}}
    with pytest.raises(VendorError) as info:
        parse_bill(200, _body(doc))
    assert info.value.error.kind == "malformed" and detail in info.value.error.raw_message
