"""Terminal output as plain text: escape sequences stripped, fed in arbitrary chunks.

Cursor positioning becomes a newline so text from two screen places never runs together; style changes
vanish, so `12.3` in one colour and ` Mbps` in another read as `12.3 Mbps`. A sequence cut between two reads
is held back until its end arrives.
"""

from __future__ import annotations

import codecs
import re

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
    """Incremental UTF-8 decoding and escape stripping."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._held = ""

    def feed(self, data: bytes) -> str:
        """Plain text of this chunk (an escape sequence cut at its end is kept for the next one)."""
        text = self._held + self._decoder.decode(data)
        self._held = ""
        cut = text.rfind("\x1b")
        if cut != -1 and ESCAPE.match(text, cut) is None and len(text) - cut < _MAX_HELD:
            text, self._held = text[:cut], text[cut:]
        return strip(text)


def strip(text: str) -> str:
    """Remove escape sequences and control characters other than newline from complete output."""
    text = ESCAPE.sub(_replace, text)
    return text.translate(_CONTROLS)


_CONTROLS = {c: None for c in range(32) if c not in (9, 10)} | {13: "\n", 0x7F: None}
