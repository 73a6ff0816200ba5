"""Per-account token bucket, as a vendor gateway enforces it.

Uses real monotonic time on purpose: throttling is about how fast requests really arrive, while the
simulated clock (tokens, data, skew) may be frozen or moved by a test.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable


class TokenBucket:
    def __init__(
        self, rate_per_second: float, burst: float, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate_per_second
        self.burst = burst
        self._monotonic = monotonic
        self._tokens = burst
        self._stamp = monotonic()

    def take(self) -> float:
        """Spend one token: 0.0 if the request may pass, else the seconds until one is available."""
        now = self._monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return 0.0
        return (1.0 - self._tokens) / self.rate

    def reset(self) -> None:
        self._tokens = self.burst
        self._stamp = self._monotonic()


def retry_after_header(wait_seconds: float) -> str:
    """Retry-After is whole seconds; never 0, or a polite client would hammer straight back."""
    return str(max(1, math.ceil(wait_seconds)))
