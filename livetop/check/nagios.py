"""The Monitoring Plugins API, exactly (monitoring-plugins doc/developer-guidelines.sgml, Nagios pluginapi):
states and exit codes, the threshold range format, and performance data with plain decimals.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal

OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3
STATE_NAMES = {OK: "OK", WARNING: "WARNING", CRITICAL: "CRITICAL", UNKNOWN: "UNKNOWN"}
# Which state wins when several domains are summed up (the plugins' max_state_alt): a critical domain outweighs
# a warning one, which outweighs one livetop could not judge, which outweighs a fine one.
_SEVERITY = {OK: 0, UNKNOWN: 1, WARNING: 2, CRITICAL: 3}


def worst(*states: int) -> int:
    return max(states, key=_SEVERITY.__getitem__, default=OK)


RANGE_HELP = "use e.g. 10 (0..10), 10: (at least 10), ~:10 (at most 10), 10:20, or @10:20 (alert inside)"


class RangeError(ValueError):
    """A threshold that is not in the plugins' range format: args = (problem, fix)."""


_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)"
_RANGE = re.compile(rf"^(@)?(?:(~|{_NUMBER})?:)?({_NUMBER})?$")


@dataclass(frozen=True, slots=True)
class Range:
    """`[@]start:end`: alert when the value is outside start..end (inclusive), or inside it with `@`.

    `10` = 0..10, `10:` = 10..+inf, `~:10` = -inf..10, `10:20`, `@10:20` (alert inside).
    """

    start: float  # -inf for `~`
    end: float  # +inf when omitted after `:`
    inside: bool
    text: str

    @classmethod
    def parse(cls, text: str) -> Range:
        raw = text.strip()
        match = _RANGE.match(raw)
        if not raw or not match or (match.group(2) is None and match.group(3) is None):
            raise RangeError(f"{text!r} is not a threshold range", RANGE_HELP)
        inside, start_text, end_text = match.group(1) is not None, match.group(2), match.group(3)
        has_colon = ":" in raw
        if not has_colon:
            start, end = 0.0, float(end_text)
        else:
            start = -math.inf if start_text == "~" else float(start_text) if start_text is not None else 0.0
            end = float(end_text) if end_text is not None else math.inf
        if start > end:
            raise RangeError(f"{text!r}: the start {start:g} is above the end {end:g}", RANGE_HELP)
        return cls(start, end, inside, raw)

    def alerts(self, value: float) -> bool:
        """True when `value` should raise this threshold's state."""
        within = self.start <= value <= self.end
        return within if self.inside else not within

    def __str__(self) -> str:
        return self.text


def plain(value: float | int) -> str:
    """A number as the perfdata value class `[-0-9.]` allows: never an exponent, no trailing zeros."""
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        raise ValueError("perfdata values must be finite")
    text = format(Decimal(repr(round(value, 3))).normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def quote_label(label: str) -> str:
    """Labels may hold anything but `=`; quotes are doubled, and the whole is always quoted."""
    return "'" + label.replace("=", "_").replace("'", "''") + "'"


@dataclass(frozen=True, slots=True)
class Perf:
    label: str
    value: float | int | None  # None: undeterminable, written U
    uom: str = ""
    warn: Range | None = None
    crit: Range | None = None
    minimum: float | int | None = None
    maximum: float | int | None = None

    def __str__(self) -> str:
        value = "U" if self.value is None else plain(self.value) + self.uom
        fields = [
            value,
            "" if self.warn is None else self.warn.text,
            "" if self.crit is None else self.crit.text,
            "" if self.minimum is None else plain(self.minimum),
            "" if self.maximum is None else plain(self.maximum),
        ]
        while len(fields) > 1 and fields[-1] == "":
            fields.pop()  # trailing empty fields may be dropped
        return f"{quote_label(self.label)}={';'.join(fields)}"


def state_for(value: float, warn: Range | None, crit: Range | None) -> int:
    if crit is not None and crit.alerts(value):
        return CRITICAL
    if warn is not None and warn.alerts(value):
        return WARNING
    return OK


def render(state: int, summary: str, head_perf: list[Perf], long_lines: list[str], tail_perf: list[Perf]) -> str:
    """The plugin's stdout: `LIVETOP STATE - summary | perf`, then long text, then `| more perf`.

    Nagios joins the first and the later perfdata without a space, so the later part starts with one.
    """
    first = f"LIVETOP {STATE_NAMES[state]} - {summary}"
    if head_perf:
        first += " | " + " ".join(map(str, head_perf))
    lines = [first, *long_lines]
    if tail_perf:
        lines.append("| " + " ".join(map(str, tail_perf)))
    return "\n".join(lines) + "\n"
