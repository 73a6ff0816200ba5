"""One fetch of one domain: what range to ask (schedule rule 1, whole window when it is not complete), the
request under the account's concurrency cap and pacer, and the answer merged into the store."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import httpx

from livetop.engine.deadline import DEADLINE_CODE, FIRST_ASK
from livetop.engine import schedule
from livetop.engine.runtime import PACING_KEY, PACING_WAITS, AccountRuntime, LoopState
from livetop.engine.store import RequestRecord
from livetop.model import DecodedError, VendorError, floor_to
from livetop.vendors.base import BOTH_METRICS, METRIC_BANDWIDTH

if TYPE_CHECKING:
    from livetop.engine.engine import Engine


def internal_error(vendor: str, exc: BaseException) -> DecodedError:
    """A bug in livetop must not kill a domain's loop; show it as a decoded error on that row."""
    return DecodedError(
        vendor=vendor,
        code="LIVETOP.INTERNAL",
        http_status=None,
        title="livetop internal error",
        meaning=f"livetop failed while handling this domain ({type(exc).__name__}).",
        action="Report this as a livetop bug; other domains are unaffected. Press r to retry.",
        retryable=True,
        kind="internal",
    )


def decoded(vendor: str, exc: BaseException) -> DecodedError:
    """Any failure of a vendor call as a decoded error: the vendor's own, a transport failure, or a bug."""
    if isinstance(exc, VendorError):
        return exc.error
    if isinstance(exc, (httpx.HTTPError, OSError)):
        from livetop.vendors.transport_errors import transport_error

        return transport_error(vendor, exc)
    return internal_error(vendor, exc)


def fetch_range(
    engine: Engine, runtime: AccountRuntime, lp: LoopState, now: datetime, metrics: frozenset[str] = BOTH_METRICS
) -> tuple[datetime, datetime, datetime | None]:
    """(start, end, covered): what to ask the vendor for, and, when the answer completes the whole window,
    from when on the data is then complete (None for an incremental poll)."""
    provider = runtime.provider
    bucket = provider.bucket_seconds
    window_start = floor_to(now - timedelta(seconds=engine.store.window_seconds), bucket)
    newest = engine.store.newest_bucket(lp.key)
    if newest is None or not engine.store.window_complete(lp.key):
        # Only a fetch of both metrics completes the window (a zoom may land while one metric queues).
        covered = window_start if metrics == BOTH_METRICS else None
        if engine.history is not None:
            # The disk holds the window up to `resume`: from there on the vendor is asked, and the data
            # is then complete from the window's start.
            return resume_from_history(engine, lp, window_start, now), now, covered
        return window_start, now, covered
    # Schedule rule 1: from the oldest bucket the vendor could have changed since each metric was asked.
    edges = [lp.bandwidth_since if m == METRIC_BANDWIDTH else lp.traffic_since for m in metrics]
    if None in edges:
        since = datetime.fromtimestamp(newest, tz=now.tzinfo) - timedelta(seconds=provider.data_lag_seconds)
        return max(window_start, floor_to(since, bucket)), now, None
    return max(window_start, datetime.fromtimestamp(min(edges), tz=now.tzinfo)), now, None

def resume_from_history(engine: Engine, lp: LoopState, window_start: datetime, now: datetime) -> datetime:
    loaded = engine.history.load(lp.key, int(window_start.timestamp()), int(now.timestamp()))
    if loaded is None:
        return window_start
    (bandwidth, traffic), resume = loaded
    engine.store.preload(lp.key, bandwidth, traffic)
    return max(window_start, min(now, datetime.fromtimestamp(resume, tz=now.tzinfo)))

# Head starts in the account's queue (engine/ratelimit.py), counted in arrivals. What a person asked for
# (`r`, resume, the drilldown's domain) goes before anything that is not; a fetch that makes a bucket
# settled goes before the provisional refreshes that fell due up to one round of the account's domains
# before it (each domain queues one fetch at a time: about everything queued), and after any older one.
USER_LEAD = 1e12


def settles(engine: Engine, runtime: AccountRuntime, lp: LoopState, metrics: frozenset[str]) -> bool:
    """This fetch makes a bucket settled: for one of its metrics, a bucket settled since that metric's last
    ask (its final value is what alerts and the settled figures wait for)."""
    provider = runtime.provider
    edge = schedule.settle_edge(engine.clock.now().timestamp(), provider.bucket_seconds, provider.data_lag_seconds)
    for metric in metrics:
        since = lp.bandwidth_since if metric == METRIC_BANDWIDTH else lp.traffic_since
        if since is not None and edge > since:
            return True
    return False


def queue_lead(engine: Engine, runtime: AccountRuntime, lp: LoopState, metrics: frozenset[str]) -> float:
    """How many arrivals ahead of its own this fetch queues for the account's slots and tokens (0: in turn)."""
    if lp.key == engine.focused or (lp.force and engine.store.window_complete(lp.key)):
        return USER_LEAD  # the drilldown's domain, `r` or resume (a zoom's window fill is in turn)
    if settles(engine, runtime, lp, metrics):
        return float(len(runtime.loops))
    return 0.0


async def poll_domain(
    engine: Engine, runtime: AccountRuntime, lp: LoopState, metrics: frozenset[str] = BOTH_METRICS
) -> DecodedError | None:
    """One fetch of one domain's `metrics`: asked, merged into the store, its schedule re-armed. Returns
    None, or the decoded error (the caller backs off)."""
    account = runtime.account
    now = engine.clock.now()
    key_token = PACING_KEY.set(runtime.queue_key(queue_lead(engine, runtime, lp, metrics)))
    lp.force = False  # an `r` pressed while this fetch is on the wire asks again after it
    start = end = now
    covered: datetime | None = None
    error: DecodedError | None = None
    result = None
    waits: list[float] = []
    token = PACING_WAITS.set(waits)
    first_token = FIRST_ASK.set(runtime.deadline is not None and lp.polls == 0)
    lp.in_flight = True
    try:
        async with runtime.semaphore.slot(PACING_KEY.get()):
            # The range ends when the question can go out, not when the domain fell due: with a thousand
            # domains queued for an account's few slots, a `now` read before the queue asked for a range
            # that had ended minutes before the request left (found by bench/schedule.py's lag figure).
            now = start = end = engine.clock.now()
            began = time.perf_counter()
            try:
                start, end, covered = fetch_range(engine, runtime, lp, now, metrics)
                lp.last_range = (start, end)
                lp.polls += 1
                result = await runtime.provider.fetch(lp.key.domain, start, end, metrics)
            except VendorError as exc:
                error = exc.error
            except asyncio.CancelledError:
                raise
            except (httpx.HTTPError, OSError) as exc:
                from livetop.vendors.transport_errors import transport_error

                error = transport_error(account.vendor, exc)
            except Exception as exc:  # a bug must not stop this domain's loop, nor any other
                error = internal_error(account.vendor, exc)
            elapsed = time.perf_counter() - began
    finally:
        lp.in_flight = False
        PACING_WAITS.reset(token)
        PACING_KEY.reset(key_token)
        FIRST_ASK.reset(first_token)
    record = RequestRecord(
        at=engine.clock.now(),
        ok=error is None,
        http_status=200 if error is None else error.http_status,
        code="" if error is None else error.code,
        latency_ms=max(0.0, elapsed - sum(waits)) * 1000,
        requests=result.requests if result is not None else 0,
        range_start=start,
        range_end=end,
    )
    if error is None:
        lp.attempt = 0
        lp.throttled_count = 0
        lp.retry_at = None
        runtime.note_success()
        engine._answered(runtime, lp, metrics, now)
        lp.listed = runtime.list_batch > 0 and runtime.lists_off is None
        # A fetch of the whole window makes the data complete from its start on (for the window it was
        # asked for: if the window grew meanwhile, the store still finds it incomplete and the next poll,
        # woken by the zoom, asks for the rest).
        engine.store.record_success(lp.key, result, record, covered_from=covered, metrics=metrics)
        # The poll's time on the wire for its requests: the account's concurrency ceiling (engine/capacity.py).
        if runtime.poll_measured(record.latency_ms / 1000, result.requests):
            engine._update_capacity()
        return None
    if error.code == DEADLINE_CODE:  # given up on, not refused: the account's pace stays as it is
        engine.store.record_failure(lp.key, error, record, False)
        return error
    lp.listed = False
    if error.throttled:
        lp.throttled_count += 1
        runtime.note_throttled(error, engine.refresh_seconds, engine.rng)
    else:
        lp.attempt += 1
    lp.halted = not (error.retryable or error.throttled)
    engine.store.record_failure(lp.key, error, record, lp.halted)
    return error
