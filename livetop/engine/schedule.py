"""The poll schedule: ask a vendor again only when its answer can hold something new.

Per domain and metric (bandwidth, traffic), with times on the engine's clock (epoch seconds) so a test drives
the schedule with a ManualClock (advance it, then `Engine.tick()`); in production the engine sleeps the same
amount of real time. The rules:

1. Settled buckets are never asked again. A fetch of a metric asks from the settle edge as it stood when that
   metric was last asked (`settle_edge`): every bucket the vendor could have changed since. That includes a
   bucket that settled meanwhile, so its final value is asked exactly once after it settled; older ones never.
2. The vendor's newest data changes at most every U seconds (`ApiSpec.update_seconds`, with
   `update_source` saying where the figure comes from: for every vendor today an assumption, taken from its
   finest published granularity, 1 minute), at multiples of U since the epoch. An answer at t cannot have
   changed before the next boundary after t, plus PUBLISH_MARGIN_SECONDS (the vendor publishing a little
   after the boundary) plus a per-domain jitter (`jitter_seconds`: a thousand domains do not fire in one
   second; spread over what the account's rate limit would take anyway, at most half of U).
3. Bandwidth: after an answer at t, ask again at max(t + refresh, the next change after t) (`next_change`),
   and no later than the next settle moment (`next_settle`: a bucket settles at its end plus the settle
   delay; its final value is then asked once). The refresh setting stays the bound on how stale a
   provisional bucket may get, except that asking more often than the vendor's data changes is waste.
4. Traffic: the overview shows settled traffic only, so traffic is asked when a bucket settles. A focused
   domain (`Engine.focus`: its drilldown shows "+ provisional") gets traffic at the bandwidth cadence. The
   provisional traffic an unfocused domain holds is as of its last traffic answer: the store keeps that time
   (`DomainSnapshot.traffic_as_of`) and the snapshot JSON and the drilldown say it. A provider whose one
   request answers both metrics (`ApiSpec.requests_per_poll` 1) gets both asked whenever either is due.
5. Errors are retried with backoff on real time (Retry-After, the throttle gate), as before, not on the data
   cadence; `r` (`Engine.refresh`) and `resume` ask both metrics at once; a window that is not complete (start,
   zoom out, config change) is fetched whole, both metrics, at once; a one-shot poll asks everything once.
6. Under a rate limit that cannot serve the demand, domains queue for the account's slots and tokens in the
   order they fell due, so the oldest-due goes first and nobody starves, with bounded head starts
   (engine/fetch.py `queue_lead`, engine/ratelimit.py): `r`, resume and the drilldown's domain go first; a
   fetch that makes a bucket settled goes ahead of the provisional refreshes that fell due up to one round
   of the account's domains before it (a late settled bucket keeps a figure marked provisional and the
   alerts on settled buckets waiting); the history's backfill goes last. The
   cadence each domain then gets is `served_interval`, and staleness is judged against twice that
   (`stale_after`, through engine/capacity.py's per-account figures), not against twice the refresh, or
   every row would read "stale" (the data's cadence is slower than a 15 s refresh) and every row of an
   over-subscribed account too.
7. Per-domain lists (`Provider.list_domains_per_call` > 0, Huawei v2): the provisional buckets of all the
   account's domains come from one call per bucket per metric per batch of domains, on the bandwidth
   cadence, both metrics; the per-domain detail calls only fill the window (start, zoom, a domain the lists
   cannot serve). `demand_per_minute` counts what this schedule asks in steady state.
"""

from __future__ import annotations

import functools
import math
import zlib
from dataclasses import dataclass

PUBLISH_MARGIN_SECONDS = 2.0  # ask this long after an update boundary: the vendor publishes a little late
JITTER_MAX_FRACTION = 0.5  # per-domain jitter spreads over at most this part of the update period


@dataclass(frozen=True, slots=True)
class Timing:
    """What the schedule needs to know about one domain's data."""

    bucket_seconds: int
    settle_seconds: int
    update_seconds: float
    margin: float = PUBLISH_MARGIN_SECONDS
    jitter: float = 0.0

    @property
    def offset(self) -> float:
        return self.margin + self.jitter


def margin_for(update_seconds: float) -> float:
    """The publish margin for an update period: PUBLISH_MARGIN_SECONDS, or a tenth of a shorter period."""
    return min(PUBLISH_MARGIN_SECONDS, update_seconds / 10)


def settle_edge(ts: float, bucket_seconds: int, settle_seconds: int) -> int:
    """Buckets starting before this (epoch seconds) were settled at `ts` (the store's rule)."""
    t = int(ts) - settle_seconds
    return t - t % max(1, bucket_seconds)


def next_change(after: float, timing: Timing) -> float:
    """The first moment after `after` at which the vendor's newest data can differ from an answer at `after`:
    the first update boundary b with b + margin + jitter > after, plus margin and jitter."""
    period = max(1.0, float(timing.update_seconds))
    k = math.floor((after - timing.offset) / period) + 1
    return k * period + timing.offset


def next_settle(after: float, timing: Timing) -> float:
    """The first moment after `after` (plus margin and jitter) at which a bucket settles: a bucket end plus
    the settle delay."""
    bucket = max(1, timing.bucket_seconds)
    k = math.floor((after - timing.settle_seconds - timing.offset) / bucket) + 1
    return k * bucket + timing.settle_seconds + timing.offset


def bandwidth_due(answered_at: float, refresh_seconds: float, timing: Timing) -> float:
    """When to ask a domain's bandwidth again after an answer at `answered_at` (rule 3)."""
    cadence = max(answered_at + refresh_seconds, next_change(answered_at, timing))
    return min(cadence, next_settle(answered_at, timing))


def traffic_due(answered_at: float, refresh_seconds: float, timing: Timing, focused: bool) -> float:
    """When to ask a domain's traffic again after an answer at `answered_at` (rule 4)."""
    if focused:
        return bandwidth_due(answered_at, refresh_seconds, timing)
    return next_settle(answered_at, timing)


def jitter_seconds(name: str, n_domains: int, update_seconds: float, rate_per_second: float) -> float:
    """A stable per-domain offset: the account's domains spread over the time its rate limit takes to ask
    each once (at most half the update period), so they do not all fire in the same second."""
    spread = min(JITTER_MAX_FRACTION * update_seconds, max(0, n_domains - 1) / max(rate_per_second, 1e-9))
    return spread * (zlib.crc32(name.encode()) / 2**32)


# --- demand and capacity ------------------------------------------------------------------------------------

_DEMAND_SPAN_SECONDS = 4 * 3600  # long enough to average the cycles of any bucket, settle delay and refresh


def account_timing(account, update_seconds: float | None = None) -> Timing:
    """The Timing of an account's domains (without jitter) from its config and its API's spec
    (`update_seconds`: instead of the API's declared update period)."""
    from livetop.vendors.registry import account_api

    api = account_api(account)
    settle = api.settle_seconds if account.data_lag_seconds is None else account.data_lag_seconds
    update = update_seconds or api.update_seconds
    bucket = account.step_minutes * 60
    fixed = api.fixed_step_minutes
    if fixed:
        bucket = fixed * 60
    return Timing(bucket, settle, update, margin_for(update))


def _fetch_times(span: float, due) -> list[float]:
    """The moments a schedule `due(answered_at) -> next` asks over `span` seconds (instant answers), from an
    origin aligned to every period (so the count is the steady state, not a start-up)."""
    origin = 86400.0 * 365
    t, out = due(origin), []
    while t <= origin + span:
        out.append(t)
        t = max(due(t), t + 1e-3)
    return out


@functools.lru_cache(maxsize=1024)
def _asks(timing: Timing, refresh_seconds: float) -> tuple[int, int, int, int]:
    """Over _DEMAND_SPAN_SECONDS of steady state: (bandwidth asks, traffic asks, asks when one request answers
    both, list calls per batch for both lists' buckets). Cached: the capacity figure asks it again whenever
    an account's state moves (a pause, a measured poll time), with the same timing and refresh."""
    span = _DEMAND_SPAN_SECONDS
    bw_times = _fetch_times(span, lambda t: bandwidth_due(t, refresh_seconds, timing))
    tr_times = _fetch_times(span, lambda t: traffic_due(t, refresh_seconds, timing, False))
    # Each list cycle asks every bucket provisional since the previous one, one call per batch.
    calls = sum(len(list_buckets(before, at, timing)) for before, at in zip(bw_times, bw_times[1:]))
    return len(bw_times), len(tr_times), len(set(bw_times) | set(tr_times)), calls


def demand_per_minute(
    account, n_domains: int, refresh_seconds: float, update_seconds: float | None = None, *, lists: bool = True
) -> float:
    """The requests a minute this schedule makes, in steady state, for `n_domains` domains of `account` (an
    AccountConfig): per-domain calls on rules 3-4, or per-domain lists on rule 7 (`lists` False: as when they
    are off or failing, each domain on its own calls). Start-up backfill, zooms, `r` and retries come on top."""
    from livetop.vendors.registry import provider_class

    if n_domains <= 0:
        return 0.0
    timing = account_timing(account, update_seconds)
    cls = provider_class(account.vendor, account.api or None)
    minutes = _DEMAND_SPAN_SECONDS / 60
    bandwidth, traffic, joint, list_calls = _asks(timing, float(refresh_seconds))
    batch = cls.list_batch(account) if lists else 0
    if batch:
        return list_calls * 2 * math.ceil(n_domains / batch) / minutes  # both lists
    per_domain = joint if joint_metrics(account) else bandwidth + traffic
    return per_domain * n_domains / minutes


def joint_metrics(account) -> bool:
    """One request answers both metrics (the API's `requests_per_poll` is 1: JD opencdn, Tencent's bill
    list): asking one costs as much as asking both, so both are asked whenever either is due."""
    from livetop.vendors.registry import account_api

    return account_api(account).requests_per_poll == 1


def bandwidth_asks_per_minute(account, refresh_seconds: float, update_seconds: float | None = None) -> float:
    """How often, on average, each domain's bandwidth is asked when the limit serves it (rule 3)."""
    timing = account_timing(account, update_seconds)
    return _asks(timing, float(refresh_seconds))[0] / (_DEMAND_SPAN_SECONDS / 60)


def full_poll_per_minute(account, n_domains: int, refresh_seconds: float) -> float:
    """The requests a minute the schedule before this one made: both metrics of every domain every refresh
    (one request for a provider answering both at once)."""
    per_poll = 1 if joint_metrics(account) else 2
    return per_poll * n_domains * 60.0 / max(refresh_seconds, 1e-9)


def list_buckets(previous_ask: float | None, now: float, timing: Timing) -> list[int]:
    """The bucket starts a list cycle at `now` asks (rule 7): from the settle edge of the previous cycle (or of
    now) to the newest bucket holding an update period of data (a younger one has nothing to say yet, and a
    list answers 0 for it, which would read as an audience lost)."""
    bucket = max(1, timing.bucket_seconds)
    since = settle_edge(now if previous_ask is None else previous_ask, bucket, timing.settle_seconds)
    newest = now - timing.update_seconds
    newest -= newest % bucket
    return list(range(since, int(newest) + 1, bucket))


def cadence_seconds(account, refresh_seconds: float, update_seconds: float | None = None) -> float:
    """How often, on average, each domain's bandwidth is asked when the account's limit serves the demand (a
    domain's own publish margin and jitter make one gap up to half an update period longer, never two)."""
    return 60.0 / max(bandwidth_asks_per_minute(account, refresh_seconds, update_seconds), 1e-9)


def served_interval(
    account, n_domains: int, refresh_seconds: float, rate_per_second: float, update_seconds: float | None = None
) -> float:
    """How often each domain's bandwidth is actually asked: the schedule's cadence, stretched by demand /
    limit when the account's limit falls short (the pacer serves the domains in turn, rule 6)."""
    cadence = cadence_seconds(account, refresh_seconds, update_seconds)
    demand = demand_per_minute(account, n_domains, refresh_seconds, update_seconds)
    capacity = rate_per_second * 60.0
    return cadence * max(1.0, demand / capacity) if capacity > 0 else cadence


def stale_after(
    account, n_domains: int, refresh_seconds: float, rate_per_second: float, update_seconds: float | None = None
) -> float:
    """A domain of this account is stale when its last answer is older than this: two served intervals."""
    served = served_interval(account, n_domains, refresh_seconds, rate_per_second, update_seconds)
    return 2.0 * max(refresh_seconds, served)
