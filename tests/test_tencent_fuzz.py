"""Property tests for the Tencent parser and time rules: whatever Tencent (or something in between) answers,
the result is points or a decoded VendorError — never another exception — and good answers read back exactly."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from livetop.model import VendorError
from livetop.vendors.tencent.parse import BillPoints, parse_bill
from livetop.vendors.tencent.timerules import BEIJING, plan_range

UTC = timezone.utc
EPOCH_2026 = datetime(2026, 1, 1, tzinfo=UTC)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
keys = st.sampled_from(["Time", "Bandwidth", "Flux", "PeakTime", "Error", "Code", "Message", "RequestId"])
points = st.dictionaries(keys, json_values, max_size=5)
responses = st.fixed_dictionaries(
    {}, optional={"DataInfoList": st.lists(points, max_size=5) | json_values, "Error": json_values,
                  "RequestId": json_values},
)  # fmt: skip


def _only_points_or_vendor_error(status: int, body: bytes) -> None:
    try:
        result = parse_bill(status, body)
    except VendorError as exc:
        assert exc.error.code and exc.error.title and exc.error.kind
        return
    assert isinstance(result, BillPoints)
    assert all(v >= 0 for v in result.bandwidth_bps.values())
    assert all(isinstance(v, int) and v >= 0 for v in result.traffic_bytes.values())


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=100, max_value=599), st.binary(max_size=300))
def test_any_bytes_become_points_or_a_decoded_error(status, body):
    _only_points_or_vendor_error(status, body)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([200, 200, 400, 500]), responses)
def test_any_json_shape_becomes_points_or_a_decoded_error(status, response):
    _only_points_or_vendor_error(status, json.dumps({"Response": response}).encode())


values = st.decimals(min_value=0, max_value=10**7, places=4, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(min_value=0, max_value=300000), values, values), min_size=1, max_size=20,
             unique_by=lambda p: p[0]),
    st.booleans(),
    st.sampled_from([1000, 1024]),
)  # fmt: skip
def test_good_answers_read_back_exactly_in_bits_and_bytes(raw, beijing, base):
    def label(when: datetime) -> str:
        return when.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S") if beijing else when.strftime(
            "%Y-%m-%dT%H:%M:%SZ")  # fmt: skip

    items, want_bw, want_traffic = [], {}, {}
    for slot, bandwidth, flux in raw:
        start = EPOCH_2026 + timedelta(minutes=5 * slot)
        items.append({"Time": label(start), "Bandwidth": bandwidth, "Flux": flux, "PeakTime": label(start)})
        want_bw[start] = float(bandwidth * base * base)
        want_traffic[start] = int((flux * base * base).to_integral_value())
    # Decimals are written as JSON numbers, exactly as given.
    body = json.dumps({"Response": {"DataInfoList": [
        {**i, "Bandwidth": "__B%d__" % n, "Flux": "__F%d__" % n} for n, i in enumerate(items)]}}).encode()  # fmt: skip
    for n, (_, bandwidth, flux) in enumerate(raw):
        body = body.replace(b'"__B%d__"' % n, str(Decimal(bandwidth)).encode())
        body = body.replace(b'"__F%d__"' % n, str(Decimal(flux)).encode())
    result = parse_bill(200, body, unit_base=base)
    assert result.bandwidth_bps == want_bw
    assert result.traffic_bytes == want_traffic


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=60), st.text(max_size=200))
def test_any_error_code_is_an_error_whatever_the_status_says(code, message):
    body = json.dumps({"Response": {"Error": {"Code": code, "Message": message}, "RequestId": "r"}}).encode()
    try:
        parse_bill(200, body)
    except VendorError as exc:
        plain = code.strip()
        # A code with blanks or control characters inside is shown cleaned up (the decoder's rule).
        if plain and plain.isprintable() and not any(ch.isspace() for ch in plain) and len(plain) <= 40:
            assert exc.error.code == plain
        return
    raise AssertionError("an answer carrying Response.Error was read as data")


@settings(max_examples=300, deadline=None)
@given(
    st.integers(min_value=-4 * 365 * 86400, max_value=86400),
    st.integers(min_value=0, max_value=40 * 86400),
)
def test_plans_cover_each_bucket_once_in_requests_tencent_accepts(offset, length):
    now = datetime(2026, 11, 20, 12, 3, 17, tzinfo=UTC)
    start = now + timedelta(seconds=offset)
    try:
        plan = plan_range(start, start + timedelta(seconds=length), now)
    except VendorError as exc:
        assert exc.error.kind == "client"
        return
    seen = []
    for first, last in plan.requests:
        assert first <= last and last - first < timedelta(days=1)
        assert first.timestamp() % 300 == 0 and last.timestamp() % 300 == 0
        seen += [first + timedelta(minutes=5 * i) for i in range(int((last - first) / timedelta(minutes=5)) + 1)]
    assert len(seen) == len(set(seen)) and seen == sorted(seen)
    assert all(plan.start <= s < min(plan.end, now) for s in seen)
