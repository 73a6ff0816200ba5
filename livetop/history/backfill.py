"""Backfill for the long zooms: buckets of the window the history file lacks are asked of the vendor, in the
background, through the account's own pacing, after live polling, and written to the history.

- What is asked: per domain, the coarse buckets the disk does not fully hold (LongView.missing), newest
  first, in pieces of at most a day, so the screen fills in as they land. A range is asked once per view: a
  bucket the vendor has no data for either is not asked again (it is not zero; it is left out).
- How: one request at a time per account, through `runtime.provider.fetch`, which paces each call with the
  account's token bucket and throttle gate (the engine's AccountRuntime), inside its concurrency cap. Before
  each, the backfill waits until the account has spare capacity: no live poll waiting for a token, the gate
  open. A throttling answer slows the account as a live one would (`note_throttled`) and the range is asked
  again after the gate opens.
- A domain failing (or paused) in the live view is not asked: its ranges wait until it answers again, so
  the backfill never adds refusals (or throttling penalties) to an account's live polling.
- How far back: each vendor's client enforces its look-back (it clamps an older start with a notice, or
  refuses a range entirely older with a client error); a refused range is given up, the domain keeps its
  gap and says so (`failures`).
- Written through `LongView.reread`, which takes the new disk content of those buckets in.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections import deque
from datetime import UTC, datetime

import httpx

from livetop.engine.runtime import PACING_KEY
from livetop.engine.store import STATUS_ERROR, STATUS_PAUSED, DomainKey
from livetop.history.longview import LongView
from livetop.history.store import DAY
from livetop.model import DecodedError, VendorError

PIECE = DAY  # the longest range one backfill request asks for
MAX_ATTEMPTS = 3  # a retryable error is tried this many times in all
MAX_THROTTLED = 12  # ... a throttling answer this many times (each after the account's gate opens)
IDLE_POLL_SECONDS = 0.2  # how often a backfill waiting for spare capacity looks again
GATE_GRACE_SECONDS = 1.0  # after a throttle gate opens, live polls go first for this long
WAITING_RECHECK_SECONDS = 10.0  # how often the ranges of failing or paused domains are looked at again


class Backfill:
    def __init__(self, view: LongView, engine) -> None:
        self.view = view
        self.engine = engine
        self.history = view.history
        self._queues: dict[str, deque[tuple[DomainKey, int, int, int]]] = {}
        self._workers: dict[str, asyncio.Task] = {}
        self.requests = 0  # HTTP requests the vendor answered for the backfill
        self.asked: list[tuple[DomainKey, int, int]] = []  # ranges asked, in order (tests read it)
        self.failures: dict[DomainKey, DecodedError] = {}
        self.waiting: dict[DomainKey, list[tuple[DomainKey, int, int, int]]] = {}  # failing or paused domains
        self.done = 0
        view.on_loaded.append(self.queue)

    @property
    def pending(self) -> int:
        """Ranges still to ask (queued or under way)."""
        return sum(len(q) for q in self._queues.values())

    def queue(self, keys: list[DomainKey]) -> None:
        """Queue the missing ranges of these domains (just read from disk) and start their accounts' workers."""
        for key in keys:
            pieces = []
            for lo, hi in self.view.missing(key):
                end = hi
                while end > lo:  # newest first: the recent past matters most
                    pieces.append((key, max(lo, end - PIECE), end, 0))
                    end -= PIECE
            if not pieces:
                continue
            pieces.sort(key=lambda p: -p[2])
            self._queues.setdefault(key.account, deque()).extend(pieces)
            worker = self._workers.get(key.account)
            if worker is None or worker.done():
                self._workers[key.account] = asyncio.get_running_loop().create_task(
                    self._work(key.account), name=f"backfill {key.account}"
                )

    def _requeue_recovered(self, account: str) -> None:
        for key in [k for k in self.waiting if k.account == account]:
            snap = self.engine.store.domain(key)
            if snap is None:
                del self.waiting[key]
            elif snap.status not in (STATUS_ERROR, STATUS_PAUSED):
                self._queues[account].extend(self.waiting.pop(key))

    async def close(self) -> None:
        for task in self._workers.values():
            task.cancel()
        for task in self._workers.values():
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._workers.clear()
        self._queues.clear()

    async def _idle(self, runtime) -> None:
        """Wait until live polling leaves the account spare capacity: the throttle gate open for a moment
        (the live polls it held go first), nobody waiting for a token and one there. (Not two, for both
        metrics' calls: a slowed-down bucket holds at most one until its rate has recovered.)"""
        while True:
            if runtime.gate.remaining > 0:
                await asyncio.sleep(runtime.gate.remaining + GATE_GRACE_SECONDS)
                continue
            if runtime.bucket.idle():
                return
            await asyncio.sleep(IDLE_POLL_SECONDS)

    async def _work(self, account: str) -> None:
        queue = self._queues[account]
        while queue or any(k.account == account for k in self.waiting):
            if not queue:
                await asyncio.sleep(WAITING_RECHECK_SECONDS)
                self._requeue_recovered(account)
                continue
            key, lo, hi, attempt = queue[0]
            runtime = self.engine.accounts.get(account)
            if runtime is None or key.domain not in runtime.loops:
                queue.popleft()  # the account or domain left the config
                continue
            snap = self.engine.store.domain(key)
            if snap is None or snap.status in (STATUS_ERROR, STATUS_PAUSED):
                self.waiting.setdefault(key, []).append(queue.popleft())  # asked once it answers again
                continue
            await self._idle(runtime)
            error: DecodedError | None = None
            result = None
            last = PACING_KEY.set(math.inf)  # after every live poll queued, for a slot and for each token
            try:
                async with runtime.semaphore.slot(math.inf):
                    result = await runtime.provider.fetch(
                        key.domain, datetime.fromtimestamp(lo, tz=UTC), datetime.fromtimestamp(hi, tz=UTC)
                    )
            except VendorError as exc:
                error = exc.error
            except (httpx.HTTPError, OSError) as exc:
                from livetop.vendors.catalog import transport_error

                error = transport_error(runtime.account.vendor, exc)
            finally:
                PACING_KEY.reset(last)
            queue.popleft()
            self.asked.append((key, lo, hi))
            if error is not None:
                if error.throttled and attempt + 1 < MAX_THROTTLED:
                    runtime.note_throttled(error, self.engine.refresh_seconds, self.engine.rng)
                    queue.append((key, lo, hi, attempt + 1))  # asked again after the others, the gate open
                    continue
                if error.retryable and attempt + 1 < MAX_ATTEMPTS:
                    queue.append((key, lo, hi, attempt + 1))
                    continue
                self.failures[key] = error
                self.view.mark_asked(key, lo, hi)  # given up: the gap stays, said by `failures`
                continue
            self.requests += result.requests
            bw = [(int(s.bucket_start.timestamp()), s.value) for s in result.bandwidth]
            tr = [(int(s.bucket_start.timestamp()), s.value) for s in result.traffic]
            bw = [(t, v) for t, v in bw if lo <= t < hi]
            tr = [(t, v) for t, v in tr if lo <= t < hi]
            vendor = runtime.account.vendor
            batch = [(vendor, key.account, key.domain, bw, tr)]
            reread = await asyncio.to_thread(self.view.reread, key, lo, hi, lambda: self.history.write(batch))
            self.view.apply_reread(reread)
            self.view.mark_asked(key, lo, hi)
            self.failures.pop(key, None)
            self.done += 1
