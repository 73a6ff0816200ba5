"""Per-account pacing: a token bucket for the request rate, a concurrency cap, and a throttle gate that a
vendor's "slow down" answer closes for the whole account.

Real time (the event loop's clock), not the injectable `Clock`: these govern how fast we talk to a vendor.

Both the token bucket and the concurrency cap serve their waiters in the order of a key: by default their
order of arrival (first come, first served), or the key the caller gives. The engine gives every caller of
an account a key (AccountRuntime.queue_key): its place among the account's arrivals, minus a lead
(engine/fetch.py: a fetch that makes a bucket settled, `r`, the drilldown's domain). A lead is a bounded
head start, not a class above the rest: a waiter is overtaken only by those that arrived less than their
lead after it, so nobody waits for ever however many urgent fetches come.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import random
from collections.abc import AsyncIterator


class _Waiter:
    """One caller queued in a PrioritySemaphore or TokenBucket: served lowest key first, ties by arrival."""

    __slots__ = ("key", "seq", "future")

    def __init__(self, key: float, seq: int, future: asyncio.Future) -> None:
        self.key, self.seq, self.future = key, seq, future

    def __lt__(self, other: _Waiter) -> bool:
        return (self.key, self.seq) < (other.key, other.seq)


class PrioritySemaphore:
    """asyncio.Semaphore whose waiters are served lowest key first (default: in order of arrival). A released
    slot passes straight to the first waiter."""

    def __init__(self, value: int) -> None:
        self._value = max(1, int(value))
        self._waiters: list[_Waiter] = []
        self._seq = itertools.count()

    def locked(self) -> bool:
        return self._value == 0

    @property
    def waiting(self) -> int:
        return sum(1 for w in self._waiters if not w.future.done())

    async def acquire(self, key: float | None = None) -> None:
        if self._value > 0 and not self.waiting:
            self._value -= 1
            return
        loop = asyncio.get_running_loop()
        seq = next(self._seq)
        waiter = _Waiter(float(seq) if key is None else key, seq, loop.create_future())
        heapq.heappush(self._waiters, waiter)
        try:
            await waiter.future
        except asyncio.CancelledError:
            if waiter.future.done() and not waiter.future.cancelled():
                self.release()  # handed the slot as it was cancelled: pass it on
            raise

    def release(self) -> None:
        while self._waiters:
            waiter = heapq.heappop(self._waiters)
            if not waiter.future.done():  # a cancelled waiter is skipped
                waiter.future.set_result(None)
                return
        self._value += 1

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(self, *exc: object) -> None:
        self.release()

    @contextlib.asynccontextmanager
    async def slot(self, key: float | None = None) -> AsyncIterator[None]:
        await self.acquire(key)
        try:
            yield
        finally:
            self.release()


class TokenBucket:
    """`rate` requests per second with bursts of at most `burst`. Waiters are served lowest key first (default:
    in order of arrival), one token at a time, by a timer on the event loop (no task per waiter).

    AIMD against a vendor's throttling: `slow_down` halves the rate (at most once in SLOW_DOWN_HOLD_SECONDS, however many
    refusals arrive together) and the rate climbs back by RECOVERY_PER_SECOND of the configured rate for
    every second that passes, so one refusing domain dents its account's pace only briefly.
    """

    SLOW_DOWN_HOLD_SECONDS = 0.25
    RECOVERY_PER_SECOND = 0.02

    def __init__(self, rate: float, burst: float = 1.0) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.configured_rate = float(rate)
        self.rate = float(rate)
        self.burst = max(1.0, float(burst))
        self._tokens = self.burst
        self._stamp: float | None = None
        self._slowed_at: float | None = None
        self._waiters: list[_Waiter] = []
        self._seq = itertools.count()
        self._timer: asyncio.TimerHandle | None = None

    def _refill(self, now: float) -> None:
        if self._stamp is None:
            self._stamp = now
        elapsed = now - self._stamp
        if self.rate < self.configured_rate:
            regained = self.configured_rate * self.RECOVERY_PER_SECOND * elapsed
            self.rate = min(self.configured_rate, self.rate + regained)
        # No bursts while slowed down: time spent behind a closed throttle gate must not save up tokens.
        cap = self.burst if self.rate >= self.configured_rate else 1.0
        self._tokens = min(cap, self._tokens + elapsed * self.rate)
        self._stamp = now

    async def acquire(self, key: float | None = None) -> None:
        loop = asyncio.get_running_loop()
        if not self._waiting():
            self._refill(loop.time())
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return
        seq = next(self._seq)
        waiter = _Waiter(float(seq) if key is None else key, seq, loop.create_future())
        heapq.heappush(self._waiters, waiter)
        self._dispatch()
        try:
            await waiter.future
        except asyncio.CancelledError:
            if waiter.future.done() and not waiter.future.cancelled():
                self._tokens += 1.0  # granted as it was cancelled: the token goes back
                self._dispatch()
            raise

    def _waiting(self) -> bool:
        while self._waiters and self._waiters[0].future.done():
            heapq.heappop(self._waiters)  # cancelled while queued
        return bool(self._waiters)

    def _dispatch(self) -> None:
        """Hand out the tokens there are to the first waiters, and set the timer for the next one."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        loop = asyncio.get_running_loop()
        while self._waiting():
            self._refill(loop.time())
            if self._tokens < 1.0:
                self._timer = loop.call_later((1.0 - self._tokens) / self.rate, self._dispatch)
                return
            self._tokens -= 1.0
            heapq.heappop(self._waiters).future.set_result(None)

    def idle(self) -> bool:
        """Nobody is waiting for a token and one is there: a low-priority caller (the history's backfill)
        may take it without holding up anyone."""
        if self._waiting():
            return False
        self._refill(asyncio.get_running_loop().time())
        return self._tokens >= 1.0

    def slow_down(self, factor: float = 0.5, floor: float = 0.2) -> None:
        """Multiplicative decrease after a throttling answer. Saved-up tokens go too: requests queued behind
        the throttle gate must leave at the new rate, not as one burst the vendor refuses again."""
        now = asyncio.get_running_loop().time()
        self._refill(now)
        self._tokens = min(self._tokens, 0.0)
        if self._slowed_at is not None and now - self._slowed_at < self.SLOW_DOWN_HOLD_SECONDS:
            return  # the same overload answered several requests at once: one decrease
        self._slowed_at = now
        self.rate = max(min(floor, self.configured_rate), self.rate * factor)
        if self._waiters:
            self._dispatch()  # the next token comes later now


class ThrottleGate:
    """Closed until a deadline after the vendor said "too many requests"; every request of the account waits."""

    def __init__(self) -> None:
        self._until = 0.0

    def close_for(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        self._until = max(self._until, loop.time() + seconds)

    @property
    def remaining(self) -> float:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return 0.0
        return max(0.0, self._until - loop.time())

    async def wait(self) -> None:
        while (delay := self.remaining) > 0:
            await asyncio.sleep(delay)


def backoff_delay(attempt: int, base: float = 2.0, cap: float = 120.0, rng: random.Random | None = None) -> float:
    """Exponential backoff with "equal jitter": between half and all of min(cap, base * 2^(attempt-1))."""
    rng = rng or random
    ceiling = min(cap, base * (2 ** max(0, attempt - 1)))
    return ceiling / 2 + rng.random() * ceiling / 2
