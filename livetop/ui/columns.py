"""Overview column layout for a given width: which columns show and how wide each is. Pure, no Textual.

Fixed columns (status mark, vendor, numbers, age) have one width. Flexible ones (domain, sparkline, error)
have a minimum, a comfortable width and a maximum. Droppable columns go, in DROP_ORDER, while the kept
columns would not all fit at their comfortable widths; then (for very narrow screens) the flexible ones shrink
to their minimum and more columns go. What is left over after the maxima goes to the error text.
"""

from __future__ import annotations

from dataclasses import dataclass

GAP = 1  # one space between columns


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    name: str
    title: str
    min: int
    comfortable: int
    max: int | None  # None: takes whatever is left
    align: str = "left"  # "left" | "right"


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    title: str
    width: int
    align: str


# Left-to-right order on screen. "1.25 Gbps" is 9 cells, "12.0 GB" 7, "3h05" 4.
SPECS: tuple[ColumnSpec, ...] = (
    ColumnSpec("mark", "", 1, 1, 1),
    ColumnSpec("vendor", "", 2, 2, 2),
    ColumnSpec("domain", "DOMAIN", 12, 24, 28),
    ColumnSpec("now", "NOW", 9, 9, 9, "right"),
    # Change of the settled bandwidth over the last few buckets ("-92%"): what the change sort ranks by.
    ColumnSpec("delta", "Δ", 5, 5, 5, "right"),
    ColumnSpec("spark", "WINDOW", 8, 16, 20),
    ColumnSpec("peak", "PEAK", 9, 9, 9, "right"),
    ColumnSpec("traffic", "TRAFFIC", 8, 8, 8, "right"),
    ColumnSpec("age", "AGE", 4, 4, 4, "right"),
    ColumnSpec("error", "ERROR", 8, 20, None),
)

# Traffic is a billing figure, peak is visible in the sparkline and the stale mark already says "old": these
# matter least while watching a live event. Then the narrowest screens lose the picture, the error text and
# the vendor; mark, domain and bandwidth now always stay.
DROP_ORDER: tuple[str, ...] = ("traffic", "peak", "age")
SQUEEZE_DROP_ORDER: tuple[str, ...] = ("spark", "delta", "error", "vendor")

_BY_NAME = {spec.name: spec for spec in SPECS}


def _needed(names: list[str], attr: str) -> int:
    return sum(getattr(_BY_NAME[n], attr) for n in names) + GAP * (len(names) - 1)


def layout(width: int) -> list[Column]:
    """The columns to draw in `width` cells, left to right; their widths plus gaps never exceed `width`."""
    names = [spec.name for spec in SPECS]
    for victim in DROP_ORDER:
        if _needed(names, "comfortable") <= width:
            break
        names.remove(victim)
    for victim in SQUEEZE_DROP_ORDER:
        if _needed(names, "min") <= width:
            break
        names.remove(victim)
    widths = {n: _BY_NAME[n].min for n in names}
    spare = max(0, width - _needed(names, "min"))
    flex = [n for n in names if _BY_NAME[n].comfortable != _BY_NAME[n].min or _BY_NAME[n].max is None]
    for target in ("comfortable", "max"):
        for n in flex:
            goal = getattr(_BY_NAME[n], target)
            if goal is None:
                continue
            grow = min(spare, max(0, goal - widths[n]))
            widths[n] += grow
            spare -= grow
    greedy = [n for n in flex if _BY_NAME[n].max is None]
    if greedy:
        widths[greedy[0]] += spare
    columns: list[Column] = []
    used = -GAP
    for n in names:  # absurdly narrow screens: cut at the right edge rather than overflow
        room = width - used - GAP
        if room <= 0:
            break
        columns.append(Column(n, _BY_NAME[n].title, min(widths[n], room), _BY_NAME[n].align))
        used += GAP + columns[-1].width
    return columns


def column_span(columns: list[Column], name: str) -> tuple[int, int] | None:
    """(x, width) of the named column, or None when it is not shown."""
    x = 0
    for column in columns:
        if column.name == name:
            return x, column.width
        x += column.width + GAP
    return None
