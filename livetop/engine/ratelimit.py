"""Per-account pacing: a token bucket for the request rate, and a throttle gate that a vendor's
"slow down" answer closes for the whole account.

Real time (the event loop's clock), not the injectable `Clock`: these govern how fast we talk to a vendor.
"""

from __future__ import annotations

import asyncio
import random


class TokenBucket:
    """`rate` requests per second with bursts of at most `burst`. Waiters are served in arrival order.

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
        self._lock = asyncio.Lock()

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

    async def acquire(self) -> None:
        loop = asyncio.get_running_loop()
        async with self._lock:
            while True:
                self._refill(loop.time())
                if self._tokens >= 1.0:
                    self._tokens -= 1.0
                    return
                await asyncio.sleep((1.0 - self._tokens) / self.rate)

    def idle(self) -> bool:
        """Nobody is waiting for a token and one is there: a low-priority caller (the history's backfill)
        may take it without holding up anyone."""
        if self._lock.locked():
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
