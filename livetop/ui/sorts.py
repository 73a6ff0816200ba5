"""The overview's sort modes, in the order `s` cycles through them: the one list the config check and the
overview share. No Textual (nor anything else) imported here, so livetop.config can use it."""

from __future__ import annotations

SORTS: tuple[str, ...] = ("bandwidth", "change", "name", "vendor", "errors")


def check_sort(mode: str) -> str:
    """`mode` if it is a sort mode; ValueError naming the modes otherwise (the config loader checks user input
    before it gets here, so this is for callers in code)."""
    if mode not in SORTS:
        raise ValueError(f"unknown sort {mode!r}; one of {', '.join(SORTS)}")
    return mode


def next_sort(mode: str) -> str:
    """The mode after `mode`, wrapping around."""
    return SORTS[(SORTS.index(check_sort(mode)) + 1) % len(SORTS)]
