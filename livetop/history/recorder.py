"""Between the engine and the history file: serves the window from disk when a domain needs its whole window
(start, zoom out), and records settled buckets as they arrive, a batch per flush off the event loop.

The engine sees only `load(key, start, end)`; it never imports this package (layers import downwards).
"""

from __future__ import annotations

import asyncio
from bisect import bisect_left, bisect_right

from livetop.engine.store import DomainKey
from livetop.history.store import History

FLUSH_EVERY_SECONDS = 10.0


class HistoryRecorder:
    def __init__(self, history: History, engine, flush_every: float = FLUSH_EVERY_SECONDS):
        self.history = history
        self.engine = engine
        self.flush_every = flush_every
        self._dirty: set[DomainKey] = set()
        # Per domain, the span of settled buckets known to be on disk without a hole: only buckets outside it
        # are written (a backfill before it, new buckets after it).
        self._on_disk: dict[DomainKey, tuple[int, int]] = {}
        # A method, not `self._dirty.update`: `collect` swaps the set, and a bound method of the first one would
        # feed a set nobody reads (every change after the first flush lost until the exit's full flush).
        self._unsubscribe = engine.store.subscribe(self._mark)
        self.rows_written = 0
        self.flushes = 0

    def _mark(self, keys) -> None:
        self._dirty.update(keys)

    # --- read side: what the engine calls -------------------------------------------------------------------

    def load(self, key: DomainKey, start: int, end: int):
        """The settled buckets on disk for [start, end) as ((times, values), (times, values)), and the first
        bucket start the disk lacks (from which the vendor must be asked); None when the disk has nothing."""
        (bt, bv), (tt, tv) = loaded = self.history.read_arrays(key.account, key.domain, start, end)
        if not bt and not tt:
            return None
        snap = self.engine.store.domain(key)
        if snap is None or snap.settled_before is None:
            return None
        # The store's settled edge (what the screen, the alerts and /metrics call settled): nothing younger is on
        # disk, so the vendor is asked from the first bucket at or after it that the disk lacks, if not sooner.
        edge, step = int(snap.settled_before.timestamp()), snap.bucket_seconds
        have_bw, have_tr = set(bt), set(tt)
        resume = -(-start // step) * step
        while resume < edge and resume in have_bw and resume in have_tr:
            resume += step
        # Everything before the first gap is on disk; what is fetched from there on gets written.
        oldest = min(bt[0] if bt else end, tt[0] if tt else end)
        self._on_disk[key] = (oldest, resume - step)
        return loaded, resume

    # --- write side ------------------------------------------------------------------------------------------

    def collect(self) -> list:
        """The settled buckets not yet on disk, per changed domain (on the event loop: reads the store)."""
        dirty, self._dirty = self._dirty, set()
        batch = []
        for key in dirty:
            snap = self.engine.store.domain(key)
            if snap is None:
                continue
            lo, hi = self._on_disk.get(key, (1, 0))  # empty span
            points = []
            # The store's settled buckets, each series' own count: never a provisional one.
            for series, end in ((snap.bandwidth, snap.settled_buckets), (snap.traffic, snap.settled_traffic_buckets)):
                times, values = series.times, series.values
                before = bisect_left(times, lo, 0, end)
                after = max(before, bisect_right(times, hi, 0, end))
                points.append([(times[i], values[i]) for i in (*range(before), *range(after, end))])
            if points[0] or points[1]:
                span = [t for p in points for t, _ in p] + ([lo, hi] if lo <= hi else [])
                batch.append((snap.vendor, key.account, key.domain, points[0], points[1], key,
                              (min(span), max(span))))
        return batch

    def _write(self, batch) -> int:
        return self.history.write([b[:5] for b in batch])

    async def flush(self) -> int:
        batch = self.collect()
        if not batch:
            return 0
        rows = await asyncio.to_thread(self._write, batch)
        if rows:
            for *_, key, span in batch:
                self._on_disk[key] = span
        else:  # not written (busy, read-only, off): try those domains again next time
            self._dirty.update(b[5] for b in batch)
        self.rows_written += rows
        self.flushes += 1
        return rows

    async def run(self) -> None:
        """Flush every `flush_every` seconds until cancelled, then once more."""
        try:
            while True:
                await asyncio.sleep(self.flush_every)
                try:
                    await self.flush()
                except Exception as exc:  # a bug here costs the history, never the live view
                    self.history.notices.append(f"history: a write failed ({type(exc).__name__}: {exc})")
        finally:
            self._dirty.update(self.engine.store.keys())
            try:
                rows = self._write(self.collect())
                self.rows_written += rows
            except Exception:  # the last flush must never turn an exit into a traceback
                pass

    def close(self) -> None:
        self._unsubscribe()
