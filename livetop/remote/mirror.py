"""A store that mirrors a collector's: filled from its change feed instead of by an engine.

It is a `Store`: snapshots, totals, statuses, trimming and change notifications are the very code the local
TUI runs on, so a viewer shows the same rows and figures as a local livetop. Only the writer differs: `apply`
takes the feed's domain records (livetop.serve.wire).

While the collector is unreachable every row reads stale: the figures are the last the collector sent, and the
screen must not present them as current.
"""

from __future__ import annotations

from collections.abc import Iterable

from livetop.clock import SYSTEM_CLOCK, Clock
from livetop.engine.capacity import Capacity
from livetop.engine.store import STATUS_PAUSED, STATUS_STALE, DomainKey, Store, _DomainState
from livetop.serve.wire import error_event_from_wire, error_from_wire, from_epoch, request_from_wire


class MirrorStore(Store):
    def __init__(self, clock: Clock = SYSTEM_CLOCK) -> None:
        super().__init__(clock, window_seconds=3600, stale_after_seconds=60.0)
        self.connected = False
        self.collector_window_seconds = 3600  # what the collector keeps (a viewer may show less)
        self.refresh_seconds = 30.0

    # --- the feed ---------------------------------------------------------------------------------------

    def apply(self, body: dict, whole: bool) -> None:
        """Apply one feed event: a snapshot (`whole`: domains not in it are gone) or a change."""
        self.refresh_seconds = float(body.get("refresh_seconds", self.refresh_seconds))
        self.stale_after_seconds = float(body.get("stale_after_seconds", self.stale_after_seconds))
        apis = body.get("account_apis")
        if isinstance(apis, dict):  # the collector's account totals name their API: so do the mirror's
            for account, api in apis.items():
                self.set_account_api(str(account), str(api))
        self._apply_capacity(body.get("account_capacity"))
        window = int(body.get("window_seconds", self.collector_window_seconds))
        if window != self.collector_window_seconds:
            shown_all = self.window_seconds >= self.collector_window_seconds
            self.collector_window_seconds = window
            if shown_all or self.window_seconds > window:
                self.window_seconds = window
        seen: set[DomainKey] = set()
        for record in body.get("domains", ()):
            seen.add(self._apply_domain(record, whole))
        gone: Iterable[DomainKey] = [k for k in self.keys() if k not in seen] if whole else (
            DomainKey(str(a), str(d)) for a, d in body.get("removed", ())
        )
        for key in list(gone):
            self.remove(key)

    def _apply_capacity(self, wire: object) -> None:
        """The collector's account capacities (livetop.engine.capacity), as its total lines say them. A
        collector older than them sends none; an unreadable entry is left out, not guessed."""
        if not isinstance(wire, dict):
            return
        caps = {}
        for account, body in wire.items():
            try:
                caps[str(account)] = Capacity.from_dict(str(account), body)
            except (KeyError, TypeError, ValueError, AttributeError):
                continue
        self.set_capacities(caps)

    def _apply_domain(self, rec: dict, whole: bool) -> DomainKey:
        key = DomainKey(str(rec["account"]), str(rec["domain"]))
        state = self._states.get(key)
        if state is None:
            state = self._states[key] = _DomainState(key, str(rec["vendor"]), rec.get("label"))
            whole = True
        state.vendor, state.label = str(rec["vendor"]), rec.get("label")
        state.paused = bool(rec.get("paused"))
        state.halted = bool(rec.get("halted"))
        state.updated_at = from_epoch(rec.get("updated_at"))
        state.traffic_as_of = from_epoch(rec.get("traffic_as_of"))
        state.ever_fetched = state.updated_at is not None
        state.error = error_from_wire(rec.get("error"))
        state.error_since = from_epoch(rec.get("error_since"))
        state.notices = tuple(str(n) for n in rec.get("notices", ()))
        state.bucket_seconds = int(rec.get("bucket_seconds", state.bucket_seconds))
        state.settle_seconds = int(rec.get("settle_seconds", state.settle_seconds))
        covered = rec.get("covered_from")
        state.covered_from = None if covered is None else int(covered)
        for name in ("bandwidth", "traffic"):
            wire = rec.get(name)
            if wire is not None:
                getattr(state, name).replace_from(wire.get("from"), wire["t"], wire["v"], wire.get("oldest"))
        for name, decode in (("errors", error_event_from_wire), ("requests", request_from_wire)):
            wire = rec.get(name)
            if wire is None:
                continue
            history = getattr(state, name)
            if wire.get("whole") or whole:
                history.clear()
            history.extend(decode(w) for w in wire.get("add", ()))
        self._trim(state)
        self._changed(key)
        return key

    def set_connected(self, connected: bool) -> None:
        """The collector came or went: every row's status changes with it, so every row is redrawn."""
        if connected == self.connected:
            return
        self.connected = connected
        for state in self._states.values():
            self._touch(state)
        keys = frozenset(self._states)
        for listener in list(self._listeners):
            listener(keys)

    def _status(self, state: _DomainState, now) -> str:
        status = super()._status(state, now)
        if not self.connected and status != STATUS_PAUSED:
            return STATUS_STALE
        return status
