"""What every vendor's time rules do alike: move the start of an asked-for range up to the oldest data the
vendor keeps (or livetop asks it for), saying so, and refuse a range that lies wholly before it.

Each vendor keeps its own words (what it keeps, and the error a person reads); this is the arithmetic.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from livetop.model import VendorError, ceil_to, iso_utc


def clamp_start(
    start: datetime,
    end: datetime,
    limit: datetime,
    grid_seconds: int,
    text: str,
    notices: list[str],
    too_old: Callable[[datetime, datetime], VendorError],
    grace: timedelta = timedelta(0),
) -> datetime:
    """`start`, or for a start before `limit` (now minus what the vendor keeps) the first bucket of the grid
    from `limit + grace` on, with the notice "start clamped to ...: {text}" appended to `notices`. Raises
    `too_old(end, that bucket)` when the range ends before it."""
    if start >= limit:
        return start
    clamped = ceil_to(limit + grace, grid_seconds)
    if end <= clamped:
        raise too_old(end, clamped)
    notices.append(f"start clamped to {iso_utc(clamped)}: {text}")
    return clamped
