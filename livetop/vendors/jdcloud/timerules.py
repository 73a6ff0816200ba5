"""JD opencdn time rules, applied before a request is sent (vendors.md §C1, the bandwidth_flow seed page).

- Times are `yyyy-mm-dd hh:mi` in Beijing time (UTC+8).
- A point covers 5 minutes and, by default (`time_point=endTime`), is labelled by the END of its bucket.
- start_time is required; end_time must not be before it; one request spans at most 30 days, so a longer
  range is split into several requests whose answers are merged.
- How far back JD answers is not documented for bandwidth_flow; livetop bounds it itself (LOOKBACK).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from livetop.model import VENDOR_JDCLOUD, VendorError, ceil_to, iso_utc, utc
from livetop.vendors.catalog import client_error
from livetop.vendors.jdcloud.signature import BEIJING
from livetop.vendors.timerange import clamp_start

BUCKET = timedelta(minutes=5)
MAX_SPAN = timedelta(days=30)
TIME_FORMAT = "%Y-%m-%d %H:%M"
# livetop's own choice, not a documented JD rule: JD states no look-back for bandwidth_flow. Without a bound
# a start in 2000 cost ~330 requests of 30 days each; 90 days matches what Huawei keeps, so both vendors
# look back alike.
LOOKBACK = timedelta(days=90)
LOOKBACK_TEXT = "livetop asks JD for at most 90 days back"

_LABEL = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s+(\d{2}):(\d{2})(?::(\d{2}))?\s*$")


def format_beijing(when: datetime) -> str:
    """UTC datetime -> JD's `yyyy-mm-dd hh:mi` in Beijing time."""
    return utc(when).astimezone(BEIJING).strftime(TIME_FORMAT)


class OutsideCalendar(ValueError):
    """A well-formed label whose time has no UTC equivalent, or whose bucket does not fit the calendar
    (0001-01-01 00:00 Beijing is in year 0 in UTC)."""


def parse_beijing(label: str) -> datetime:
    """JD's `yyyy-mm-dd hh:mi` (Beijing time; stray spaces and `:ss` tolerated) -> UTC. Raises ValueError
    (`OutsideCalendar` for a well-formed time at the calendar's edge)."""
    m = _LABEL.match(label) if isinstance(label, str) else None
    if not m:
        raise ValueError(f"not a JD time label: {str(label)[:40]!r}")
    year, month, day, hour, minute = (int(g) for g in m.groups()[:5])
    second = int(m.group(6) or 0)
    when = datetime(year, month, day, hour, minute, second, tzinfo=BEIJING)
    try:
        return when.astimezone(timezone.utc)
    except OverflowError:
        raise OutsideCalendar(f"{label.strip()!r} is outside the calendar in UTC") from None


def label_to_bucket_start(label: str) -> datetime:
    """An end-labelled point's label -> the UTC start of its 5-minute bucket. Raises ValueError."""
    when = parse_beijing(label)
    try:
        return when - BUCKET
    except OverflowError:
        raise OutsideCalendar(f"{label.strip()!r} is outside the calendar in UTC") from None


@dataclass(frozen=True, slots=True)
class JdPlan:
    """The requests to send for one asked-for range, the [start, end) their answers are kept in (the asked
    range after clamping), and notices for the user (clamping, nothing to ask)."""

    requests: tuple[tuple[datetime, datetime], ...]
    start: datetime
    end: datetime
    notices: tuple[str, ...] = field(default=())


def _client_error(code: str, title: str, meaning: str, action: str) -> VendorError:
    return VendorError(client_error(VENDOR_JDCLOUD, code, title, meaning, action))


def too_old(end: datetime, clamped: datetime) -> VendorError:
    """A range that ends before LOOKBACK (both JD APIs share livetop's bound and its words)."""
    return _client_error(
        "LIVETOP.TIME.TOO_OLD",
        f"range older than {LOOKBACK.days} days",
        f"livetop asks JD for at most the last {LOOKBACK.days} days; the range ends at "
        f"{iso_utc(end)}, before {iso_utc(clamped)}.",
        f"Ask for a range within the last {LOOKBACK.days} days.",
    )


def plan_range(start: datetime | None, end: datetime | None, now: datetime) -> JdPlan:
    """Turn an asked-for [start, end) into bandwidth_flow requests. `end` None means now.

    Like the Huawei rules: a future end is clamped to now, a start older than LOOKBACK is clamped with a
    notice, an empty or reversed range (or one that starts in the future) asks nothing and says so.
    Raises VendorError(kind="client") without a start, or for a range entirely older than LOOKBACK.
    """
    if start is None:
        raise _client_error(
            "LIVETOP.TIME.NO_START",
            "start time required",
            "JD's bandwidth_flow needs a start_time; an end without a start is refused.",
            "Give a start time (e.g. --start 2026-11-20T08:00:00Z).",
        )
    now = utc(now)
    start = utc(start)
    end = now if end is None else utc(end)
    if start >= end:
        empty = f"nothing to fetch: the range {iso_utc(start)} .. {iso_utc(end)} is empty"
        return JdPlan((), start, end, (empty,))
    # JD has no data for the future, and an end far ahead would cost one request per 30 days of it.
    end = min(end, now)
    notices: list[str] = []
    start = clamp_start(
        start, end, now - LOOKBACK, int(BUCKET.total_seconds()), LOOKBACK_TEXT, notices,
        too_old,
    )  # fmt: skip
    if start >= end:
        notices.append(f"nothing to fetch: {iso_utc(start)} is not in the past")
        return JdPlan((), start, end, tuple(notices))
    return JdPlan(tuple(plan_requests(start, end)), start, end, tuple(notices))


def plan_requests(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """(start_time, end_time) label ranges, each at most 30 days, that together cover every bucket whose
    start is in [start, end). Empty when no bucket starts in the range.

    A bucket starting at b is labelled b + 5 min. The seed page's example answers labels start_time..end_time
    inclusive; one extra bucket is asked for at the front in case a server treats start_time as exclusive —
    the parser drops whatever falls outside [start, end).
    """
    start, end = utc(start), utc(end)
    step = int(BUCKET.total_seconds())
    first_bucket = ceil_to(start, step)
    if first_bucket >= end:
        return []
    first_label = first_bucket  # one bucket early: the label of the bucket before the first one
    last_label = ceil_to(end, step)  # the label of the last bucket starting before `end`
    plans = []
    chunk_start = first_label
    while chunk_start <= last_label:
        chunk_end = min(last_label, chunk_start + MAX_SPAN)
        plans.append((chunk_start, chunk_end))
        chunk_start = chunk_end + BUCKET
    return plans
