"""The overview's incremental row model equals the rows built from scratch, whatever arrives in between.

Random deliveries drive a real Store (ManualClock): successes with random and tied figures, failures, pauses,
time passing (stale marks, settling, the window trimming), domains added, removed and relabelled, and the user
changing sort, filter and view. After each, `RowModel.update` must hold exactly `build_rows` of that snapshot:
the same lines in the same order, carrying the snapshot's own objects.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from livetop.clock import ManualClock
from livetop.engine.series import SeriesView
from livetop.engine.store import DomainKey, RequestRecord, Store
from livetop.model import DecodedError, FetchResult, Sample
from livetop.ui.feed import TimeChangeCache, next_time_change
from livetop.ui.sorts import SORTS
from livetop.ui.widgets.overview_rows import RowModel, build_rows

T0 = datetime(2026, 11, 20, 12, 0, 30, tzinfo=UTC)
ACCOUNTS = (("hw-a", "huawei"), ("jd-b", "jdcloud"), ("hw-c", "huawei"))
NEEDLES = ("", "d1", "JD", "hw-c", "err", "label", "zzz")


def _key(n: int) -> DomainKey:
    account = ACCOUNTS[n % len(ACCOUNTS)][0]
    return DomainKey(account, f"d{n}.example.com")


def _vendor(key: DomainKey) -> str:
    return dict(ACCOUNTS)[key.account]


def _record(clock: ManualClock, ok: bool) -> RequestRecord:
    now = clock.now()
    return RequestRecord(now, ok, 200 if ok else 400, "" if ok else "E", 10.0, 2, now - timedelta(hours=1), now)


def _rows_of(rows) -> list[tuple]:
    """A row by what it shows and the very objects it carries."""
    return [(r.kind, r.ident, id(r.domain), id(r.total), r.text) for r in rows]


values = st.sampled_from([0.0, 1e6, 5e6, 5e6, 2e9, 7.5e8]) | st.floats(0, 1e10, allow_nan=False)

steps = st.one_of(
    st.tuples(st.just("success"), st.integers(0, 11), st.lists(values, min_size=1, max_size=4)),
    st.tuples(st.just("fail"), st.integers(0, 11), st.sampled_from(["err1", "err2", "LIVE.1"])),
    st.tuples(st.just("pause"), st.integers(0, 11), st.booleans()),
    st.tuples(st.just("advance"), st.sampled_from([1, 15, 61, 300, 900, 4000])),
    st.tuples(st.just("add"), st.integers(0, 11)),
    st.tuples(st.just("remove"), st.integers(0, 11)),
    st.tuples(st.just("label"), st.integers(0, 11), st.sampled_from([None, "A label", "zeta", "b label"])),
    st.tuples(st.just("sort"), st.sampled_from(SORTS)),
    st.tuples(st.just("filter"), st.sampled_from(NEEDLES)),
    st.tuples(st.just("flat"), st.booleans()),
    st.tuples(st.just("window"), st.sampled_from([3600, 1800, 7200])),
    st.tuples(st.just("nothing"),),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(initial=st.integers(0, 9), script=st.lists(steps, max_size=40))
def test_incremental_rows_equal_a_full_rebuild(initial, script):
    clock = ManualClock(T0)
    store = Store(clock, window_seconds=3600, stale_after_seconds=60)
    labels: dict[DomainKey, str | None] = {}
    for n in range(initial):
        store.ensure(_key(n), _vendor(_key(n)), None, settle_seconds=300)
    model = RowModel()
    view = ("bandwidth", "", False)
    for step in script:
        view = _apply(store, clock, labels, view, step)
        snap = store.snapshot()
        model.update(snap, *view)
        rows = build_rows(snap, *view)
        assert _rows_of(model.rows) == _rows_of(rows), step
        lines = [i for i, row in enumerate(rows) if row.kind == "domain"]
        assert model.domain_lines == lines
        assert model.domain_pos == {rows[line].ident: pos for pos, line in enumerate(lines)}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(initial=st.integers(0, 9), script=st.lists(steps, max_size=40), stale=st.sampled_from([60, 90]))
def test_remembered_time_changes_equal_computed_ones(initial, script, stale):
    clock = ManualClock(T0)
    store = Store(clock, window_seconds=3600, stale_after_seconds=stale)
    labels: dict[DomainKey, str | None] = {}
    for n in range(initial):
        store.ensure(_key(n), _vendor(_key(n)), None, settle_seconds=300)
    cache = TimeChangeCache()
    view = ("bandwidth", "", False)
    for step in script:
        view = _apply(store, clock, labels, view, step)
        snap = store.snapshot()
        assert next_time_change(snap, store.stale_after_for, cache) == next_time_change(snap, store.stale_after_for)


def _apply(store: Store, clock: ManualClock, labels: dict, view: tuple, step: tuple) -> tuple:
    """One step of a script: a change to the store (or the clock), or a new (sort, filter, flat)."""
    sort, needle, flat = view
    kind = step[0]
    if kind == "success":
        key = _key(step[1])
        end = clock.now()
        bw = [Sample(end - timedelta(minutes=5 * (len(step[2]) - i)), v) for i, v in enumerate(step[2])]
        tr = [Sample(s.bucket_start, s.value * 300 / 8) for s in bw]
        store.record_success(
            key, FetchResult(bandwidth=bw, traffic=tr, requests=2), _record(clock, True),
            covered_from=end - timedelta(hours=1),
        )
    elif kind == "fail":
        key = _key(step[1])
        error = DecodedError(_vendor(key), step[2], 400, "t", "m", "a", True)
        store.record_failure(key, error, _record(clock, False), False)
    elif kind == "pause":
        store.set_paused(_key(step[1]), step[2])
    elif kind == "advance":
        clock.advance(step[1])
    elif kind == "add":
        key = _key(step[1])
        store.ensure(key, _vendor(key), labels.get(key), settle_seconds=300)
    elif kind == "remove":
        store.remove(_key(step[1]))
    elif kind == "label":
        key = _key(step[1])
        labels[key] = step[2]
        if key in store.keys():
            store.ensure(key, _vendor(key), step[2], settle_seconds=300)
    elif kind == "window":
        store.set_window(step[1])
    elif kind == "stale":
        store.stale_after_seconds = step[1]
    elif kind == "sort":
        sort = step[1]
    elif kind == "filter":
        needle = step[1]
    elif kind == "flat":
        flat = step[1]
    return sort, needle, flat


def _store_with(n: int) -> tuple[ManualClock, Store]:
    clock = ManualClock(T0)
    store = Store(clock, window_seconds=3600, stale_after_seconds=600)
    for i in range(n):
        store.ensure(_key(i), _vendor(_key(i)), None)
    return clock, store


def _answer(store: Store, clock: ManualClock, n: int, value: float) -> None:
    end = clock.now()
    bw = [Sample(end - timedelta(minutes=5), value)]
    store.record_success(_key(n), FetchResult(bandwidth=bw, traffic=[], requests=1), _record(clock, True))


def test_a_delivery_that_moves_no_row_rebuilds_nothing():
    clock, store = _store_with(30)
    for n in range(30):
        _answer(store, clock, n, 1e6 * (100 - n))  # bandwidth order = config order
    model = RowModel()
    model.update(store.snapshot(), "bandwidth", "")
    builds = model.full_builds
    _answer(store, clock, 5, 1e6 * 95 + 1)  # a new figure that keeps its place
    snap = store.snapshot()
    assert model.update(snap, "bandwidth", "") is False  # the order held: rows replaced in place
    assert model.full_builds == builds
    assert _rows_of(model.rows) == _rows_of(build_rows(snap, "bandwidth", ""))
    _answer(store, clock, 29, 1e12)  # the last domain of its account jumps to the top of its group
    snap = store.snapshot()
    assert model.update(snap, "bandwidth", "") is True
    assert model.full_builds == builds  # re-sorted from the cached keys, not rebuilt
    first_of_group = next(r for r in model.rows if r.kind == "domain" and r.ident.account == _key(29).account)
    assert first_of_group.ident == _key(29)
    assert _rows_of(model.rows) == _rows_of(build_rows(snap, "bandwidth", ""))


def _comparable(d) -> tuple:
    """A domain's or a total's snapshot as plain values (series as lists), to compare two stores' answers."""
    out = []
    for f in fields(d):
        v = getattr(d, f.name)
        out.append((list(v.times), list(v.values)) if isinstance(v, SeriesView) else v)
    return tuple(out)


# The store's own changes, and time in steps that land between its edges (stale after 60-400 s, a bucket
# settling every 300 s, the window trimming and completing an hour after the data's start).
store_steps = st.one_of(
    st.tuples(st.just("success"), st.integers(0, 3), st.lists(values, min_size=1, max_size=4)),
    st.tuples(st.just("fail"), st.integers(0, 3), st.sampled_from(["err1", "err2"])),
    st.tuples(st.just("pause"), st.integers(0, 3), st.booleans()),
    st.tuples(st.just("advance"), st.integers(1, 700)),
    st.tuples(st.just("advance"), st.integers(1, 700)),
    st.tuples(st.just("advance"), st.integers(1, 700)),
    st.tuples(st.just("add"), st.integers(0, 4)),
    st.tuples(st.just("remove"), st.integers(0, 4)),
    st.tuples(st.just("window"), st.sampled_from([3600, 1800, 7200])),
    st.tuples(st.just("stale"), st.sampled_from([20, 60, 600])),  # the engine sets the limit (refresh changed)
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(initial=st.integers(1, 4), script=st.lists(store_steps, max_size=40), stale=st.sampled_from([60, 90, 400]))
@example(initial=1, script=[("success", 0, [1e6]), ("advance", 61)], stale=60)  # turns stale
@example(initial=1, script=[("success", 0, [1e6]), ("advance", 3290), ("advance", 15)], stale=1e4)  # trimmed
@example(initial=1, script=[("success", 0, [1e6]), ("window", 7200), ("advance", 3580), ("advance", 25)], stale=1e4)
@example(initial=1, script=[("success", 0, [1e6]), ("advance", 30), ("stale", 20)], stale=60)  # a new stale limit
def test_a_domain_snapshot_kept_until_its_time_edge_equals_one_computed_now(initial, script, stale):
    """The store reuses a domain's snapshot until a time edge of it passes; a twin store fed the same script
    that recomputes every domain on every snapshot must answer the same, field by field."""
    clock = ManualClock(T0)
    stores = [Store(clock, window_seconds=3600, stale_after_seconds=stale) for _ in range(2)]
    kept, fresh = stores
    labels: dict[DomainKey, str | None] = {}
    for store in stores:
        for n in range(initial):
            store.ensure(_key(n), _vendor(_key(n)), None, settle_seconds=300)
    view = ("bandwidth", "", False)
    for step in script:
        if step[0] == "advance":  # both stores share the clock: advance it once
            clock.advance(step[1])
        else:
            for store in stores:
                view = _apply(store, clock, dict(labels), view, step)
            if step[0] == "label":
                labels[_key(step[1])] = step[2]
        for state in fresh._states.values():
            state.valid_until = 0.0  # the twin: nothing kept, every domain computed now
        a, b = kept.snapshot(), fresh.snapshot()
        assert [_comparable(d) for d in a.domains] == [_comparable(d) for d in b.domains], step
        assert a.version == b.version
        assert [_comparable(t) for t in (*a.accounts, a.grand)] == [_comparable(t) for t in (*b.accounts, b.grand)]
        for key in kept.keys():
            assert _comparable(kept.domain(key)) == _comparable(fresh.domain(key))
