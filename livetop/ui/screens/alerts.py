"""`a`: the alerts panel - what fires (level, rule, domain, since when, value against threshold), what is
pending its `for`, the latest transitions, and hooks that failed; on a `--remote` viewer, the collector's.

Laid out as a two-column grid per section (a narrow column for the level or the time, the rest wraps), so it
reads at 80 columns as well as at 120: nothing is cut, a long value or hook message wraps under its own line.
Redrawn only when its text changes."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from livetop.model import format_duration

PANEL_WIDTH = 110  # the modal's width on a wide terminal (CSS below), borders included
RECENT_SHOWN = 8
FAILURES_SHOWN = 5


def _at(now: datetime, when: datetime) -> str:
    """Wall-clock time and age: '15:46:49 (4m ago)', the operator's own clock as the drilldown shows it."""
    return f"{when.astimezone().strftime('%H:%M:%S')} ({format_duration((now - when).total_seconds())} ago)"


def _grid() -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True, width=9)
    grid.add_column(ratio=1, overflow="fold")
    return grid


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _head(service) -> list[Text]:
    """What runs where and how much fires, or why nothing does."""
    active = service.evaluator.active
    firing = [a for a in active if a.state == "firing"]
    critical = sum(a.level == "critical" for a in firing)
    pending = len(active) - len(firing)
    counts = f"{len(firing)} firing" + (f" ({critical} critical)" if critical else "") + (
        f", {pending} pending" if pending else "")
    if getattr(service, "remote", False):
        where = service.where()
        if service.received is None:
            return [Text(f"alerts run on the collector {where}: it has sent none yet (still connecting, or a "
                         "livetop serve older than this viewer)", style="dim")]
        head = Text(f"alerts run on the collector {where}: {_plural(service.rule_count, 'rule')}, {counts}")
        if not service.current:
            as_of = service.as_of or service.received
            head.append(f" (as of {as_of.astimezone().strftime('%H:%M:%S')}: the collector is unreachable)",
                        style="yellow")
        lines = [head]
        if not service.rule_count:
            lines.append(Text("the collector's config has no [[alerts]] rules (they go there, not in the viewer's)",
                              style="dim"))
        return lines
    if not service.enabled:
        return [Text("no [[alerts]] rules in the config: see the README's Alerts section", style="dim")]
    rules = _plural(len(service.evaluator.rules), "rule")
    if not active:
        return [Text.assemble(("nothing firing", "green"), (f" · {rules} watching", "dim"))]
    return [Text(f"{counts} · {rules} watching")]


def _active(service, now: datetime) -> Table | None:
    active = service.evaluator.active
    if not active:
        return None
    grid = _grid()
    for alert in active:
        pending = alert.state != "firing"
        level = "pending" if pending else alert.level.upper()
        style = "dim" if pending else ("bold red" if alert.level == "critical" else "yellow")
        where = Text.assemble((alert.rule.name, "bold"), "  ", alert.key.domain)
        if alert.label:
            where.append(f" ({alert.label})")
        where.append(f" · {alert.key.account}", style="dim")
        grid.add_row(Text(level, style=style), where)
        if pending:
            after = format_duration(alert.rule.for_seconds)
            when = f"holding since {_at(now, alert.active_since)}; fires after {after}"
        else:
            when = f"firing since {_at(now, alert.fired_at or alert.active_since)}"
            if alert.clear_since is not None:
                when += (f"; clear since {alert.clear_since.astimezone().strftime('%H:%M:%S')}, resolves after "
                         f"{format_duration(alert.rule.keep_firing_for_seconds)}")
        grid.add_row(Text(""), Text.assemble(alert.text, (f" · {when}", "dim")))
    return grid


def _recent(service, now: datetime) -> Table | None:
    recent = list(service.recent)[-RECENT_SHOWN:]
    if not recent:
        return None
    grid = _grid()
    for event in reversed(recent):
        a = event.alert
        style = "green" if event.state == "resolved" else "red" if a.level == "critical" else "yellow"
        grid.add_row(Text(event.at.astimezone().strftime("%H:%M:%S"), style="dim"),
                     Text.assemble((f"{event.state:<8} ", style), (a.rule.name, "bold"), f"  {a.key.domain}",
                                   (f" · {a.text}", "dim")))
    return grid


def _failures(service) -> Table | None:
    failures = service.hooks.failures[-FAILURES_SHOWN:]
    if not failures:
        return None
    grid = _grid()
    for r in reversed(failures):
        grid.add_row(Text(r.at.astimezone().strftime("%H:%M:%S"), style="dim"),
                     Text.assemble((r.alert, "bold"), f"  {r.key.split('/', 1)[-1]} ({r.state})"))
        grid.add_row(Text(""), Text(f"{r.argv0}: {r.detail}", style="red"))
    return grid


def alert_toasts(events) -> list[tuple[str, str, str]]:
    """(message, title, severity) per toast for alerts that fired or resolved: one each for a few, one for a
    burst (a start with fifty alerts firing is one toast, not fifty)."""
    if len(events) <= 3:
        out = []
        for e in events:
            a = e.alert
            severity = "information" if e.state == "resolved" else "error" if a.level == "critical" else "warning"
            label = f" ({a.label})" if a.label else ""
            out.append((f"{a.key.domain}{label}: {a.text}", f"{a.rule.name} {e.state}", severity))
        return out
    fired = sum(e.state == "firing" for e in events)
    resolved = len(events) - fired
    said = ", ".join(part for part in (f"{fired} fired" if fired else "", f"{resolved} resolved" if resolved else "")
                     if part)
    return [(f"{said}; press a for the list", "alerts", "error" if fired else "information")]


def hook_toast(failures) -> tuple[str, str] | None:
    """(message, title) for hooks that failed since the last toast."""
    if not failures:
        return None
    if len(failures) == 1:
        r = failures[0]
        return (f"{r.argv0} for {r.key.split('/', 1)[-1]} ({r.state}): {r.detail}", f"{r.alert} hook failed")
    rules = sorted({r.alert for r in failures})
    names = ", ".join(rules[:3]) + (" …" if len(rules) > 3 else "")
    message = f"{len(failures)} hooks failed ({names}): {failures[-1].detail}; press a for the list"
    return message, "alert hooks failed"


def alerts_view(service, now: datetime) -> Group:
    """The panel's content. Text, never markup: rule names, labels and vendor text are shown as typed."""
    parts: list = []
    if service is None:
        return Group(Text("no [[alerts]] rules in the config: see the README's Alerts section", style="dim"))
    parts += _head(service)
    for title, section in (("", _active(service, now)), ("recent", _recent(service, now)),
                           ("hooks that failed", _failures(service))):
        if section is None:
            continue
        parts.append(Text(""))
        if title:
            parts.append(Text(title, style="bold underline"))
        parts.append(section)
    return Group(*parts)


class AlertsScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,a,q", "close", "Close", id="alerts.close", key_display="esc", tooltip="Close the alerts"),
    ]

    DEFAULT_CSS = f"""
    AlertsScreen {{ align: center middle; }}
    AlertsScreen > VerticalScroll {{
        width: {PANEL_WIDTH};
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $primary;
        border-title-color: $primary;
        background: $surface;
        padding: 0 1;
    }}
    """

    def __init__(self, service, clock) -> None:
        super().__init__()
        self.service = service
        self.clock = clock
        self._shown: str = ""

    def compose(self) -> ComposeResult:
        with VerticalScroll() as body:
            body.border_title = "alerts (esc to close)"
            yield Static(id="alerts-table")

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()
        self.redraw()

    def on_resize(self) -> None:
        self._shown = ""
        self.redraw()

    def clock_tick(self) -> None:
        self.redraw()

    def _width(self) -> int:
        """The text width inside the border, the padding and a scrollbar."""
        return max(20, min(PANEL_WIDTH, self.app.size.width) - 6)

    def redraw(self) -> None:
        view = alerts_view(self.service, self.clock.now())
        console = Console(width=self._width(), record=True, file=None, color_system=None)
        with console.capture() as capture:
            console.print(view)
        text = capture.get()
        if text != self._shown:  # same text, no repaint: an idle panel writes nothing
            target = self.query("#alerts-table")
            if not target:  # a resize before the panel is composed: on_mount draws it
                return
            self._shown = text
            target.first(Static).update(view)

    def plain(self) -> str:
        return self._shown

    def action_close(self) -> None:
        self.dismiss(None)
