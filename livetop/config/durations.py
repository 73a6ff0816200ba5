"""Durations a person types (config values, `--window`, later the TUI) -> seconds, within the bounds livetop
honours.

One parser and one bound per setting, so the config file and the command line accept and refuse the same
things with the same words. Every refusal is a `DurationError` carrying the problem and the fix.
"""

from __future__ import annotations

import math
import re
from typing import Any

MIN_WINDOW_SECONDS = 60  # one bucket of Huawei's smallest step; nothing shorter has a point to draw
MAX_WINDOW_SECONDS = 90 * 86400  # Huawei Cloud Live keeps three months of statistics
MIN_REFRESH_SECONDS = 1.0  # faster polling only earns throttling from every vendor
MAX_REFRESH_SECONDS = 86400.0  # a screen refreshed less than daily is not live any more
MAX_DATA_LAG_SECONDS = MAX_WINDOW_SECONDS  # a lag past the longest window would ask for nothing new

DURATION_FIX = 'use a number of seconds or a string like "30s", "5m", "1h"'
WINDOW_FIX = 'try "15m", "1h" or "24h"'
REFRESH_FIX = '"30s" suits most dashboards'

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h|d)?\s*$", re.IGNORECASE)
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}


class DurationError(ValueError):
    """A duration livetop refuses: `problem` says why (echoing the value), `fix` what to write instead."""

    def __init__(self, problem: str, fix: str) -> None:
        self.problem = problem
        self.fix = fix
        super().__init__(f"{problem} (fix: {fix})")


def shown(value: Any) -> str:
    """The value as the person wrote it: strings quoted, numbers bare."""
    return f'"{value}"' if isinstance(value, str) else shown_number(value)


def shown_number(value: Any) -> str:
    """A number for a message: a huge integer is described, not printed (past 4300 digits Python refuses)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**18:
        sign = "a negative" if value < 0 else "an"
        return f"{sign} integer of about {int(abs(value).bit_length() * 0.30103) + 1} digits"
    return repr(value)


def parse_seconds(value: Any, *, allow_zero: bool = False, fix: str = DURATION_FIX) -> float:
    """A number of seconds or "500ms", "30s", "5m", "1h", "7d" -> seconds (finite, not negative)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise DurationError(f"{shown(value)} is not a duration", fix)
    if isinstance(value, str):
        match = _DURATION.match(value)
        if not match:
            raise DurationError(f"{shown(value)} is not a duration", fix)
        unit = match.group(2).lower() if match.group(2) else None
        seconds = float(match.group(1)) * _UNITS[unit]
    else:
        try:
            seconds = float(value)
        except OverflowError:  # an integer past float range is no duration either
            seconds = math.inf
    if not math.isfinite(seconds) or seconds < 0 or (seconds == 0 and not allow_zero):
        raise DurationError(f"must be a positive duration, not {shown(value)}", fix)
    return seconds


def window_seconds(value: Any) -> int:
    """How much history the screen shows: from one minute to 90 days, in whole seconds."""
    seconds = parse_seconds(value, fix=WINDOW_FIX)
    if seconds < MIN_WINDOW_SECONDS:
        raise DurationError(
            f"{shown(value)} is shorter than one minute, the smallest bucket a vendor reports",
            f'use at least "1m"; {WINDOW_FIX}',
        )
    if seconds > MAX_WINDOW_SECONDS:
        raise DurationError(
            f"{shown(value)} is longer than 90 days: Huawei Cloud Live keeps only 3 months of statistics",
            f'use at most "90d"; {WINDOW_FIX}',
        )
    return int(seconds)


def refresh_seconds(value: Any) -> float:
    """How often each domain is polled: from one second to 24 hours."""
    seconds = parse_seconds(value)
    if seconds < MIN_REFRESH_SECONDS:
        raise DurationError(
            f"{seconds:g}s is too short: vendors would throttle every account",
            f'use at least "1s"; {REFRESH_FIX}',
        )
    if seconds > MAX_REFRESH_SECONDS:
        raise DurationError(
            f"{shown(value)} is longer than 24 hours: the screen would not be live",
            f'use at most "24h"; {REFRESH_FIX}',
        )
    return seconds


def data_lag_seconds(value: Any) -> int:
    """How late a vendor's newest buckets settle: zero to 90 days, in whole seconds."""
    seconds = parse_seconds(value, allow_zero=True)
    if seconds > MAX_DATA_LAG_SECONDS:
        raise DurationError(
            f"{shown(value)} is longer than the longest window (90 days)",
            'vendors publish their figures within minutes: try "10m"',
        )
    return int(seconds)
