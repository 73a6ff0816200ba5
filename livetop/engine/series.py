"""Bounded time series kept compactly (two parallel arrays), and immutable views of them.

A thousand domains with a 24 h window at 5-minute buckets is ~600k points: arrays of machine ints and
doubles keep that to a few MB where lists of objects would take tens.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone

from livetop.model import Sample


class MutableSeries:
    """Points keyed by bucket start (epoch seconds), sorted; a later value for the same bucket replaces it
    (the vendor's newest bucket grows as its data arrives).

    Copy on write: `view()` hands out the arrays themselves (read-only), and the next change works on a copy.
    A snapshot then costs no copy of its own, and memory holds one copy of each series instead of two.
    """

    __slots__ = ("times", "values", "_shared")

    def __init__(self) -> None:
        self.times = array("q")
        self.values = array("d")
        self._shared = False  # a view holds these arrays: copy before changing them

    def __len__(self) -> int:
        return len(self.times)

    def _own(self) -> None:
        if self._shared:
            self.times = array("q", self.times)
            self.values = array("d", self.values)
            self._shared = False

    def merge(self, samples: Iterable[Sample]) -> bool:
        """Merge samples in; return True if anything changed."""
        changed = False
        for sample in samples:
            ts = int(sample.bucket_start.timestamp())
            value = float(sample.value)
            times = self.times
            if not times or ts > times[-1]:
                self._own()
                self.times.append(ts)
                self.values.append(value)
                changed = True
                continue
            i = bisect_left(times, ts)
            if i < len(times) and times[i] == ts:
                if self.values[i] != value:
                    self._own()
                    self.values[i] = value
                    changed = True
            else:
                self._own()
                self.times.insert(i, ts)
                self.values.insert(i, value)
                changed = True
        return changed

    def merge_points(self, times, values) -> bool:
        """Merge (epoch seconds, value) columns in, sorted by time; into an empty series in one C-level copy
        (the history's start-up path), else bucket by bucket as `merge`."""
        if not times:
            return False
        if not self.times:
            self.times = array("q", times)
            self.values = array("d", values)
            self._shared = False
            return True
        return self.merge(
            Sample(datetime.fromtimestamp(t, tz=timezone.utc), v) for t, v in zip(times, values)
        )

    def trim_before(self, oldest_ts: int) -> bool:
        i = bisect_left(self.times, oldest_ts)
        if i:
            if self._shared:  # copy only what stays
                self.times, self.values = self.times[i:], self.values[i:]
                self._shared = False
            else:
                del self.times[:i]
                del self.values[:i]
            return True
        return False

    def replace_from(
        self, first: int | None, times: Iterable[int], values: Iterable[float], oldest: int | None = None
    ) -> None:
        """Drop the points from bucket `first` on (all when None), append these, drop those before `oldest`:
        a viewer applying a collector's change (livetop.serve.wire)."""
        self._own()
        i = 0 if first is None else bisect_left(self.times, first)
        del self.times[i:]
        del self.values[i:]
        self.times.extend(int(t) for t in times)
        self.values.extend(float(v) for v in values)
        if oldest is not None:
            self.trim_before(int(oldest))

    def view(self) -> SeriesView:
        self._shared = True
        return SeriesView(self.times, self.values)


class SeriesView:
    """A read-only view of a series. Nothing a reader holds changes under it: the series copies before it
    changes arrays a view was given."""

    __slots__ = ("_times", "_values")

    def __init__(self, times: array, values: array) -> None:
        self._times = memoryview(times).toreadonly()
        self._values = memoryview(values).toreadonly()

    def __len__(self) -> int:
        return len(self._times)

    def __iter__(self) -> Iterator[tuple[int, float]]:
        return zip(self._times, self._values)

    @property
    def times(self) -> memoryview:
        """Bucket starts, epoch seconds UTC."""
        return self._times

    @property
    def values(self) -> memoryview:
        return self._values

    def last(self) -> tuple[int, float] | None:
        if not len(self._times):
            return None
        return self._times[-1], self._values[-1]

    def head(self, n: int) -> SeriesView:
        """The oldest `n` buckets (a view of the same memory, no copy): `d.bandwidth.head(d.settled_buckets)`
        is a domain's settled bandwidth."""
        if n >= len(self._times):
            return self
        view = SeriesView.__new__(SeriesView)
        view._times = self._times[: max(0, n)]
        view._values = self._values[: max(0, n)]
        return view

    def count_before(self, ts: int) -> int:
        """How many buckets start before `ts` (epoch seconds)."""
        return bisect_left(self._times, ts)


EMPTY_VIEW = SeriesView(array("q"), array("d"))


def peak(view: SeriesView) -> tuple[float | None, datetime | None]:
    """The highest value and the start of its bucket (the first such bucket on a tie)."""
    if not len(view):
        return None, None
    values = view.values.tolist()
    top = max(values)
    return top, datetime.fromtimestamp(view.times[values.index(top)], tz=timezone.utc)


def percentile_95(values: list[float] | memoryview) -> float | None:
    """The CDN billing 95th percentile: sort the samples, drop the top 5 %, take the highest remaining."""
    n = len(values)
    if n == 0:
        return None
    ordered = sorted(values)
    index = max(0, math.ceil(0.95 * n) - 1)
    return ordered[index]
