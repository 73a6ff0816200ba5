"""Polling: one loop per (account, domain), one pooled client, concurrency cap and rate limit per account.

Each loop fetches, merges into the store, then re-arms a one-shot wait: a slow vendor never piles up
requests. The first fetch loads the whole window; later ones ask only for the buckets the vendor may have
changed since (the provisional ones), and only when its answer can have changed: engine/schedule.py has the
rules, and the steady-state cost grows neither with the window nor with a refresh set faster than the data.

Whether a fetch must ask for the whole window is decided from the store, not from a flag: the store knows
from when on each domain's data is complete (Store.window_complete). A flag set by a zoom and cleared by the
next fetch that asked for "the whole window" went wrong when zooms came faster than fetches: a shorter
window's fetch still in flight cleared the flag the longer window had set, and the longer window was never
fetched. Asking the store converges whatever the order of zooms, refreshes and config edits.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import replace
from datetime import datetime

from livetop.clock import SYSTEM_CLOCK, Clock
from livetop.config.schema import AccountConfig, Config
from livetop.engine import schedule
from livetop.engine.capacity import capacities
from livetop.engine.deadline import DEADLINE_CODE, late_reason, record_deadline, until_text
from livetop.engine.fetch import internal_error, poll_domain
from livetop.engine.lists import run_lists
from livetop.engine.ratelimit import backoff_delay
from livetop.engine.runtime import AccountRuntime, LoopState
from livetop.engine.store import DomainKey, Store, StoreSnapshot
from livetop.model import DecodedError
from livetop.vendors.base import BOTH_METRICS, METRIC_BANDWIDTH, METRIC_TRAFFIC
from livetop.vendors.registry import api_note

__all__ = ["Engine", "internal_error"]  # internal_error: where it was before engine/fetch.py

# Initial jitter, so a thousand loops do not fire in the same millisecond: spread over up to 2 ms per domain
# of the account (2 s for a thousand), so a small account's first frame is not kept waiting for nothing.
STAGGER_MAX_SECONDS = 2.0
STAGGER_PER_DOMAIN_SECONDS = 0.002
ONCE_MAX_ATTEMPTS = 3  # a one-shot poll (snapshot) retries retryable errors this many times in all
ONCE_MAX_THROTTLED = 12  # ... and waits out this many throttling answers
ONCE_BUDGET_SECONDS = 60.0  # ... and ends, answered or not, this long after it began (unless told otherwise)


def _default_provider_factory(account, client, clock, pacer):
    from livetop.vendors.registry import make_provider

    return make_provider(account, client, clock, pacer)


class Engine:
    def __init__(
        self,
        config: Config,
        clock: Clock = SYSTEM_CLOCK,
        *,
        stagger: bool = True,
        rng: random.Random | None = None,
        provider_factory=None,
        history=None,
        update_seconds: float | None = None,
    ) -> None:
        """`update_seconds`: instead of each API's declared update period (tests and benchmarks that want
        polls as fast as the refresh, on a simulator whose data they do not read)."""
        self.config = config
        self.update_seconds = update_seconds
        self.manual_clock = bool(getattr(clock, "manual", False))
        self.clock = clock
        self.refresh_seconds = config.refresh_seconds
        self.stagger = stagger
        self.rng = rng or random.Random()
        self._provider_factory = provider_factory or _default_provider_factory
        self.store = Store(clock, config.window_seconds, stale_after_seconds=2 * config.refresh_seconds)
        self.accounts: dict[str, AccountRuntime] = {}
        self._started = False
        self._once_deadline = 0.0
        # Optional: `load(key, start_ts, end_ts) -> ((bw times, values), (traffic times, values)), resume_ts) | None`
        # serving a domain's window
        # from disk (livetop.history.recorder), so a start or zoom asks the vendor only from the first bucket
        # the disk lacks.
        self.history = history
        self._once_budget = ONCE_BUDGET_SECONDS
        self._once_tasks: dict[asyncio.Task, tuple[AccountRuntime, LoopState]] = {}
        self.focused: DomainKey | None = None  # the domain whose drilldown is open (Engine.focus)

    # --- lifecycle -----------------------------------------------------------------------------------------

    async def __aenter__(self) -> Engine:
        self._build()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.stop()

    def _build(self) -> None:
        for account in self.config.accounts:
            if account.name not in self.accounts:
                self._add_account(account)
        self._update_capacity()

    def _update_capacity(self) -> None:
        """Say, per account, whether its rate limit serves its domains at the refresh (livetop.engine.capacity):
        on its total line, and in how stale its domains may get. Called whenever accounts or refresh change."""
        live = {name: runtime.live() for name, runtime in self.accounts.items()}
        self.store.set_capacities(capacities(self.config.accounts, self.refresh_seconds, live=live))
        self._judge_staleness()

    def _judge_staleness(self) -> None:
        """Stale after two of the schedule's cadences, not two refreshes: the data changes once a minute, and a
        15 s refresh does not make answers come more often (engine/schedule.py). An account its limit cannot
        serve gets a longer figure from its capacity (Store.stale_after_for)."""
        cadence = max(
            (schedule.cadence_seconds(rt.account, self.refresh_seconds, self.update_seconds)
             for rt in self.accounts.values()),
            default=0.0,
        )
        self.store.stale_after_seconds = 2 * max(self.refresh_seconds, cadence)

    def _add_account(self, account: AccountConfig) -> AccountRuntime:
        runtime = AccountRuntime(self, account)
        self.accounts[account.name] = runtime
        self.store.set_account_api(account.name, api_note(account))
        for domain in account.domains:
            key = DomainKey(account.name, domain.name)
            self._ensure(runtime, key, domain.label)
            runtime.loops[domain.name] = LoopState(key)
        runtime.spread()
        return runtime

    def _ensure(self, runtime: AccountRuntime, key: DomainKey, label: str | None) -> None:
        provider = runtime.provider
        self.store.ensure(
            key,
            runtime.account.vendor,
            label,
            bucket_seconds=provider.bucket_seconds,
            settle_seconds=provider.data_lag_seconds,
        )

    async def start(self) -> None:
        """Build the accounts and start every domain's loop."""
        self._build()
        self._started = True
        for runtime in self.accounts.values():
            self._start_account(runtime)

    def _start_account(self, runtime: AccountRuntime) -> None:
        for lp in runtime.loops.values():
            self._start_loop(runtime, lp)
        if runtime.list_batch and runtime.list_task is None:
            runtime.list_task = asyncio.create_task(run_lists(self, runtime), name=f"lists {runtime.account.name}")

    def _start_loop(self, runtime: AccountRuntime, lp: LoopState, once: bool = False) -> None:
        if lp.task is None or lp.task.done():
            lp.task = asyncio.create_task(self._run(runtime, lp, once), name=f"poll {lp.key}")

    async def stop(self) -> None:
        self._started = False
        runtimes = list(self.accounts.values())
        self.accounts.clear()
        await asyncio.gather(*(rt.close() for rt in runtimes), return_exceptions=True)

    async def poll_all_once(self, timeout: float | None = None) -> StoreSnapshot:
        """Fetch the window of every domain once and return a snapshot, within a hard deadline.

        `timeout`: seconds from now (default ONCE_BUDGET_SECONDS). Nothing keeps the poll past it: not a
        Retry-After (a domain whose account is throttled beyond it is reported at once), not a server that
        never answers, not a retry (none starts that could not end in time). Every domain not answered by
        then gets a `LIVETOP.DEADLINE` error saying why: "throttled by the vendor until HH:MM UTC" or
        "waiting for a slow answer". `pending_once()` names the domains still awaited meanwhile.
        """
        self._build()
        loop = asyncio.get_running_loop()
        budget = ONCE_BUDGET_SECONDS if timeout is None else max(0.0, float(timeout))
        began, began_loop = self.clock.now(), loop.time()
        self._once_deadline = deadline = began_loop + budget
        self._once_budget = budget
        self._once_tasks = {}
        for runtime in self.accounts.values():
            runtime.deadline, runtime.deadline_budget = deadline, budget
            for lp in runtime.loops.values():
                self._start_loop(runtime, lp, once=True)
                if lp.task is not None:
                    self._once_tasks[lp.task] = (runtime, lp)
        try:
            if self._once_tasks:
                await asyncio.wait(self._once_tasks, timeout=max(0.0, deadline - loop.time()))
            late = [(rt, lp, task) for task, (rt, lp) in self._once_tasks.items() if not task.done()]
            # Why each was still awaited, read before cancelling (cancelling clears `in_flight`).
            reasons = [late_reason(self.store, rt, lp) for rt, lp, _ in late]
            for _, _, task in late:
                task.cancel()
            await asyncio.gather(*(task for _, _, task in late), return_exceptions=True)
            for (runtime, lp, _), why in zip(late, reasons):
                record_deadline(self.store, self.clock, runtime, lp, budget, why, loop.time() - began_loop)
        finally:
            self._once_tasks = {}
            for runtime in self.accounts.values():
                runtime.deadline = None
        # Staleness is judged from when this poll began: data fetched by it is current, however long the
        # slowest domain's retries took.
        stale_after = self.store.stale_after_seconds
        self.store.stale_after_seconds = stale_after + (self.clock.now() - began).total_seconds()
        try:
            return self.store.snapshot()
        finally:
            self.store.stale_after_seconds = stale_after

    def pending_once(self) -> list[DomainKey]:
        """The domains a running `poll_all_once` still waits on, in config order."""
        return [lp.key for task, (_, lp) in self._once_tasks.items() if not task.done()]

    # --- actions the UI needs -------------------------------------------------------------------------------

    def _loops(self, key: DomainKey | None) -> list[tuple[AccountRuntime, LoopState]]:
        out = []
        for runtime in self.accounts.values():
            for lp in runtime.loops.values():
                if key is None or lp.key == key:
                    out.append((runtime, lp))
        return out

    def refresh(self, key: DomainKey | None = None) -> None:
        """Poll now: one domain, or all. Also lifts a halt after a non-retryable error."""
        for _, lp in self._loops(key):
            lp.halted = False
            lp.attempt = 0
            lp.force = True
            lp.retry_at = None
            self.store.clear_halt(lp.key)
            lp.wake.set()

    def tick(self) -> None:
        """The engine's clock moved (a test advanced its ManualClock): every loop looks again at what is due.
        Production never needs it: a loop sleeps, in real time, until its next due time."""
        for _, lp in self._loops(None):
            lp.wake.set()
        for runtime in self.accounts.values():
            runtime.list_wake.set()

    def focus(self, key: DomainKey | None) -> None:
        """The domain whose drilldown is open (None: none): its traffic follows the bandwidth cadence, since
        the drilldown shows its provisional traffic (schedule rule 4)."""
        self.focused = key
        for runtime, lp in self._loops(key) if key is not None else []:
            if lp.traffic_answered is not None:
                timing = runtime.timing(lp)
                lp.traffic_due = min(
                    lp.traffic_due, schedule.bandwidth_due(lp.traffic_answered, self.refresh_seconds, timing)
                )
            lp.wake.set()

    def pause(self, key: DomainKey | None = None) -> None:
        for _, lp in self._loops(key):
            lp.paused = True
            self.store.set_paused(lp.key, True)
        self._update_capacity()  # a paused domain asks nothing: the account's demand falls

    def resume(self, key: DomainKey | None = None) -> None:
        for _, lp in self._loops(key):
            if lp.paused:
                lp.force = True  # what was missed while paused is asked at once
            lp.paused = False
            self.store.set_paused(lp.key, False)
            lp.wake.set()
        self._update_capacity()

    def set_window(self, seconds: int) -> None:
        """Change the history window; every domain backfills the whole new window on its next poll, now."""
        if seconds == self.store.window_seconds:
            return
        grew = seconds > self.store.window_seconds
        self.store.set_window(seconds)  # a longer window is not complete until a fetch of all of it lands
        if grew:
            for _, lp in self._loops(None):
                lp.force = True
                lp.wake.set()

    def set_refresh(self, seconds: float) -> None:
        self.refresh_seconds = seconds
        self._update_capacity()

    async def apply_config(self, config: Config) -> None:
        """Apply a changed config without a restart: accounts and domains added, removed or changed."""
        old = {a.name: a for a in self.config.accounts}
        new = {a.name: a for a in config.accounts}
        previous, self.config = self.config, config
        # Only what the edit changed: a user's zoom (set_window) survives an edit of something else, such as
        # the theme the TUI saves to the same file.
        if config.refresh_seconds != previous.refresh_seconds:
            self.set_refresh(config.refresh_seconds)
        if config.window_seconds != previous.window_seconds:
            self.set_window(config.window_seconds)
        paused_before: dict[str, set[str]] = {}
        for name, runtime in list(self.accounts.items()):
            wanted = new.get(name)
            if wanted is None or replace(wanted, domains=()) != replace(old[name], domains=()):
                # Removed, or its credentials/endpoint/limits changed: rebuild it (data kept if domains stay).
                # A domain the user paused stays paused; a halt ends, since the config it was about changed.
                del self.accounts[name]
                await runtime.close()
                paused_before[name] = {domain for domain, lp in runtime.loops.items() if lp.paused}
                keep = {d.name for d in wanted.domains} if wanted else set()
                for domain in runtime.loops:
                    key = DomainKey(name, domain)
                    if domain not in keep:
                        self.store.remove(key)
                    else:
                        self.store.clear_halt(key)
                        self.store.reset_coverage(key)  # fetched afresh from the changed account
        for name, account in new.items():
            runtime = self.accounts.get(name)
            if runtime is None:
                runtime = self._add_account(account)
                for domain, lp in runtime.loops.items():
                    lp.paused = domain in paused_before.get(name, ())
                if self._started:
                    self._start_account(runtime)
                continue
            runtime.account = account
            wanted_domains = {d.name: d for d in account.domains}
            for domain in list(runtime.loops):
                if domain not in wanted_domains:
                    lp = runtime.loops.pop(domain)
                    if lp.task is not None:
                        lp.task.cancel()
                    self.store.remove(lp.key)
            for domain in account.domains:
                key = DomainKey(name, domain.name)
                self._ensure(runtime, key, domain.label)
                if domain.name not in runtime.loops:
                    lp = runtime.loops[domain.name] = LoopState(key)
                    if self._started:
                        self._start_loop(runtime, lp)
        for runtime in self.accounts.values():
            runtime.spread()
        self._update_capacity()

    def loop_state(self, key: DomainKey) -> LoopState | None:
        for _, lp in self._loops(key):
            return lp
        return None

    # --- the loop -------------------------------------------------------------------------------------------

    async def _run(self, runtime: AccountRuntime, lp: LoopState, once: bool) -> None:
        if self.stagger and not once:
            spread = min(STAGGER_MAX_SECONDS, self.refresh_seconds, STAGGER_PER_DOMAIN_SECONDS * len(runtime.loops))
            await asyncio.sleep(self.rng.uniform(0, spread))
        loop = asyncio.get_running_loop()
        while True:
            lp.wake.clear()  # a wake from here on (r, a zoom, tick) is seen by the wait below
            if lp.paused or lp.halted:
                if once:
                    return
                await lp.wake.wait()
                continue
            metrics, wait = self._plan(runtime, lp, once, loop.time())
            if not metrics and self.manual_clock and lp.retry_at is None:
                wait = None  # a ManualClock moves only when a test says so: it then calls tick()
            if not metrics:
                try:
                    await asyncio.wait_for(lp.wake.wait(), timeout=wait)
                except TimeoutError:
                    pass
                continue
            error = await poll_domain(self, runtime, lp, metrics)
            if error is None:
                if once:
                    return
                continue
            if once and (error.code == DEADLINE_CODE or self._once_done(lp, error)):
                return
            # A domain the vendor keeps throttling backs off on its own run of refusals, so it does not
            # re-close its account's gate every Retry-After.
            failures = lp.throttled_count if error.throttled else lp.attempt
            delay = max(
                backoff_delay(failures, base=1.0, cap=max(60.0, self.refresh_seconds), rng=self.rng),
                error.retry_after or 0.0,
            )
            if error.throttled:
                delay = max(delay, runtime.gate.remaining)
            if once and loop.time() + delay > self._once_deadline:
                # Out of time for a one-shot poll: report the error as it stands, or, for a vendor that
                # says "not before HH:MM", that the deadline comes first.
                if error.throttled:
                    why = f"throttled by the vendor until {until_text(self.clock, delay)}"
                    record_deadline(self.store, self.clock, runtime, lp, self._once_budget, why, 0.0, error)
                return
            lp.last_delay = delay
            lp.retry_at = loop.time() + delay

    def _plan(
        self, runtime: AccountRuntime, lp: LoopState, once: bool, loop_now: float
    ) -> tuple[frozenset[str], float | None]:
        """(metrics to ask now, or none and how long to sleep): schedule rules 3-5."""
        if once or lp.force:
            return BOTH_METRICS, 0.0
        if lp.retry_at is not None:
            if loop_now < lp.retry_at:
                return frozenset(), lp.retry_at - loop_now
            return BOTH_METRICS, 0.0
        if not self.store.window_complete(lp.key):
            return BOTH_METRICS, 0.0
        if lp.listed and runtime.lists_off is None:
            return frozenset(), None  # the account's lists ask for it (engine/lists.py)
        now = self.clock.now().timestamp()
        due = frozenset(
            metric
            for metric, at in ((METRIC_BANDWIDTH, lp.bandwidth_due), (METRIC_TRAFFIC, lp.traffic_due))
            if at <= now
        )
        if not due:
            return due, max(0.0, min(lp.bandwidth_due, lp.traffic_due) - now)
        return (BOTH_METRICS if runtime.joint_metrics else due), 0.0

    def _answered(self, runtime: AccountRuntime, lp: LoopState, metrics: frozenset[str], asked: datetime) -> None:
        """A fetch of `metrics` asked at `asked` landed: when each is due next, and from where it asks then."""
        timing = runtime.timing(lp)
        at = self.clock.now().timestamp()
        edge = schedule.settle_edge(asked.timestamp(), timing.bucket_seconds, timing.settle_seconds)
        if METRIC_BANDWIDTH in metrics:
            lp.bandwidth_answered, lp.bandwidth_since = at, edge
            lp.bandwidth_due = schedule.bandwidth_due(at, self.refresh_seconds, timing)
        if METRIC_TRAFFIC in metrics:
            lp.traffic_answered, lp.traffic_since = at, edge
            lp.traffic_due = schedule.traffic_due(at, self.refresh_seconds, timing, lp.key == self.focused)
        lp.last_delay = min(lp.bandwidth_due, lp.traffic_due) - at

    @staticmethod
    def _once_done(lp: LoopState, error: DecodedError) -> bool:
        if lp.halted:
            return True
        if error.throttled:
            return lp.throttled_count >= ONCE_MAX_THROTTLED
        return lp.attempt >= ONCE_MAX_ATTEMPTS
