"""The TUI's side of the 7 d and 30 d zooms: which data source the screens read (the engine's store, or a
long view over the history file), the view's backfill, and what the status line says while they work.

No Textual here: the app calls it from its zoom action and its tick.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from livetop.engine.store import DomainKey
from livetop.history.backfill import Backfill
from livetop.history.longview import LIVE_WINDOW, LongView
from livetop.ui.feed import SnapshotFeed

NO_HISTORY = (
    "7d and 30d are read from the history file, and there is none here (history = false in the config, "
    "LIVETOP_HISTORY=off, the demo without --history, or a --remote viewer): the window stops at 1d"
)


class LongZoom:
    def __init__(self, history, engine, deliver: Callable[[frozenset[DomainKey]], None]) -> None:
        self.history = history  # livetop.history.store.History, or None
        self.engine = engine
        self.deliver = deliver
        self.view: LongView | None = None
        self.backfill: Backfill | None = None
        self._feed: SnapshotFeed | None = None
        self._closing: set[asyncio.Task] = set()

    @property
    def available(self) -> bool:
        return self.history is not None and self.history.usable

    def source(self):
        """What the screens read: the long view, or the engine's store."""
        return self.view if self.view is not None else self.engine.store

    def open(self, window_seconds: int) -> None:
        """Show `window_seconds` (longer than the live window) from the history; the engine keeps 24 h."""
        self.close()
        self.engine.set_window(LIVE_WINDOW)
        view = LongView(self.history, self.engine.store, window_seconds)
        self.backfill = Backfill(view, self.engine)
        self._feed = SnapshotFeed(view, self.deliver)
        self._feed.start()
        view.start()
        self.view = view

    def close(self) -> None:
        """Back to the live store; the view's reads and fetches stop (a fetch under way is let go)."""
        if self._feed is not None:
            self._feed.stop()
            self._feed = None
        view, backfill = self.view, self.backfill
        self.view = self.backfill = None
        if view is None:
            return

        async def shut() -> None:
            if backfill is not None:
                await backfill.close()
            await view.close()

        task = asyncio.get_running_loop().create_task(shut(), name="long view close")
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def aclose(self) -> None:
        self.close()
        for task in list(self._closing):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def status(self) -> tuple[str, str]:
        """(text, role) for the status line: reading the history, fetching what it lacks, or what is missing."""
        view, backfill = self.view, self.backfill
        if view is None or backfill is None:
            return "", "dim"
        total = len(view.keys())
        if view.loaded < total:
            return f"reading history {view.loaded}/{total}", "warning"  # short: 80 columns keep the window
        if backfill.pending:
            return backfill.estimate().text or f"filling, {backfill.pending} left", "warning"
        if backfill.waiting:
            n = len(backfill.waiting)
            return f"backfill waits for {n} failing", "dim"
        if backfill.failures:
            codes = sorted({e.code for e in backfill.failures.values()})
            n = len(backfill.failures)
            return f"{n} with gaps ({', '.join(codes)})", "warning"
        note = backfill.lookback_note()
        if note:  # older than the vendor keeps: shown empty in the window, and why
            return note, "dim"
        return "", "dim"
