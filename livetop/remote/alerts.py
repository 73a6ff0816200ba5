"""A viewer's alerts: the collector's, as its feed sends them (livetop.alerts.wire), never the viewer's own.

The collector runs the rules and their hooks once for everyone; a viewer shows what the collector says - the
firing alerts in the panel, the count in the status line, the ⚑ on the rows - and raises its own toasts and
bell when the collector reports an alert firing or resolving. It offers what the screen reads of a local
AlertService (`evaluator.active` / `.firing` / `.rules`, `recent`, `hooks.failures`, `listeners`), plus
`remote`: where the alerts come from and whether they are current.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from datetime import datetime

from livetop.alerts.evaluate import FIRING, RESOLVED, Alert, AlertEvent
from livetop.alerts.running import RECENT
from livetop.alerts.wire import AlertsDoc, doc_from_wire
from livetop.engine.store import DomainKey


class _Evaluator:
    """The part of an Evaluator the screen reads, filled from the collector's document."""

    def __init__(self) -> None:
        self.active: tuple[Alert, ...] = ()
        self.rules: tuple = ()

    @property
    def firing(self) -> tuple[Alert, ...]:
        return tuple(a for a in self.active if a.state == FIRING)

    def firing_for(self, key: DomainKey) -> list[Alert]:
        return [a for a in self.firing if a.key == key]


class _Hooks:
    def __init__(self) -> None:
        self.failures: list = []
        self.listeners: list[Callable] = []  # told of each hook failure the collector reports anew


class RemoteAlerts:
    def __init__(self, source) -> None:
        self.source = source  # livetop.remote.source.RemoteSource: where, and whether connected
        self.evaluator = _Evaluator()
        self.hooks = _Hooks()
        self.recent: deque[AlertEvent] = deque(maxlen=RECENT)
        self.listeners: list[Callable[[list[AlertEvent]], None]] = []
        self.received: datetime | None = None  # when the last document came (None: the collector sent none)
        self.as_of: datetime | None = None  # until when they are known current: the last document, or the feed's end
        self.rule_count = 0

    # --- what a local AlertService offers ---------------------------------------------------------------------

    remote = True

    @property
    def enabled(self) -> bool:
        return True  # the panel always says something: the collector's rules, none, or that it sent nothing

    def apply_config(self, config) -> None:  # the viewer's own [[alerts]] do not run here
        pass

    def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    @property
    def current(self) -> bool:
        """The alerts are the collector's as of now (connected, and it sent some)."""
        return self.received is not None and bool(self.source.connected)

    def where(self) -> str:
        return self.source.url.split("://", 1)[-1]

    # --- the feed ---------------------------------------------------------------------------------------------

    def apply(self, body: dict, now: datetime) -> list[AlertEvent]:
        """A document from the collector; returns (and tells the listeners) the transitions it shows. The first
        one after a (re)connect raises none: what fired before the viewer looked is in the panel, not a toast."""
        doc: AlertsDoc = doc_from_wire(body)
        first = not self._seen_since_connect
        before = {(a.rule.name, a.key): a for a in self.evaluator.firing}
        after = {(a.rule.name, a.key): a for a in doc.firing}
        events: list[AlertEvent] = []
        if not first:
            events += [AlertEvent(FIRING, a, a.fired_at or now) for slot, a in after.items() if slot not in before]
            events += [AlertEvent(RESOLVED, a, now) for slot, a in before.items() if slot not in after]
        self.evaluator.active = doc.active
        self.evaluator.rules = tuple(range(doc.rules))  # only its length is read: how many rules watch
        self.rule_count = doc.rules
        self.recent.clear()
        self.recent.extend(doc.recent)
        known = {(h.alert, h.key, h.state, h.at) for h in self.hooks.failures}
        fresh = [h for h in doc.hook_failures if (h.alert, h.key, h.state, h.at) not in known]
        self.hooks.failures = list(doc.hook_failures)
        if not first:
            for failure in fresh:
                for listener in list(self.hooks.listeners):
                    listener(failure)
        self.received = self.as_of = now
        self._seen_since_connect = True
        for listener in list(self.listeners):
            listener(events)
        return events

    _seen_since_connect = False

    def disconnected(self) -> None:
        """The feed ended: the next document is a fresh start (no toasts for what it already holds)."""
        if self._seen_since_connect:  # documents come only on change: they were current until the feed ended
            self.as_of = self.source.store.clock.now()
        self._seen_since_connect = False
        for listener in list(self.listeners):
            listener([])  # the panel and status line say the alerts are as of the last contact
