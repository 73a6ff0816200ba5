"""The overview's status line: what is on screen (window, how often domains are really polled, sort, filter,
frozen), how many domains are healthy or failing, a line when an account does not verify TLS certificates,
and a line when an account's rate limit cannot serve its domains at the refresh ("1000 domains at 280
req/min: each every 7.2 min").

Redrawn only when its text changes: it shows no clock and no age, so an idle screen writes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget

from livetop.engine.capacity import Capacity, format_interval
from livetop.engine.store import (
    STATUS_ERROR,
    STATUS_LOADING,
    STATUS_OK,
    STATUS_PAUSED,
    STATUS_STALE,
    StoreSnapshot,
)
from livetop.model import format_window
from livetop.ui.partial_writes import refresh_changed_lines, text_lines


@dataclass(frozen=True, slots=True)
class StatusState:
    window_seconds: int
    refresh_seconds: float
    sort: str
    filter_text: str = ""
    frozen: bool = False
    total: int = 0
    shown: int = 0
    counts: tuple[tuple[str, int], ...] = ()  # (status, count) in a fixed order
    insecure_accounts: tuple[str, ...] = ()
    filling: bool = False  # some domain's data covers only part of the window (a zoom's backfill)
    flat: bool = False  # every domain ranked across accounts
    source: tuple[str, str] = ("", "dim")  # (text, role): the collector a viewer reads, or its trouble
    alerts: int = 0  # firing alerts (livetop.alerts), `alerts_critical` of them critical
    alerts_critical: int = 0
    # The count is the last a collector sent before it became unreachable (livetop --remote): not current.
    alerts_stale: bool = False
    # Accounts whose rate limit cannot serve the refresh (livetop.engine.capacity).
    over_capacity: tuple[Capacity, ...] = ()
    # How often a domain is really asked, (fastest, slowest account): the poll schedule's cadence, stretched
    # where a limit falls short (`poll_intervals`). Empty: nothing known (no accounts), the refresh is said.
    polled_seconds: tuple[float, ...] = ()


MAX_CAPACITY_LINES = 2  # more accounts over their limit are counted on the last line


_COUNT_ORDER = (
    (STATUS_OK, "ok", "ok"),
    (STATUS_ERROR, "failing", "error"),
    (STATUS_STALE, "stale", "warning"),
    (STATUS_LOADING, "loading", "dim"),
    (STATUS_PAUSED, "paused", "dim"),
)


def count_statuses(snap: StoreSnapshot | None) -> tuple[tuple[str, int], ...]:
    if snap is None:
        return ()
    counts = Counter(d.status for d in snap.domains)
    return tuple((status, counts[status]) for status, _, _ in _COUNT_ORDER if counts[status])


def over_capacity(snap: StoreSnapshot | None) -> tuple[Capacity, ...]:
    """The capacity of each account whose rate limit cannot serve its domains at the refresh, or whose
    per-domain lists are off or failing (its demand then rises many times over, even while it still fits)."""
    if snap is None:
        return ()
    return tuple(
        t.capacity
        for t in snap.accounts
        if t.capacity is not None and (not t.capacity.fits or t.capacity.notice)
    )


def poll_intervals(capacities: Mapping[str, Capacity]) -> tuple[float, ...]:
    """(fastest, slowest) of how often each account's domains are asked (`Store.capacities()`): the
    schedule's own figure (`Capacity.interval_seconds`: its cadence, ~1 min where the vendor's data moves once
    a minute, whatever a shorter refresh says; stretched by demand / limit where the limit falls short).
    () with no account."""
    seen = [cap.interval_seconds for cap in capacities.values() if cap.domains]
    return (min(seen), max(seen)) if seen else ()


def polled_text(state: StatusState) -> str:
    """ "1 min", "1–4.3 min" across accounts, "30 s–4.3 min"; the refresh when nothing better is known."""
    if not state.polled_seconds:
        return format_interval(state.refresh_seconds)
    low, high = (format_interval(t) for t in state.polled_seconds)
    if low == high:
        return low
    low_n, low_unit = low.split(" ")
    high_unit = high.split(" ")[1]
    return f"{low_n}–{high}" if low_unit == high_unit else f"{low}–{high}"


def capacity_lines(state: StatusState, width: int) -> list[str]:
    """One line per account its limit cannot serve (at most MAX_CAPACITY_LINES; the last then counts the rest):
    the account, the message, the refresh it replaces, and what to do when the width leaves room for it."""
    items = state.over_capacity
    shown = items if len(items) <= MAX_CAPACITY_LINES else items[: MAX_CAPACITY_LINES - 1]
    lines = []
    for cap in shown:
        if cap.fits:  # only the lists' notice to give: the limit still serves the refresh
            lines.append(f"⚠ {cap.account}: {cap.notice}")
            continue
        line = f"⚠ {cap.account}: {cap.message}, not every {format_interval(cap.refresh_seconds)}"
        if cell_len(line) > width:  # a long account name: the figures before the refresh they miss
            line = f"⚠ {cap.account}: {cap.message}"
        advice = cap.advice_within(width - cell_len(line) - 3)
        lines.append(f"{line} · {advice}" if advice else line)
    rest = len(items) - len(shown)
    if rest:
        why = (
            "cannot be served at this refresh"
            if not any(cap.fits for cap in items[len(shown):])
            else "short of their limit or their lists"
        )
        lines.append(f"⚠ {rest} more accounts {why}: see their total lines")
    return lines


def status_parts(state: StatusState) -> list[list[tuple[str, str]]]:
    """The line as parts, most important first; each part is a list of (text, role) runs."""
    parts: list[list[tuple[str, str]]] = []
    if state.frozen:
        parts.append([(" FROZEN ", "frozen")])
    if state.source[0]:
        parts.append([state.source])
    labels = {status: (label, role) for status, label, role in _COUNT_ORDER}
    counts: list[tuple[str, str]] = [(f"{state.total} domain{'s' if state.total != 1 else ''}", "body")]
    for i, (status, n) in enumerate(state.counts):
        label, role = labels[status]
        counts.append((": " if i == 0 else ", ", "dim"))
        counts.append((f"{n} {label}", role))
    alerts: list[tuple[str, str]] = []
    if state.alerts:
        role = "error" if state.alerts_critical else "warning"
        alerts = [(f"⚑ {state.alerts} alert{'s' if state.alerts != 1 else ''} firing", role)]
        if state.alerts_stale:  # what the collector said last: it may have resolved or fired more since
            alerts.append((" (stale)", "warning"))
        alerts.append((" (a)", "dim"))
    elif state.alerts_stale:  # none firing when the collector was last heard: not the same as none now
        alerts = [("⚑ alerts unknown", "warning"), (" (a)", "dim")]
    if state.alerts_stale:
        # Beside the collector's trouble, ahead of the counts (every row reads stale then): the part a narrow
        # line keeps says the alerts are not current either.
        parts.append(alerts)
        parts.append(counts)
    else:
        parts.append(counts)
        if alerts:
            parts.append(alerts)
    if state.filter_text:
        parts.append(
            [("filter ", "dim"), (f"“{state.filter_text}”", "accent"), (f" {state.shown} shown", "dim")]
        )
    window = [("window ", "dim"), (format_window(state.window_seconds), "body")]
    if state.filling:
        window.append((" filling…", "warning"))
    parts.append(window)
    # What really happens, not the refresh setting: a domain is asked again only when its data can have
    # changed (livetop.engine.schedule), about once a minute, or slower under a rate limit.
    parts.append([("polled every ", "dim"), (polled_text(state), "body")])
    sort = [("sort ", "dim"), (state.sort, "body")]
    if state.flat:
        sort.append((", flat", "body"))
    parts.append(sort)
    return parts


def fit_parts(parts: list[list[tuple[str, str]]], width: int, sep: str = " · ") -> list[tuple[str, str]]:
    """Keep the leading parts that fit in `width` cells, joined by `sep`."""
    runs: list[tuple[str, str]] = []
    used = 0
    for part in parts:
        size = sum(cell_len(t) for t, _ in part)
        extra = size + (cell_len(sep) if runs else 0)
        if used + extra > width and runs:
            break
        if runs:
            runs.append((sep, "dim"))
        runs.extend(part)
        used += extra
    return runs


class StatusBar(Widget):
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "status-bar--dim",
        "status-bar--ok",
        "status-bar--error",
        "status-bar--warning",
        "status-bar--frozen",
        "status-bar--accent",
    }

    DEFAULT_CSS = """
    StatusBar {
        height: auto;
        padding: 0 1;
        & > .status-bar--dim { color: $foreground-muted; }
        & > .status-bar--ok { color: $success; }
        & > .status-bar--error { color: $error; text-style: bold; }
        & > .status-bar--warning { color: $warning; }
        & > .status-bar--frozen { background: $warning; color: $background; text-style: bold; }
        & > .status-bar--accent { color: $accent; }
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._state: StatusState | None = None
        self._shown: list[Strip] | None = None  # the lines as last drawn, to repaint only what changes

    @property
    def state(self) -> StatusState | None:
        return self._state

    def show(self, state: StatusState) -> None:
        if state == self._state:
            return
        layout_changed = (
            self._state is None
            or bool(state.insecure_accounts) != bool(self._state.insecure_accounts)
            or len(state.over_capacity) != len(self._state.over_capacity)
        )
        self._state = state
        if not self.is_mounted or not self.content_size.width:
            self._shown = None
            self.refresh(layout=layout_changed)
            return
        # A count moving ("797 ok" -> "798 ok") rewrites just its digits, not the whole line (~800 bytes).
        lines = text_lines(self, self.render())
        if layout_changed:
            self.refresh(layout=True)
        else:
            refresh_changed_lines(self, self._shown, lines)
        self._shown = lines

    def on_resize(self) -> None:
        self._shown = None  # drawn whole at the new width

    def notify_style_update(self) -> None:
        self._shown = None  # a new theme: drawn whole
        super().notify_style_update()

    def _style(self, role: str) -> Style:
        if role == "body":
            return Style()
        return self.get_component_rich_style(f"status-bar--{role}", partial=True)

    def render(self) -> Text:
        state = self._state
        if state is None:
            return Text("starting…")
        width = max(1, self.content_size.width)
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        for chunk, role in fit_parts(status_parts(state), width):
            text.append(chunk, self._style(role))
        if state.insecure_accounts:
            accounts = ", ".join(state.insecure_accounts)
            text.append("\n")
            text.append(
                f"⚠ TLS certificates NOT verified for {accounts} (verify_tls = false)", self._style("warning")
            )
        for line in capacity_lines(state, width):
            text.append("\n")
            text.append(line, self._style("warning"))
        return text

    @property
    def plain(self) -> str:
        """The text as shown (for tests and the tmux check)."""
        return self.render().plain
