"""How hard livetop may push each account: a concurrency cap and a request rate (token bucket).

An account's `concurrency` / `rate_per_second` in the config win; otherwise the vendor's documented limit
applies (sources in shared/vendors.md §E).
"""

from __future__ import annotations

from dataclasses import dataclass

from livetop.config.schema import AccountConfig
from livetop.model import VENDOR_HUAWEI, VENDOR_JDCLOUD

# Parallel requests per account. Neither vendor publishes a concurrency number for these APIs; 8 keeps a
# thousand-domain account moving without tripping Huawei's internal cap (LIVE.100011007, HTTP 500).
DEFAULT_CONCURRENCY = 8

DEFAULT_RATE_PER_SECOND = {
    # Huawei Live v1 stream/bandwidth and stream/traffic: 300 requests/min per user (HW-docs-2021
    # 使用前必读.md, vendors.md §E); over it the gateway answers 429 APIGW.0308. 300/60 = 5 per second.
    VENDOR_HUAWEI: 300 / 60,
    # JD opencdn: no numeric limit is published (vendors.md §E); throttling shows as HTTP 429 RATE_LIMIT.
    # 10/s is a conservative guess the engine halves on the first 429.
    VENDOR_JDCLOUD: 10.0,
}
FALLBACK_RATE_PER_SECOND = 5.0


@dataclass(frozen=True, slots=True)
class Limits:
    concurrency: int
    rate_per_second: float
    burst: float  # requests allowed back to back before the rate applies


# Huawei's limit is per minute, so a start-up burst is allowed as long as burst + 60 s x rate stays within it:
# the first poll of a small account goes out at once (its whole first frame has data) and no minute ever
# holds more than 300 requests.
DEFAULT_BURST = {VENDOR_HUAWEI: 20.0}


def effective_limits(account: AccountConfig) -> Limits:
    """The account's overrides, else its vendor's documented defaults."""
    concurrency = max(1, int(account.concurrency)) if account.concurrency else DEFAULT_CONCURRENCY
    if account.rate_per_second:
        # A rate the user states is a per-second rate: one second's worth as a burst.
        rate = float(account.rate_per_second)
        return Limits(concurrency=concurrency, rate_per_second=rate, burst=max(1.0, rate))
    rate = DEFAULT_RATE_PER_SECOND.get(account.vendor, FALLBACK_RATE_PER_SECOND)
    burst = DEFAULT_BURST.get(account.vendor, max(1.0, rate))
    if account.vendor in DEFAULT_BURST:
        rate -= burst / 60  # what the burst spends comes off the minute's budget
    return Limits(concurrency=concurrency, rate_per_second=rate, burst=burst)
