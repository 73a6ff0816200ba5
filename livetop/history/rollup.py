"""Bucket series rolled up to a coarser step, exactly: per coarse bucket the highest value (and when), the
sum and how many buckets it holds. The 7 d and 30 d zooms draw and sum these instead of holding every
5-minute bucket of the window in memory.

Exact because the figures the overview shows compose: the peak of a window is the highest of its coarse
peaks, its traffic the sum of the coarse sums, its average the sum of the sums over the sum of the counts,
and a sparkline column (the highest bucket under it, livetop.ui.sparkline) spans several coarse buckets.
The 95th percentile does not compose: it needs the buckets themselves (LongView computes it from disk).

Pure data: no I/O.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Sequence


class Coarse:
    """One series at a coarse step: only the coarse buckets holding data, oldest first."""

    __slots__ = ("step", "times", "peak", "peak_at", "total", "count")

    def __init__(self, step: int) -> None:
        self.step = step
        self.times = array("q")
        self.peak = array("d")
        self.peak_at = array("q")
        self.total = array("d")
        self.count = array("I")

    def __len__(self) -> int:
        return len(self.times)

    def nbytes(self) -> int:
        return sum(a.itemsize * len(a) for a in (self.times, self.peak, self.peak_at, self.total, self.count))

    def add(self, start: int, peak: float, peak_at: int, total: float, count: int) -> None:
        self.times.append(start)
        self.peak.append(peak)
        self.peak_at.append(peak_at)
        self.total.append(total)
        self.count.append(count)

    def between(self, lo: int, hi: int) -> Coarse:
        """The coarse buckets starting in [lo, hi)."""
        i, j = bisect_left(self.times, lo), bisect_left(self.times, hi)
        out = Coarse(self.step)
        for name in ("times", "peak", "peak_at", "total", "count"):
            setattr(out, name, getattr(self, name)[i:j])
        return out

    def splice(self, lo: int, hi: int, new: Coarse) -> Coarse:
        """This series with its buckets in [lo, hi) replaced by `new`'s (a re-read day after a backfill)."""
        out = self.between(-(2**62), lo)
        for part in (new.between(lo, hi), self.between(hi, 2**62)):
            for name in ("times", "peak", "peak_at", "total", "count"):
                getattr(out, name).extend(getattr(part, name))
        return out

    def concat(self, other: Coarse) -> Coarse:
        """This series followed by `other` (all of whose buckets start after this one's)."""
        out = self.between(-(2**62), other.times[0] if len(other) else 2**62)
        for name in ("times", "peak", "peak_at", "total", "count"):
            getattr(out, name).extend(getattr(other, name))
        return out

    def figures(self) -> tuple[float | None, int | None, float, int]:
        """(peak, when, sum, count) over the whole series."""
        if not len(self.times):
            return None, None, 0.0, 0
        top = max(self.peak)
        at = self.peak_at[self.peak.index(top)]
        return top, at, float(sum(self.total)), int(sum(self.count))


def rollup(times: Sequence[int], values: Sequence[float], step: int, lo: int | None = None,
           hi: int | None = None) -> Coarse:
    """Roll sorted (bucket start, value) columns up to `step`, keeping the buckets starting in [lo, hi)."""
    out = Coarse(step)
    i = 0 if lo is None else bisect_left(times, lo)
    n = len(times) if hi is None else bisect_left(times, hi)
    if not isinstance(values, list):
        values = values[i:n].tolist() if isinstance(values, memoryview) else list(values[i:n])
        times = times[i:n]
        i, n = 0, len(times)
    add = out.add
    while i < n:
        first = times[i]
        start = first - first % step
        j = bisect_left(times, start + step, i, n)
        chunk = values[i:j]
        top = max(chunk)
        add(start, top, times[i + chunk.index(top)], float(sum(chunk)), j - i)
        i = j
    return out


def expected(step: int, bucket_seconds: int) -> int:
    """How many buckets a full coarse bucket holds."""
    return max(1, step // max(1, bucket_seconds))


def incomplete(coarse: Coarse, lo: int, hi: int, bucket_seconds: int) -> list[tuple[int, int]]:
    """The runs of coarse buckets in [lo, hi) (aligned to the step) that are not full: [(start, end)], merged."""
    step = coarse.step
    full = expected(step, bucket_seconds)
    have = {t: c for t, c in zip(coarse.times, coarse.count)}
    runs: list[tuple[int, int]] = []
    for start in range(lo - lo % step, hi, step):
        if have.get(start, 0) >= full or start + step <= lo:
            continue
        a, b = max(lo, start), min(hi, start + step)
        if runs and runs[-1][1] == a:
            runs[-1] = (runs[-1][0], b)
        else:
            runs.append((a, b))
    return runs
