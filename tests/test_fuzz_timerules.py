"""The fuzz property on the time-rule functions: wild times and ranges give a plan inside the vendor's rules,
or the documented error (ValueError for a label, VendorError for a range), never anything else."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from fuzzgen import EDGE_TIMES, check_instant, fuzz_settings
from hypothesis import given
from hypothesis import strategies as st

from livetop.model import VendorError
from livetop.vendors.huawei import timerules as huawei
from livetop.vendors.jdcloud import timerules as jd

ZONES = st.sampled_from([timezone.utc, timezone(timedelta(hours=8)), timezone(timedelta(hours=-12)),
                         timezone(timedelta(hours=14))])  # fmt: skip
ANY_TIME = st.datetimes(timezones=ZONES) | st.sampled_from([
    datetime.min.replace(tzinfo=timezone.utc), datetime.max.replace(tzinfo=timezone.utc),
    datetime(1, 1, 1, 8, tzinfo=timezone(timedelta(hours=8))),
])  # fmt: skip
# The clock: a machine's wall time, wrong by years at worst.
NOW = st.datetimes(datetime(1971, 1, 1), datetime(2200, 1, 1), timezones=st.just(timezone.utc))
LABELS = (
    st.text(max_size=30)
    | st.sampled_from(EDGE_TIMES)
    | st.from_regex(r"\A\s?\d{4}-\d{2}-\d{2}\s{1,2}\d{2}:\d{2}(:\d{2})?\s?\Z")
    | st.from_regex(r"\A\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\Z")
)


@fuzz_settings()
@given(LABELS)
def test_time_labels_parse_to_aware_utc_or_raise_value_error(label):
    for parse in (huawei.parse_time, jd.parse_beijing, jd.label_to_bucket_start):
        try:
            when = parse(label)
        except ValueError:
            continue
        check_instant(when)


@fuzz_settings()
@given(
    ANY_TIME | st.none(), ANY_TIME | st.none(), NOW, st.sampled_from([60, 300, 900, 1800, 3600, 14400, 86400])
)
def test_huawei_plans_stay_inside_the_rules_or_raise_vendor_error(start, end, now, bucket_seconds):
    try:
        plan = huawei.plan_range(start, end, now, bucket_seconds)
    except VendorError as exc:
        assert exc.error.kind == "client"
        return
    for low, high in plan.windows:
        check_instant(low)
        check_instant(high)
        assert low < high <= now and high - low <= huawei.MAX_SPAN
        assert low >= now - huawei.RETENTION
        huawei.parse_time(huawei.iso_utc(low))  # the wire form reads back
    assert list(plan.windows) == sorted(plan.windows)


@fuzz_settings()
@given(ANY_TIME | st.none(), ANY_TIME | st.none(), NOW)
def test_jd_plans_stay_inside_the_rules_or_raise_vendor_error(start, end, now):
    try:
        plan = jd.plan_range(start, end, now)
    except VendorError as exc:
        assert exc.error.kind == "client"
        return
    for low, high in plan.requests:
        assert low <= high and high - low <= jd.MAX_SPAN
        assert low >= now - jd.LOOKBACK - jd.BUCKET and high <= now + jd.BUCKET
        jd.parse_beijing(jd.format_beijing(low))
    assert len(plan.requests) <= 4  # 90 days of look-back in 30-day requests
