"""The error panel: every decoded error across all domains, grouped by vendor code and decoded meaning (one code
can mean several things), with what it means, what to do, how many domains (and which), since when, and the
latest raw message (already redacted by the vendor layer). A widget per group: only a group that changed is redrawn."""

from __future__ import annotations

import io
from typing import ClassVar

from rich.console import Console, Group
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from livetop.ui.drilldown_data import clock_time
from livetop.ui.error_groups import ErrorGroup
from livetop.vendors.registry import vendor_mark

MAX_DOMAINS_LISTED = 6
NO_ERRORS = "No errors: every watched domain answers."


def group_key(g: ErrorGroup) -> tuple:
    """What the panel shows of a group: equal keys mean nothing to redraw."""
    e = g.error
    return (
        g.vendor,
        g.code,
        e.title,
        e.meaning,
        e.action,
        e.http_status,
        e.raw_message,
        g.domains,
        g.since,
        g.latest_at,
        g.halted,
    )


def details(rows: list[tuple[str, Text | str]], label_style: Style, indent: int = 2) -> Table:
    """Label/value lines whose values wrap under themselves, not under the label. Values are shown as typed:
    a plain string becomes Text (a table would read it as Rich markup, and vendor text may hold brackets)."""
    table = Table.grid(padding=(0, 1), pad_edge=False)
    table.add_column(width=indent - 1 if indent > 1 else None, no_wrap=True)
    table.add_column(style=label_style, no_wrap=True)
    table.add_column(ratio=1, overflow="fold")
    for label, value in rows:
        table.add_row("", Text(label), Text(value) if isinstance(value, str) else value)
    return table


def group_renderable(g: ErrorGroup, styles: dict[str, Style]) -> Group:
    e = g.error
    head = Text()
    head.append("✖ ", styles["error"])
    head.append(g.code, styles["code"])
    head.append(f"  {e.title}", styles["title"])
    facts = [vendor_mark(g.vendor)]
    facts.append(f"HTTP {e.http_status}" if e.http_status else "no HTTP answer")
    facts.append(f"{len(g.domains)} domain{'s' if len(g.domains) != 1 else ''}")
    if g.since is not None:
        facts.append(f"since {clock_time(g.since, seconds=True)}")
    if g.halted:
        facts.append("not retried until you press r")
    head.append("   " + " · ".join(facts), styles["dim"])
    rows: list[tuple[str, Text | str]] = []
    if e.meaning:
        rows.append(("means", e.meaning))
    if e.action:
        rows.append(("do", e.action))
    names = [f"{k.account}/{k.domain}" for k in g.domains[:MAX_DOMAINS_LISTED]]
    more = len(g.domains) - len(names)
    rows.append(("where", ", ".join(names) + (f" and {more} more" if more > 0 else "")))
    if e.raw_message:
        latest = Text()
        if g.latest_at is not None:
            latest.append(f"{clock_time(g.latest_at, seconds=True)} ", styles["dim"])
        latest.append(f"“{e.raw_message}”")
        rows.append(("latest", latest))
    return Group(head, details(rows, styles["dim"]))


class ErrorGroupView(Static):
    """One error group. A widget per group: a retry that changes one group's latest message (each refusal
    carries a new request id) repaints those few lines, not the whole panel."""

    DEFAULT_CSS = """
    ErrorGroupView { height: auto; margin-bottom: 1; }
    ErrorGroupView:last-child { margin-bottom: 0; }
    """

    def __init__(self, group: ErrorGroup) -> None:
        super().__init__(markup=False)
        self.group = group
        self.key: tuple | None = None

    def show(self, group: ErrorGroup, styles: dict[str, Style], force: bool = False) -> None:
        key = group_key(group)
        if key == self.key and not force:
            return
        self.group, self.key = group, key
        self.update(group_renderable(group, styles))


class ErrorPanel(VerticalScroll, can_focus=True):
    """Toggled with `e`; the app opens it by itself when a new kind of error appears."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "error-panel--error",
        "error-panel--code",
        "error-panel--title",
        "error-panel--dim",
    }

    DEFAULT_CSS = """
    ErrorPanel {
        height: auto;
        /* At 80x24 the overview keeps most of the screen: the panel scrolls within 7 lines. */
        max-height: 30%;
        border-top: solid $error 60%;
        border-title-color: $error;
        border-title-style: bold;
        padding: 0 1;
        &.-hidden { display: none; }
        & > .error-panel--error { color: $error; }
        & > .error-panel--code { color: $error; text-style: bold; }
        & > .error-panel--title { text-style: bold; }
        & > .error-panel--dim { color: $foreground-muted; }
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._key: tuple | None = None
        self._groups: list[ErrorGroup] = []
        self._views: dict[tuple[str, ...], ErrorGroupView] = {}
        self._empty = Static(NO_ERRORS, id="error-panel-empty", markup=False)

    def compose(self) -> ComposeResult:
        yield self._empty

    @property
    def groups(self) -> list[ErrorGroup]:
        return self._groups

    def _styles(self) -> dict[str, Style]:
        return {
            name: self.get_component_rich_style(f"error-panel--{name}", partial=True)
            for name in ("error", "code", "title", "dim")
        }

    def show(self, groups: list[ErrorGroup]) -> None:
        key = tuple(group_key(g) for g in groups)
        if key == self._key:
            return
        self._key = key
        self._groups = groups
        domains = sum(len(g.domains) for g in groups)
        title = (
            f"Errors: {len(groups)} kind{'s' if len(groups) != 1 else ''} on {domains} "
            f"domain{'s' if domains != 1 else ''}"
            if groups
            else "Errors"
        )
        if title != self.border_title:  # setting it repaints the whole panel, even to the same text
            self.border_title = title
        self._sync_views()

    def _sync_views(self, force: bool = False) -> None:
        """One view per group, in the groups' order; only a view whose group changed is redrawn."""
        styles = self._styles()
        wanted = [g.kind_key for g in self._groups]
        for kind in [k for k in self._views if k not in set(wanted)]:
            self._views.pop(kind).remove()
        new: list[ErrorGroupView] = []
        for group in self._groups:
            view = self._views.get(group.kind_key)
            if view is None:
                view = self._views[group.kind_key] = ErrorGroupView(group)
                new.append(view)
            view.show(group, styles, force=force)
        if new:
            self.mount_all(new)
        order = [self._views[k] for k in wanted]
        if [v for v in self.children if isinstance(v, ErrorGroupView) and v in order] != order:
            for i, view in enumerate(order):  # the most widespread first: counts moved, so does the order
                if i:
                    self.move_child(view, after=order[i - 1])
        self._empty.display = not self._groups

    def notify_style_update(self) -> None:
        super().notify_style_update()
        if self._groups and self.is_mounted:
            self._sync_views(force=True)

    def plain_text(self, width: int = 120) -> str:
        """Everything the panel says, as plain text (for tests and the tmux check)."""
        console = Console(width=width, record=True, file=io.StringIO(), color_system=None)
        if not self._groups:
            console.print(NO_ERRORS)
        for i, group in enumerate(self._groups):
            if i:
                console.print()
            console.print(group_renderable(group, self._styles()))
        return console.export_text()
