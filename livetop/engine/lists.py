"""Per-domain list calls (schedule rule 7): one loop per account whose provider answers many domains a call.

Such a provider (`Provider.list_batch(account)` > 0: Huawei v2's `stats/bandwidth/peak` and
`stats/traffic/summary`, 100 domains a call) gives every domain's provisional buckets in one call per bucket
per metric per batch, so the account's domains stop asking their own detail calls once their window is
filled: a domain's own loop fetches the window (start, zoom, `r`), then hands its provisional buckets to this
loop (`LoopState.listed`). On the bandwidth cadence this loop asks, for every bucket the vendor may have
changed since its last cycle, both lists for all listed domains, and merges each domain's answer into the
store as that domain's fetch.

When a list call fails, its domains go back to their own detail calls (a domain the tenant lost, say, then
shows its own decoded error on its row instead of failing the list for a hundred others); a refusal that
retrying cannot cure (the account may not call the list APIs) turns the lists off for the account. A
throttling answer slows the account as any other. Off or failing, the account's capacity figure counts its
domains' own calls (a hundred times the requests) and carries a one-line notice saying why
(engine/capacity.py `Capacity.notice`), until a cycle succeeds again.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from livetop.engine import schedule
from livetop.engine.fetch import decoded
from livetop.engine.ratelimit import backoff_delay
from livetop.engine.store import RequestRecord
from livetop.model import DecodedError, FetchResult
from livetop.vendors.base import BOTH_METRICS

if TYPE_CHECKING:
    from livetop.engine.engine import Engine
    from livetop.engine.runtime import AccountRuntime, LoopState


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=timezone.utc)


async def run_lists(engine: Engine, runtime: AccountRuntime) -> None:
    """The account's list loop: sleeps until the next cycle is due (or `Engine.tick()`), runs it, re-arms."""
    loop = asyncio.get_running_loop()
    previous: float | None = None  # when the last successful cycle asked (engine clock)
    failures = 0
    while runtime.lists_off is None:
        runtime.list_wake.clear()
        timing = runtime.timing()
        now = engine.clock.now().timestamp()
        if runtime.list_retry_at is not None and loop.time() < runtime.list_retry_at:
            await _sleep(runtime, runtime.list_retry_at - loop.time())
            continue
        if now < runtime.list_due:
            await _sleep(runtime, None if engine.manual_clock else runtime.list_due - now)
            continue
        members = [lp for lp in runtime.loops.values() if lp.listed and not (lp.paused or lp.halted)]
        if not members:
            runtime.list_due = schedule.bandwidth_due(now, engine.refresh_seconds, timing)
            continue
        error = await _cycle(engine, runtime, members, previous, timing)
        if error is None:
            failures = 0
            runtime.list_retry_at = None
            if runtime.lists_failing is not None:  # back: the capacity figure and its notice say so
                runtime.lists_failing = None
                engine._update_capacity()
            previous = now
            answered = engine.clock.now().timestamp()
            runtime.list_due = schedule.bandwidth_due(answered, engine.refresh_seconds, timing)
            continue
        failures += 1
        # Its domains ask their own detail calls meanwhile: each shows its own error, if it has one.
        for lp in members:
            lp.listed = False
            lp.wake.set()
        if error.throttled:
            runtime.note_throttled(error, engine.refresh_seconds, engine.rng)
        elif not error.retryable:
            runtime.lists_off = error
            engine._update_capacity()  # its domains on their own calls for good: demand and a notice
            return
        if not error.throttled and (runtime.lists_failing is None or runtime.lists_failing.code != error.code):
            runtime.lists_failing = error
            engine._update_capacity()
        delay = max(backoff_delay(failures, base=1.0, cap=60.0, rng=engine.rng), error.retry_after or 0.0)
        runtime.list_retry_at = loop.time() + max(delay, runtime.gate.remaining)


async def _sleep(runtime: AccountRuntime, seconds: float | None) -> None:
    try:
        await asyncio.wait_for(runtime.list_wake.wait(), timeout=None if seconds is None else max(0.0, seconds))
    except TimeoutError:
        pass


async def _cycle(
    engine: Engine,
    runtime: AccountRuntime,
    members: list[LoopState],
    previous: float | None,
    timing: schedule.Timing,
) -> DecodedError | None:
    """One cycle: every bucket changed since `previous`, both lists, all members. None, or why it failed."""
    asked = engine.clock.now()
    buckets = schedule.list_buckets(previous, asked.timestamp(), timing)
    if not buckets:
        return None
    names = [lp.key.domain for lp in members]
    began = time.perf_counter()
    vendor = runtime.account.vendor
    try:
        outcomes = await asyncio.gather(
            *(runtime.provider.fetch_buckets(names, _utc(b)) for b in buckets), return_exceptions=True
        )
        for outcome in outcomes:  # all are let finish before the first error is raised
            if isinstance(outcome, BaseException):
                raise outcome
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # noqa: BLE001 - a bug must not stop the account's lists either
        return decoded(vendor, exc)
    latency_ms = (time.perf_counter() - began) * 1000
    requests = sum(sent for _, sent in outcomes)
    at = engine.clock.now()
    edge = schedule.settle_edge(asked.timestamp(), timing.bucket_seconds, timing.settle_seconds)
    runtime.note_success()
    engine.store.counters.note(runtime.account.name, vendor, True, "", requests, latency_ms, False)
    for lp in members:
        merged = FetchResult()
        for answers, _ in outcomes:
            found = answers.get(lp.key.domain)
            if found is not None:
                merged.bandwidth += found.bandwidth
                merged.traffic += found.traffic
        if len(merged.bandwidth) < len(buckets):
            lp.listed = False  # the lists left it out: its own detail calls take over
            lp.wake.set()
            continue
        record = RequestRecord(
            at=at,
            ok=True,
            http_status=200,
            code="",
            latency_ms=latency_ms,
            requests=2 * len(buckets),  # the list calls that carried this domain (shared with its batch)
            range_start=_utc(buckets[0]) if buckets else asked,
            range_end=asked,
        )
        engine.store.record_success(lp.key, merged, record, metrics=BOTH_METRICS, counted=False)
        lp.bandwidth_answered = lp.traffic_answered = at.timestamp()
        lp.bandwidth_since = lp.traffic_since = edge
    return None
