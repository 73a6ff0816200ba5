"""Store and series: merging, trimming, immutable snapshots, statuses, totals, report formats."""

import csv
import io
import json
from datetime import datetime, timedelta, timezone

from livetop import report
from livetop.clock import ManualClock
from livetop.engine.series import MutableSeries, percentile_95
from livetop.engine.store import (
    STATUS_ERROR,
    STATUS_LOADING,
    STATUS_OK,
    STATUS_PAUSED,
    STATUS_STALE,
    DomainKey,
    RequestRecord,
    Store,
)
from livetop.model import DecodedError, FetchResult, Sample

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def record(clock, ok=True, code=""):
    return RequestRecord(clock.now(), ok, 200 if ok else 400, code, 12.5, 2, at(-60), clock.now())


def error(code="LIVE.100011001", retryable=False):
    return DecodedError("huawei", code, 400, "invalid parameter", "m", "a", retryable, raw_message="Request Illegal")


def test_series_merge_replaces_same_bucket_and_inserts_in_order():
    s = MutableSeries()
    assert s.merge([Sample(at(0), 1.0), Sample(at(10), 3.0)])
    assert s.merge([Sample(at(5), 2.0), Sample(at(10), 4.0)])
    assert not s.merge([Sample(at(10), 4.0)])  # same value: no change reported
    assert list(s.view()) == [(int(at(m).timestamp()), v) for m, v in ((0, 1.0), (5, 2.0), (10, 4.0))]
    s.trim_before(int(at(5).timestamp()))
    assert [v for _, v in s.view()] == [2.0, 4.0]


def test_view_is_a_frozen_copy():
    s = MutableSeries()
    s.merge([Sample(at(0), 1.0)])
    view = s.view()
    s.merge([Sample(at(0), 9.0), Sample(at(5), 2.0)])
    assert list(view.values) == [1.0]
    try:
        view.values[0] = 5.0
    except TypeError:
        pass
    else:  # pragma: no cover
        raise AssertionError("snapshot values must be read-only")


def test_views_share_the_arrays_until_the_series_changes():
    s = MutableSeries()
    s.merge([Sample(at(0), 1.0), Sample(at(5), 2.0), Sample(at(10), 3.0)])
    first = s.view()
    assert s.view().times.obj is first.times.obj  # no change, no copy: snapshots cost no memory of their own
    s.trim_before(int(at(5).timestamp()))
    s.merge([Sample(at(5), 7.0), Sample(at(15), 4.0)])
    assert list(first) == [(int(at(m).timestamp()), v) for m, v in ((0, 1.0), (5, 2.0), (10, 3.0))]
    assert list(s.view().values) == [7.0, 3.0, 4.0]
    unshared = MutableSeries()
    unshared.merge([Sample(at(0), 1.0)])
    times = unshared.times
    unshared.merge([Sample(at(5), 2.0)])
    assert unshared.times is times  # nobody holds a view: changed in place


def test_percentile_95_drops_top_five_percent():
    values = [float(v) for v in range(1, 101)]
    assert percentile_95(values) == 95.0
    assert percentile_95([5.0]) == 5.0
    assert percentile_95([]) is None


def make_store():
    clock = ManualClock(at(0))
    store = Store(clock, window_seconds=3600, stale_after_seconds=60)
    return clock, store


def test_status_transitions_and_snapshot_immutability():
    clock, store = make_store()
    key = DomainKey("acc", "play.a.example.com")
    store.ensure(key, "huawei", "A")
    assert store.snapshot().by_key[key].status == STATUS_LOADING
    store.record_success(key, FetchResult([Sample(at(-10), 100.0), Sample(at(-5), 300.0)],
                                          [Sample(at(-10), 1000), Sample(at(-5), 2000)]), record(clock))
    first = store.snapshot().by_key[key]
    assert first.status == STATUS_OK
    assert (first.bandwidth_now, first.bandwidth_prev, first.peak_bps) == (300.0, 100.0, 300.0)
    assert first.peak_at == at(-5) and first.traffic_bytes == 3000 and first.change_over(1) == 2.0
    clock.advance(61)
    assert store.snapshot().by_key[key].status == STATUS_STALE
    store.record_failure(key, error(), record(clock, ok=False, code="LIVE.100011001"), halted=True)
    failed = store.snapshot().by_key[key]
    assert failed.status == STATUS_ERROR and failed.halted and failed.error.code == "LIVE.100011001"
    assert failed.error_since == clock.now() and len(failed.errors) == 1 and len(failed.requests) == 2
    # what a reader held earlier did not change under it
    assert first.status == STATUS_OK and first.error is None and len(first.requests) == 1
    store.set_paused(key, True)
    assert store.snapshot().by_key[key].status == STATUS_PAUSED


def test_window_trims_old_buckets():
    clock, store = make_store()
    key = DomainKey("acc", "d")
    store.ensure(key, "jdcloud", None)
    store.record_success(key, FetchResult([Sample(at(-50), 1.0), Sample(at(-5), 2.0)], []), record(clock))
    store.set_window(1800)
    assert list(store.snapshot().by_key[key].bandwidth.values) == [2.0]


def test_totals_are_sums_over_watched_domains():
    clock, store = make_store()
    a, b, c = DomainKey("hw", "a"), DomainKey("hw", "b"), DomainKey("jd", "c")
    for key, vendor in ((a, "huawei"), (b, "huawei"), (c, "jdcloud")):
        store.ensure(key, vendor, None)
    store.record_success(a, FetchResult([Sample(at(-10), 10.0), Sample(at(-5), 20.0)], [Sample(at(-5), 5)]),
                         record(clock))
    store.record_success(b, FetchResult([Sample(at(-10), 30.0), Sample(at(-5), 1.0)], [Sample(at(-5), 7)]),
                         record(clock))
    store.record_failure(c, error(), record(clock, ok=False), halted=False)
    snap = store.snapshot()
    hw = snap.accounts[0]
    assert hw.account == "hw" and hw.domains == 2 and "watched" in hw.label
    assert hw.bandwidth_now == 21.0 and hw.peak_bps == 40.0 and hw.peak_at == at(-10) and hw.traffic_bytes == 12
    assert snap.grand.domains == 3 and snap.grand.errors == 1 and snap.grand.vendor is None


def test_report_json_and_csv_round_trip():
    clock, store = make_store()
    ok, bad = DomainKey("hw", "ok.example.com"), DomainKey("hw", "bad.example.com")
    store.ensure(ok, "huawei", "OK")
    store.ensure(bad, "huawei", None)
    store.record_success(ok, FetchResult([Sample(at(-5), 1.5e9)], [Sample(at(-5), 123456789)]), record(clock))
    store.record_failure(bad, error(), record(clock, ok=False), halted=True)
    snap = store.snapshot()
    doc = json.loads(report.to_json(snap))
    assert doc["schema"] == 1 and doc["window_seconds"] == 3600
    first, second = doc["domains"]
    assert first["bandwidth_now_bps"] == 1.5e9 and first["traffic_bytes"] == 123456789
    assert first["status"] == "ok" and first["error"] is None and first["label"] == "OK"
    assert second["status"] == "error" and second["error"]["code"] == "LIVE.100011001"
    assert second["bandwidth_now_bps"] is None
    rows = list(csv.DictReader(io.StringIO(report.to_csv(snap))))
    assert [r["domain"] for r in rows] == ["ok.example.com", "bad.example.com"]
    assert float(rows[0]["bandwidth_now_bps"]) == 1.5e9 and int(rows[0]["traffic_bytes"]) == 123456789
    assert rows[1]["error_code"] == "LIVE.100011001" and rows[1]["bandwidth_now_bps"] == ""
    table = report.to_table(snap)
    assert "1.50 Gbps" in table and "LIVE.100011001 invalid parameter" in table


def test_report_never_writes_non_finite_numbers():
    # Two domains near the float limit sum to inf in the totals: JSON must stay JSON (no `Infinity`).
    clock, store = make_store()
    for name in ("a", "b"):
        key = DomainKey("hw", f"{name}.example.com")
        store.ensure(key, "huawei", None)
        store.record_success(key, FetchResult([Sample(at(-5), 1e308)], [Sample(at(-5), 1e308)]), record(clock))
    text = report.to_json(store.snapshot())
    assert "Infinity" not in text and "NaN" not in text
    doc = json.loads(text)
    assert doc["domains"][0]["bandwidth_now_bps"] == 1e308
    assert doc["total"]["bandwidth_now_bps"] is None and doc["total"]["traffic_bytes"] is None
    assert "inf" not in report.to_csv(store.snapshot()).lower()


def bandwidth(*minutes_values):
    return FetchResult([Sample(at(m), v) for m, v in minutes_values], [])


def test_a_failing_domain_loses_its_buckets_as_the_window_moves_on():
    clock, store = make_store()
    key = DomainKey("acc", "d")
    store.ensure(key, "huawei", None)
    store.record_success(key, FetchResult([Sample(at(-5 * i), 100.0) for i in range(1, 13)],
                                          [Sample(at(-5), 10)]), record(clock))
    clock.advance(3 * 3600)
    store.record_failure(key, error(retryable=True), record(clock, ok=False), halted=False)
    snap = store.snapshot()
    d = snap.by_key[key]
    assert len(d.bandwidth) == 0 and d.bandwidth_now is None and d.peak_bps is None and d.traffic_bytes is None
    assert snap.accounts[0].bandwidth_now is None and snap.grand.bandwidth_now is None
    assert len(snap.grand.bandwidth) == 0
    exported = json.loads(report.to_json(snap))
    assert exported["domains"][0]["bandwidth_now_bps"] is None and exported["total"]["bandwidth_now_bps"] is None


def test_the_window_moving_on_trims_on_read_and_only_then_rebuilds():
    clock, store = make_store()  # 1 h window
    key = DomainKey("acc", "d")
    store.ensure(key, "huawei", None)
    store.record_success(key, bandwidth((-60, 1.0), (-30, 2.0), (-5, 3.0)), record(clock))
    first = store.snapshot().by_key[key]
    assert list(first.bandwidth.values) == [1.0, 2.0, 3.0]
    assert store.snapshot().by_key[key] is first  # nothing changed, nothing fell out: not rebuilt
    store.set_paused(key, True)  # no fetch will trim it: reading must
    paused, version = store.snapshot().by_key[key], store.version
    clock.advance(60)
    snap = store.snapshot()
    moved = snap.by_key[key]
    assert list(moved.bandwidth.values) == [2.0, 3.0] and moved.peak_bps == 3.0
    assert moved.version > paused.version and snap.version > version
    assert snap.grand.peak_bps == 3.0 and list(snap.grand.bandwidth.values) == [2.0, 3.0]
    assert store.domain(key) is moved and store.snapshot().by_key[key] is moved
    clock.advance(2 * 3600)
    assert store.domain(key).bandwidth_now is None  # the single-domain reader trims too


def test_a_stale_domain_is_one_object_across_snapshots():
    clock, store = make_store()
    key = DomainKey("acc", "d")
    store.ensure(key, "huawei", None)
    store.record_success(key, bandwidth((-5, 1.0)), record(clock))
    fresh = store.snapshot().by_key[key]
    clock.advance(61)
    stale = store.snapshot().by_key[key]
    assert stale.status == STATUS_STALE and fresh.status == STATUS_OK
    assert store.snapshot().by_key[key] is stale and store.domain(key) is stale


def test_a_change_in_one_account_leaves_the_others_total_alone():
    clock, store = make_store()
    a, b = DomainKey("hw", "a"), DomainKey("jd", "b")
    store.ensure(a, "huawei", None)
    store.ensure(b, "jdcloud", None)
    store.record_success(a, bandwidth((-10, 1.0), (-5, 2.0)), record(clock))
    store.record_success(b, bandwidth((-10, 10.0), (-5, 20.0)), record(clock))
    before = store.snapshot()
    again = store.snapshot()
    assert again.accounts[0] is before.accounts[0] and again.grand is before.grand
    store.record_success(a, bandwidth((-5, 4.0)), record(clock))
    after = store.snapshot()
    assert after.accounts[1] is before.accounts[1]  # jd not summed again
    assert after.accounts[0] is not before.accounts[0] and after.accounts[0].bandwidth_now == 4.0
    assert after.grand.bandwidth_now == 24.0 and list(after.grand.bandwidth.values) == [11.0, 24.0]
    store.remove(a)
    gone = store.snapshot()
    assert [t.account for t in gone.accounts] == ["jd"] and gone.accounts[0] is before.accounts[1]
    assert gone.grand.domains == 1 and gone.grand.bandwidth_now == 20.0


def test_totals_do_not_dip_while_half_the_domains_have_the_new_bucket():
    clock, store = make_store()
    keys = [DomainKey("hw", f"d{i}") for i in range(4)] + [DomainKey("jd", "e")]
    for key in keys:
        store.ensure(key, "huawei" if key.account == "hw" else "jdcloud", None)
        store.record_success(key, bandwidth((-10, 100.0), (-5, 100.0)), record(clock))
    clock.advance(10)  # a bucket boundary has passed: polling reaches the domains one by one
    for key in keys[:2]:
        store.record_success(key, bandwidth((-5, 100.0), (0, 90.0)), record(clock))
    snap = store.snapshot()
    hw = snap.accounts[0]
    assert list(hw.bandwidth.values) == [400.0, 400.0] and hw.bandwidth_now == 400.0
    assert list(snap.grand.bandwidth.values) == [500.0, 500.0] and snap.grand.bandwidth_now == 500.0
    for key in keys[2:4]:
        store.record_success(key, bandwidth((0, 90.0)), record(clock))
    snap = store.snapshot()
    assert list(snap.accounts[0].bandwidth.values) == [400.0, 400.0, 360.0]
    assert snap.accounts[0].bandwidth_now == 360.0
    assert snap.grand.bandwidth_now == 500.0 and len(snap.grand.bandwidth) == 2  # jd has yet to fetch it
    store.record_success(keys[4], bandwidth((0, 50.0)), record(clock))
    assert store.snapshot().grand.bandwidth_now == 410.0


def test_failing_and_paused_domains_do_not_hold_a_total_back():
    clock, store = make_store()
    ok, failing, paused = DomainKey("hw", "ok"), DomainKey("hw", "failing"), DomainKey("hw", "paused")
    for key in (ok, failing, paused):
        store.ensure(key, "huawei", None)
        store.record_success(key, bandwidth((-15, 10.0), (-10, 10.0)), record(clock))
    store.record_failure(failing, error(retryable=True), record(clock, ok=False), halted=False)
    store.set_paused(paused, True)
    store.record_success(ok, bandwidth((-5, 10.0), (0, 10.0)), record(clock))
    total = store.snapshot().accounts[0]
    # Their values count up to their own newest bucket; after it only the current domain is summed.
    assert list(total.bandwidth.values) == [30.0, 30.0, 10.0, 10.0] and total.bandwidth_now == 10.0
    assert total.errors == 1
    store.set_paused(ok, True)  # nothing current left: a history but no "now"
    total = store.snapshot().accounts[0]
    assert total.bandwidth_now is None and list(total.bandwidth.values) == [30.0, 30.0, 10.0, 10.0]
