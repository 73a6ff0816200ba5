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
- How far back: each API declares how far back its vendor answers (`ApiSpec.lookback_seconds`, with its
  source). Nothing older is asked: those buckets are marked asked (the view stops saying "filling…" for
  them), the domain is listed in `beyond_lookback` and `lookback_note()` says it in a line ("older than
  90 d: not kept by the vendor (hw)"). The vendor's client still clamps or refuses what slips through; a
  refused range is given up, the domain keeps its gap and says so (`failures`).
- Written through `LongView.reread`, which takes the new disk content of those buckets in.
- How long: `estimate()` (a `FillEstimate`, "filling, ~12 min") from the requests still to ask and the rate
  the backfill really gets: what the account's limit leaves over its live demand (engine/capacity.py: the
  lower of its rate limit and its concurrency ceiling, less the schedule's demand), and at most one request
  at a time at the account's measured poll time. An account its live polling already saturates leaves
  nothing: the backfill waits (live figures come first) and the estimate says so instead of a figure.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from livetop.engine.capacity import format_interval
from livetop.engine.runtime import PACING_KEY
from livetop.engine.store import STATUS_ERROR, STATUS_PAUSED, DomainKey
from livetop.history.longview import LongView
from livetop.history.store import DAY
from livetop.model import DecodedError, VendorError
from livetop.vendors.registry import account_api

PIECE = DAY  # the longest range one backfill request asks for
MAX_ATTEMPTS = 3  # a retryable error is tried this many times in all
MAX_THROTTLED = 12  # ... a throttling answer this many times (each after the account's gate opens)
IDLE_POLL_SECONDS = 0.2  # how often a backfill waiting for spare capacity looks again
GATE_GRACE_SECONDS = 1.0  # after a throttle gate opens, live polls go first for this long
WAITING_RECHECK_SECONDS = 10.0  # how often the ranges of failing or paused domains are looked at again


@dataclass(frozen=True, slots=True)
class FillEstimate:
    """How long the backfill still needs: `requests` left, at `per_minute` (0: it waits for spare capacity,
    `blocked` names those accounts), so `seconds` (None while blocked)."""

    requests: int
    per_minute: float
    blocked: tuple[str, ...] = ()

    @property
    def seconds(self) -> float | None:
        if self.blocked or self.per_minute <= 0:
            return None
        return self.requests / self.per_minute * 60.0

    @property
    def text(self) -> str:
        """ "filling, ~12 min", "filling, waits for spare capacity (hw-legacy)", or "" when nothing is left."""
        if not self.requests:
            return ""
        seconds = self.seconds
        if seconds is None:
            return f"filling, waits for spare capacity ({', '.join(self.blocked)})"
        return f"filling, ~{format_interval(seconds)}"


def api_lookback(account) -> int | None:
    """How far back the account's API answers (its spec's declaration), in seconds; None when undeclared."""
    try:
        return account_api(account).lookback_seconds
    except KeyError:
        return None


class Backfill:
    def __init__(self, view: LongView, engine, lookback: Callable[[object], int | None] | None = None) -> None:
        """`lookback(account config)`: how far back its vendor answers, in seconds (default: its API's
        declaration, `ApiSpec.lookback_seconds`)."""
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
        self.piece_seconds: dict[str, float] = {}  # per account: one backfill request's time, smoothed
        self.lookback = lookback or api_lookback
        self.beyond_lookback: dict[DomainKey, int] = {}  # domains with gaps older than their look-back (s)
        view.on_loaded.append(self.queue)

    @property
    def pending(self) -> int:
        """Ranges still to ask (queued or under way)."""
        return sum(len(q) for q in self._queues.values())

    def estimate(self) -> FillEstimate:
        """The requests still to ask (queued, under way, and those of failing domains waiting to be asked)
        and the rate the backfill gets: per account, the spare of its limit over its live demand, at most
        one request at a time at its measured time. Accounts fill side by side: the slowest sets the end."""
        capacities = self.engine.store.capacities()
        total, minutes, blocked = 0, [], []
        for account in sorted({*self._queues, *(k.account for k in self.waiting)}):
            runtime = self.engine.accounts.get(account)
            pieces = len(self._queues.get(account, ())) + sum(
                len(v) for k, v in self.waiting.items() if k.account == account
            )
            if not pieces or runtime is None:
                continue
            per_piece = account_api(runtime.account).requests_per_poll  # a piece is at most a day
            requests = pieces * per_piece
            total += requests
            cap = capacities.get(account)
            spare = cap.limit_per_minute - cap.demand_per_minute if cap is not None else math.inf
            if spare <= 0:
                blocked.append(account)
                continue
            took = self.piece_seconds.get(account) or (cap.poll_seconds if cap is not None else None)
            rate = min(spare, per_piece * 60.0 / took if took else math.inf)
            minutes.append(requests / rate if math.isfinite(rate) else 0.0)
        if blocked:
            return FillEstimate(total, 0.0, tuple(blocked))
        longest = max(minutes, default=0.0)
        return FillEstimate(total, total / longest if longest > 0 else math.inf)

    def queue(self, keys: list[DomainKey]) -> None:
        """Queue the missing ranges of these domains (just read from disk) and start their accounts' workers."""
        now = int(self.engine.clock.now().timestamp())
        for key in keys:
            runtime = self.engine.accounts.get(key.account)
            back = self.lookback(runtime.account) if runtime is not None else None
            oldest = now - back if back else None
            if oldest is not None:
                self._beyond(key, oldest, back)
            pieces = []
            for lo, hi in self.view.missing(key, oldest):
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

    def _beyond(self, key: DomainKey, oldest: int, back: int) -> None:
        """The gaps of `key` older than its vendor's look-back (whole coarse buckets from `oldest` on are
        within it): not asked, marked asked, said by `lookback_note`."""
        step = self.view.step
        edge = oldest + (-oldest) % step
        beyond = [(lo, min(hi, edge)) for lo, hi in self.view.missing(key) if lo < edge]
        for lo, hi in beyond:
            self.view.mark_asked(key, lo, hi)
        if beyond:
            self.beyond_lookback[key] = back

    def lookback_note(self) -> str:
        """ "older than 90 d: not kept by the vendor (hw-legacy)", or "" when no gap is that old."""
        if not self.beyond_lookback:
            return ""
        shortest = min(self.beyond_lookback.values())
        accounts = sorted({k.account for k in self.beyond_lookback})
        named = ", ".join(accounts) if len(accounts) <= 2 else f"{len(accounts)} accounts"
        span = f"{shortest // DAY} d" if shortest >= 2 * DAY else format_interval(shortest)
        return f"older than {span}: not kept by the vendor ({named})"

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
            # No live poll waiting for a token nor for one of the account's slots (a slow vendor's ceiling).
            if runtime.bucket.idle() and not runtime.semaphore.waiting and not runtime.semaphore.locked():
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
            began = time.perf_counter()
            try:
                async with runtime.semaphore.slot(math.inf):
                    result = await runtime.provider.fetch(
                        key.domain, datetime.fromtimestamp(lo, tz=UTC), datetime.fromtimestamp(hi, tz=UTC)
                    )
            except VendorError as exc:
                error = exc.error
            except (httpx.HTTPError, OSError) as exc:
                from livetop.vendors.transport_errors import transport_error

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
            took = time.perf_counter() - began
            before = self.piece_seconds.get(account)
            self.piece_seconds[account] = took if before is None else before + 0.2 * (took - before)
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
