"""The overview's status line: what is on screen (window, how often domains are really polled, sort, filter,
frozen), how many domains are healthy or failing, a line when an account does not verify TLS certificates,
and a line when an account's rate limit cannot serve its domains at the refresh ("1000 domains at 280
req/min: each every 7.2 min").

Each part has forms and ranks (`Part`): on a narrow terminal the line keeps, in this order, FROZEN and the
counts, the alerts' truth (stale, unknown) and a collector's trouble said briefly, a filter, then how often
domains are polled, then the longer wordings, the window and the sort (both also in the overview's header).

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
    source_shorter: tuple[str, ...] = ()  # the source's text in fewer cells, longest first (a narrow line)
    # False: a viewer that has not heard from its collector yet: how many domains it watches is not known.
    domains_known: bool = True
    # False: a viewer's collector is out of reach: how often it polls is its last word, not said as current.
    live: bool = True
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


Runs = list[tuple[str, str]]  # (text, role) runs


@dataclass(frozen=True, slots=True)
class Part:
    """One part of the line in the forms it can take, longest first, each with its rank: how much a live-ops
    engineer needs that form (0: always; higher ranks give way first on a narrow line)."""

    forms: tuple[tuple[Runs, int], ...]


# Ranks. Truth first: what is frozen, how many domains are in which state, what the alerts are (or that they
# are not known), why the collector's data is stale, that a filter hides rows. Then what explains the figures
# (how often domains are polled); decoration last: the window and the sort are also in the overview's header
# (LAST 1h, ↓bandwidth), a healthy collector's address was typed by the user.
ALWAYS, TRUTH, EXPLAINS, WORDY, DECORATION = 0, 1, 4, 6, 7


def _source_part(state: StatusState) -> Part:
    text, role = state.source
    forms = [text, *state.source_shorter]
    if role == "dim":  # nothing wrong: where the data comes from, or a note on the history's look-back
        return Part(tuple(([(t, role)], WORDY) for t in forms))
    # Trouble (a collector out of reach, a backfill under way): the shortest form stays whatever the width;
    # the longer ones add the reason, then the address, then wording.
    ranks = (TRUTH, EXPLAINS, WORDY)
    return Part(tuple(
        ([(t, role)], ranks[i] if i < len(ranks) else DECORATION) for i, t in enumerate(reversed(forms))
    ))


def _counts_part(state: StatusState) -> Part:
    if not state.domains_known:  # a viewer that has not heard from its collector: not "0 domains"
        return Part((([("domains unknown", "warning")], ALWAYS),))
    labels = {status: (label, role) for status, label, role in _COUNT_ORDER}

    def runs(head: str, counts: list[tuple[int, str, str]]) -> Runs:
        out: Runs = [(head, "body")]
        for i, (n, label, role) in enumerate(counts):
            out += [(": " if i == 0 else ", ", "dim"), (f"{n} {label}", role)]
        return out

    counts = [(n, *labels[status]) for status, n in state.counts]
    whole = runs(f"{state.total} domain{'s' if state.total != 1 else ''}", counts)
    if len(counts) < 3:
        return Part(((whole, ALWAYS),))
    # Many states (a thousand domains while some load): at 80 columns the alerts and the filter still fit
    # beside "1000: 950 ok, 20 failing, 10 stale, 20 loading/paused" (loading and paused matter least).
    idle = [c for c in counts if c[1] in ("loading", "paused")]
    if len(idle) == 2:
        counts = [c for c in counts if c not in idle] + [(idle[0][0] + idle[1][0], "loading/paused", "dim")]
    return Part(((whole, EXPLAINS), (runs(f"{state.total}", counts), ALWAYS)))


def _alerts_part(state: StatusState) -> Part | None:
    if state.alerts:
        role = "error" if state.alerts_critical else "warning"
        # What the collector said last when it is unreachable: it may have resolved or fired more since.
        stale = [(" (stale)", "warning")] if state.alerts_stale else []
        plural = "s" if state.alerts != 1 else ""
        whole = [(f"⚑ {state.alerts} alert{plural} firing", role), *stale, (" (a)", "dim")]
        return Part(((whole, WORDY), ([(f"⚑ {state.alerts} firing", role), *stale], TRUTH)))
    if state.alerts_stale:  # none firing when the collector was last heard: not the same as none now
        unknown = ("⚑ alerts unknown", "warning")
        return Part((([unknown, (" (a)", "dim")], WORDY), ([unknown], TRUTH)))
    return None


def status_parts(state: StatusState) -> list[Part]:
    """The line's parts in the order they are shown; `fit_parts` chooses the forms that fit by rank."""
    parts: list[Part] = []
    if state.frozen:
        parts.append(Part((([(" FROZEN ", "frozen")], ALWAYS),)))
    if state.source[0]:
        parts.append(_source_part(state))
    counts, alerts = _counts_part(state), _alerts_part(state)
    # A collector out of reach: the alerts (not current either) beside its trouble, ahead of the counts.
    parts.extend([p for p in ((alerts, counts) if state.alerts_stale else (counts, alerts)) if p is not None])
    if state.filter_text:  # rows are hidden: the counts are of all domains, the screen shows fewer
        shown = [("filter ", "dim"), (f"“{state.filter_text}”", "accent"), (f" {state.shown} shown", "dim")]
        parts.append(Part(((shown, TRUTH),)))
    window: Runs = [("window ", "dim"), (format_window(state.window_seconds), "body")]
    if state.filling:  # part of the window has no data yet: the sparklines and totals are short of it
        # The truth in a short form ("1d filling…") too: a narrow line that cannot fit the whole one must not
        # fill the room with the sort instead and say nothing of figures that are short of their window.
        filling = ("filling…", "warning")
        short: Runs = [window[1], (" ", "body"), filling]
        parts.append(Part((([*window, (" ", "body"), filling], WORDY), (short, TRUTH))))
    else:
        parts.append(Part(((window, WORDY),)))
    if state.live:  # a viewer whose collector is out of reach does not know how it polls now
        # What really happens, not the refresh setting: a domain is asked again only when its data can have
        # changed (livetop.engine.schedule), about once a minute, or slower under a rate limit.
        parts.append(Part((([("polled every ", "dim"), (polled_text(state), "body")], EXPLAINS),)))
    sort: Runs = [("sort ", "dim"), (state.sort, "body")]
    if state.flat:  # not in the header: the rows are ranked across accounts, without their totals
        parts.append(Part(((sort + [(", flat", "body")], DECORATION), ([("flat", "body")], EXPLAINS))))
    else:
        parts.append(Part(((sort, DECORATION),)))
    return parts


def _cells(runs: Runs) -> int:
    return sum(cell_len(t) for t, _ in runs)


def fit_parts(parts: list[Part], width: int, sep: str = " · ") -> Runs:
    """The forms that fit in `width` cells, joined by `sep` in the parts' order. Forms are taken by rank (the
    most needed first; a part's shorter forms before its longer ones): each takes its place, or replaces its
    part's shorter form, if the line still fits. So a narrow line drops decoration and says the truth briefly
    before it would drop a count. The most needed form is shown (cut) even when nothing fits."""
    gap = cell_len(sep)
    offers = sorted(
        (rank, index, -_cells(runs), runs)
        for index, part in enumerate(parts)
        for runs, rank in part.forms
    )
    chosen: dict[int, Runs] = {}
    used = 0
    for _rank, index, _size, runs in offers:
        before = chosen.get(index)
        size = _cells(runs)
        if before is not None:
            if size <= _cells(before):
                continue  # a shorter form than the one taken: never a step back
            extra = size - _cells(before)
        else:
            extra = size + (gap if chosen else 0)
        if used + extra > width and chosen:
            continue
        chosen[index] = runs
        used += extra
    out: Runs = []
    for index in sorted(chosen):
        if out:
            out.append((sep, "dim"))
        out.extend(chosen[index])
    return out


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
