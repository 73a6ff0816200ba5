"""`GET /metrics`: the store's latest state in the Prometheus text format, by prometheus_client.

A custom collector: each scrape reads the snapshot the engine's own schedule keeps current; it never calls a
vendor (one scrape of a thousand rate-limited vendor calls would take minutes). Names follow the Prometheus
conventions (base units, bytes not bits, `_total` on counters only) and operations.md §1d. No sample carries
a timestamp: the figure is the newest *settled* bucket, stamped by its own gauge
(`livetop_bucket_start_timestamp_seconds`), so staleness, `for:` clauses and instant queries behave as for any
exporter. Labels hold account names, vendors, domains, labels and error codes: never a credential.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector, CollectorRegistry

from livetop import __version__
from livetop.engine.counters import LATENCY_BUCKETS
from livetop.engine.store import STATUS_ERROR, STATUS_LOADING, STATUS_OK, STATUS_PAUSED, STATUS_STALE, Store
from livetop.serve.settled import settled_bucket

STATUSES = (STATUS_OK, STATUS_STALE, STATUS_ERROR, STATUS_PAUSED, STATUS_LOADING)
DOMAIN_LABELS = ("vendor", "account", "domain", "label")
ACCOUNT_LABELS = ("vendor", "account")
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

FIGURE_WORDS = {"peak": "peak of the bucket", "average": "average over the bucket"}


def bandwidth_meaning(facts: dict[str, AccountFacts]) -> str:
    """Per vendor API, what a bucket's figure is (its spec declares it): a sum or mean across vendors mixes
    peaks with averages, so the HELP text says which is which."""
    seen: dict[str, str] = {}
    for f in facts.values():
        seen[f"{f.vendor}/{f.api}"] = FIGURE_WORDS.get(f.bandwidth_figure, "not documented by the vendor")
    return "; ".join(f"{k} = {v}" for k, v in sorted(seen.items())) or "no account configured"


@dataclass(frozen=True, slots=True)
class AccountFacts:
    """What the exporter needs to know of one account besides its data."""

    vendor: str
    api: str
    bandwidth_figure: str  # "peak", "average" or "" (the API's spec)
    bucket_seconds: int
    settle_seconds: int
    token_renewals: int | None  # IAM tokens obtained so far; None when the auth has no tokens to renew
    list_batch: int = 0  # domains per per-domain-list call (0: the account's API has no such lists)


class StoreCollector(Collector):
    def __init__(self, store: Store, accounts: Callable[[], dict[str, AccountFacts]]) -> None:
        self.store = store
        self.accounts = accounts

    def collect(self) -> Iterator[Metric]:
        snap = self.store.snapshot()
        facts = self.accounts()
        meaning = bandwidth_meaning(facts)
        lag = (
            "Values lag the vendor's data by the settle delay (livetop_settle_delay_seconds) plus one bucket: "
            "this is the newest bucket the vendor no longer revises, and its start is "
            "livetop_bucket_start_timestamp_seconds. Served from livetop's own poll cache."
        )
        bandwidth = GaugeMetricFamily(
            "livetop_play_bandwidth_bytes_per_second",
            f"Play bandwidth of the newest settled bucket, bytes per second (the vendor's bit/s / 8). "
            f"Per vendor API the figure is: {meaning}. {lag}",
            labels=DOMAIN_LABELS,
        )
        traffic = GaugeMetricFamily(
            "livetop_play_traffic_bytes",
            f"Play traffic in the newest settled bucket, bytes (comparable across vendors). {lag}",
            labels=DOMAIN_LABELS,
        )
        bucket_start = GaugeMetricFamily(
            "livetop_bucket_start_timestamp_seconds",
            "Start of the bucket the play_* figures belong to, Unix seconds: time() minus it is their age.",
            labels=DOMAIN_LABELS,
        )
        up = GaugeMetricFamily(
            "livetop_up",
            "1 if livetop's last poll of the domain succeeded, else 0 (an error, paused, or no answer yet).",
            labels=DOMAIN_LABELS,
        )
        status = GaugeMetricFamily(
            "livetop_domain_status",
            "The domain's status as livetop shows it: 1 for the current one of ok, stale (no fresh data for two "
            "livetop_account_poll_interval_seconds: the refresh, or longer when the account's rate limit cannot "
            "serve it), error, paused, loading; 0 for the others.",
            labels=(*DOMAIN_LABELS, "status"),
        )
        error = GaugeMetricFamily(
            "livetop_domain_error_info",
            "1 while the domain's last poll failed, with the vendor's (or livetop's) error code and kind.",
            labels=(*DOMAIN_LABELS, "code", "kind"),
        )
        now = snap.taken_at
        for d in snap.domains:
            labels = (d.vendor, d.account, d.domain, d.label or "")
            point = settled_bucket(d)
            if point is not None:
                if point.bandwidth_bps is not None:
                    bandwidth.add_metric(labels, point.bandwidth_bps / 8.0)
                if point.traffic_bytes is not None:
                    traffic.add_metric(labels, point.traffic_bytes)
                bucket_start.add_metric(labels, float(point.start))
            up.add_metric(labels, 1.0 if d.status in (STATUS_OK, STATUS_STALE) else 0.0)
            for s in STATUSES:
                status.add_metric((*labels, s), 1.0 if d.status == s else 0.0)
            if d.error is not None and d.status == STATUS_ERROR:
                error.add_metric((*labels, d.error.code, d.error.kind), 1.0)
        yield from (bandwidth, traffic, bucket_start, up, status, error)
        yield from self._accounts(facts, now)
        build = GaugeMetricFamily("livetop_build_info", "livetop's version; always 1.", labels=("version",))
        build.add_metric((__version__,), 1.0)
        yield build

    def _accounts(self, facts: dict[str, AccountFacts], now: datetime) -> Iterator[Metric]:
        settle = GaugeMetricFamily(
            "livetop_settle_delay_seconds",
            "How long the vendor keeps revising a bucket after it ends (the account's settle_delay): how far the "
            "play_* figures lag.",
            labels=ACCOUNT_LABELS,
        )
        for name, f in facts.items():
            settle.add_metric((f.vendor, name), float(f.settle_seconds))
        yield settle
        yield from self._capacity(facts)
        counters = self.store.counters.accounts
        requests = CounterMetricFamily(
            "livetop_vendor_requests",
            "Vendor API requests by outcome: code 200 for a success, else the vendor's error code "
            "(or livetop's, e.g. a timeout).",
            labels=(*ACCOUNT_LABELS, "code"),
        )
        throttled = CounterMetricFamily(
            "livetop_vendor_throttled",
            "Answers telling livetop to slow down (HTTP 429, APIGW.0308, RATE_LIMIT...): the account's "
            "rate limit is too tight for its domains and refresh.",
            labels=ACCOUNT_LABELS,
        )
        latency = HistogramMetricFamily(
            "livetop_vendor_request_duration_seconds",
            "Time a poll of one domain waited for the vendor (livetop's own pacing excluded).",
            labels=ACCOUNT_LABELS,
        )
        for name, c in counters.items():
            for code, count in sorted(c.by_code.items()):
                requests.add_metric((c.vendor, name, code), float(count))
            throttled.add_metric((c.vendor, name), float(c.throttled))
            cumulative, buckets = 0, []
            for le, count in zip((*map(str, LATENCY_BUCKETS), "+Inf"), c.latency_counts):
                cumulative += count
                buckets.append((le, float(cumulative)))
            latency.add_metric((c.vendor, name), buckets, c.latency_sum)
        yield from (requests, throttled, latency)
        renewals = CounterMetricFamily(
            "livetop_vendor_token_renewals",
            "IAM tokens livetop obtained for the account (the first one included); only for auth that uses "
            "tokens it can renew (Huawei password auth).",
            labels=ACCOUNT_LABELS,
        )
        for name, f in facts.items():
            if f.token_renewals is not None:
                renewals.add_metric((f.vendor, name), float(f.token_renewals))
        yield renewals


    def _capacity(self, facts: dict[str, AccountFacts]) -> Iterator[Metric]:
        """Whether each account's rate limit serves its domains at the refresh (livetop.engine.capacity)."""
        ratio = GaugeMetricFamily(
            "livetop_account_capacity_ratio",
            "Requests a minute the account's domains need at the refresh, divided by the requests a minute its "
            "rate limit sustains. Above 1 the limit cannot serve the refresh: each domain is asked only every "
            "livetop_account_poll_interval_seconds (raise the refresh, split the account, or use an API with "
            "a higher limit).",
            labels=ACCOUNT_LABELS,
        )
        interval = GaugeMetricFamily(
            "livetop_account_poll_interval_seconds",
            "How often each domain of the account can be asked: the refresh when its rate limit serves it, "
            "else longer by livetop_account_capacity_ratio. Data older than twice this is marked stale.",
            labels=ACCOUNT_LABELS,
        )
        lists = GaugeMetricFamily(
            "livetop_account_lists_up",
            "1 while the account's per-domain lists (one call for up to a hundred domains' newest buckets) "
            "answer, 0 while they are off (the vendor refused them for good) or failing (retried): its domains "
            "then ask their own calls and livetop_account_capacity_ratio counts those. Only for accounts whose "
            "API has such lists.",
            labels=ACCOUNT_LABELS,
        )
        for name, cap in self.store.capacities().items():
            f = facts.get(name)
            if f is None:
                continue
            if math.isfinite(cap.ratio):
                ratio.add_metric((f.vendor, name), cap.ratio)
            interval.add_metric((f.vendor, name), cap.interval_seconds)
            if f.list_batch:
                lists.add_metric((f.vendor, name), 0.0 if cap.lists_off or cap.lists_failing else 1.0)
        yield from (ratio, interval, lists)


def render(store: Store, accounts: Callable[[], dict[str, AccountFacts]]) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(store, accounts))
    return generate_latest(registry)
