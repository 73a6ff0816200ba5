"""Write only the cells a widget asked to repaint, not the line up to them.

Textual's compositor turns a refreshed Region into spans of lines, then writes each span from the left edge of
the widget under it (`ChopsUpdate.render_segments` crops the widget's strip to `[0, x2)`, not `[x1, x2)`).
For the overview, one line across the whole screen, a changed age cell near the right edge therefore rewrote
the row from its first column: ~290 bytes where ~40 say what changed. This compositor writes `[x1, x2)` of
each span, starting on a character boundary (a wide character straddling x1 is written whole, never split
into a blank half over what the terminal already shows).

Installed on its screen by the overview (`use_partial_writes`); everything else about composing is Textual's
own, and every other widget of that screen gains the same: a partial refresh writes its own cells.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.console import Console
from rich.control import Control
from rich.text import Text
from textual._compositor import ChopsUpdate, Compositor
from textual.geometry import Region
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget


def _snap(strip: Strip, offset: int, up: bool) -> int:
    """`offset` moved to the nearest character boundary (down or up) when a wide character straddles it."""
    pos = 0
    for segment in strip:
        text = segment.text
        width = cell_len(text)
        if pos + width <= offset:
            pos += width
            continue
        if width == len(text):  # one cell per character: any offset is a boundary
            return offset
        for ch in text:
            size = cell_len(ch)
            if pos < offset < pos + size:
                return pos + size if up else pos
            if pos >= offset:
                return offset
            pos += size
    return offset


def char_start(strip: Strip, offset: int) -> int:
    """The cell where the character covering cell `offset` of `strip` begins (`offset` itself unless a wide
    character straddles it)."""
    return _snap(strip, offset, up=False)


def char_end(strip: Strip, offset: int) -> int:
    """`offset` as the end of a stretch: moved past a wide character that straddles it."""
    return _snap(strip, offset, up=True)


# Two changed stretches of a line closer than this are written as one: each stretch costs a cursor move and a
# style sequence (~25-45 bytes), more than a few unchanged cells in between.
MERGE_GAP_CELLS = 8


def _cells(strip: Strip) -> list[tuple[str, object]]:
    """One (text, style) per cell; a wide character's second cell is ("", style)."""
    cells: list[tuple[str, object]] = []
    append = cells.append
    for segment in strip:
        style = segment.style
        text = segment.text
        if cell_len(text) == len(text):
            cells.extend((ch, style) for ch in text)
            continue
        for ch in text:
            size = cell_len(ch)
            if size == 0 and cells:  # a combining mark belongs to the cell before it
                cells[-1] = (cells[-1][0] + ch, style)
            elif size:
                append((ch, style))
                if size == 2:  # the second half names its character: a changed wide character differs whole
                    append(("\0" + ch, style))
    return cells


def changed_spans(old: Strip, new: Strip, merge_gap: int = MERGE_GAP_CELLS) -> list[tuple[int, int]]:
    """(x, width) of the stretches of cells where `new` differs from `old` in text or style; stretches
    fewer than `merge_gap` cells apart are joined. A difference in length counts to the longer end."""
    a, b = _cells(old), _cells(new)
    spans: list[tuple[int, int]] = []
    start = None
    last = -1
    for x in range(max(len(a), len(b))):
        if x < len(a) and x < len(b) and a[x] == b[x]:
            continue
        if start is not None and x - last <= merge_gap:
            last = x
            continue
        if start is not None:
            spans.append((start, last - start + 1))
        start = last = x
    if start is not None:
        spans.append((start, last - start + 1))
    return spans


class CellChopsUpdate(ChopsUpdate):
    """A ChopsUpdate that writes each span's own cells only."""

    def render_segments(self, console: Console) -> str:
        sequences: list[str] = []
        append = sequences.append
        move_to = Control.move_to
        chops = self.chops
        chop_ends = self.chop_ends
        last_y = self.spans[-1][0]
        for y, x1, x2 in self.spans:
            for end, (x, strip) in zip(chop_ends[y], chops[y].items()):
                if strip is None or x >= x2 or end <= x1:
                    continue
                start = x if x >= x1 else x + char_start(strip, x1 - x)
                stop = end if end <= x2 else x + char_end(strip, x2 - x)
                piece = strip if (start == x and stop == end) else strip.crop(start - x, stop - x)
                append(move_to(start, y).segment.text)
                append(piece.render(console))
            if y != last_y:
                append("\n")
        return "".join(sequences)


class CellCompositor(Compositor):
    def render_partial_update(self) -> ChopsUpdate | None:
        update = super().render_partial_update()
        if update is None:
            return None
        return CellChopsUpdate(update.chops, update.spans, update.chop_ends)


def use_partial_writes(screen: Screen) -> None:
    """Make `screen` write only the refreshed cells of a line, from now on. CellCompositor holds no state of
    its own, so the screen's compositor keeps its maps and only changes how it writes."""
    compositor = screen._compositor
    if type(compositor) is Compositor:
        compositor.__class__ = CellCompositor


def text_lines(widget: Widget, text: Text) -> list[Strip] | None:
    """`text` as the lines `widget` draws it in its content width (its own styles, not the widget's base
    style, which is the same on every cell and so cannot hide or make a difference). None when a line is
    wider than that: where Textual cuts or wraps it is Textual's business, so such text is redrawn whole."""
    width = max(1, widget.content_size.width)
    if any(cell_len(line.plain) > width for line in text.split("\n")):
        return None
    console = widget.app.console
    options = console.options.update_width(width)
    return [Strip(line) for line in console.render_lines(text, options, pad=False)]


def refresh_changed_lines(widget: Widget, old: list[Strip] | None, new: list[Strip] | None) -> None:
    """Refresh only the cells of `widget` where its `new` lines differ from the `old` ones on screen (the
    whole widget when their number changed or either is unknown)."""
    if old is None or new is None or len(old) != len(new):
        widget.refresh()
        return
    for y, (before, after) in enumerate(zip(old, new)):
        for x, width in changed_spans(before, after):
            widget.refresh(Region(x, y, width, 1))
