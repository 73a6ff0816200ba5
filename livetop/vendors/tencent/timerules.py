"""Tencent DescribeBillBandwidthAndFluxList time rules, applied before a request is sent.

Source: tencentcloud-sdk-python-live 3.1.195, `tencentcloud/live/v20180801/models.py`,
`DescribeBillBandwidthAndFluxListRequest` (and https://cloud.tencent.com/document/api/267/33850):
- StartTime/EndTime are `YYYY-MM-DDThh:mm:ssZ` (UTC) or `YYYY-MM-DD hh:mm:ss` (Beijing time); the answer's
  times come back in the format the request used. livetop sends UTC; the parser reads both.
- "起始和结束时间跨度不支持超过31天。支持最近3年的数据查询": a span of at most 31 days, 3 years back.
- Granularity 5 (5-minute points) only for a span of at most 1 day; 60 and 1440 for up to a month.

livetop's choice: always Granularity 5, and a window longer than a day is split into one request per day.
Coarser points would halve nothing that matters (a 7-day zoom is 7 calls once, then incremental polls ask for
minutes) but would make the peak and 95th percentile of a week something else than the 5-minute figures
Tencent bills on. The drilldown says so (the vendor's declared caption).

Points are labelled by their bucket START: Tencent's own example (DescribeAreaBillBandwidthAndFluxList,
https://www.tencentcloud.com/document/api/267/38514) asks 00:00:00-00:10:00 and answers a point at 00:00:00.
A request's StartTime and EndTime are the first and last bucket starts wanted, both inclusive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from livetop.model import ISO_UTC_FORMAT, VendorError, ceil_to, iso_utc, utc
from livetop.vendors.catalog import client_error
from livetop.vendors.tencent import VENDOR_TENCENT
from livetop.vendors.timerange import clamp_start

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
GRANULARITY_MINUTES = 5
BUCKET = timedelta(minutes=GRANULARITY_MINUTES)
MAX_SPAN_FINE = timedelta(days=1)  # Granularity 5
MAX_SPAN = timedelta(days=31)  # any granularity
LOOKBACK = timedelta(days=3 * 365)  # "支持最近3年的数据查询"; 365-day years: the shortest reading
LOOKBACK_TEXT = "Tencent keeps 3 years of billing statistics"
BEIJING_FORMAT = "%Y-%m-%d %H:%M:%S"

_UTC_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", re.ASCII)  # ASCII: no fullwidth digits
_BEIJING_RE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", re.ASCII)


def parse_time(text: object) -> datetime:
    """Tencent's `YYYY-MM-DDThh:mm:ssZ` (UTC) or `YYYY-MM-DD hh:mm:ss` (Beijing) -> aware UTC.
    Raises ValueError for anything else (a real date is required: 2026-02-30 is refused)."""
    if isinstance(text, str):
        return _parse_text(text)
    raise ValueError(f"not a Tencent time: {str(text)[:40]!r}")


@lru_cache(maxsize=4096)
def _parse_text(text: str) -> datetime:
    # Cached: every answer repeats the same few labels, and strptime costs ~10 us a call (two a point).
    try:
        if _UTC_RE.fullmatch(text):
            return datetime.strptime(text, ISO_UTC_FORMAT).replace(tzinfo=timezone.utc)
        if _BEIJING_RE.fullmatch(text):
            naive = datetime.strptime(text, BEIJING_FORMAT)
            return naive.replace(tzinfo=BEIJING).astimezone(timezone.utc)
    except OverflowError:  # "0001-01-01 00:00:00" Beijing is before the first UTC instant Python has
        pass
    raise ValueError(f"not a Tencent time: {text[:40]!r}")


def format_beijing(when: datetime) -> str:
    return utc(when).astimezone(BEIJING).strftime(BEIJING_FORMAT)


@dataclass(frozen=True, slots=True)
class TencentPlan:
    """Requests (first, last bucket start, inclusive) covering [start, end); notices for the user."""

    requests: tuple[tuple[datetime, datetime], ...]
    start: datetime
    end: datetime
    notices: tuple[str, ...] = field(default=())

    def params(self) -> list[tuple[str, str]]:
        return [(iso_utc(s), iso_utc(e)) for s, e in self.requests]


def _client_error(code: str, title: str, meaning: str, action: str) -> VendorError:
    return VendorError(client_error(VENDOR_TENCENT, code, title, meaning, action))


def plan_range(start: datetime | None, end: datetime | None, now: datetime) -> TencentPlan:
    """Turn an asked-for [start, end) into Granularity-5 requests Tencent accepts. `end` None means now.

    A future end is clamped to now; a start older than 3 years is clamped with a notice; an empty range asks
    nothing and says so. Raises VendorError(kind="client") without a start (Tencent requires StartTime) or
    for a range entirely older than the look-back.
    """
    if start is None:
        raise _client_error(
            "LIVETOP.TIME.NO_START",
            "start time required",
            "Tencent's DescribeBillBandwidthAndFluxList requires a StartTime.",
            "Give a start time as well, e.g. --start 2026-11-20T08:00:00Z.",
        )
    now = utc(now)
    start = utc(start)
    end = now if end is None else utc(end)
    if start >= end:
        return TencentPlan(
            (), start, end, (f"nothing to fetch: the range {iso_utc(start)} .. {iso_utc(end)} is empty",)
        )
    end = min(end, now)
    notices: list[str] = []
    start = clamp_start(
        start, end, now - LOOKBACK, int(BUCKET.total_seconds()), LOOKBACK_TEXT, notices,
        lambda end, clamped: _client_error(
            "LIVETOP.TIME.TOO_OLD",
            "range older than 3 years",
            f"{LOOKBACK_TEXT}; the range ends at {iso_utc(end)}, before {iso_utc(clamped)}.",
            "Ask for a range within the last 3 years.",
        ),
        grace=timedelta(minutes=1),
    )  # fmt: skip
    if start >= end:
        notices.append(f"nothing to fetch: {iso_utc(start)} is not in the past")
        return TencentPlan((), start, end, tuple(notices))
    return TencentPlan(tuple(plan_requests(start, end)), start, end, tuple(notices))


def plan_requests(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """(first, last) bucket starts, both inclusive, each pair at most one day minus a bucket apart, that
    together cover every 5-minute bucket starting in [start, end). Empty when none starts in it."""
    step = int(BUCKET.total_seconds())
    first = ceil_to(utc(start), step)
    if first >= end:
        return []
    last = ceil_to(utc(end), step) - BUCKET  # the last bucket starting before `end`
    chunks = []
    cursor = first
    while cursor <= last:
        chunk_last = min(last, cursor + MAX_SPAN_FINE - BUCKET)
        chunks.append((cursor, chunk_last))
        cursor = chunk_last + BUCKET
    return chunks
