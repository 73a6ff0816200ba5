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
    (the vendor's newest bucket grows as its data arrives)."""

    __slots__ = ("times", "values")

    def __init__(self) -> None:
        self.times = array("q")
        self.values = array("d")

    def __len__(self) -> int:
        return len(self.times)

    def merge(self, samples: Iterable[Sample]) -> bool:
        """Merge samples in; return True if anything changed."""
        changed = False
        times, values = self.times, self.values
        for sample in samples:
            ts = int(sample.bucket_start.timestamp())
            value = float(sample.value)
            if not times or ts > times[-1]:
                times.append(ts)
                values.append(value)
                changed = True
                continue
            i = bisect_left(times, ts)
            if i < len(times) and times[i] == ts:
                if values[i] != value:
                    values[i] = value
                    changed = True
            else:
                times.insert(i, ts)
                values.insert(i, value)
                changed = True
        return changed

    def trim_before(self, oldest_ts: int) -> bool:
        i = bisect_left(self.times, oldest_ts)
        if i:
            del self.times[:i]
            del self.values[:i]
            return True
        return False

    def view(self) -> SeriesView:
        return SeriesView(array("q", self.times), array("d", self.values))


class SeriesView:
    """A read-only copy of a series. Nothing a reader holds changes under it."""

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
