"""Injectable time.

The engine, the vendor clients and the simulator all take a `Clock` so tests can expire tokens and age data
without sleeping. `now()` is wall time (timezone-aware UTC); `monotonic()` is for measuring intervals.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...

    def monotonic(self) -> float: ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def monotonic(self) -> float:
        return time.monotonic()


class ManualClock:
    """A clock that only moves when told to (tests). `manual`: the engine's schedule then waits for
    `Engine.tick()` after the clock is moved, instead of sleeping real seconds that mean nothing here."""

    manual = True

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime(2026, 11, 20, 12, 0, 0, tzinfo=timezone.utc)
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start.astimezone(timezone.utc)
        self._mono = 1000.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        self._mono += seconds

    def set(self, when: datetime) -> None:
        delta = (when - self._now).total_seconds()
        self.advance(delta)


class OffsetClock:
    """The system clock shifted by a fixed offset (the simulator uses this to fake clock skew)."""

    def __init__(self, base: Clock, offset_seconds: float) -> None:
        self._base = base
        self._offset = timedelta(seconds=offset_seconds)

    def now(self) -> datetime:
        return self._base.now() + self._offset

    def monotonic(self) -> float:
        return self._base.monotonic()


SYSTEM_CLOCK = SystemClock()
