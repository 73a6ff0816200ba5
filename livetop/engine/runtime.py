"""What the engine keeps per account and per domain: the account's pooled client, provider and pacing
(concurrency cap, token bucket, throttle gate), and each domain loop's scheduling state."""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from livetop.config.schema import AccountConfig
from livetop.engine import schedule
from livetop.engine.capacity import Live
from livetop.engine.deadline import FIRST_ASK, DeadlineReached, deadline_error, until_text
from livetop.engine.ratelimit import PrioritySemaphore, ThrottleGate, TokenBucket, backoff_delay
from livetop.engine.store import DomainKey
from livetop.model import DecodedError
from livetop.vendors.base import Provider, make_client

if TYPE_CHECKING:
    from livetop.engine.engine import Engine

# Time a poll spent queued in the account's pacer (rate limit, throttle gate), so the request history shows
# the vendor's latency and not our own queue. A list in a ContextVar: the provider's own sub-tasks share it.
PACING_WAITS: ContextVar[list[float] | None] = ContextVar("livetop_pacing_waits", default=None)
# Where a poll queues for the account's slots and tokens (engine/ratelimit.py: lowest first; None: its
# arrival moment). Set per fetch by engine/fetch.py (`queue_key`); the provider's sub-tasks share it.
PACING_KEY: ContextVar[float | None] = ContextVar("livetop_pacing_key", default=None)
POLL_SMOOTHING = 0.2  # weight of the newest poll in the account's smoothed poll time
CEILING_MOVE = 0.1  # the concurrency ceiling is said again when it moves by more than this fraction,
CEILING_EVERY_SECONDS = 10.0  # ... at most this often


def _error_words(error: DecodedError | None) -> str:
    """A decoded error in a few words for a one-line notice: "APIGW.0101: API not subscribed"."""
    if error is None:
        return ""
    return f"{error.code}: {error.title}" if error.title else error.code


@dataclass
class LoopState:
    """Scheduling state of one domain's loop (readable by tests and the UI)."""

    key: DomainKey
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task | None = None
    paused: bool = False
    halted: bool = False
    attempt: int = 0
    throttled_count: int = 0
    last_delay: float | None = None
    polls: int = 0
    in_flight: bool = False  # a fetch of this domain is under way
    last_range: tuple[datetime, datetime] | None = None
    # The schedule (engine/schedule.py), on the engine's clock in epoch seconds: when each metric is due
    # next, when it was last answered, and from which bucket its next fetch asks (the settle edge at its
    # last ask). `force`: ask both now (`r`, resume, zoom); `retry_at`: an error's backoff, on event-loop
    # time like the rate limit; `jitter`: this domain's offset after each update boundary.
    bandwidth_due: float = 0.0
    traffic_due: float = 0.0
    bandwidth_answered: float | None = None
    traffic_answered: float | None = None
    bandwidth_since: int | None = None
    traffic_since: int | None = None
    force: bool = False
    retry_at: float | None = None
    jitter: float = 0.0
    listed: bool = False  # its provisional buckets come from the account's per-domain lists (engine/lists.py)


class AccountRuntime:
    """Everything shared by the domains of one account."""

    def __init__(self, engine: Engine, account: AccountConfig) -> None:
        from livetop.vendors.limits import effective_limits

        self.clock = engine.clock
        self.update_override: float | None = engine.update_seconds
        # A one-shot poll's hard deadline (event loop time) and its length, or None while polling for ever.
        self.deadline: float | None = None
        self.deadline_budget = 0.0
        self.account = account
        limits = effective_limits(account)
        self.concurrency = limits.concurrency
        self.semaphore = PrioritySemaphore(limits.concurrency)
        self.bucket = TokenBucket(limits.rate_per_second, limits.burst)
        self.gate = ThrottleGate()
        self.client = make_client(account, max_connections=limits.concurrency)
        self.provider: Provider = engine._provider_factory(account, self.client, engine.clock, self.pace)
        self.loops: dict[str, LoopState] = {}
        self.throttle_streak = 0  # throttling answers since the account's last success
        # Per-domain lists (engine/lists.py): domains a call (0: none), the loop, its next cycle (engine
        # clock), its backoff (event-loop time), and the error that turned them off for this account.
        self.list_batch = type(self.provider).list_batch(account)
        self.joint_metrics = schedule.joint_metrics(account)  # one request answers both metrics
        self.list_task: asyncio.Task | None = None
        self.list_wake = asyncio.Event()
        self.list_due = 0.0
        self.list_retry_at: float | None = None
        self.lists_off: DecodedError | None = None
        self._tickets = itertools.count()  # arrivals in the account's queue (engine/ratelimit.py keys)
        self.lists_failing: DecodedError | None = None  # the lists' last cycle failed; retried
        # How long one poll takes on the wire (pacing waits left out), smoothed, and the requests it sends:
        # the account's concurrency ceiling (engine/capacity.py `Live`). Published to the capacity figure
        # when it moves by more than CEILING_MOVE (`poll_measured` says when).
        self.poll_seconds: float | None = None
        self.poll_requests = 0.0
        self._published_ceiling: float | None = None
        self._published_at = 0.0

    # --- the schedule's per-account timing (engine/schedule.py) --------------------------------------------

    @property
    def update_seconds(self) -> float:
        """How often the vendor's newest data can change (the API's declaration, unless the engine overrides)."""
        from livetop.vendors.registry import account_api

        return self.update_override or account_api(self.account).update_seconds

    def timing(self, lp: LoopState | None = None) -> schedule.Timing:
        """The Timing of one domain (with its jitter), or of the account's list cycles (one jitter for all)."""
        update = self.update_seconds
        if lp is not None:
            jitter = lp.jitter
        else:
            jitter = schedule.jitter_seconds(self.account.name, 2, update, self.bucket.configured_rate)
        provider = self.provider
        return schedule.Timing(
            provider.bucket_seconds, provider.data_lag_seconds, update, schedule.margin_for(update), jitter
        )

    def spread(self) -> None:
        """Each domain's jitter after an update boundary (schedule rule 2), for the account's domain count."""
        n, update, rate = len(self.loops), self.update_seconds, self.bucket.configured_rate
        for lp in self.loops.values():
            lp.jitter = schedule.jitter_seconds(str(lp.key), n, update, rate)

    def queue_key(self, lead: float = 0.0) -> float:
        """A place in the account's queue for slots and tokens: the next arrival, `lead` arrivals ahead.
        Counted in arrivals, not seconds, so a head start means the same however fast the clock runs."""
        return next(self._tickets) - lead

    def live(self) -> Live:
        """What the capacity figure needs of this account as it runs (engine/capacity.py `Live`)."""
        return Live(
            paused=sum(1 for lp in self.loops.values() if lp.paused),
            poll_seconds=self.poll_seconds,
            requests_per_poll=self.poll_requests,
            lists_off=_error_words(self.lists_off),
            lists_failing="" if self.lists_off else _error_words(self.lists_failing),
        )

    def poll_measured(self, seconds: float, requests: int) -> bool:
        """A poll took `seconds` on the wire for `requests` requests. True when the account's
        concurrency ceiling moved enough (CEILING_MOVE) for its capacity figure to be said again."""
        if requests <= 0:
            return False
        if self.poll_seconds is None:
            self.poll_seconds, self.poll_requests = seconds, float(requests)
        else:
            self.poll_seconds += POLL_SMOOTHING * (seconds - self.poll_seconds)
            self.poll_requests += POLL_SMOOTHING * (requests - self.poll_requests)
        ceiling = self.concurrency * self.poll_requests * 60.0 / max(self.poll_seconds, 1e-3)
        rate = self.bucket.configured_rate * 60.0
        before = self._published_ceiling
        now = asyncio.get_running_loop().time()
        if before is not None:
            # Only a ceiling near or below the rate limit changes the figure (one far above it says nothing
            # new), and the figure is said again at most every CEILING_EVERY_SECONDS.
            if min(before, 2 * rate) * (1 - CEILING_MOVE) <= min(ceiling, 2 * rate) <= (
                min(before, 2 * rate) * (1 + CEILING_MOVE)
            ) or now - self._published_at < CEILING_EVERY_SECONDS:
                return False
        self._published_ceiling, self._published_at = ceiling, now
        return True

    def gate_until_text(self) -> str:
        """When the throttle gate opens, as a person reads it: `HH:MM UTC` on the engine's clock."""
        return until_text(self.clock, self.gate.remaining)

    async def pace(self) -> None:
        began = time.perf_counter()
        first = FIRST_ASK.get()
        while True:
            past_deadline = False
            if self.gate.remaining > 0:
                if self.deadline is not None and (
                    asyncio.get_running_loop().time() + self.gate.remaining >= self.deadline
                ):
                    if not first:
                        why = f"throttled by the vendor until {self.gate_until_text()}"
                        raise DeadlineReached(deadline_error(self.account.vendor, self.deadline_budget, why))
                    # A gate that opens only after the deadline would leave this domain unasked: its first
                    # question goes out anyway, paced by the (slowed) token bucket. A gate that opens in
                    # time is waited out like any other, so a short Retry-After still calms the account.
                    past_deadline = True
                else:
                    await self.gate.wait()
            key = PACING_KEY.get()
            await self.bucket.acquire(self.queue_key() if key is None else key)
            # The vendor may have said "slow down" while we queued for a token: wait that out too.
            if past_deadline or self.gate.remaining <= 0:
                break
        waits = PACING_WAITS.get()
        if waits is not None:
            waits.append(time.perf_counter() - began)

    def note_success(self) -> None:
        self.throttle_streak = 0

    def note_throttled(self, error: DecodedError, refresh_seconds: float, rng: random.Random) -> None:
        """The vendor pushed back: slow the whole account and close its gate.

        Without a Retry-After (LIVE.100011007 has none) the gate stays shut for a backoff that grows with the
        account's run of throttling answers, reset by any success in the account, and never longer than a
        refresh interval: one domain the vendor always refuses must not starve its healthy neighbours.
        """
        self.throttle_streak += 1
        self.bucket.slow_down()
        if error.retry_after:
            self.gate.close_for(error.retry_after)
        else:
            self.gate.close_for(min(backoff_delay(self.throttle_streak, rng=rng), refresh_seconds))

    async def close(self) -> None:
        tasks = [lp.task for lp in self.loops.values() if lp.task is not None]
        if self.list_task is not None:
            tasks.append(self.list_task)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.client.aclose()
