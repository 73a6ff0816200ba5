"""The compositor that writes only the refreshed cells of a line, and the cell diff that feeds it."""

from __future__ import annotations

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from livetop.ui.partial_writes import CellChopsUpdate, changed_spans, char_start

RED, PLAIN = Style(color="red"), Style()


def strip(*parts: tuple[str, Style]) -> Strip:
    return Strip([Segment(text, style) for text, style in parts])


def write(strip_: Strip, x1: int, x2: int, y: int = 0) -> str:
    """What CellChopsUpdate writes for one span [x1, x2) of a line made of one chop (one widget)."""
    update = CellChopsUpdate([{0: strip_}], [(y, x1, x2)], [[strip_.cell_length]])
    console = Console(color_system=None, force_terminal=True, width=80)
    return update.render_segments(console)


def test_a_span_is_written_from_its_own_first_cell():
    line = strip(("● HW play.example.com  ", PLAIN), ("1.25 Gbps", PLAIN), ("  10s", PLAIN))
    assert write(line, 34, 36) == "\x1b[1;35H10"  # the age's digits only: one cursor move, two cells
    assert write(line, 0, 2) == "\x1b[1;1H● "


def test_a_wide_character_across_the_span_start_is_written_whole():
    line = strip(("ab主站cd", PLAIN))  # cells: a b 主 主 站 站 c d
    assert char_start(line, 3) == 2 and char_start(line, 4) == 4 and char_start(line, 6) == 6
    # Starting in the second half of 站 would write a blank over its first half: start at the character.
    assert write(line, 5, 7) == "\x1b[1;5H站c"


def test_changed_spans_are_the_differing_cells_merged_when_close():
    old = strip(("play  1.25 Gbps  ", PLAIN), ("▁▂▃", RED), ("                         10s", PLAIN))
    same = strip(("play  1.25 Gbps  ", PLAIN), ("▁▂▃", RED), ("                         10s", PLAIN))
    assert changed_spans(old, same) == []
    new = strip(("play  1.30 Gbps  ", PLAIN), ("▁▂▃", RED), ("                         15s", PLAIN))
    assert changed_spans(old, new) == [(8, 2), (46, 1)]  # "30" and the age's "5"; far apart: two spans
    restyled = strip(("play  1.25 Gbps  ", PLAIN), ("▁▂▃", PLAIN), ("                         10s", PLAIN))
    assert changed_spans(old, restyled) == [(17, 3)]  # the same glyphs in another style are a change
    close = strip(("plax  1.26 Gbps  ", PLAIN), ("▁▂▃", RED), ("                         10s", PLAIN))
    assert changed_spans(old, close) == [(3, 7)]  # 4 unchanged cells between: cheaper written than skipped
    assert changed_spans(strip(("ab", PLAIN)), strip(("abcd", PLAIN))) == [(2, 2)]


async def test_the_status_line_writes_only_the_counts_that_moved():
    from dataclasses import replace

    from textual.app import App, ComposeResult

    from livetop.engine.store import STATUS_ERROR, STATUS_OK, STATUS_STALE
    from livetop.ui.partial_writes import use_partial_writes
    from livetop.ui.widgets.status_bar import StatusBar, StatusState
    from tests.conftest import painted
    from tests.test_ui_overview import drawn_cells, wire_spy

    class Bar(App):
        def compose(self) -> ComposeResult:
            yield StatusBar()

        def on_mount(self) -> None:
            use_partial_writes(self.screen)

    state = StatusState(
        window_seconds=86400, refresh_seconds=15, sort="bandwidth", total=1000,
        counts=((STATUS_OK, 797), (STATUS_ERROR, 13), (STATUS_STALE, 190)),
    )  # fmt: skip
    app = Bar()
    async with app.run_test(size=(120, 3)) as pilot:
        bar = app.query_one(StatusBar)
        bar.show(state)
        await painted(pilot)
        written = wire_spy(app)
        bar.show(replace(state, counts=((STATUS_OK, 798), (STATUS_ERROR, 13), (STATUS_STALE, 189))))
        await painted(pilot)
        assert "798 ok" in bar.plain and "189 stale" in bar.plain
        cells = drawn_cells(written)
        assert [text for _, _, text in cells] == ["8", "89"]  # "797" -> "798", "190" -> "189"
        assert sum(map(len, written)) < 120  # the whole line was ~800 bytes
        bar.show(replace(state, frozen=True))  # a new part in front: everything after it moves
        await pilot.pause()
        assert bar.plain.startswith(" FROZEN  · 1000 domains: 797 ok")


def test_a_wide_character_across_the_span_end_is_written_whole():
    line = strip(("ab主站cd", PLAIN))  # cells: a b 主 主 站 站 c d
    # A span ending inside 主 would write half of it (a blank) and leave its other half as it was.
    assert write(line, 1, 3) == "\x1b[1;2Hb主"
    old, new = strip(("ab主站cd", PLAIN)), strip(("ab王站cd", PLAIN))
    assert changed_spans(old, new) == [(2, 2)]  # both halves of the changed character
