"""Per-account pacing: a token bucket for the request rate, and a throttle gate that a vendor's
"slow down" answer closes for the whole account.

Real time (the event loop's clock), not the injectable `Clock`: these govern how fast we talk to a vendor.
"""

from __future__ import annotations

import asyncio
import random


class TokenBucket:
    """`rate` requests per second with bursts of at most `burst`. Waiters are served in arrival order."""

    def __init__(self, rate: float, burst: float = 1.0) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.configured_rate = float(rate)
        self.rate = float(rate)
        self.burst = max(1.0, float(burst))
        self._tokens = self.burst
        self._stamp: float | None = None
        self._lock = asyncio.Lock()

    def _refill(self, now: float) -> None:
        if self._stamp is None:
            self._stamp = now
        # While slowed down, bursts shrink with the rate: one second's worth at most.
        cap = self.burst if self.rate >= self.configured_rate else min(self.burst, max(1.0, self.rate))
        self._tokens = min(cap, self._tokens + (now - self._stamp) * self.rate)
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

    def slow_down(self, factor: float = 0.5, floor: float = 0.2) -> None:
        """Multiplicative decrease after a throttling answer. Saved-up tokens go too: requests queued behind
        the throttle gate must leave at the new rate, not as one burst the vendor refuses again."""
        self.rate = max(min(floor, self.configured_rate), self.rate * factor)
        self._tokens = min(self._tokens, 0.0)

    def recover(self, step_fraction: float = 0.02) -> None:
        """Additive increase back towards the configured rate after successes."""
        if self.rate < self.configured_rate:
            self.rate = min(self.configured_rate, self.rate + self.configured_rate * step_fraction)


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
