"""The error panel's pure half: current errors across all domains, grouped by vendor, code and the decoded
variant of that code (one code can mean several things, told apart by the vendor's message: JD's
UNAUTHENTICATED is a signature or a clock problem); and a code shown whole, or cut so it can still be told
apart, where room is short. No Textual."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len, set_cell_size

from livetop.engine.store import DomainKey, DomainSnapshot, StoreSnapshot
from livetop.model import DecodedError

ErrorKind = tuple[str, str, str, str]  # (vendor, code, title, meaning): one decoded kind of error


def error_kind(vendor: str, error: DecodedError) -> ErrorKind:
    """What tells one kind of error from another: the code and what the catalog decoded it to. The raw
    message (a new request id every time) is not part of it."""
    return (error.vendor or vendor, error.code, error.title, error.meaning)


@dataclass(frozen=True, slots=True)
class ErrorGroup:
    """Every domain currently failing with one (vendor, code) decoded to one meaning."""

    vendor: str
    code: str
    error: DecodedError  # the latest occurrence: title, meaning, action, raw message
    domains: tuple[DomainKey, ...]
    since: datetime | None  # the earliest time one of these domains started failing with this kind
    latest_at: datetime | None  # when the latest occurrence happened
    halted: int  # domains not retried until a refresh (non-retryable error)

    @property
    def kind_key(self) -> ErrorKind:
        return error_kind(self.vendor, self.error)


def _latest_event(d: DomainSnapshot, kind: ErrorKind) -> tuple[datetime | None, DecodedError]:
    for event in reversed(d.errors):
        if error_kind(d.vendor, event.error) == kind:
            return event.at, event.error
    return d.error_since, d.error  # type: ignore[return-value]


def group_errors(snap: StoreSnapshot | None) -> list[ErrorGroup]:
    """Groups of the errors domains have right now, the most widespread first (then by code, then title)."""
    if snap is None:
        return []
    members: dict[ErrorKind, list[DomainSnapshot]] = {}
    for d in snap.domains:
        if d.error is not None:
            members.setdefault(error_kind(d.vendor, d.error), []).append(d)
    groups = []
    for kind, ds in members.items():
        latest_at: datetime | None = None
        latest = ds[0].error
        for d in ds:
            at, error = _latest_event(d, kind)
            if latest_at is None or (at is not None and at > latest_at):
                latest_at, latest = at, error
        starts = [d.error_since for d in ds if d.error_since is not None]
        groups.append(
            ErrorGroup(
                vendor=kind[0],
                code=kind[1],
                error=latest,  # type: ignore[arg-type]
                domains=tuple(sorted(d.key for d in ds)),
                since=min(starts) if starts else None,
                latest_at=latest_at,
                halted=sum(1 for d in ds if d.halted),
            )
        )
    groups.sort(key=lambda g: (-len(g.domains), g.vendor, g.code, g.error.title))
    return groups


def error_kinds(snap: StoreSnapshot | None) -> frozenset[ErrorKind]:
    """The kinds failing right now: the app opens the panel when a new one appears."""
    if snap is None:
        return frozenset()
    return frozenset(error_kind(d.vendor, d.error) for d in snap.domains if d.error is not None)


def code_within(code: str, width: int, ascii_mode: bool = False) -> str:
    """`code` in at most `width` cells, still telling it apart: a dotted code keeps its last part whole, which
    is where codes of one family differ (`ResourceNotFound.DomainNotExist` -> `Reso…DomainNotExist`), with as
    much of its start as fits; otherwise the middle goes, the end kept a little more."""
    if cell_len(code) <= width:
        return code
    mark = "~" if ascii_mode else "…"
    if width < 3:
        return set_cell_size(code, max(0, width))
    head, dot, tail = code.rpartition(".")
    if dot and head and cell_len(tail) + 1 <= width:
        return set_cell_size(code, width - 1 - cell_len(tail)) + mark + tail
    head_cells = (width - 1) // 3
    tail_cells = width - 1 - head_cells
    end, used = "", 0
    for ch in reversed(code):
        if used + cell_len(ch) > tail_cells:
            break
        end, used = ch + end, used + cell_len(ch)
    return set_cell_size(code, head_cells) + mark + end


def error_note(error: DecodedError, width: int, ascii_mode: bool = False) -> str:
    """An overview row's error text in `width` cells: `CODE title` when the code fits whole (the title is cut
    at its end), else the code alone, cut by `code_within` so it can still be told apart and looked up."""
    if cell_len(error.code) <= width:
        return error.short()
    return code_within(error.code, width, ascii_mode)
