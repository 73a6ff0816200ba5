"""The overview's painting half: turn rows into Strips, cache them, and repaint only what changed on screen.

Each row's Strip is cached under a key of everything it depends on, so an unchanged row costs a tuple
comparison. A line whose key moved is compared with what is on screen cell by cell, and only the differing
cells are refreshed: a new age, a new NOW figure, the sparkline's last bars. The screen's compositor writes
just those cells (livetop.ui.partial_writes), so steady state costs bytes per changed cell, not per row.
Line 0 is the column header, drawn in place whatever the scroll position (sticky).

The subclass (Overview) owns the model this reads: `_rows`, `_snap`, `_sort`, `_selected`, `_age_now` and the
display flags `_ascii_mode`, `_from_zero`, `_insecure`.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from datetime import datetime

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region
from textual.scroll_view import ScrollView
from textual.strip import Strip

from livetop.engine.store import DomainKey, StoreSnapshot
from livetop.ui.columns import Column, column_span, layout
from livetop.ui.partial_writes import changed_spans
from livetop.ui.widgets import overview_render as render
from livetop.ui.widgets.overview_render import Row, Run

_PROVISIONAL_UNDER_CURSOR = Style(bold=False, dim=True)

ROLES = ("header", "ok", "stale", "error", "dim", "total", "spark", "prov", "alert", "critical", "cursor")


class OverviewPainter(ScrollView):
    _rows: list[Row]
    _snap: StoreSnapshot | None
    _sort: str
    _selected: DomainKey | None
    _ascii_mode: bool
    _from_zero: bool
    _insecure: frozenset[str]
    _age_now: datetime | None
    _flat: bool
    _hostnames: bool

    def _now_ts(self) -> float:
        return self._snap.taken_at.timestamp() if self._snap else 0.0

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._gen = 0  # bumped when styles or display settings change: invalidates every cached strip
        self._palette: dict[str, Style] | None = None
        self._layout: tuple[int, list[Column]] = (-1, [])
        self._strips: dict[Hashable, tuple[tuple, Strip]] = {}
        self._drawn: dict[int, tuple | None] = {}  # viewport line -> key of what was last rendered there
        self._drawn_strips: dict[int, Strip] = {}  # viewport line -> the strip last rendered there
        self._alerting: Mapping[DomainKey, str] = {}  # domains with a firing alert -> its level: marked ⚑
        self._sizes_seen: tuple | None = None  # (size, container size, virtual size) of the last layout

    def _size_updated(self, size, virtual_size, container_size, layout: bool = True) -> bool:
        # Textual calls this on every layout of the screen (the error panel growing by a line, a toast) with
        # the visible content size as `virtual_size`, which never equals ours (the rows), so ScrollView
        # repainted the whole scrollbar each time: ~1.3-2 KB for nothing. Pass only real changes on.
        seen = (size, container_size, self.virtual_size)
        if seen == self._sizes_seen:
            return False
        self._sizes_seen = seen
        return super()._size_updated(size, virtual_size, container_size, layout)

    def _columns(self, width: int) -> list[Column]:
        if self._layout[0] != width:
            self._layout = (width, layout(width))
        return self._layout[1]

    def _styles(self) -> dict[str, Style]:
        if self._palette is None:
            base = self.rich_style
            palette = {"body": base}
            for role in ROLES:
                palette[role] = base + self.get_component_rich_style(f"overview--{role}", partial=True)
            if getattr(self.app, "no_color", False):
                # NO_COLOR turns red into a grey darker than the healthy rows' text: a failure would read as
                # the least important line. Emphasise it instead (and a critical alert's flag likewise).
                palette["error"] = palette["error"] + Style(bold=True, reverse=True)
                palette["critical"] = palette["critical"] + Style(bold=True, reverse=True)
            self._palette = palette
        return self._palette

    def _line_key(self, index: int, width: int) -> tuple:
        """Everything line `index` (0 = header, n = row n-1) depends on: equal keys mean an identical Strip."""
        window = self._snap.window_seconds if self._snap else None
        if index == 0:
            return (width, self._gen, "header", self._sort, window, self._hostnames)
        row = self._rows[index - 1]
        # The age counts only when its column shows: at 80 columns ticking ages cost nothing.
        show_age = row.domain is not None and self._age_span(width) is not None
        age = render.age_text(self._age_now, row.domain.updated_at) if show_age else ""  # type: ignore[union-attr]
        alert = self._alerting.get(row.ident) if row.domain is not None else None  # type: ignore[call-overload]
        return (width, self._gen, *render.row_key(row, self._selected, age, self._now_ts(), window or 0, alert))

    def _runs(self, index: int, width: int) -> list[Run]:
        columns = self._columns(width)
        if index == 0:
            window = self._snap.window_seconds if self._snap else None
            return render.header_runs(
                columns,
                width,
                sort=self._sort,
                window_seconds=window,
                ascii_mode=self._ascii_mode,
                hostnames=self._hostnames,
            )
        row = self._rows[index - 1]
        age = render.age_text(self._age_now, row.domain.updated_at) if row.domain else ""
        return render.row_runs(
            row,
            columns,
            width,
            age=age,
            ascii_mode=self._ascii_mode,
            from_zero=self._from_zero,
            insecure_accounts=self._insecure,
            now_ts=self._now_ts(),
            window_seconds=self._snap.window_seconds if self._snap else 3600,
            hostnames=self._hostnames,
            alert=self._alerting.get(row.ident) if row.domain is not None else None,  # type: ignore[call-overload]
        )

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = 0 if y == 0 else self.scroll_offset.y + y
        if index > len(self._rows):
            self._drawn[y] = None
            self._drawn_strips.pop(y, None)
            return Strip.blank(width, self.rich_style)
        key = self._line_key(index, width)
        strip = self._strip(index, width, key)
        self._drawn[y] = key
        self._drawn_strips[y] = strip
        return strip

    def _strip(self, index: int, width: int, key: tuple) -> Strip:
        ident = "header" if index == 0 else self._rows[index - 1].ident
        cached = self._strips.get(ident)
        if cached is not None and cached[0] == key:
            return cached[1]
        styles = self._styles()
        cursor = index > 0 and self._rows[index - 1].ident == self._selected
        if cursor:
            overlay = self.get_component_rich_style("overview--cursor", partial=True)
            # The cursor's colours cover the row, but a provisional figure stays marked (dim) under it.
            keep = {"prov": overlay + _PROVISIONAL_UNDER_CURSOR}
            segments = [
                Segment(text, styles[role] + keep.get(role, overlay)) for text, role in self._runs(index, width)
            ]
        else:
            segments = [Segment(text, styles[role]) for text, role in self._runs(index, width)]
        # Roles that resolve to one style (a cursor with its own colour, a theme without $success...) merge:
        # every style change costs bytes on the wire.
        strip = Strip(Segment.simplify(segments), width)
        self._strips[ident] = (key, strip)
        return strip

    def _refresh_changed(self) -> None:
        """Repaint just the cells that differ from what was last drawn, line by line.

        A line whose key moved is rendered anew and compared with the strip last drawn there, cell by cell:
        only the differing cells are refreshed (the screen's CellCompositor writes just those, see
        livetop.ui.partial_writes), so an age ticking from "10s" to "20s" costs its own cells, a new NOW figure
        its own, and a new key that draws the same cells (a retry failing with the same error) costs nothing."""
        if not self.is_mounted:
            return
        region = self.scrollable_content_region
        width, height = region.width, region.height
        top = self.scroll_offset.y
        dirty: list[int] = []
        for y in range(height):
            index = 0 if y == 0 else top + y
            key = self._line_key(index, width) if index <= len(self._rows) else None
            drawn = self._drawn.get(y, ())
            if drawn == key:
                continue
            shown = self._drawn_strips.get(y)
            if key is None or shown is None or shown.cell_length != width:
                dirty.append(y)
                continue
            spans = changed_spans(shown, self._strip(index, width, key))
            if not spans:
                self._drawn[y] = key  # the same cells: nothing to write
            for x, w in spans:
                self.refresh(Region(x, y, w, 1))
        for first, count in render.runs_of_lines(dirty):  # one refresh per run of consecutive lines
            self.refresh_lines(top + first, count)

    def refresh_lines(self, y_start: int, line_count: int = 1) -> None:
        """Repaint lines `y_start`.. (virtual coordinates), content only: ScrollView's version spans the
        scrollbar too, which costs bytes for cells that did not change."""
        width = self.scrollable_content_region.width
        self.refresh(Region(0, y_start - self.scroll_offset.y, width, line_count))

    def _age_span(self, width: int) -> tuple[int, int] | None:
        return column_span(self._columns(width), "age")
