"""Huawei Live v2 statistics: the pure time rules and parsers, then the provider over real HTTP against the
simulator in all three auth modes, the per-domain lists, and the simulator's own strictness."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from livetop.model import VendorError
from livetop.vendors.base import make_client
from livetop.vendors.huawei import signer
from livetop.vendors.huawei.v2_client import HuaweiV2Provider, detail_query, list_query
from livetop.vendors.huawei.v2_parse import parse_detail, parse_per_domain
from livetop.vendors.huawei.v2_timerules import interval_for, plan_range, wire_range

UTC = timezone.utc
T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


# --- time rules -------------------------------------------------------------------------------------------


def test_a_five_minute_point_is_asked_as_start_to_one_second_before_the_next_boundary():
    plan = plan_range(T0 - timedelta(minutes=5), T0, T0, 300)
    assert [wire_range(w) for w in plan.windows] == [("2026-11-20T11:55:00Z", "2026-11-20T11:59:59Z")]


def test_an_unaligned_range_asks_for_the_buckets_that_start_in_it():
    now = T0 + timedelta(minutes=7, seconds=12)  # 12:07:12, inside the 12:05 bucket
    plan = plan_range(T0 - timedelta(minutes=3), now, now, 300)
    # 11:57 is inside the 11:55 bucket, which starts before the range: the first bucket asked is 12:00;
    # the bucket now is in (12:05) is still filling and is asked for up to its last second.
    assert [wire_range(w) for w in plan.windows] == [("2026-11-20T12:00:00Z", "2026-11-20T12:09:59Z")]


def test_hour_and_day_intervals_align_on_their_own_boundaries():
    plan = plan_range(T0 - timedelta(hours=5, minutes=30), T0, T0, 3600)
    assert [wire_range(w) for w in plan.windows] == [("2026-11-20T07:00:00Z", "2026-11-20T11:59:59Z")]
    plan = plan_range(T0 - timedelta(days=3), T0, T0, 86400)
    assert [wire_range(w) for w in plan.windows] == [("2026-11-18T00:00:00Z", "2026-11-20T23:59:59Z")]


def test_ranges_over_31_days_are_split_into_aligned_windows_that_cover_it_once():
    start = T0 - timedelta(days=70)
    plan = plan_range(start, T0, T0, 300)
    assert len(plan.windows) == 3
    assert plan.windows[0][0] == start and plan.windows[-1][1] == T0
    for (a, b), (c, _) in zip(plan.windows, plan.windows[1:]):
        assert b == c  # contiguous, no overlap: each bucket is asked once
    for a, b in plan.windows:
        assert b - a <= timedelta(days=31) and a.timestamp() % 300 == 0 and b.timestamp() % 300 == 0


def test_a_start_older_than_a_year_is_clamped_with_a_notice_and_a_range_all_older_is_refused():
    plan = plan_range(T0 - timedelta(days=400), T0 - timedelta(days=300), T0, 300)
    assert plan.windows[0][0] > T0 - timedelta(days=365)
    assert any("clamped" in n and "one year" in n for n in plan.notices)
    with pytest.raises(VendorError) as info:
        plan_range(T0 - timedelta(days=400), T0 - timedelta(days=380), T0, 300)
    assert info.value.error.code == "LIVETOP.TIME.TOO_OLD" and info.value.error.kind == "client"


def test_no_start_is_refused_and_an_empty_range_asks_nothing():
    with pytest.raises(VendorError) as info:
        plan_range(None, T0, T0, 300)
    assert info.value.error.code == "LIVETOP.TIME.NO_START"
    assert plan_range(T0, T0, T0, 300).windows == ()
    assert plan_range(T0 + timedelta(hours=1), T0 + timedelta(hours=2), T0, 300).windows == ()


def test_v2_offers_three_intervals():
    assert [interval_for(m) for m in (5, 60, 1440)] == [300, 3600, 86400]
    with pytest.raises(ValueError):
        interval_for(15)


def test_queries_are_sorted_encoded_and_send_arrays_as_repeated_keys():
    query = detail_query("play.a.com", "2024-01-01T00:00:00Z", "2024-01-01T00:04:59Z", 300)
    # The §B3 v2 vector's query, byte for byte.
    assert query == (
        "end_time=2024-01-01T00%3A04%3A59Z&interval=300&play_domains=play.a.com&start_time=2024-01-01T00%3A00%3A00Z"
    )
    assert "play_domains=a.com&play_domains=b.com" in list_query(["b.com", "a.com"], "s", "e")


# --- parsing ----------------------------------------------------------------------------------------------


def test_detail_time_is_the_bucket_start_and_values_keep_their_units():
    body = json.dumps({"data_list": [{"value": 2_000_000, "time": "2026-11-20T12:05:00Z"},
                                     {"value": 1_000_000, "time": "2026-11-20T12:00:00Z"}]}).encode()  # fmt: skip
    samples = parse_detail("bandwidth", body)
    assert [(s.bucket_start, s.value) for s in samples] == [(T0, 1e6), (T0 + timedelta(minutes=5), 2e6)]


@pytest.mark.parametrize(
    "body",
    [b"", b"[]", b'{"data_list": null}', b'{"data_list": "x"}', b'{"data_list": [{"value": -1, "time": "2026-11-20T12:00:00Z"}]}',
     b'{"data_list": [{"value": true, "time": "2026-11-20T12:00:00Z"}]}', b'{"data_list": [{"value": 1, "time": "12:00"}]}',
     b'{"data_list": [{"value": 1e999, "time": "2026-11-20T12:00:00Z"}]}'],
)  # fmt: skip
def test_a_wrong_detail_shape_is_malformed(body):
    with pytest.raises(VendorError) as info:
        parse_detail("traffic", body)
    assert info.value.error.kind == "malformed"


def test_per_domain_lists_parse_to_a_map():
    body = b'{"bandwidth_list": [{"domain": "Play.A.com", "value": 5}, {"domain": "b.com", "value": 7}]}'
    assert parse_per_domain("peak", body) == {"play.a.com": 5.0, "b.com": 7.0}
    with pytest.raises(VendorError):
        parse_per_domain("summary", b'{"traffic_list": [{"value": 1}]}')


# --- the account's total line says which API it uses -------------------------------------------------------


def test_the_total_line_names_the_api_and_keeps_it_when_shortened():
    from livetop.engine.totals import account_total
    from livetop.ui.widgets.overview_render import total_label

    total = account_total("hw-cloud", [], api="api v2")
    assert total.label == "hw-cloud total (0 watched domains, api v2)"
    assert total_label(total, 20) == "hw-cloud total (v2), 0 watched"
    assert "api" not in account_total("jd-live", []).label


def test_the_engine_tells_the_store_each_accounts_api(tmp_path):
    from livetop.config.load import parse_config
    from livetop.vendors.registry import api_note

    config = parse_config({"accounts": [
        {"name": "new", "vendor": "huawei", "api": "v2", "region": "cn-north-4", "project_id": "p",
         "access_key": "a", "secret_key": "s"},
        {"name": "old", "vendor": "huawei", "region": "cn-north-4", "project_id": "p",
         "access_key": "a", "secret_key": "s"},
    ]})  # fmt: skip
    assert [api_note(a) for a in config.accounts] == ["api v2", "api v1"]


def test_an_off_grid_time_is_aligned_to_its_bucket_with_a_notice():
    body = b'{"data_list": [{"value": 5, "time": "2026-11-20T12:03:10Z"}]}'
    notices: list[str] = []
    samples = parse_detail("bandwidth", body, interval=300, notices=notices)
    assert [s.bucket_start for s in samples] == [T0] and "off the 5-minute grid" in notices[0]
