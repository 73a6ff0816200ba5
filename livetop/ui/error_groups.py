"""The error panel's pure half: current errors across all domains, grouped by vendor and code. No Textual."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from livetop.engine.store import DomainKey, DomainSnapshot, StoreSnapshot
from livetop.model import DecodedError


@dataclass(frozen=True, slots=True)
class ErrorGroup:
    """Every domain currently failing with one (vendor, code)."""

    vendor: str
    code: str
    error: DecodedError  # the latest occurrence: title, meaning, action, raw message
    domains: tuple[DomainKey, ...]
    since: datetime | None  # the earliest time one of these domains started failing with this code
    latest_at: datetime | None  # when the latest occurrence happened
    halted: int  # domains not retried until a refresh (non-retryable error)

    @property
    def kind_key(self) -> tuple[str, str]:
        return (self.vendor, self.code)


def _latest_event(d: DomainSnapshot, code: str) -> tuple[datetime | None, DecodedError]:
    for event in reversed(d.errors):
        if event.error.code == code:
            return event.at, event.error
    return d.error_since, d.error  # type: ignore[return-value]


def group_errors(snap: StoreSnapshot | None) -> list[ErrorGroup]:
    """Groups of the errors domains have right now, the most widespread first (then by code)."""
    if snap is None:
        return []
    members: dict[tuple[str, str], list[DomainSnapshot]] = {}
    for d in snap.domains:
        if d.error is not None:
            members.setdefault((d.error.vendor or d.vendor, d.error.code), []).append(d)
    groups = []
    for (vendor, code), ds in members.items():
        latest_at: datetime | None = None
        latest = ds[0].error
        for d in ds:
            at, error = _latest_event(d, code)
            if latest_at is None or (at is not None and at > latest_at):
                latest_at, latest = at, error
        starts = [d.error_since for d in ds if d.error_since is not None]
        groups.append(
            ErrorGroup(
                vendor=vendor,
                code=code,
                error=latest,  # type: ignore[arg-type]
                domains=tuple(sorted(d.key for d in ds)),
                since=min(starts) if starts else None,
                latest_at=latest_at,
                halted=sum(1 for d in ds if d.halted),
            )
        )
    groups.sort(key=lambda g: (-len(g.domains), g.vendor, g.code))
    return groups


def error_kinds(snap: StoreSnapshot | None) -> frozenset[tuple[str, str]]:
    """The (vendor, code) pairs failing right now: the app opens the panel when a new one appears."""
    if snap is None:
        return frozenset()
    return frozenset((d.error.vendor or d.vendor, d.error.code) for d in snap.domains if d.error is not None)
