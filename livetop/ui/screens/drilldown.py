"""The drilldown (Enter on a domain): bandwidth chart, traffic bars, billing figures, error history and the
last requests of one domain over the window. Follows the domain's data while open; Esc/Backspace returns."""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Static

from livetop.engine.store import DomainKey, DomainSnapshot, Store
from livetop.model import format_window
from livetop.ui.drilldown_data import clock_time, figures, group_buckets
from livetop.ui.widgets.chart import Chart, ChartData, series_tuple
from livetop.ui.widgets.error_panel import details
from livetop.ui.widgets.overview_render import MARKS
from livetop.vendors.registry import vendor_mark

NARROW = 100  # below this width the error history and the requests stack instead of sitting side by side
HISTORY_SHOWN = 12


class Figures(Widget):
    """The billing figures packed into as few lines as the width allows ("label value" never split)."""

    DEFAULT_CSS = """
    Figures { height: auto; padding: 0 1; }
    Figures > .figures--label { color: $foreground-muted; }
    Figures > .figures--value { text-style: bold; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"figures--label", "figures--value"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._pairs: list[tuple[str, str]] = []

    def show(self, pairs: list[tuple[str, str]]) -> None:
        if pairs != self._pairs:
            self._pairs = pairs
            self.refresh(layout=True)

    def _lines(self, width: int) -> list[list[tuple[str, str]]]:
        lines: list[list[tuple[str, str]]] = [[]]
        used = 0
        for label, value in self._pairs:
            size = cell_len(label) + 1 + cell_len(value)
            gap = 3 if lines[-1] else 0
            if lines[-1] and used + gap + size > width:
                lines.append([])
                used, gap = 0, 0
            lines[-1].append((label, value))
            used += gap + size
        return lines

    def get_content_height(self, container, viewport, width: int) -> int:
        return max(1, len(self._lines(width)))

    def render(self) -> Text:
        label_style = self.get_component_rich_style("figures--label", partial=True)
        value_style = self.get_component_rich_style("figures--value", partial=True)
        text = Text(no_wrap=True, end="")
        for n, line in enumerate(self._lines(self.content_size.width)):
            if n:
                text.append("\n")
            for i, (label, value) in enumerate(line):
                text.append(("   " if i else "") + label + " ", label_style)
                text.append(value, value_style)
        return text


def error_history(d: DomainSnapshot, dim: Style, error: Style) -> Group:
    """The current error decoded (what it means, what to do), then the newest errors first."""
    parts: list[RenderableType] = [Text("Errors", Style(bold=True))]
    if d.error is not None:
        head = Text(f"failing since {clock_time(d.error_since, seconds=True)}: ", error)
        head.append(f"{d.error.code} {d.error.title}", error + Style(bold=True))
        parts.append(head)
        rows: list[tuple[str, Text | str]] = [("means", d.error.meaning), ("do", d.error.action)]
        if d.error.raw_message:  # whose words: the vendor's own, or livetop's account of a useless answer
            rows.append((d.error.raw_source, Text(f"“{d.error.raw_message}”")))
        if d.halted:
            rows.append(("", "not retried until you press r (the vendor says retrying will not help)"))
        parts.append(details(rows, dim))
    if not d.errors:
        parts.append(Text("none in this session", dim))
    else:
        table = Table.grid(padding=(0, 1))
        table.add_column(style=dim, no_wrap=True)
        table.add_column(style=error, no_wrap=True)
        table.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        for event in reversed(d.errors[-HISTORY_SHOWN:]):
            # Vendor text as Text: a table reads plain strings as Rich markup.
            table.add_row(clock_time(event.at, seconds=True), Text(event.error.code), Text(event.error.title))
        parts.append(table)
    return Group(*parts)


def last_requests(d: DomainSnapshot, dim: Style, error: Style) -> Group:
    """The newest fetches first: time, HTTP status, latency (including waiting for the rate limit), result."""
    table = Table.grid(padding=(0, 2))
    for justify in ("left", "right", "right", "left"):
        table.add_column(justify=justify, no_wrap=True)  # type: ignore[arg-type]
    table.add_row(*(Text(h, dim) for h in ("time", "HTTP", "latency", "result")))
    for r in reversed(d.requests[-HISTORY_SHOWN:]):
        status = Text(str(r.http_status) if r.http_status else "---", Style() if r.ok else error)
        result = (
            Text(f"ok, {r.requests} call{'s' if r.requests != 1 else ''}", dim)
            if r.ok
            else Text(r.code, error)
        )
        table.add_row(clock_time(r.at, seconds=True), status, f"{r.latency_ms:.0f} ms", result)
    parts: list[RenderableType] = [Text("Last requests", Style(bold=True)), table]
    if not d.requests:
        parts.append(Text("none yet", dim))
    return Group(*parts)


class DrilldownScreen(Screen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape,backspace",
            "back",
            "Back",
            id="drilldown.back",
            key_display="esc",
            tooltip="Back to the overview (the selection is kept)",
        ),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {"drilldown--dim", "drilldown--error"}

    DEFAULT_CSS = """
    DrilldownScreen > .drilldown--dim { color: $foreground-muted; }
    DrilldownScreen > .drilldown--error { color: $error; }
    DrilldownScreen #dd-title { height: auto; padding: 0 1; text-style: bold; }
    DrilldownScreen #dd-body { height: 1fr; }
    DrilldownScreen .dd-caption { height: 1; padding: 0 1; color: $foreground-muted; }
    DrilldownScreen #bandwidth-chart { height: 14; }
    DrilldownScreen #traffic-chart { height: 9; }
    DrilldownScreen #dd-history { height: auto; }
    DrilldownScreen #dd-history > Static { width: 1fr; height: auto; padding: 0 1; }
    DrilldownScreen #dd-history.-narrow { layout: vertical; }
    DrilldownScreen #dd-history.-narrow > Static { width: 100%; margin-top: 1; }
    DrilldownScreen #dd-notices { height: auto; padding: 0 1; color: $warning; }
    DrilldownScreen #dd-error-first { height: auto; padding: 0 1; margin-bottom: 1; }
    DrilldownScreen #dd-source { height: auto; padding: 0 1; color: $foreground-muted; }
    """

    def __init__(self, store: Store, key: DomainKey, bandwidth_point: str = "", data_note: str = "") -> None:
        super().__init__(id="drilldown-screen")
        self.store = store
        self.key = key
        # "peak" / "average": what each bandwidth point is, as the account's API declares it.
        self.bandwidth_point = bandwidth_point
        self.data_note = data_note  # what the vendor's figures are (its API's declaration)
        self._version: tuple | None = None
        self._dirty = False

    def compose(self) -> ComposeResult:
        # Labels, account names and vendor messages are shown as typed: no Static here reads markup.
        yield Static(id="dd-title", markup=False)
        with VerticalScroll(id="dd-body"):
            # A failing domain with no data: the decoded error first (two empty charts would push it below
            # the fold at 80x24).
            yield Static(id="dd-error-first", markup=False)
            yield Figures(id="dd-figures")
            yield Static(id="dd-notices", markup=False)
            yield Static(self.data_note, id="dd-source", markup=False)
            yield Static(classes="dd-caption", id="bandwidth-caption", markup=False)
            yield Chart(id="bandwidth-chart")
            yield Static(classes="dd-caption", id="traffic-caption", markup=False)
            yield Chart(id="traffic-chart")
            with Horizontal(id="dd-history"):
                yield Static(id="dd-errors", markup=False)
                yield Static(id="dd-requests", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#dd-body").focus()
        self.update_view()
        self._focus(self.key)

    def on_unmount(self) -> None:
        self._focus(None)

    def _focus(self, key: DomainKey | None) -> None:
        """Its provisional traffic is on screen: the engine asks it as often as bandwidth (a remote has none)."""
        focus = getattr(getattr(self.app, "engine", None), "focus", None)
        if focus is not None:
            focus(key)

    def on_resize(self, event: events.Resize) -> None:
        self.query_one("#dd-history").set_class(event.size.width < NARROW, "-narrow")

    def current_domain(self) -> DomainKey | None:
        return self.key

    def store_changed(self, keys: frozenset[DomainKey] | None = None) -> None:
        if keys is None or self.key not in keys:
            return
        if self.is_current:
            self.update_view()
        else:
            self._dirty = True

    def clock_tick(self) -> None:
        """The app's 1 s tick: the status (ok -> stale) moves with time alone. Cheap when nothing changed:
        the domain's snapshot is cached and update_view compares (version, status, window)."""
        if self.is_current and self.is_mounted:
            self.update_view()

    def on_screen_resume(self) -> None:
        if self._dirty:
            self.update_view()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._version = None  # the texts carry theme colours: rebuild them on the next update
        if self.is_mounted:
            self.update_view()

    def update_view(self) -> None:
        self._dirty = False
        d = self.store.domain(self.key)
        window = self.store.window_seconds
        filling = d.filling if d else False
        version = (d.version, d.status, window, filling) if d else None
        if version == self._version:
            return
        self._version = version
        title = self.query_one("#dd-title", Static)
        if d is None:
            title.update(Text(f"{self.key}: no longer watched (removed from the config)"))
            return
        self._update_title(title, d, window)
        self.query_one(Figures).show(figures(d, window, filling))
        notices = self.query_one("#dd-notices", Static)
        notices.update(Text("\n".join(f"notice: {n}" for n in d.notices)))
        notices.display = bool(d.notices)
        self._update_charts(d, window, filling)
        dim = self.get_component_rich_style("drilldown--dim", partial=True)
        error = self.get_component_rich_style("drilldown--error", partial=True)
        error_first = d.error is not None and not (len(d.bandwidth) or len(d.traffic))
        for selector in ("#dd-figures", "#bandwidth-caption", "#bandwidth-chart", "#traffic-caption",
                         "#traffic-chart", "#dd-errors"):
            self.query_one(selector).display = not error_first
        first = self.query_one("#dd-error-first", Static)
        first.display = error_first
        if error_first:
            first.update(error_history(d, dim, error))
        self.query_one("#dd-errors", Static).update(error_history(d, dim, error))
        self.query_one("#dd-requests", Static).update(last_requests(d, dim, error))

    def _update_title(self, title: Static, d: DomainSnapshot, window: int) -> None:
        label = f" “{d.label}”" if d.label else ""
        updated = f"updated {clock_time(d.updated_at, seconds=True)}" if d.updated_at else "no data yet"
        mark = MARKS.get(d.status, "?")
        vendor = vendor_mark(d.vendor)
        title.update(
            Text(
                f"{mark} {vendor} {d.account} / {d.domain}{label} · {d.status} · {updated} · "
                f"window {format_window(window)}"
            )
        )

    def _update_charts(self, d: DomainSnapshot, window: int, filling: bool) -> None:
        now = self.store.clock.now().timestamp()
        start = now - window
        bw = d.bandwidth
        more = ", filling…" if filling else ""  # the older part of the window is still on its way
        point = f"each point the {self.bandwidth_point} of its bucket, " if self.bandwidth_point else ""
        edge = int(d.settled_before.timestamp()) if d.settled_before is not None else None
        grey = ""
        if edge is not None and (d.provisional_buckets or len(d.traffic) > d.settled_traffic_buckets):
            grey = f"; grey: provisional, the vendor may still change them (after {clock_time(d.settled_before)})"
        self.query_one("#bandwidth-caption", Static).update(
            f"Bandwidth, last {format_window(window)} ({point}local time{more}{grey})"
        )
        self.query_one("#bandwidth-chart", Chart).show(
            ChartData(
                "line", tuple(bw.times), series_tuple(bw.values), start, now, colour="cyan", provisional_from=edge
            )
        )
        chart_width = max(20, self.size.width - 12)
        times, sums, size = group_buckets(list(d.traffic.times), list(d.traffic.values), chart_width // 3)
        # A bar summing any provisional bucket is provisional: it starts before the edge when it holds it.
        bar_edge = None if edge is None else edge - edge % size
        self.query_one("#traffic-caption", Static).update(
            f"Traffic per {format_window(size)} bucket, last {format_window(window)}{more}"
            + (" (grey: provisional)" if grey else "")
        )
        self.query_one("#traffic-chart", Chart).show(
            ChartData(
                "bars", tuple(times), tuple(sums), start, now, bar_seconds=size, colour="blue",
                provisional_from=bar_edge,
            )
        )

    def action_back(self) -> None:
        self.dismiss()
