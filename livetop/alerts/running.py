"""Alerts as a running process uses them (the TUI, `serve`): evaluate the config's rules on the engine's
store every few seconds, start the hooks of what fired or resolved, remember transitions in the history, and
tell listeners (the screen: marks, panel, status count, bell)."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable

from livetop.alerts.evaluate import AlertEvent, Evaluator, plain_number
from livetop.alerts.hooks import HookRunner, secret_env_names
from livetop.engine.store import DomainKey

EVALUATE_EVERY_SECONDS = 5.0
RECENT = 100  # transitions kept for the panel


class AlertService:
    def __init__(self, config, engine, history=None, every: float = EVALUATE_EVERY_SECONDS) -> None:
        self.engine = engine
        self.history = history  # livetop.history.store.History, for "yesterday" and the event log
        self.every = every
        self.evaluator = Evaluator(config.alerts, reference=self._reference)
        self.clock = engine.store.clock  # an Engine's, or a remote viewer's (which has no engine clock)
        self.hooks = HookRunner(self.clock, secret_env_names(config))
        self.recent: deque[AlertEvent] = deque(maxlen=RECENT)
        self.listeners: list[Callable[[list[AlertEvent]], None]] = []
        self.watchers: list[Callable[[], None]] = []  # after every evaluation (a collector's feed)
        self._reference_cache: dict[tuple[DomainKey, int], float | None] = {}
        self._task: asyncio.Task | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.evaluator.rules)

    def apply_config(self, config) -> None:
        """New rules from an edited config; alerts of rules that stay keep their state."""
        kept = {r.name for r in config.alerts}
        old = self.evaluator
        self.evaluator = Evaluator(config.alerts, reference=self._reference)
        by_name = {r.name: r for r in config.alerts}
        for (name, key), alert in old._alerts.items():
            if name in kept and by_name[name] == alert.rule:
                self.evaluator._alerts[(name, key)] = alert
        self.hooks.hidden_env = frozenset(secret_env_names(config))
        try:
            self.start()  # rules added to a config that had none: start evaluating them
        except RuntimeError:  # no running loop (a synchronous caller): start() is the caller's job then
            pass
        for watcher in list(self.watchers):
            watcher()

    def _history(self):
        """The history file: given, or the one the engine serves windows from (livetop.history.running)."""
        return self.history or getattr(getattr(self.engine, "history", None), "history", None)

    def _reference(self, key: DomainKey, ts: int) -> float | None:
        history = self._history()
        if history is None:
            return None
        slot = (key, ts)
        if slot not in self._reference_cache:
            if len(self._reference_cache) > 20000:
                self._reference_cache.clear()
            bw, _ = history.read(key.account, key.domain, ts, ts + 1)
            self._reference_cache[slot] = float(bw[0][1]) if bw else None
        return self._reference_cache[slot]

    def evaluate(self) -> list[AlertEvent]:
        if not self.enabled:
            return []
        events = self.evaluator.evaluate(self.engine.store.snapshot(), self.clock.now())
        if events:
            self.recent.extend(events)
            try:
                self.hooks.dispatch(events)
            except RuntimeError:  # no running loop (a synchronous caller): hooks are the loop's job
                pass
            history = self._history()
            if history is not None:
                for e in events:
                    a = e.alert
                    value = "" if a.value is None else a.value if isinstance(a.value, str) else plain_number(a.value)
                    history.record_alert(e.at, a.rule.name, a.rule.level, e.state, a.key.account,
                                              a.key.domain, value, a.text)
            for listener in list(self.listeners):
                listener(events)
        for watcher in list(self.watchers):
            watcher()
        return events

    def start(self) -> None:
        if self.enabled and self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="alerts")

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            try:
                self.evaluate()
            except Exception:  # a bug in a rule must not end alerting for the others, nor the app
                pass

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
            self._task = None
        await self.hooks.drain()
