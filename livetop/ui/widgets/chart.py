"""A plotext chart drawn at the widget's own size (bandwidth line or traffic bars).

plotext is imported on the first build, i.e. when the drilldown opens: the overview never pays for it. Its
module-level API (5.x: plotsize/plot/bar/build) keeps global state, so every build starts with clf(). The ANSI
output becomes Rich Text; the line colours are ANSI names so the active Textual theme maps them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.widget import Widget

from livetop.model import format_bps, format_bytes
from livetop.ui.drilldown_data import tick_label, time_ticks, value_ticks


@dataclass(frozen=True, slots=True)
class ChartData:
    """What one chart shows; equal data means an identical drawing (the widget caches on it)."""

    kind: str  # "line" (bandwidth, bit/s) | "bars" (traffic, bytes per bar)
    times: tuple[int, ...]  # epoch seconds, bucket starts
    values: tuple[float, ...]
    start: float  # x range, epoch seconds
    end: float
    bar_seconds: int = 300
    colour: str = "cyan"
    # Buckets starting at or after this (epoch seconds) are provisional: drawn in PROVISIONAL_COLOUR.
    provisional_from: int | None = None


PROVISIONAL_COLOUR = "gray"


def build_chart(data: ChartData, width: int, height: int) -> str:
    """The chart as plotext's ANSI text, exactly `width` x `height` cells."""
    import plotext as plt

    plt.clf()
    plt.theme("clear")
    plt.plotsize(width, height)
    fmt = format_bps if data.kind == "line" else format_bytes
    if data.times:
        times, values = list(data.times), list(data.values)
        cut = len(times)
        if data.provisional_from is not None:
            cut = next((i for i, t in enumerate(times) if t >= data.provisional_from), len(times))
        if data.kind == "line":
            if cut:
                plt.plot(times[:cut], values[:cut], color=data.colour, marker="braille")
            if cut < len(times):
                # The provisional tail joins the settled line at its last point, in its own colour.
                start = max(0, cut - 1)
                plt.plot(times[start:], values[start:], color=PROVISIONAL_COLOUR, marker="braille")
        else:
            # A bar stands over the middle of the time it sums.
            middles = [t + data.bar_seconds / 2 for t in times]
            if cut:
                plt.bar(middles[:cut], values[:cut], color=data.colour, width=0.8)
            if cut < len(times):
                plt.bar(middles[cut:], values[cut:], color=PROVISIONAL_COLOUR, width=0.8)
    # Ticks after plotting: plotext's bar() resets them.
    top = max(data.values, default=0.0)
    y_ticks = value_ticks(top, max_ticks=max(1, min(4, (height - 3) // 2)))
    plt.ylim(0, y_ticks[-1])
    plt.yticks(y_ticks, [fmt(v) if v else "0" for v in y_ticks])
    plt.xlim(data.start, data.end)
    label_room = max(1, (width - 12) // 8)  # "HH:MM" plus spacing
    x_ticks = time_ticks(data.start, data.end, label_room)
    x_step = x_ticks[1] - x_ticks[0] if len(x_ticks) > 1 else 0
    plt.xticks(x_ticks, [tick_label(t, x_step) for t in x_ticks])
    return plt.build()


def chart_text(data: ChartData, width: int, height: int) -> Text:
    return Text.from_ansi(build_chart(data, width, height), no_wrap=True, end="")


class Chart(Widget):
    """One plotext chart; rebuilt only when its data or its size changes."""

    DEFAULT_CSS = """
    Chart { height: 12; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._data: ChartData | None = None
        self._cache: tuple[tuple, Text] | None = None
        self.builds = 0

    @property
    def data(self) -> ChartData | None:
        return self._data

    def show(self, data: ChartData) -> None:
        if data != self._data:
            self._data = data
            self.refresh()

    def render(self) -> Text:
        width, height = self.content_size.width, self.content_size.height
        if self._data is None or width < 20 or height < 5:
            return Text("")
        if not self._data.times:
            return Text("no data in this window yet", style="italic")
        key = (self._data, width, height)
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        text = chart_text(self._data, width, height)
        self.builds += 1
        self._cache = (key, text)
        return text


def series_tuple(values: Sequence[float]) -> tuple[float, ...]:
    return tuple(float(v) for v in values)
