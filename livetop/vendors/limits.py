"""How hard livetop may push each account: a concurrency cap and a request rate (token bucket).

An account's `concurrency` / `rate_per_second` in the config win; otherwise its API's documented limit
applies, as the vendor's spec declares it (`livetop.vendors.<vendor>.spec`, sources in shared/vendors.md §E).
"""

from __future__ import annotations

from dataclasses import dataclass

from livetop.config.schema import AccountConfig
from livetop.vendors.registry import account_api


@dataclass(frozen=True, slots=True)
class Limits:
    concurrency: int
    rate_per_second: float
    burst: float  # requests allowed back to back before the rate applies


def effective_limits(account: AccountConfig) -> Limits:
    """The account's overrides, else its API's documented defaults."""
    api = account_api(account)
    concurrency = max(1, int(account.concurrency)) if account.concurrency else api.concurrency
    if account.rate_per_second:
        # A rate the user states is a per-second rate: one second's worth as a burst.
        rate = float(account.rate_per_second)
        return Limits(concurrency=concurrency, rate_per_second=rate, burst=max(1.0, rate))
    rate = api.rate_per_second
    burst = api.burst if api.burst is not None else max(1.0, rate)
    if api.burst is not None and api.limit_window_seconds:
        # The vendor counts per window (Huawei: per minute): what the burst spends comes off its budget.
        rate -= burst / api.limit_window_seconds
    return Limits(concurrency=concurrency, rate_per_second=rate, burst=burst)
