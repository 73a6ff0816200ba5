"""Totals over the watched domains, one per account and one over everything.

They are sums of the series livetop holds, not the vendor's own account figures (which would also count
domains nobody watches).

Where a total ends. Domains are polled one after another, so just after a bucket boundary the newest bucket
holds only the domains that have already fetched it; summed as it stands, every total would dip at every
boundary. A total is therefore cut at the oldest newest-bucket among its *current* members: domains with data
in the window that are neither in error nor paused. It never ends on a bucket one of them has yet to fetch;
it lags by up to one poll round instead, and `bandwidth_now` is the sum at that bucket (one bucket for every
domain, not each domain's own newest). A domain in error or paused does not hold the total back (one failing
domain would freeze it): its values stay in the sum up to its own newest bucket and are missing after it,
which the total's error count owns up to. A total with no current member has no cut and no `bandwidth_now`.

Settled buckets. A total's billing figures (peak, traffic) count settled buckets only, like a domain's: the
total's `settled_before` is the oldest of its members' (a summed bucket is settled when every member's is),
and its traffic is the sum of its members' settled traffic. `complete` is False while a member with data
still waits for the backfill of a longer window: the sums then cover part of the window.

The grand total is summed from the account totals, not from every domain again, and is cut at the oldest
account cut. `TotalsCache` keeps each account's total until the store says that account changed, so a change
to one domain re-sums one account.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import add, is_
from typing import TYPE_CHECKING, NamedTuple

from livetop.engine.series import EMPTY_VIEW, SeriesView, peak

if TYPE_CHECKING:
    from livetop.engine.capacity import Capacity


@dataclass(frozen=True, slots=True)
class TotalSnapshot:
    """Sums over the watched domains of one account (or of everything): not the vendor's account total."""

    label: str
    account: str | None
    vendor: str | None
    domains: int
    errors: int
    bandwidth: SeriesView
    bandwidth_now: float | None  # the sum at the total's newest bucket, provisional or not
    peak_bps: float | None  # settled buckets only
    peak_at: datetime | None
    traffic_bytes: float | None  # settled traffic
    settled_before: datetime | None = None  # summed buckets starting before this are settled (None: all)
    provisional_traffic_bytes: float | None = None
    complete: bool = True  # every member holds its whole window
    api: str = ""  # "api v2": which of its vendor's APIs the account uses; "" for one-API vendors and totals
    # The account's rate limit against its domains at the refresh (livetop.engine.capacity); None for the
    # grand total. `capacity.short` is said on the total line when the limit cannot serve the refresh.
    capacity: Capacity | None = None

    @property
    def settled_buckets(self) -> int:
        if self.settled_before is None:
            return len(self.bandwidth)
        return self.bandwidth.count_before(int(self.settled_before.timestamp()))

    @property
    def now_provisional(self) -> bool:
        return len(self.bandwidth) > self.settled_buckets


class Member(NamedTuple):
    """What a total needs to know of one domain."""

    bandwidth: SeriesView
    traffic_bytes: float | None  # settled
    vendor: str
    failed: bool  # in error: counted in the total's errors
    current: bool  # neither in error nor paused: its newest bucket may hold the total back
    provisional_traffic_bytes: float | None = None
    settled_before: int | None = None  # epoch seconds; None: no settle delay known, every bucket settled
    complete: bool = True


def sum_series(views: Sequence[SeriesView]) -> tuple[array, array]:
    """Bucket-wise sums of the views over the union of their buckets.

    Series of one account share a bucket grid and mostly the same span, so the union is built from one view
    per span, and views covering the same run of it are summed column by column (the loops run in C). Should a
    view have gaps or buckets of its own, the union is built from every view and such a view is added point
    by point."""
    views = [v for v in views if len(v)]
    spans = {(v.times[0], v.times[-1], len(v)): v for v in views}
    times, position = _union(spans.values())
    starts = [_run_start(times, position, v) for v in views]
    if None in starts:
        times, position = _union(views)
        starts = [_run_start(times, position, v) for v in views]
    runs: dict[tuple[int, int], list[memoryview]] = {}
    sums = array("d", bytes(8 * len(times)))
    for view, i in zip(views, starts):
        if i is None:
            for t, value in view:
                sums[position[t]] += value
        else:
            runs.setdefault((i, len(view)), []).append(view.values)
    for (i, n), columns in runs.items():
        sums[i:i + n] = array("d", map(add, sums[i:i + n], map(sum, zip(*columns))))
    return times, sums


def _union(views: Iterable[SeriesView]) -> tuple[array, dict[int, int]]:
    union: set[int] = set()
    for view in views:
        union.update(view.times)
    times = array("q", sorted(union))
    return times, {t: i for i, t in enumerate(times)}


def _run_start(times: array, position: dict[int, int], view: SeriesView) -> int | None:
    """Where the view starts in `times` if its buckets are a contiguous run of them, else None."""
    i = position.get(view.times[0])
    if i is None or times[i:i + len(view)] != view.times:
        return None
    return i


def _total(
    label: str,
    account: str | None,
    vendors: set[str | None],
    domains: int,
    errors: int,
    views: Sequence[SeriesView],
    cut: int | None,
    traffic: list[float],
    settled_before: int | None = None,
    provisional: list[float] | None = None,
    complete: bool = True,
    api: str = "",
    capacity: Capacity | None = None,
) -> TotalSnapshot:
    times, sums = sum_series(views)
    if cut is not None:
        keep = bisect_right(times, cut)
        times, sums = times[:keep], sums[:keep]
    series = SeriesView(times, sums) if len(times) else EMPTY_VIEW
    settled = series.count_before(settled_before) if settled_before is not None else len(series)
    top, top_at = peak(series.head(settled))
    return TotalSnapshot(
        label=label,
        account=account,
        vendor=next(iter(vendors)) if len(vendors) == 1 else None,
        domains=domains,
        errors=errors,
        bandwidth=series,
        # The member that sets the cut has a bucket there, so the series ends on it.
        bandwidth_now=sums[-1] if cut is not None and len(sums) else None,
        peak_bps=top,
        peak_at=top_at,
        traffic_bytes=sum(traffic) if traffic else None,
        settled_before=None if settled_before is None else datetime.fromtimestamp(settled_before, tz=UTC),
        provisional_traffic_bytes=sum(provisional) if provisional else None,
        complete=complete,
        api=api,
        capacity=capacity,
    )


def _oldest(values: Iterable[int | None]) -> int | None:
    present = [v for v in values if v is not None]
    return min(present) if present else None


def account_total(
    account: str, members: Sequence[Member], api: str = "", capacity: Capacity | None = None
) -> TotalSnapshot:
    """`api`: which of its vendor's APIs the account uses ("api v2"), said on its total line; "" when the
    vendor has one. `capacity`: its rate limit against its domains (livetop.engine.capacity)."""
    n = len(members)
    newest = [m.bandwidth.times[-1] for m in members if m.current and len(m.bandwidth)]
    api_note = f", {api}" if api else ""
    return _total(
        label=f"{account} total ({n} watched domain{'s' if n != 1 else ''}{api_note})",
        account=account,
        vendors={m.vendor for m in members},
        domains=n,
        errors=sum(m.failed for m in members),
        views=[m.bandwidth for m in members],
        cut=min(newest) if newest else None,
        traffic=[m.traffic_bytes for m in members if m.traffic_bytes is not None],
        settled_before=_oldest(m.settled_before for m in members if len(m.bandwidth)),
        provisional=[m.provisional_traffic_bytes for m in members if m.provisional_traffic_bytes is not None],
        complete=all(m.complete for m in members),
        api=api,
        capacity=capacity,
    )


def grand_total(accounts: Sequence[TotalSnapshot]) -> TotalSnapshot:
    """Everything, from the account totals: an account with a `bandwidth_now` was cut at its last bucket."""
    n = sum(t.domains for t in accounts)
    cuts = [t.bandwidth.times[-1] for t in accounts if t.bandwidth_now is not None]
    return _total(
        label=f"all accounts total ({n} watched domains)",
        account=None,
        vendors={t.vendor for t in accounts},
        domains=n,
        errors=sum(t.errors for t in accounts),
        views=[t.bandwidth for t in accounts],
        cut=min(cuts) if cuts else None,
        traffic=[t.traffic_bytes for t in accounts if t.traffic_bytes is not None],
        settled_before=_oldest(
            int(t.settled_before.timestamp()) for t in accounts if t.settled_before is not None and len(t.bandwidth)
        ),
        provisional=[t.provisional_traffic_bytes for t in accounts if t.provisional_traffic_bytes is not None],
        complete=all(t.complete for t in accounts),
    )


class TotalsCache:
    """Account totals kept by the version the store gives each account; the grand total kept while every
    account total is the same object as last time."""

    def __init__(self) -> None:
        self._accounts: dict[str, tuple[Hashable, TotalSnapshot]] = {}
        self._grand: tuple[tuple[TotalSnapshot, ...], TotalSnapshot] | None = None

    def account(
        self,
        account: str,
        version: Hashable,
        members: Callable[[], Sequence[Member]],
        api: str = "",
        capacity: Capacity | None = None,
    ) -> TotalSnapshot:
        """The account's total; `members` is called only when `version` (or `api`, or `capacity`) differs
        from the cached one."""
        version = (version, api, capacity)
        cached = self._accounts.get(account)
        if cached is not None and cached[0] == version:
            return cached[1]
        total = account_total(account, members(), api, capacity)
        self._accounts[account] = (version, total)
        return total

    def grand(self, accounts: tuple[TotalSnapshot, ...]) -> TotalSnapshot:
        cached = self._grand
        if cached is not None and len(cached[0]) == len(accounts) and all(map(is_, cached[0], accounts)):
            return cached[1]
        total = grand_total(accounts)
        self._grand = (accounts, total)
        return total

    def keep_only(self, accounts: Iterable[str]) -> None:
        """Drop the totals of accounts no longer watched."""
        for name in self._accounts.keys() - accounts:
            del self._accounts[name]
