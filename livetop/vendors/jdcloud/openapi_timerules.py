"""JD Cloud OpenAPI live statistics time rules, applied before a request is sent (vendors.md §C2; the SDK's
`DescribeLiveStreamBandwidthDataRequest` / `…TrafficDataRequest` docstrings).

- `startTime` is required, `endTime` defaults to now on JD's side; both `yyyy-MM-dd'T'HH:mm:ss'Z'`, UTC.
- `period`: oneMin, fiveMin (JD's default), halfHour, hour, twoHour, sixHour, day (and followTime, one point
  for the whole range, which livetop does not use). A span is at most 7 days at oneMin, 30 days otherwise;
  longer ranges are split into several requests whose answers are merged.
- Each point carries its own `startTime`/`endTime`, so there is no start-or-end label question.
- How far back JD answers is not documented; livetop bounds it itself, as for opencdn (LOOKBACK).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from livetop.model import VENDOR_JDCLOUD, VendorError, ceil_to, iso_utc, utc
from livetop.vendors.catalog import client_error
from livetop.vendors.jdcloud.timerules import LOOKBACK, LOOKBACK_TEXT, too_old
from livetop.vendors.timerange import clamp_start

# step_minutes -> JD's `period`.
PERIODS = {1: "oneMin", 5: "fiveMin", 30: "halfHour", 60: "hour", 120: "twoHour", 360: "sixHour", 1440: "day"}
STEP_MINUTES = tuple(PERIODS)
PERIOD_SECONDS = {name: minutes * 60 for minutes, name in PERIODS.items()}
MAX_SPAN_ONE_MIN = timedelta(days=7)
MAX_SPAN = timedelta(days=30)
# LOOKBACK: livetop's own bound, not a documented JD rule; the same as opencdn's, and said alike (too_old).


def max_span(period: str) -> timedelta:
    return MAX_SPAN_ONE_MIN if period == "oneMin" else MAX_SPAN


@dataclass(frozen=True, slots=True)
class OpenApiPlan:
    """The (startTime, endTime) of each request, the [start, end) answers are kept in, and notices."""

    period: str
    requests: tuple[tuple[datetime, datetime], ...]
    start: datetime
    end: datetime
    notices: tuple[str, ...] = field(default=())


def _client_error(code: str, title: str, meaning: str, action: str) -> VendorError:
    return VendorError(client_error(VENDOR_JDCLOUD, code, title, meaning, action))


def period_for(step_minutes: int) -> str:
    """JD's period name for a step; raises VendorError(kind="client") for a step JD does not offer."""
    period = PERIODS.get(step_minutes)
    if period is None:
        raise _client_error(
            "LIVETOP.STEP",
            "step JD cannot answer",
            f"JD's live statistics come in {', '.join(map(str, STEP_MINUTES))}-minute periods, not "
            f"{step_minutes}.",
            f"Set step_minutes to one of {', '.join(map(str, STEP_MINUTES))} for this account.",
        )
    return period


def plan_range(
    start: datetime | None, end: datetime | None, now: datetime, step_minutes: int = 5
) -> OpenApiPlan:
    """Turn an asked-for [start, end) into describeLiveStream*Data requests. `end` None means now.

    A future end is clamped to now; a start older than LOOKBACK is clamped with a notice; an empty range
    asks nothing and says so. Raises VendorError(kind="client") without a start, for a step JD does not
    offer, for a range entirely older than LOOKBACK, or for a time with no UTC equivalent.
    """
    try:
        return _plan_range(start, end, now, step_minutes)
    except OverflowError:  # found by the property test: 0001-01-01T00:00+08:00 is year 0 in UTC
        raise _client_error(
            "LIVETOP.TIME.RANGE",
            "time outside the calendar",
            "A time of the range has no UTC equivalent within years 1-9999.",
            "Give times within years 1-9999 in UTC.",
        ) from None


def _plan_range(start: datetime | None, end: datetime | None, now: datetime, step_minutes: int) -> OpenApiPlan:
    period = period_for(step_minutes)
    step = step_minutes * 60
    if start is None:
        raise _client_error(
            "LIVETOP.TIME.NO_START",
            "start time required",
            "JD's live statistics need a startTime; an end without a start is refused.",
            "Give a start time (e.g. --start 2026-11-20T08:00:00Z).",
        )
    now = utc(now)
    start = utc(start)
    end = now if end is None else utc(end)
    if start >= end:
        return OpenApiPlan(period, (), start, end, (f"nothing to fetch: the range {iso_utc(start)} .. "
                                                    f"{iso_utc(end)} is empty",))  # fmt: skip
    end = min(end, now)
    notices: list[str] = []
    start = clamp_start(
        start, end, now - LOOKBACK, step, LOOKBACK_TEXT, notices,
        too_old,
    )  # fmt: skip
    first = ceil_to(start, step)
    if first >= end:
        notices.append(f"nothing to fetch: no {step_minutes}-minute bucket starts in "
                       f"{iso_utc(start)} .. {iso_utc(end)}")  # fmt: skip
        return OpenApiPlan(period, (), start, end, tuple(notices))
    return OpenApiPlan(period, tuple(plan_requests(first, end, period)), start, end, tuple(notices))


def plan_requests(first: datetime, end: datetime, period: str) -> list[tuple[datetime, datetime]]:
    """Consecutive (startTime, endTime) pairs from the bucket start `first` to `end`, each at most the
    period's span, whole seconds (JD's format has none smaller). The end rounds up to the second so the
    newest bucket, which started before `end`, is inside the last request."""
    span = max_span(period)
    last = end if end.microsecond == 0 else end.replace(microsecond=0) + timedelta(seconds=1)
    requests = []
    chunk_start = first
    while chunk_start < last:
        chunk_end = min(last, chunk_start + span)
        requests.append((chunk_start, chunk_end))
        chunk_start = chunk_end
    return requests
