"""The drilldown's pure half: billing figures, chart ticks and bar grouping for one domain. No Textual."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from datetime import UTC, datetime

from livetop.engine.store import DomainSnapshot
from livetop.model import format_bps, format_bytes, format_duration, format_window

# Steps a time axis may use, in seconds: every label lands on a round clock time.
TIME_STEPS = (60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 2 * 86400, 7 * 86400)
# Bucket sizes bars may be grouped into (multiples of the 5-minute bucket, round on a clock).
BAR_STEPS = (300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)  # to a day: the 30d zoom


def clock_time(dt: datetime | None, seconds: bool = False) -> str:
    """Local wall-clock time of an aware datetime: what the operator's own clock shows."""
    if dt is None:
        return "-"
    return dt.astimezone().strftime("%H:%M:%S" if seconds else "%H:%M")


def window_label(window_seconds: int, filling: bool = False) -> str:
    """What figures over the window are labelled with: "1d", or "filling…" while a zoom's backfill is on its
    way (until then they cover the old, shorter window)."""
    return "filling…" if filling else format_window(window_seconds)


def figures(d: DomainSnapshot, window_seconds: int, filling: bool = False) -> list[tuple[str, str]]:
    """The figures that matter for CDN billing, over the window: (label, value) pairs. Peak, 95th percentile,
    average and traffic count settled buckets only (the store computes them so); "now" is the newest bucket
    and says when the vendor may still change it, and the provisional buckets' traffic so far is apart. While
    the window is `filling`, every figure over it is labelled so."""
    peak = format_bps(d.peak_bps)
    if d.peak_at is not None:
        # Beyond a day a time alone is ambiguous: the 7d and 30d zooms say the date too.
        when = d.peak_at.astimezone().strftime("%b %d ") if window_seconds > 86400 else ""
        peak += f" at {when}{clock_time(d.peak_at)}"
    now = format_bps(d.bandwidth_now)
    if d.now_provisional and d.bandwidth_now is not None:
        now += " (provisional)"
    # While a zoom's backfill is on its way the figures over the window cover only the part already in (a
    # peak of the last hour read as the day's): each says so until the window is complete.
    part = " (filling…)" if filling else ""
    pairs = [
        ("now", now),
        (f"peak{part}", peak),
        # The long zooms read a domain's buckets from disk for it: "computing…" until they are in.
        (f"95th percentile{part}", getattr(d, "p95_note", "") or format_bps(d.p95_bps)),
        (f"average{part}", format_bps(d.mean_bps)),
        (f"traffic ({window_label(window_seconds, filling)})", format_bytes(d.traffic_bytes)),
    ]
    if d.provisional_traffic_bytes:
        provisional = format_bytes(d.provisional_traffic_bytes)
        if d.traffic_as_of is not None and d.updated_at is not None and d.traffic_as_of < d.updated_at:
            # Traffic is asked when a bucket settles, bandwidth more often: say how old this part is.
            provisional += f" (as of {clock_time(d.traffic_as_of, seconds=True)})"
        pairs.append(("+ provisional", provisional))
    if d.settled_before is not None and (len(d.bandwidth) or len(d.traffic)):
        pairs.append(
            (
                "settled up to",
                f"{clock_time(d.settled_before)} (settle delay {format_duration(d.settle_seconds)})",
            )
        )
    return pairs


def nice_step(span: float, max_ticks: int) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) giving at most `max_ticks` intervals over `span`."""
    if span <= 0 or max_ticks <= 0:
        return 1.0
    raw = span / max_ticks
    power = 10 ** math.floor(math.log10(raw))
    for mult in (1, 2, 2.5, 5, 10):
        if mult * power >= raw:
            return mult * power
    return 10 * power


def value_ticks(top: float, max_ticks: int = 4) -> list[float]:
    """0, step, 2·step, … up to the first tick at or above `top`: the y axis of a chart that starts at zero."""
    if top <= 0 or not math.isfinite(top):
        return [0.0, 1.0]
    step = nice_step(top, max_ticks)
    ticks = [0.0]
    while ticks[-1] < top - 1e-9 * top:
        ticks.append(ticks[-1] + step)
    return ticks


def local_utc_offset(ts: float) -> int:
    """Seconds the local clock is ahead of UTC at epoch time `ts` (19800 in India, -18000 in New York)."""
    offset = datetime.fromtimestamp(ts, tz=UTC).astimezone().utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def time_ticks(start: float, end: float, max_ticks: int, utc_offset: int | None = None) -> list[float]:
    """Epoch seconds of round LOCAL clock times between start and end, at most `max_ticks` of them.

    The labels are local times, so the ticks are aligned on the local clock (UTC + `utc_offset`, by default
    the local offset at `start`): aligned on UTC, a 3 h step in India would read 02:30, 05:30... A daylight
    saving change inside the window shifts the ticks after it by the change: rare, and still correct times."""
    span = end - start
    if span <= 0 or max_ticks <= 0:
        return []
    offset = local_utc_offset(start) if utc_offset is None else utc_offset
    step = next((s for s in TIME_STEPS if span / s <= max_ticks), TIME_STEPS[-1])
    t = math.ceil((start + offset) / step) * step - offset
    ticks = []
    while t <= end:
        ticks.append(float(t))
        t += step
    return ticks


def tick_label(ts: float, step: float = 0) -> str:
    """A local clock time; a date (`Nov 20`) when the ticks are a day or more apart (the 7d and 30d zooms)."""
    moment = datetime.fromtimestamp(ts, tz=UTC)
    if step >= 86400:
        return moment.astimezone().strftime("%b %d")
    return clock_time(moment)


def group_buckets(
    times: Sequence[int], values: Sequence[float], max_bars: int
) -> tuple[list[int], list[float], int]:
    """Sum consecutive buckets into round-sized groups so at most `max_bars` bars are drawn.

    Returns (group start times, group sums, group size in seconds). The group size is the bucket size when
    the buckets already fit."""
    if not times:
        return [], [], BAR_STEPS[0]
    bucket = min((b - a for a, b in itertools.pairwise(times) if b > a), default=BAR_STEPS[0])
    span = times[-1] - times[0] + bucket
    size = bucket
    for step in BAR_STEPS:
        if step >= bucket and step % bucket == 0:
            size = step
            if span / step <= max(1, max_bars):
                break
    sums: dict[int, float] = {}
    for t, v in zip(times, values, strict=False):
        start = t - t % size
        sums[start] = sums.get(start, 0.0) + v
    starts = sorted(sums)
    return starts, [sums[s] for s in starts], size
