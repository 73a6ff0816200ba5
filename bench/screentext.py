"""Terminal output as plain text: escape sequences stripped, fed in arbitrary chunks.

Cursor positioning becomes a newline so text from two screen places never runs together; style changes
vanish, so `12.3` in one colour and ` Mbps` in another read as `12.3 Mbps`. A sequence cut between two reads
is held back until its end arrives.
"""

from __future__ import annotations

import codecs
import re

from rich.cells import cell_len

# One complete escape sequence. Order matters: the string-terminated kinds (OSC, DCS, APC, PM, SOS) must be
# tried before the two-byte form, and the two-byte form excludes their introducers so that an unterminated
# `ESC ]` is seen as incomplete rather than as a two-byte sequence.
ESCAPE = re.compile(
    r"""
      \x1b\[ (?P<csi_params>[0-?]*) [ -/]* (?P<csi_final>[@-~])   # CSI
    | \x1b\] [^\x07\x1b]* (?:\x07|\x1b\\)                          # OSC ... BEL or ST
    | \x1b[P_^X] .*? \x1b\\                                        # DCS / APC / PM / SOS ... ST
    | \x1b[()*+#%] .                                               # charset designation, DEC line modes
    | \x1b[@-OQ-WYZ\\`-~0-?]                                       # two-byte escapes (ESC 7, ESC =, ESC M)
    """,
    re.VERBOSE | re.DOTALL,
)
# CSI finals that move the cursor somewhere else on the screen.
_MOVES = frozenset("HfABCDEFGd")
_MAX_HELD = 4096  # a longer unterminated sequence is garbage: drop it rather than hold it forever


def _replace(match: re.Match[str]) -> str:
    final = match.group("csi_final")
    return "\n" if final is not None and final in _MOVES else ""


class ScreenText:
    """Incremental UTF-8 decoding and escape stripping; with a size, also the screen as drawn so far (`lines`):
    a program that rewrites only the changed cells of a line (livetop) never sends a whole line again, so a
    pattern over a line is looked for on the screen, not in the stream."""

    def __init__(self, cols: int = 0, rows: int = 0) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._held = ""
        self._grid = [[" "] * cols for _ in range(rows)] if cols and rows else None
        self._x = self._y = 0

    def lines(self) -> list[str]:
        """The screen's text, one string per row (empty without a size)."""
        return ["".join(row) for row in self._grid] if self._grid is not None else []

    def _draw(self, text: str) -> None:
        grid = self._grid
        assert grid is not None
        rows, cols = len(grid), len(grid[0])
        pos = 0
        for match in ESCAPE.finditer(text):
            self._put(text[pos : match.start()], rows, cols)
            pos = match.end()
            if match.group("csi_final") in ("H", "f"):
                params = (match.group("csi_params") or "").split(";") + [""]
                row, col = (int(p) if p.isdigit() and int(p) > 0 else 1 for p in params[:2])
                self._y, self._x = min(rows, row) - 1, min(cols, col) - 1
        self._put(text[pos:], rows, cols)

    def _put(self, text: str, rows: int, cols: int) -> None:
        grid = self._grid
        assert grid is not None
        for ch in text:
            if ch == "\r":
                self._x = 0
            elif ch == "\n":
                self._y = min(rows - 1, self._y + 1)
            elif ch >= " " and ch != "\x7f":
                size = max(1, cell_len(ch))
                if self._x < cols:
                    grid[self._y][self._x] = ch
                    if size == 2 and self._x + 1 < cols:
                        grid[self._y][self._x + 1] = ""  # the second half of a wide character
                self._x += size

    def feed(self, data: bytes) -> str:
        """Plain text of this chunk (an escape sequence cut at its end is kept for the next one)."""
        text = self._held + self._decoder.decode(data)
        self._held = ""
        cut = text.rfind("\x1b")
        if cut != -1 and ESCAPE.match(text, cut) is None and len(text) - cut < _MAX_HELD:
            text, self._held = text[:cut], text[cut:]
        if self._grid is not None:
            self._draw(text)
        return strip(text)


def strip(text: str) -> str:
    """Remove escape sequences and control characters other than newline from complete output."""
    text = ESCAPE.sub(_replace, text)
    return text.translate(_CONTROLS)


_CONTROLS = {c: None for c in range(32) if c not in (9, 10)} | {13: "\n", 0x7F: None}
