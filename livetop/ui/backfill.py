"""After a zoom out, which domains still wait for the history the longer window needs.

Until a domain's backfill lands its figures cover the old window, so the screens say "filling…" instead of
labelling them with the new one. A domain is filled once a successful fetch made after the zoom asked for a
span at least as long as the window (the engine fetches the whole window first, then only the newest buckets).
No Textual here; the app feeds it the changed keys it already gets from the store.
"""

from __future__ import annotations

from datetime import datetime

from livetop.engine.store import DomainKey, DomainSnapshot, Store

FILLING = "filling…"


def fetched_window(d: DomainSnapshot, window_seconds: int, since: datetime) -> bool:
    """A successful fetch made at or after `since` covered a span of at least `window_seconds`."""
    return any(
        r.ok and r.at >= since and (r.range_end - r.range_start).total_seconds() >= window_seconds
        for r in reversed(d.requests)
    )


class Backfill:
    def __init__(self) -> None:
        self.window_seconds: int | None = None
        self.since: datetime | None = None
        self._pending: set[DomainKey] = set()

    def widened(self, store: Store, window_seconds: int) -> None:
        """The window just grew: every domain that has data and no error waits for its backfill (one with no
        data yet shows "loading", one with an error has nothing to fill)."""
        self.window_seconds = window_seconds
        self.since = store.clock.now()
        self._pending = {
            d.key
            for d in store.snapshot().domains
            if d.error is None and (len(d.bandwidth) or len(d.traffic))
        }

    def narrowed(self) -> None:
        """A shorter window is cut from the data already there: nothing to wait for."""
        self._pending.clear()

    def changed(self, store: Store, keys: frozenset[DomainKey]) -> None:
        """The store changed these domains: drop those whose backfill landed (or that failed or went away)."""
        if not self._pending or self.window_seconds is None or self.since is None:
            return
        for key in keys & self._pending:
            d = store.domain(key)
            if d is None or d.error is not None or fetched_window(d, self.window_seconds, self.since):
                self._pending.discard(key)

    def filling(self, key: DomainKey) -> bool:
        return key in self._pending

    @property
    def active(self) -> bool:
        """Some domain still waits for its backfill (the status line says so)."""
        return bool(self._pending)

    @property
    def waiting(self) -> int:
        return len(self._pending)
