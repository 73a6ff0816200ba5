"""Running totals of the engine's vendor requests, per account: the collector's counters (`livetop serve`).

Kept by the store beside the data, fed by the same two writers (a fetch's success or failure), so a scrape
reads them without asking anyone anything. Counters only ever go up (a Prometheus counter); an account that
is removed keeps its totals until the process ends, as a counter must.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field

# Fetch latency buckets (seconds): a vendor answers in ~50 ms to a few seconds; 10 s is the default timeout.
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
CODE_OK = "200"  # a successful request, by the label operations.md §1d proposes


@dataclass(slots=True)
class AccountCounters:
    vendor: str
    by_code: dict[str, int] = field(default_factory=dict)  # requests by outcome: "200" or the vendor code
    throttled: int = 0  # answers telling us to slow down (429, APIGW.0308, RATE_LIMIT, ...)
    latency_counts: list[int] = field(default_factory=lambda: [0] * (len(LATENCY_BUCKETS) + 1))
    latency_sum: float = 0.0
    fetches: int = 0


class RequestCounters:
    def __init__(self) -> None:
        self.accounts: dict[str, AccountCounters] = {}

    def note(self, account: str, vendor: str, ok: bool, code: str, requests: int, latency_ms: float,
             throttled: bool) -> None:
        acc = self.accounts.get(account)
        if acc is None or acc.vendor != vendor:
            acc = self.accounts[account] = AccountCounters(vendor)
        if ok:
            acc.by_code[CODE_OK] = acc.by_code.get(CODE_OK, 0) + max(1, requests)
        else:
            acc.by_code[code] = acc.by_code.get(code, 0) + 1
        if throttled:
            acc.throttled += 1
        seconds = max(0.0, latency_ms / 1000.0)
        acc.latency_counts[bisect_left(LATENCY_BUCKETS, seconds)] += 1
        acc.latency_sum += seconds
        acc.fetches += 1
