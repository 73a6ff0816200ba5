"""Alibaba Live time rules for DescribeLiveDomainBpsData / DescribeLiveDomainTrafficData, applied before a
request is sent. Pure: the caller passes `now` from its clock.

From the API pages (https://help.aliyun.com/document_detail/67406.html, …/67409.html; SDK
alibabacloud_live20161101/models/_describe_live_domain_{bps,traffic}_data_request.py):
- StartTime/EndTime are UTC `yyyy-MM-ddTHH:mm:ssZ`; EndTime must be later than StartTime
  (InvalidEndTime.Mismatch otherwise).
- Neither given: the last 24 h; only one given: one hour from it (or before it). livetop therefore always
  sends both, so what comes back never depends on those defaults.
- Data of the last 90 days only (InvalidStartTime.ValueNotSupported): an older start is clamped, with a
  notice.
- Interval 300 (default), 3600 or 86400 seconds; an unsupported value silently becomes 300.
- Points are stamped with the START of their bucket (TimeStamp: 时间片起始时刻).

The Live pages state no longest span per request. Alibaba's own twins do: the CDN DescribeDomainBpsData page
gives 3 days at 5-minute points and 31 days at 1-hour points (…/cdn/developer-reference/
api-cdn-2018-05-10-describedomainbpsdata, 2026), and the Live DescribeLiveDomainBpsDataByLayer page coarsens
its points past 3 and 31 days (…/live/developer-reference/api-live-2016-11-01-describelivedomainbpsdatabylayer).
livetop keeps each request within those spans (MAX_SPAN), splitting longer ranges and merging the answers,
so the granularity asked for is the granularity answered; the parser refuses any other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from livetop.model import VendorError, floor_to, iso_utc, parse_iso_utc, utc
from livetop.vendors.catalog import client_error
from livetop.vendors.timerange import clamp_start

VENDOR = "alibaba"
INTERVALS = (300, 3600, 86400)
MAX_SPAN = {300: timedelta(days=3), 3600: timedelta(days=31), 86400: timedelta(days=90)}
LOOKBACK = timedelta(days=90)
# A clamped start lands this far inside the look-back (then on the next bucket boundary), so a vendor clock a
# little ahead of ours, or the time a request spends queued and in flight, cannot push it over the limit.
CLAMP_GRACE = timedelta(minutes=5)
LOOKBACK_TEXT = "Alibaba answers the last 90 days"


def parse_time(text: object) -> datetime:
    """`yyyy-MM-ddTHH:mm:ssZ` -> aware UTC datetime. Raises ValueError for anything else."""
    if not isinstance(text, str) or len(text) != 20 or not text.endswith("Z"):
        raise ValueError(f"not yyyy-MM-ddTHH:mm:ssZ: {text!r}"[:80])
    # strptime's reading, without its ~10 us a point: every answer repeats the same labels (model.py).
    return parse_iso_utc(text)


@dataclass(frozen=True, slots=True)
class AliPlan:
    """The (StartTime, EndTime) windows to ask for, half-open and within MAX_SPAN, the [start, end) the
    answers are kept in, and notices for the user."""

    windows: tuple[tuple[datetime, datetime], ...]
    start: datetime
    end: datetime
    notices: tuple[str, ...] = field(default=())


def _client_error(code: str, title: str, meaning: str, action: str) -> VendorError:
    return VendorError(client_error(VENDOR, code, title, meaning, action))


def interval_for(bucket_seconds: int) -> int:
    if bucket_seconds not in INTERVALS:
        raise _client_error(
            "LIVETOP.CONFIG",
            "step not offered by Alibaba",
            f"Alibaba Live answers 5-minute, 1-hour or 1-day points, not {bucket_seconds // 60}-minute ones.",
            "Set step_minutes to 5, 60 or 1440 for this account.",
        )
    return bucket_seconds


def plan_range(start: datetime | None, end: datetime | None, now: datetime, interval: int = 300) -> AliPlan:
    """Turn an asked-for [start, end) into requests Alibaba accepts. `end` None means now.

    A start is required (without one Alibaba would pick a default range). A future end is clamped to now, a
    start older than 90 days is clamped with a notice, an empty or reversed range asks nothing and says so.
    Raises VendorError(kind="client") for a range entirely older than the look-back.
    """
    interval = interval_for(interval)
    if start is None:
        raise _client_error(
            "LIVETOP.TIME.NO_START",
            "start time required",
            "Without a StartTime Alibaba answers a default range (the last 24 h, or one hour from the "
            "EndTime), not the one asked for; livetop always sends both.",
            "Give a start time (e.g. --start 2026-11-20T08:00:00Z).",
        )
    now = utc(now)
    start = utc(start)
    end = now if end is None else utc(end)
    if start >= end:
        return AliPlan(
            (), start, end, (f"nothing to fetch: the range {iso_utc(start)} .. {iso_utc(end)} is empty",)
        )
    end = min(end, now)
    notices: list[str] = []
    start = clamp_start(
        start, end, now - LOOKBACK, interval, LOOKBACK_TEXT, notices,
        lambda end, clamped: _client_error(
            "LIVETOP.TIME.TOO_OLD",
            "range older than 90 days",
            f"Alibaba answers the last 90 days only; the range ends at {iso_utc(end)}, before "
            f"{iso_utc(clamped)}.",
            "Ask for a range within the last 90 days.",
        ),
        grace=CLAMP_GRACE,
    )  # fmt: skip
    # Ask from the start of the bucket holding `start` (its stamp may lie before `start`: the caller keeps
    # only buckets starting in [start, end)); whole seconds on the wire.
    ask_from = floor_to(start, interval)
    ask_to = end.replace(microsecond=0)
    if ask_to <= ask_from or start >= end:
        notices.append(f"nothing to fetch: {iso_utc(start)} is not in the past")
        return AliPlan((), start, end, tuple(notices))
    windows: list[tuple[datetime, datetime]] = []
    span = MAX_SPAN[interval]
    cursor = ask_from
    while cursor < ask_to:
        upper = min(cursor + span, ask_to)
        windows.append((cursor, upper))
        cursor = upper
    return AliPlan(tuple(windows), start, end, tuple(notices))
