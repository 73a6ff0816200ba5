"""Sparklines as plain strings: one glyph per column, drawn by the caller as ONE styled run.

Pure (no Textual): a row's sparkline is a str so the overview can emit it as a single Segment. Over SSH each
style change costs ~35 bytes, so colour per bar is deliberately not supported.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

BLOCKS = "▁▂▃▄▅▆▇█"
# Same number of levels as BLOCKS so a value maps to the same level in both modes; "_" keeps the lowest level
# visible (a space would read as "no data").
ASCII_BARS = "_.:-=+*#"


def resample_max(values: Sequence[float], width: int) -> list[float]:
    """Fit `values` (oldest first) into `width` columns.

    Each column takes the max of its group of buckets, so a one-bucket spike is never averaged away. With fewer
    values than columns each value is repeated over the columns it covers, so a short window still fills the
    width. Non-finite values count as 0.
    """
    n = len(values)
    if width <= 0 or n == 0:
        return []
    clean = [v if math.isfinite(v) else 0.0 for v in values]
    out: list[float] = []
    for col in range(width):
        start = col * n // width
        end = max((col + 1) * n // width, start + 1)
        out.append(max(clean[start:end]))
    return out


def levels(values: Sequence[float], steps: int, *, from_zero: bool = False) -> list[int]:
    """Map values to integer levels 0..steps-1.

    Auto scale (default) spans the row's own min..max, which makes small changes visible; `from_zero` spans
    0..max so a flat 10 Gbps line stays flat instead of magnifying noise into a saw. A perfectly flat row falls
    back to the zero-based scale (a constant non-zero line is drawn at the top, all-zero at the bottom).
    """
    if not values:
        return []
    hi = max(values)
    lo = 0.0 if from_zero else min(values)
    if hi <= lo:
        lo = 0.0
    if hi <= lo:
        return [0] * len(values)
    top = steps - 1
    span = hi - lo
    return [min(top, max(0, int((v - lo) / span * top + 0.5))) for v in values]


def sparkline(
    values: Sequence[float], width: int, *, ascii_mode: bool = False, from_zero: bool = False
) -> str:
    """Exactly `width` cells: the resampled bars, or spaces when there is no data."""
    if width <= 0:
        return ""
    glyphs = ASCII_BARS if ascii_mode else BLOCKS
    bars = "".join(glyphs[i] for i in levels(resample_max(values, width), len(glyphs), from_zero=from_zero))
    return bars.rjust(width)


def window_columns(
    times: Sequence[int],
    values: Sequence[float],
    width: int,
    start: float,
    end: float,
    bucket_seconds: int,
) -> list[float | None]:
    """The window [start, end) cut into `width` columns of equal time; each column takes the max of the
    buckets overlapping it (a one-bucket spike is never averaged away), None where no bucket does.

    Time, not the bucket count, decides where a bar goes: a domain holding only the last two hours of a 24 h
    window draws them at the right and leaves the rest blank, instead of stretching them over the width."""
    if width <= 0 or end <= start:
        return []
    span = end - start
    out: list[float | None] = [None] * width
    for t, v in zip(times, values):
        if not math.isfinite(v):
            v = 0.0
        first = int((t - start) * width // span)
        last = int(math.ceil((t + bucket_seconds - start) * width / span)) - 1
        for col in range(max(0, first), min(width - 1, last) + 1):
            seen = out[col]
            if seen is None or v > seen:
                out[col] = v
    return out


def window_sparkline(
    times: Sequence[int],
    values: Sequence[float],
    width: int,
    start: float,
    end: float,
    bucket_seconds: int,
    settled_before: int | None = None,
    *,
    ascii_mode: bool = False,
    from_zero: bool = False,
) -> tuple[str, str]:
    """(settled part, provisional part): together exactly `width` cells. Columns without data are spaces;
    columns holding a provisional bucket (start >= `settled_before`) form the second part, which the caller
    draws in its own style."""
    if width <= 0:
        return "", ""
    columns = window_columns(times, values, width, start, end, bucket_seconds)
    present = [v for v in columns if v is not None]
    glyphs = ASCII_BARS if ascii_mode else BLOCKS
    level_of = iter(levels(present, len(glyphs), from_zero=from_zero))
    cells = "".join(" " if v is None else glyphs[next(level_of)] for v in columns)
    split = width
    if settled_before is not None and len(times) and times[-1] >= settled_before:
        span = end - start
        first_provisional = next(t for t in times if t >= settled_before)
        split = max(0, min(width, int((first_provisional - start) * width // span)))
    return cells[:split], cells[split:]
