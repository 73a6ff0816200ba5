"""JD opencdn time rules, applied before a request is sent (vendors.md §C1, the bandwidth_flow seed page).

- Times are `yyyy-mm-dd hh:mi` in Beijing time (UTC+8).
- A point covers 5 minutes and, by default (`time_point=endTime`), is labelled by the END of its bucket.
- start_time is required; end_time must not be before it; one request spans at most 30 days, so a longer
  range is split into several requests whose answers are merged.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from livetop.model import VENDOR_JDCLOUD, DecodedError, floor_to, utc
from livetop.vendors.catalog import client_error
from livetop.vendors.jdcloud.signature import BEIJING

BUCKET = timedelta(minutes=5)
MAX_SPAN = timedelta(days=30)
TIME_FORMAT = "%Y-%m-%d %H:%M"

_LABEL = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s+(\d{2}):(\d{2})(?::(\d{2}))?\s*$")


def format_beijing(when: datetime) -> str:
    """UTC datetime -> JD's `yyyy-mm-dd hh:mi` in Beijing time."""
    return utc(when).astimezone(BEIJING).strftime(TIME_FORMAT)


def parse_beijing(label: str) -> datetime:
    """JD's `yyyy-mm-dd hh:mi` (Beijing time; stray spaces and `:ss` tolerated) -> UTC. Raises ValueError."""
    m = _LABEL.match(label)
    if not m:
        raise ValueError(f"not a JD time label: {label!r}")
    year, month, day, hour, minute = (int(g) for g in m.groups()[:5])
    second = int(m.group(6) or 0)
    return datetime(year, month, day, hour, minute, second, tzinfo=BEIJING).astimezone(timezone.utc)


def label_to_bucket_start(label: str) -> datetime:
    """An end-labelled point's label -> the UTC start of its 5-minute bucket."""
    return parse_beijing(label) - BUCKET


def _ceil(when: datetime, step: timedelta) -> datetime:
    floored = floor_to(when, int(step.total_seconds()))
    return floored if floored == when else floored + step


def check_range(start: datetime | None, end: datetime | None) -> DecodedError | None:
    """The rules JD would refuse a request for, as a client error (None when the range is fine)."""
    if start is None:
        return client_error(
            VENDOR_JDCLOUD,
            "CLIENT.NO_START",
            "start time required",
            "JD's bandwidth_flow needs a start_time; an end without a start is refused.",
            "Give a start time (e.g. --start 2026-11-20T08:00:00Z).",
        )
    if end is not None and end < start:
        return client_error(
            VENDOR_JDCLOUD,
            "CLIENT.END_BEFORE_START",
            "end before start",
            f"The range ends ({utc(end):%Y-%m-%dT%H:%M:%SZ}) before it starts "
            f"({utc(start):%Y-%m-%dT%H:%M:%SZ}).",
            "Swap the times: the end must not be before the start.",
        )
    return None


def plan_requests(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """(start_time, end_time) label ranges, each at most 30 days, that together cover every bucket whose
    start is in [start, end). Empty when no bucket starts in the range.

    A bucket starting at b is labelled b + 5 min. The seed page's example answers labels start_time..end_time
    inclusive; one extra bucket is asked for at the front in case a server treats start_time as exclusive —
    the parser drops whatever falls outside [start, end).
    """
    start, end = utc(start), utc(end)
    first_bucket = _ceil(start, BUCKET)
    if first_bucket >= end:
        return []
    first_label = first_bucket  # one bucket early: the label of the bucket before the first one
    last_label = _ceil(end, BUCKET)  # the label of the last bucket starting before `end`
    plans = []
    chunk_start = first_label
    while chunk_start <= last_label:
        chunk_end = min(last_label, chunk_start + MAX_SPAN)
        plans.append((chunk_start, chunk_end))
        chunk_start = chunk_end + BUCKET
    return plans
