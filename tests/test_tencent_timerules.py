"""Tencent DescribeBillBandwidthAndFluxList time rules, applied before sending (pure)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from livetop.model import VendorError
from livetop.vendors.tencent.timerules import (
    LOOKBACK,
    format_beijing,
    parse_time,
    plan_range,
    plan_requests,
)

UTC = timezone.utc
NOW = datetime(2026, 11, 20, 12, 3, 17, tzinfo=UTC)


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_both_documented_formats_parse_to_utc():
    assert parse_time("2026-11-20T12:05:00Z") == _t("2026-11-20T12:05:00Z")
    # `YYYY-MM-DD hh:mm:ss` is Beijing time (UTC+8).
    assert parse_time("2026-11-20 20:05:00") == _t("2026-11-20T12:05:00Z")
    assert parse_time("2026-11-21 00:00:00") == _t("2026-11-20T16:00:00Z")
    assert format_beijing(_t("2026-11-20T16:00:00Z")) == "2026-11-21 00:00:00"


@pytest.mark.parametrize(
    "bad", [None, 5, "", "2026-11-20", "2026-11-20T12:05:00", "2026-11-20T12:05:00+08:00",
            "2026-02-30 00:00:00", " 2026-11-20 20:05:00", "2026-11-20 20:05", "２０２６-11-20 20:05:00"],
)  # fmt: skip
def test_anything_else_is_refused(bad):
    with pytest.raises(ValueError):
        parse_time(bad)


def test_an_hour_is_one_request_of_inclusive_bucket_starts():
    plan = plan_range(_t("2026-11-20T11:00:00Z"), _t("2026-11-20T12:00:00Z"), NOW)
    assert plan.params() == [("2026-11-20T11:00:00Z", "2026-11-20T11:55:00Z")]
    assert plan.notices == ()


def test_off_grid_edges_keep_only_buckets_starting_inside():
    plan = plan_range(_t("2026-11-20T11:02:00Z"), _t("2026-11-20T11:57:00Z"), NOW)
    assert plan.params() == [("2026-11-20T11:05:00Z", "2026-11-20T11:55:00Z")]


def test_a_week_is_seven_day_long_requests_each_within_granularity_5s_one_day():
    start = _t("2026-11-13T12:00:00Z")
    plan = plan_range(start, NOW, NOW)
    assert len(plan.requests) == 8  # 7 days and the 3 minutes past 12:00 (bucket 12:00 is started)
    for first, last in plan.requests:
        assert last - first <= timedelta(days=1) - timedelta(minutes=5)
    covered = [first + timedelta(minutes=5 * i) for first, last in plan.requests
               for i in range(int((last - first) / timedelta(minutes=5)) + 1)]  # fmt: skip
    expected = [start + timedelta(minutes=5 * i) for i in range(7 * 288 + 1)]
    assert covered == expected


def test_future_end_is_clamped_and_empty_ranges_ask_nothing():
    plan = plan_range(_t("2026-11-20T11:00:00Z"), _t("2026-11-21T00:00:00Z"), NOW)
    assert plan.params() == [("2026-11-20T11:00:00Z", "2026-11-20T12:00:00Z")]
    empty = plan_range(_t("2026-11-20T11:00:00Z"), _t("2026-11-20T11:00:00Z"), NOW)
    assert empty.requests == () and "nothing to fetch" in empty.notices[0]
    future = plan_range(_t("2026-11-21T11:00:00Z"), _t("2026-11-22T11:00:00Z"), NOW)
    assert future.requests == ()


def test_start_older_than_three_years_is_clamped_with_a_notice():
    plan = plan_range(NOW - LOOKBACK - timedelta(days=10), NOW - LOOKBACK + timedelta(hours=1), NOW)
    assert plan.requests and plan.requests[0][0] >= NOW - LOOKBACK
    assert "3 years" in plan.notices[0]
    with pytest.raises(VendorError) as info:
        plan_range(NOW - LOOKBACK - timedelta(days=10), NOW - LOOKBACK - timedelta(days=9), NOW)
    assert info.value.error.kind == "client" and info.value.error.code == "LIVETOP.TIME.TOO_OLD"


def test_no_start_is_a_client_error():
    with pytest.raises(VendorError) as info:
        plan_range(None, NOW, NOW)
    assert info.value.error.code == "LIVETOP.TIME.NO_START"


def test_plan_requests_single_bucket():
    assert plan_requests(_t("2026-11-20T11:55:00Z"), _t("2026-11-20T12:00:00Z")) == [
        (_t("2026-11-20T11:55:00Z"), _t("2026-11-20T11:55:00Z"))
    ]
    assert plan_requests(_t("2026-11-20T11:56:00Z"), _t("2026-11-20T12:00:00Z")) == []
