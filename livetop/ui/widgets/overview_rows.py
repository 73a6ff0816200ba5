"""The overview's rows: which lines to show, in which order, for a snapshot, a sort, a filter and a view.

`build_rows` builds them from scratch: the definition. `RowModel` keeps them up to date from one snapshot to
the next and must always equal `build_rows` of the newest snapshot (a property test drives both with random
deliveries). At a thousand domains a delivery changes a few dozen of them, yet sorting, filtering and making
a Row for every one of them on every delivery was a fifth of livetop's busy time. The model looks only at the
domains whose snapshot object changed (the store hands out the same object until a domain changes), and
re-sorts an account's group only when a changed domain's sort key moved it past a neighbour.

No Textual here.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from livetop.engine.store import (
    STATUS_ERROR,
    STATUS_LOADING,
    STATUS_OK,
    STATUS_PAUSED,
    STATUS_STALE,
    DomainKey,
    DomainSnapshot,
    StoreSnapshot,
    TotalSnapshot,
)
from livetop.vendors.registry import vendor_mark

STATUS_RANK = {STATUS_ERROR: 0, STATUS_STALE: 1, STATUS_LOADING: 2, STATUS_PAUSED: 3, STATUS_OK: 4}


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the overview. `ident` is stable across snapshots (the strip cache is keyed by it)."""

    kind: str  # "domain" | "total" | "grand" | "note"
    ident: Hashable
    domain: DomainSnapshot | None = None
    total: TotalSnapshot | None = None
    text: str = ""
    role: str = "dim"  # a note's colour: "stale" (warning) or "error" when it says something is wrong


def _display(d: DomainSnapshot) -> str:
    return d.display.casefold()


SORT_KEYS: dict[str, Callable[[DomainSnapshot], Any]] = {
    # Biggest audience first; no data yet sinks to the bottom.
    "bandwidth": lambda d: (d.bandwidth_now is None, -(d.bandwidth_now or 0.0)),
    # Most negative change of the *settled* bandwidth first (the Δ column): an audience falling off a cliff is
    # what a live-ops engineer must see first, and a half-filled newest bucket is not a fall.
    "change": lambda d: (d.change_ratio is None, d.change_ratio or 0.0),
    "name": lambda d: (_display(d), d.domain),
    # Vendor, then account, then name: in the grouped view it also gathers the accounts of one vendor.
    "vendor": lambda d: (d.vendor, d.account, _display(d), d.domain),
    # Failing first (grouped by error code), then stale, loading, paused, healthy.
    "errors": lambda d: (STATUS_RANK.get(d.status, 5), d.error.code if d.error else "", _display(d)),
}


def matches(d: DomainSnapshot, needle: str) -> bool:
    """Case-insensitive substring of domain, label, account, vendor (name or HW/JD) or error code."""
    haystack = (
        d.domain,
        d.label or "",
        d.account,
        d.vendor,
        vendor_mark(d.vendor),
        d.error.code if d.error else "",
    )
    return any(needle in field.casefold() for field in haystack)


def _note(text: str, role: str = "dim") -> list[Row]:
    return [Row("note", ("note",), text=text, role=role)]


def build_rows(
    snap: StoreSnapshot | None,
    sort: str,
    filter_text: str,
    flat: bool = False,
    empty: tuple[str, str] | None = None,
) -> list[Row]:
    """Grouped (default): domains grouped by account (config order; the vendor sort orders the groups by
    vendor), sorted within the group, each group closed by its total line. Flat: every domain ranked across
    all accounts, like `top`. The grand total last either way. A group with no domain matching the filter is
    left out entirely. `empty` (text, role): the line while there is no domain at all, when the source knows
    better than "no domains watched" (a viewer waiting for its collector, or told it is unreachable)."""
    if snap is None or not snap.domains:
        if empty is not None:
            return _note(*empty)
        return _note("waiting for data…" if snap is None else "no domains watched")
    needle = filter_text.strip().casefold()
    key = SORT_KEYS[sort]
    if flat:
        shown = [d for d in snap.domains if not needle or matches(d, needle)]
        if not shown:
            return _note(f"no domain matches “{filter_text}”")
        shown.sort(key=key)  # stable: ties keep config order
        return [*(Row("domain", d.key, domain=d) for d in shown), Row("grand", ("grand",), total=snap.grand)]
    groups: dict[str, list[DomainSnapshot]] = {}
    for d in snap.domains:
        groups.setdefault(d.account, [])
        if not needle or matches(d, needle):
            groups[d.account].append(d)
    totals = {t.account: t for t in snap.accounts}
    ordered = list(groups.items())
    if sort == "vendor":
        vendor_of = {d.account: d.vendor for d in snap.domains}
        ordered.sort(key=lambda item: vendor_of.get(item[0], ""))  # stable: config order within a vendor
    rows: list[Row] = []
    for account, members in ordered:
        if not members:
            continue
        members.sort(key=key)  # stable: ties keep config order
        rows.extend(Row("domain", d.key, domain=d) for d in members)
        if account in totals:
            rows.append(Row("total", ("total", account), total=totals[account]))
    if not rows:
        return _note(f"no domain matches “{filter_text}”")
    rows.append(Row("grand", ("grand",), total=snap.grand))
    return rows


class RowModel:
    """`rows` = build_rows(the last snapshot, sort, filter, flat), kept up to date incrementally.

    `update` returns whether the rows' order (which key is on which line) may have changed; when it returns
    False, only the Row objects of changed domains and of the totals were replaced in place. A group whose
    order changed has just its own lines rewritten (its size, and so every other line, stays). `domain_lines`
    (the line of each domain row, top to bottom) and `domain_pos` (key -> index into it) follow the rows."""

    def __init__(self) -> None:
        self.rows: list[Row] = build_rows(None, "bandwidth", "")
        self.full_builds = 0  # how often the rows were built from scratch (tests and benches read it)
        self.empty_note: tuple[str, str] | None = None  # build_rows' `empty`: read when there is no domain
        self.domain_lines: list[int] = []
        self.domain_pos: dict[DomainKey, int] = {}
        self._params: tuple | None = None  # (sort, needle, flat, filter_text) of the rows held
        self._domains: tuple[DomainSnapshot, ...] = ()  # the snapshot's domains the rows were made from
        self._incremental = False  # the state below describes `rows`
        self._sort_keys: list[tuple] = []  # per config position: (sort key, position): a strict total order
        self._shown: list[bool] = []  # per config position: matches the filter
        self._groups: list[list[int]] = []  # config positions of the shown domains, in display order, per group
        self._group_of: list[int] = []  # per config position: index into _groups (-1: not shown)
        self._line_of: dict[DomainKey, int] = {}  # line of each shown domain
        self._total_lines: list[tuple[int, str]] = []  # (line, account) of each account total
        self._group_starts: list[tuple[int, int]] = []  # per group: (its first line, its first domain_pos)

    def update(self, snap: StoreSnapshot | None, sort: str, filter_text: str, flat: bool = False) -> bool:
        needle = filter_text.strip().casefold()
        params = (sort, needle, flat, filter_text)
        old = self._domains
        if (
            snap is None
            or not self._incremental
            or params != self._params
            or len(snap.domains) != len(old)
        ):
            return self._build(snap, params)
        new = snap.domains
        changed = [i for i, (a, b) in enumerate(zip(new, old)) if a is not b]
        if not changed:
            self._domains = new
            self._replace_totals(snap)
            return False
        key_of = SORT_KEYS[sort]
        resort: set[int] = set()
        for i in changed:
            d, before = new[i], old[i]
            if d.key != before.key or d.vendor != before.vendor:
                return self._build(snap, params)  # a domain came or went, or moved vendor (the vendor sort's groups)
            shown = not needle or matches(d, needle)
            if shown != self._shown[i]:
                return self._build(snap, params)  # a domain (dis)appears: groups and notes may change
            sort_key = (key_of(d), i)
            if sort_key != self._sort_keys[i]:
                self._sort_keys[i] = sort_key
                if shown:
                    resort.add(self._group_of[i])
        self._domains = new
        moved = False
        keys = self._sort_keys
        rows = self.rows
        for g in resort:
            members = self._groups[g]
            ordered = sorted(members, key=keys.__getitem__)
            if ordered == members:
                continue
            self._groups[g] = ordered
            moved = True
            line, pos = self._group_starts[g]
            for offset, i in enumerate(ordered):  # the group keeps its lines: only their contents move
                d = new[i]
                if rows[line + offset].domain is not d:
                    rows[line + offset] = Row("domain", d.key, domain=d)
                self._line_of[d.key] = line + offset
                self.domain_pos[d.key] = pos + offset
        for i in changed:
            if self._shown[i]:
                d = new[i]
                line = self._line_of[d.key]
                if rows[line].domain is not d:
                    rows[line] = Row("domain", d.key, domain=d)
        self._replace_totals(snap)
        return moved

    def _replace_totals(self, snap: StoreSnapshot) -> None:
        totals = {t.account: t for t in snap.accounts}
        rows = self.rows
        for line, account in self._total_lines:
            rows[line] = Row("total", ("total", account), total=totals[account])
        rows[-1] = Row("grand", ("grand",), total=snap.grand)

    def _build(self, snap: StoreSnapshot | None, params: tuple) -> bool:
        """From scratch, as build_rows does, keeping what the next update needs."""
        sort, needle, flat, filter_text = params
        self.full_builds += 1
        self._params = params
        self._incremental = False
        self._domains = snap.domains if snap is not None else ()
        self.domain_lines, self.domain_pos = [], {}
        if snap is None or not snap.domains:
            self.rows = build_rows(snap, sort, filter_text, flat, self.empty_note)
            return True
        key_of = SORT_KEYS[sort]
        domains = snap.domains
        self._sort_keys = [(key_of(d), i) for i, d in enumerate(domains)]
        self._shown = [not needle or matches(d, needle) for d in domains]
        names: dict[str, int] = {}
        self._groups, self._group_of = [], []
        for i, d in enumerate(domains):
            g = 0 if flat else names.setdefault(d.account, len(names))
            if g == len(self._groups):
                self._groups.append([])
            if self._shown[i]:
                self._groups[g].append(i)
                self._group_of.append(g)
            else:
                self._group_of.append(-1)
        if sort == "vendor" and not flat:
            vendor_of = {d.account: d.vendor for d in domains}
            accounts = list(names)
            order = sorted(range(len(accounts)), key=lambda g: vendor_of.get(accounts[g], ""))  # stable
            self._groups = [self._groups[g] for g in order]
            where = {old: new for new, old in enumerate(order)}
            self._group_of = [where[g] if g >= 0 else -1 for g in self._group_of]
        keys = self._sort_keys
        for members in self._groups:
            members.sort(key=keys.__getitem__)
        if not any(self._groups):
            self.rows = build_rows(snap, sort, filter_text, flat)  # the "no domain matches" note
            return True
        self._lay_out(snap)
        self._incremental = True
        return True

    def _lay_out(self, snap: StoreSnapshot) -> None:
        """The rows from the groups' order: domain lines, each group's total, the grand total."""
        domains = snap.domains
        flat = self._params[2] if self._params else False
        totals = {t.account: t for t in snap.accounts}
        rows: list[Row] = []
        self._line_of, self._total_lines, self._group_starts = {}, [], []
        self.domain_lines, self.domain_pos = [], {}
        for members in self._groups:
            self._group_starts.append((len(rows), len(self.domain_lines)))
            if not members:
                continue
            for i in members:
                d = domains[i]
                self._line_of[d.key] = len(rows)
                self.domain_pos[d.key] = len(self.domain_lines)
                self.domain_lines.append(len(rows))
                rows.append(Row("domain", d.key, domain=d))
            if not flat:
                account = domains[members[0]].account
                if account in totals:
                    self._total_lines.append((len(rows), account))
                    rows.append(Row("total", ("total", account), total=totals[account]))
        rows.append(Row("grand", ("grand",), total=snap.grand))
        self.rows = rows
