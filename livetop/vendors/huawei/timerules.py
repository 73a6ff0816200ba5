"""Huawei Live v1 time rules (vendors.md §A2), applied before a request is sent.

Pure: the caller passes `now` from its clock. The vendor answers 400 LIVE.100011001 for a badly formatted
time, an end without a start, a span over 30 days or a start older than three months; livetop never sends
such a request. Long ranges are split, too-old starts are clamped with a notice the caller can show, a
future end is clamped to now, and a range that lies entirely outside the retention is refused here. An
empty or reversed range asks nothing (no samples lie in it), as for JD; `livetop query` refuses one itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from livetop.model import VENDOR_HUAWEI, VendorError, iso_utc, parse_iso_utc, utc
from livetop.vendors.catalog import client_error
from livetop.vendors.timerange import clamp_start

MAX_SPAN = timedelta(days=30)  # "cannot be greater than 30 days": exactly 30 days is allowed
# "the past three months": 90 days is the shortest reading (a calendar quarter is 89-92 days).
RETENTION = timedelta(days=90)
# A clamped start lands this far inside the retention limit (then on the next bucket boundary), so a vendor
# clock a little ahead of ours, or the time the request spends in flight, cannot push it back over the limit.
CLAMP_GRACE = timedelta(seconds=30)
RETENTION_TEXT = "Huawei keeps 3 months of statistics"

# The v1 API accepts times only as `model.iso_utc` writes them: UTC `yyyy-MM-ddTHH:mm:ssZ`.
_WIRE_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


def parse_time(text: str) -> datetime:
    """`yyyy-MM-ddTHH:mm:ssZ` -> aware UTC datetime. Raises ValueError for anything else."""
    if not isinstance(text, str) or not _WIRE_RE.fullmatch(text):
        raise ValueError(f"not yyyy-MM-ddTHH:mm:ssZ: {text!r}")
    return parse_iso_utc(text)


@dataclass(frozen=True, slots=True)
class TimePlan:
    """The requests to send for one asked-for range: half-open windows, each within the vendor's rules."""

    windows: tuple[tuple[datetime, datetime], ...]
    notices: tuple[str, ...] = field(default=())

    def params(self) -> list[tuple[str, str]]:
        """(start_time, end_time) wire values for each window, for logging and tests."""
        return [(iso_utc(s), iso_utc(e)) for s, e in self.windows]


def _client_error(code: str, title: str, meaning: str, action: str) -> VendorError:
    return VendorError(client_error(VENDOR_HUAWEI, code, title, meaning, action))


def _floor_second(when: datetime) -> datetime:
    return when.replace(microsecond=0)


def plan_range(
    start: datetime | None,
    end: datetime | None,
    now: datetime,
    bucket_seconds: int = 300,
) -> TimePlan:
    """Turn an asked-for [start, end) into requests the vendor accepts.

    `end` None means now. `start` None is refused: the vendor rejects an end_time without a start_time, and
    livetop always sends an end. An empty or reversed range is an empty plan with a notice (the engine
    never asks for one, but a wall clock stepped back could make one; that is no reason to stop polling).
    Raises VendorError(kind="client") when the asked-for range is entirely older than the retention.
    """
    if start is None:
        raise _client_error(
            "LIVETOP.TIME.NO_START",
            "end time without a start time",
            "Huawei Live refuses an end_time without a start_time (it answers LIVE.100011001).",
            "Give a start time as well, e.g. --start 2026-11-20T08:00:00Z.",
        )
    now = utc(now)
    start = utc(start)
    end = now if end is None else utc(end)
    if start >= end:
        return TimePlan((), (f"nothing to fetch: the range {iso_utc(start)} .. {iso_utc(end)} is empty",))
    notices: list[str] = []
    if end > now:
        # The vendor has no data for the future; asking for it only risks a refusal.
        end = now
    start = clamp_start(
        start, end, now - RETENTION, bucket_seconds, RETENTION_TEXT, notices,
        lambda end, clamped: _client_error(
            "LIVETOP.TIME.TOO_OLD",
            "range older than 3 months",
            f"Huawei keeps 3 months of statistics; the range ends at {iso_utc(end)}, before "
            f"the oldest data it keeps ({iso_utc(clamped)}).",
            "Ask for a range within the last 90 days.",
        ),
        grace=CLAMP_GRACE,
    )  # fmt: skip
    # Wire times have whole seconds. Flooring the start may take in a bucket that starts just before it;
    # the caller filters samples to [start, end). Flooring the end never asks for the future.
    start, end = _floor_second(start), _floor_second(end)
    if start >= end:
        # Only a start in the future (or within the current second) gets here: there is nothing yet.
        return TimePlan((), tuple(notices + [f"nothing to fetch: {iso_utc(start)} is not in the past"]))
    windows: list[tuple[datetime, datetime]] = []
    cursor = start
    while cursor < end:
        # Consecutive half-open windows: a bucket is returned by the window holding its start, exactly once.
        upper = min(cursor + MAX_SPAN, end)
        windows.append((cursor, upper))
        cursor = upper
    return TimePlan(tuple(windows), tuple(notices))
