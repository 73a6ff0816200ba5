"""Alerts as a collector tells its viewers: the rules it runs, what is pending and firing, the latest
transitions and the hooks that failed, as one JSON document (`event: alerts` on the change feed,
`GET /api/v1/alerts`), and back into the objects the alerts panel, the row marks and the status line read.

A viewer never evaluates rules itself: the collector runs them (and their hooks) once for everyone, so every
viewer shows the same alerts, whatever its own config says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from livetop.alerts.evaluate import Alert, AlertEvent
from livetop.alerts.hooks import HookResult
from livetop.config.alerts import AlertRule
from livetop.engine.store import DomainKey

RECENT_SENT = 8  # transitions sent: what the panel shows
FAILURES_SENT = 5


def _epoch(dt: datetime | None) -> float | None:
    return None if dt is None else dt.timestamp()


def _dt(value: Any) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(float(value), tz=UTC)


def alert_to_wire(a: Alert) -> dict[str, Any]:
    r = a.rule
    return {
        "rule": r.name, "kind": r.kind, "level": r.level, "threshold": r.threshold_text,
        "for": r.for_seconds, "keep_firing_for": r.keep_firing_for_seconds,
        "account": a.key.account, "domain": a.key.domain, "label": a.label, "state": a.state,
        "since": _epoch(a.active_since), "fired_at": _epoch(a.fired_at), "clear_since": _epoch(a.clear_since),
        "value": a.value, "text": a.text,
    }


def alert_from_wire(w: dict[str, Any]) -> Alert:
    rule = AlertRule(
        name=str(w["rule"]), kind=str(w.get("kind", "")), level=str(w.get("level", "warning")),
        threshold_text=str(w.get("threshold", "")), for_seconds=float(w.get("for", 0.0)),
        keep_firing_for_seconds=float(w.get("keep_firing_for", 0.0)),
    )
    value = w.get("value")
    if value is not None and not isinstance(value, str):
        value = float(value)
    label = w.get("label")
    return Alert(
        rule=rule, key=DomainKey(str(w["account"]), str(w["domain"])), label=None if label is None else str(label),
        state=str(w["state"]), active_since=_dt(w["since"]), fired_at=_dt(w.get("fired_at")), value=value,
        text=str(w.get("text", "")), clear_since=_dt(w.get("clear_since")),
    )


def service_to_wire(service) -> dict[str, Any]:
    """The document for a running AlertService (livetop.alerts.running)."""
    recent = list(service.recent)[-RECENT_SENT:]
    failures = service.hooks.failures[-FAILURES_SENT:]
    return {
        "rules": len(service.evaluator.rules),
        "active": [alert_to_wire(a) for a in service.evaluator.active],
        "recent": [{"state": e.state, "at": _epoch(e.at), "alert": alert_to_wire(e.alert)} for e in recent],
        "hook_failures": [
            {"alert": h.alert, "key": h.key, "state": h.state, "argv0": h.argv0, "detail": h.detail,
             "at": _epoch(h.at)}
            for h in failures
        ],
    }


@dataclass(frozen=True)
class AlertsDoc:
    """A collector's alerts document, decoded."""

    rules: int = 0
    active: tuple[Alert, ...] = ()
    recent: tuple[AlertEvent, ...] = ()
    hook_failures: tuple[HookResult, ...] = field(default_factory=tuple)

    @property
    def firing(self) -> tuple[Alert, ...]:
        return tuple(a for a in self.active if a.state == "firing")


def doc_from_wire(body: dict[str, Any]) -> AlertsDoc:
    """Raises KeyError / TypeError / ValueError on a document that is not one."""
    return AlertsDoc(
        rules=int(body.get("rules", 0)),
        active=tuple(alert_from_wire(w) for w in body.get("active", ())),
        recent=tuple(AlertEvent(str(e["state"]), alert_from_wire(e["alert"]), _dt(e["at"]))
                     for e in body.get("recent", ())),
        hook_failures=tuple(
            HookResult(str(h["alert"]), str(h["key"]), str(h["state"]), str(h["argv0"]), False, str(h["detail"]),
                       _dt(h["at"]))
            for h in body.get("hook_failures", ())
        ),
    )
