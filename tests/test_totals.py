"""Totals: bucket-wise sums over any mix of series, where a total ends, and what the cache re-sums."""

from array import array
from datetime import datetime, timezone

from livetop.engine.series import EMPTY_VIEW, SeriesView, peak
from livetop.engine.totals import Member, TotalsCache, account_total, grand_total, sum_series


def view(points: dict[int, float]) -> SeriesView:
    times = sorted(points)
    return SeriesView(array("q", times), array("d", (points[t] for t in times)))


def naive_sum(views: list[SeriesView]) -> dict[int, float]:
    sums: dict[int, float] = {}
    for v in views:
        for t, value in v:
            sums[t] = sums.get(t, 0.0) + value
    return sums


def member(points: dict[int, float], current: bool = True, failed: bool = False) -> Member:
    return Member(view(points), None, "huawei", failed=failed, current=current)


def test_sum_series_matches_a_point_by_point_sum_for_gaps_shifts_and_other_grids():
    cases = [
        [view({0: 1.0, 300: 2.0, 600: 3.0}), view({0: 10.0, 300: 20.0, 600: 30.0})],  # one span
        [view({0: 1.0, 300: 2.0}), view({300: 5.0, 600: 6.0}), view({600: 7.0, 900: 8.0})],  # staggered
        [view({0: 1.0, 600: 3.0}), view({0: 1.0, 300: 2.0, 600: 3.0})],  # a gap, same first and last
        [view({0: 1.0, 300: 2.0, 600: 3.0}), view({60: 4.0, 120: 5.0})],  # another grid inside the run
        [view({0: 1.0, 300: 1.0}), view({0: 2.0, 150: 2.0}), view({0: 4.0, 300: 4.0})],  # same span key
        [view({0: 1.0, 300: 1.0, 600: 1.0}), view({0: 2.0, 150: 2.0, 600: 2.0})],  # a bucket of its own
        [EMPTY_VIEW, view({300: 2.5})],
        [],
    ]
    for views in cases:
        times, sums = sum_series(views)
        assert dict(zip(times, sums)) == naive_sum(views) and list(times) == sorted(times)


def test_an_account_total_ends_at_the_oldest_newest_bucket_of_its_current_domains():
    total = account_total("hw", [
        member({0: 1.0, 300: 1.0, 600: 1.0}),
        member({0: 2.0, 300: 2.0}),  # has yet to fetch 600
        member({0: 4.0}, current=False, failed=True),  # failing since 0: does not hold the total at 0
        member({}),  # no data yet
    ])
    assert list(total.bandwidth.times) == [0, 300] and list(total.bandwidth.values) == [7.0, 3.0]
    assert total.bandwidth_now == 3.0 and total.peak_bps == 7.0 and total.errors == 1 and total.domains == 4
    assert total.label == "hw total (4 watched domains)" and total.vendor == "huawei"
    assert total.peak_at == datetime.fromtimestamp(0, tz=timezone.utc)


def test_the_grand_total_is_cut_at_the_oldest_account_cut():
    hw = account_total("hw", [member({0: 1.0, 300: 1.0, 600: 1.0})])
    jd = account_total("jd", [member({0: 2.0, 300: 2.0})])
    dead = account_total("old", [member({0: 8.0}, current=False)])  # nothing current: no cut of its own
    grand = grand_total([hw, jd, dead])
    assert dead.bandwidth_now is None and list(dead.bandwidth.values) == [8.0]
    assert list(grand.bandwidth.values) == [11.0, 3.0] and grand.bandwidth_now == 3.0
    assert grand.domains == 3 and grand.vendor == "huawei" and "3 watched domains" in grand.label
    assert grand_total([dead]).bandwidth_now is None


def test_the_cache_sums_an_account_again_only_when_its_version_moves():
    cache = TotalsCache()
    calls: list[str] = []

    def members(name: str, value: float):
        def build():
            calls.append(name)
            return [member({0: value})]
        return build

    hw, jd = cache.account("hw", 1, members("hw", 1.0)), cache.account("jd", 1, members("jd", 2.0))
    grand = cache.grand((hw, jd))
    assert cache.account("hw", 1, members("hw", 9.0)) is hw and cache.grand((hw, jd)) is grand
    hw2 = cache.account("hw", 2, members("hw", 5.0))
    assert cache.account("jd", 1, members("jd", 9.0)) is jd and calls == ["hw", "jd", "hw"]
    assert cache.grand((hw2, jd)).bandwidth_now == 7.0
    cache.keep_only({"jd"})
    assert cache.account("hw", 2, members("hw", 6.0)).bandwidth_now == 6.0 and calls[-1] == "hw"


def test_peak_takes_the_first_of_equal_highs():
    assert peak(view({0: 1.0, 300: 5.0, 600: 5.0})) == (5.0, datetime.fromtimestamp(300, tz=timezone.utc))
    assert peak(EMPTY_VIEW) == (None, None)
