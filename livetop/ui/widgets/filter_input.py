"""The `/` filter line: filters the overview as you type; Enter keeps the filter, Esc clears it.

No blinking cursor (a dashboard left on a filter must not write to the terminal twice a second)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Static


class FilterInput(Input):
    # Priority, like `/`: Enter and Esc act as the app reads them, so focus has left the line before the keys
    # typed right behind them are handed out (else those land in the closed line, and a `/` right after
    # Enter reopens a line that the Enter's late close then shuts).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "cancel",
            "Clear filter",
            id="filter.cancel",
            show=False,
            tooltip="Clear the filter and close the filter line (Enter keeps it)",
            priority=True,
        ),
        Binding("enter", "submit", "Keep filter", id="filter.keep", show=False, priority=True),
    ]

    class Closed(Message):
        """The filter line closed: `text` is the filter to keep ("" after Esc). `opening` says which opening
        of the line this closes: a `/` pressed again before this message arrives opens a newer one, which the
        late message must not close."""

        def __init__(self, text: str, opening: int) -> None:
            super().__init__()
            self.text = text
            self.opening = opening

    def __init__(self, *, id: str | None = None) -> None:
        # select_on_focus off: focus lands after characters typed right behind `/` may already be in, and
        # selecting them then would make the next character replace them.
        super().__init__(
            placeholder="part of a domain, label, account, vendor or error code",
            id=id,
            compact=True,
            select_on_focus=False,
        )
        self.cursor_blink = False

    def action_cancel(self) -> None:
        self._leave(keep=False)

    async def action_submit(self) -> None:
        self._leave(keep=True)

    def _leave(self, keep: bool) -> None:
        # Enter/Esc act as the app reads them, ahead of characters typed just before them that still wait in
        # this widget's queue. Focus moves now (what is typed next goes to the overview); the text is read
        # once the queued characters are in.
        bar = self.parent
        opening = 0
        if isinstance(bar, FilterBar):
            bar.close(kept=keep)
            opening = bar.opening
            if bar.return_focus is not None:
                self.screen.set_focus(bar.return_focus)
        self.call_later(lambda: self.post_message(self.Closed(self.value.strip() if keep else "", opening)))


class FilterBar(Horizontal):
    """`filter /` and the input; hidden until `/` is pressed."""

    DEFAULT_CSS = """
    FilterBar {
        display: none;
        height: 1;
        padding: 0 1;
        &.-open { display: block; }
        & > #filter-prompt { width: auto; color: $accent; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.return_focus: Widget | None = None  # where focus goes when the line closes
        self.opening = 0  # counts the openings; a Closed message names the one it closes
        self.cancelled = False  # the last close was Esc (its Closed("") may not have arrived yet)

    def compose(self) -> ComposeResult:
        yield Static("filter / ", id="filter-prompt")
        yield FilterInput(id="filter")

    @property
    def input(self) -> FilterInput:
        return self.query_one(FilterInput)

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    def open(self, text: str) -> None:
        self.opening += 1
        self.cancelled = False
        field = self.input
        field.value = text
        field.cursor_position = len(text)
        self.add_class("-open")
        self.screen.set_focus(field)  # now, not later: what is typed right after `/` belongs to the filter

    def close(self, kept: bool = True) -> None:
        self.cancelled = not kept
        self.remove_class("-open")

    def text_to_reopen(self, current: str) -> str:
        """What `/` opens the line with: the kept filter, or nothing right after Esc even when the overview has
        not yet heard of that Esc."""
        return "" if self.cancelled else current
