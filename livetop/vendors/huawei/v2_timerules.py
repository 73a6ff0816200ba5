"""Huawei Live v2 statistics time rules (vendors.md §A3), applied before a request is sent.

Pure: the caller passes `now` from its clock. The rules, as the current ListBandwidthDetail /
ListDomainTrafficDetail pages state them:
- `interval` is 300, 3600 or 86400 seconds;
- `start_time` sits on an interval boundary and `end_time` one second before one: 07:00:00Z-07:04:59Z asks
  for the single 5-minute point stamped 07:00:00Z (otherwise results "may differ from expectation");
- `end_time` - `start_time` is at most 31 days; longer ranges are split here into aligned windows and the
  answers merged;
- data goes back one year (the 2021 docs said 90 days): an older start is clamped, with a notice;
- a missing `start_time` means the last 7 days on the vendor's side, so livetop always sends both.
Day buckets (86400) are aligned on UTC midnight, as the API's times are UTC.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from livetop.model import VENDOR_HUAWEI, VendorError, ceil_to, iso_utc, utc
from livetop.vendors.catalog import client_error
from livetop.vendors.huawei.timerules import TimePlan
from livetop.vendors.timerange import clamp_start

INTERVALS = (300, 3600, 86400)
MAX_SPAN = timedelta(days=31)
RETENTION = timedelta(days=365)
RETENTION_TEXT = "Huawei Live v2 keeps one year of statistics"
# A clamped start lands this far inside the look-back (then on the next boundary), so a vendor clock a
# little ahead of ours cannot push it back over the limit.
CLAMP_GRACE = timedelta(seconds=30)
ONE_SECOND = timedelta(seconds=1)


def interval_for(step_minutes: int) -> int:
    """The v2 `interval` for a step in minutes. Raises ValueError for a step v2 does not offer."""
    seconds = step_minutes * 60
    if seconds not in INTERVALS:
        raise ValueError(f"Huawei Live v2 offers 5, 60 or 1440 minute points, not {step_minutes}")
    return seconds


def wire_range(window: tuple[datetime, datetime]) -> tuple[str, str]:
    """The (start_time, end_time) values of one half-open aligned window: the end is one second before
    the window's last boundary, as the API wants it."""
    start, end = window
    return iso_utc(start), iso_utc(end - ONE_SECOND)


def _client_error(code: str, title: str, meaning: str, action: str) -> VendorError:
    return VendorError(client_error(VENDOR_HUAWEI, code, title, meaning, action))


def plan_range(start: datetime | None, end: datetime | None, now: datetime, interval: int = 300) -> TimePlan:
    """Aligned half-open windows covering every bucket that starts in [start, end).

    `end` None means now; a future end is cut to now, but the window runs to the end of the bucket now is
    in (that bucket is still filling: the vendor answers what it has). `start` None is refused. An empty
    range is an empty plan with a notice. Raises VendorError(kind="client") when the whole range is older
    than the look-back.
    """
    if interval not in INTERVALS:
        raise ValueError(f"interval must be one of {INTERVALS}, not {interval}")
    if start is None:
        raise _client_error(
            "LIVETOP.TIME.NO_START",
            "end time without a start time",
            "Huawei Live v2 reads a missing start_time as 'the last 7 days'; livetop always sends both.",
            "Give a start time as well, e.g. --start 2026-11-20T08:00:00Z.",
        )
    now = utc(now)
    start = utc(start)
    end = now if end is None else utc(end)
    if start >= end:
        return TimePlan((), (f"nothing to fetch: the range {iso_utc(start)} .. {iso_utc(end)} is empty",))
    notices: list[str] = []
    end = min(end, now)
    start = clamp_start(
        start, end, now - RETENTION, interval, RETENTION_TEXT, notices,
        lambda end, clamped: _client_error(
            "LIVETOP.TIME.TOO_OLD",
            "range older than 1 year",
            f"{RETENTION_TEXT}; the range ends at {iso_utc(end)}, before the oldest data it keeps "
            f"({iso_utc(clamped)}).",
            "Ask for a range within the last year.",
        ),
        grace=CLAMP_GRACE,
    )  # fmt: skip
    if start >= end:
        return TimePlan((), tuple(notices + [f"nothing to fetch: {iso_utc(start)} is not in the past"]))
    # A bucket that starts in [start, end) lies in [ceil(start), ceil(end)): the bucket holding `start`
    # begins before it and is not asked for (the caller keeps bucket starts in [start, end) only).
    first, last = ceil_to(start, interval), ceil_to(end, interval)
    if first >= last:
        return TimePlan((), tuple(notices + ["nothing to fetch: no bucket starts in the range"]))
    span = (int(MAX_SPAN.total_seconds()) // interval) * interval
    windows: list[tuple[datetime, datetime]] = []
    cursor = first
    while cursor < last:
        upper = min(cursor + timedelta(seconds=span), last)
        windows.append((cursor, upper))
        cursor = upper
    return TimePlan(tuple(windows), tuple(notices))

