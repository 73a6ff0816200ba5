"""`?`: every binding with its keys (after the config's `[keys]`), what it does and its id for remapping."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from livetop.ui.bindings import BindingInfo

FOOTNOTE = (
    "Remap any key in the config file, e.g.\n"
    "  [keys]\n"
    '  "overview.select" = "enter,o"\n'
    "ctrl+p opens the command palette (every action by name). "
    "Status marks: ● ok  ◐ stale  ✖ failing  · loading  ‖ paused  Σ totals (sums over the watched domains); "
    "⚑ alert firing (in place of the mark, yellow for a warning, red for a critical one; a lists them).\n"
    "The error panel opens by itself when a new kind of error appears, until you hide it with e; after that "
    "only e opens it.\n"
    "Buckets younger than the account's settle delay are provisional (muted in the sparkline, grey in the "
    "drilldown): PEAK, TRAFFIC, Δ and the change sort count settled buckets only. NOW is the newest bucket as "
    "it stands, muted while it is provisional (the vendor may still change it). \"filling…\": the row holds "
    "part of the window so far (after a zoom out)."
)


def help_table(groups: list[tuple[str, list[BindingInfo]]], key_display: Callable[[str], str]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column("keys", no_wrap=True, style="bold")
    table.add_column("what", ratio=1)
    table.add_column("id", no_wrap=True, style="dim")
    for n, (title, infos) in enumerate(groups):
        if not infos:
            continue
        if n:
            table.add_row("", "", "")
        table.add_row(Text(title, style="bold underline"), "", "")
        for info in infos:
            # Text, not str: a table reads strings as markup, and a key from [keys] may be "[/]".
            keys = Text(" ".join(key_display(k) for k in info.keys))
            table.add_row(keys, Text(info.help), Text(info.id))
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape,question_mark,q",
            "close",
            "Close",
            id="help.close",
            key_display="esc",
            tooltip="Close this help",
        ),
    ]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 96;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $primary;
        border-title-color: $primary;
        background: $surface;
        padding: 0 1;
    }
    HelpScreen #help-footnote { color: $foreground-muted; margin-top: 1; }
    """

    def __init__(
        self, groups: list[tuple[str, list[BindingInfo]]], key_display: Callable[[str], str]
    ) -> None:
        super().__init__(id="help-screen")
        self.groups = groups
        self.key_display = key_display

    def compose(self) -> ComposeResult:
        with VerticalScroll() as body:
            body.border_title = "livetop keys (esc to close)"
            yield Static(help_table(self.groups, self.key_display), id="help-table")
            yield Static(FOOTNOTE, id="help-footnote", markup=False)

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()

    def listed_ids(self) -> list[str]:
        return [info.id for _, infos in self.groups for info in infos]

    def action_close(self) -> None:
        self.dismiss(None)
