"""`a`: the alerts panel - what fires (level, rule, domain, since when, value against threshold), what is
pending its `for`, the latest transitions, and hooks that failed. Redrawn only when its text changes."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from livetop.model import format_duration


def _since(now: datetime, when: datetime) -> str:
    return f"{format_duration((now - when).total_seconds())} ago"


def alerts_table(service, now: datetime) -> Table:
    """Text, never markup: rule names, labels and vendor text are shown as typed."""
    table = Table.grid(padding=(0, 2))
    for name in ("level", "rule", "domain", "since", "what"):
        table.add_column(name, no_wrap=name != "what", ratio=1 if name == "what" else None)
    active = service.evaluator.active if service is not None else ()
    if service is None or not service.enabled:
        table.add_row(Text("no [[alerts]] rules in the config: see the README's Alerts section", style="dim"))
        return table
    if not active:
        table.add_row(Text("nothing firing", style="green"), Text(""), Text(""), Text(""),
                      Text(f"{len(service.evaluator.rules)} rules watching", style="dim"))
    for alert in active:
        pending = alert.state != "firing"
        level = "pending" if pending else alert.level.upper()
        style = "dim" if pending else ("bold red" if alert.level == "critical" else "yellow")
        domain = alert.key.domain + (f" ({alert.label})" if alert.label else "")
        since = _since(now, alert.active_since)
        if pending:
            since += f", fires after {format_duration(alert.rule.for_seconds)}"
        elif alert.clear_since is not None:
            since += ", clearing"
        table.add_row(Text(level, style=style), Text(alert.rule.name), Text(domain), Text(since), Text(alert.text))
    recent = list(service.recent)[-8:]
    if recent:
        table.add_row(Text(""), Text(""), Text(""), Text(""), Text(""))
        table.add_row(Text("recent", style="bold underline"))
        for event in reversed(recent):
            a = event.alert
            table.add_row(Text(event.state, style="dim"), Text(a.rule.name), Text(a.key.domain),
                          Text(_since(now, event.at)), Text(a.text, style="dim"))
    failures = service.hooks.failures[-5:]
    if failures:
        table.add_row(Text(""), Text(""), Text(""), Text(""), Text(""))
        table.add_row(Text("hooks that failed", style="bold underline"))
        for r in reversed(failures):
            table.add_row(Text("hook", style="red"), Text(r.alert), Text(r.key.split("/", 1)[-1]),
                          Text(_since(now, r.at)), Text(f"{r.argv0} ({r.state}): {r.detail}"))
    return table


class AlertsScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,a,q", "close", "Close", id="alerts.close", key_display="esc", tooltip="Close the alerts"),
    ]

    DEFAULT_CSS = """
    AlertsScreen { align: center middle; }
    AlertsScreen > VerticalScroll {
        width: 110;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $primary;
        border-title-color: $primary;
        background: $surface;
        padding: 0 1;
    }
    """

    def __init__(self, service, clock) -> None:
        super().__init__(id="alerts-screen")
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

    def clock_tick(self) -> None:
        self.redraw()

    def redraw(self) -> None:
        table = alerts_table(self.service, self.clock.now())
        from rich.console import Console

        console = Console(width=106, record=True, file=None, color_system=None)
        with console.capture() as capture:
            console.print(table)
        text = capture.get()
        if text != self._shown:  # same text, no repaint: an idle panel writes nothing
            self._shown = text
            self.query_one("#alerts-table", Static).update(table)

    def plain(self) -> str:
        return self._shown

    def action_close(self) -> None:
        self.dismiss(None)
