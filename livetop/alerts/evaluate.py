"""The alert evaluator: rules against a store snapshot, with Prometheus' `for` / `keep_firing_for` semantics.

Per (rule, domain) an alert is pending while its condition has held for less than `for`, firing after, and
resolves once the condition has not held for `keep_firing_for`. A condition that cannot be judged (the domain
is failing, paused, still loading, its data stale, or there is no settled bucket) neither starts, advances nor
resolves an alert: "no data" and a vendor error never read as zero bandwidth; `error` and `stale` rules cover
them.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from fnmatch import fnmatchcase

from livetop.alerts.settled import settled
from livetop.config.alerts import AlertRule
from livetop.engine.store import (
    STATUS_ERROR,
    STATUS_LOADING,
    STATUS_OK,
    STATUS_PAUSED,
    DomainKey,
    DomainSnapshot,
    StoreSnapshot,
)
from livetop.model import format_bps, format_duration

PENDING, FIRING, RESOLVED = "pending", "firing", "resolved"
DAY = 86400

# (account, domain, bucket start) -> bandwidth from history, for "same time yesterday" beyond the window.
ReferenceFn = Callable[[DomainKey, int], float | None]


@dataclass(frozen=True, slots=True)
class Reading:
    """What a rule saw on one domain: whether its condition holds, the value and a few words about it."""

    holds: bool
    value: float | str | None
    text: str
    bucket: int | None = None  # the settled bucket judged (epoch seconds)


@dataclass(frozen=True, slots=True)
class Alert:
    rule: AlertRule
    key: DomainKey
    label: str | None
    state: str  # pending | firing
    active_since: datetime  # the condition has held since
    fired_at: datetime | None
    value: float | str | None
    text: str  # "410 Mbps < 500Mbps"
    clear_since: datetime | None = None  # firing, no longer holding (keep_firing_for runs)

    @property
    def level(self) -> str:
        return self.rule.level


@dataclass(frozen=True, slots=True)
class AlertEvent:
    state: str  # firing | resolved
    alert: Alert
    at: datetime


def rule_matches(rule: AlertRule, key: DomainKey, label: str | None) -> bool:
    m = rule.match
    if not fnmatchcase(key.account, m.account) or not fnmatchcase(key.domain.lower(), m.domain.lower()):
        return False
    if m.label is not None and not fnmatchcase((label or "").lower(), m.label.lower()):
        return False
    return True


def plain_number(value: float) -> str:
    """For hooks and exports: no exponent, no needless decimals."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


class Evaluator:
    def __init__(self, rules: Iterable[AlertRule], reference: ReferenceFn | None = None):
        self.rules = tuple(rules)
        self.reference = reference
        self._alerts: dict[tuple[str, DomainKey], Alert] = {}

    @property
    def active(self) -> tuple[Alert, ...]:
        """Pending and firing alerts, firing first, critical before warning, oldest first."""
        return tuple(sorted(self._alerts.values(), key=_order))

    @property
    def firing(self) -> tuple[Alert, ...]:
        return tuple(a for a in self.active if a.state == FIRING)

    def firing_for(self, key: DomainKey) -> list[Alert]:
        return [a for a in self.firing if a.key == key]

    def evaluate(self, snapshot: StoreSnapshot, now: datetime) -> list[AlertEvent]:
        events: list[AlertEvent] = []
        present = set()
        for domain in snapshot.domains:
            present.add(domain.key)
            for rule in self.rules:
                if not rule_matches(rule, domain.key, domain.label):
                    continue
                reading = self.read(rule, domain, now)
                event = self._step(rule, domain, reading, now)
                if event is not None:
                    events.append(event)
        for slot, alert in list(self._alerts.items()):
            if alert.key not in present:  # removed from the config: its alerts end
                del self._alerts[slot]
                if alert.state == FIRING:
                    events.append(AlertEvent(RESOLVED, alert, now))
        return events

    def _step(self, rule: AlertRule, domain: DomainSnapshot, reading: Reading | None, now: datetime):
        slot = (rule.name, domain.key)
        alert = self._alerts.get(slot)
        if reading is None:
            return None  # cannot judge: hold whatever state there is
        if reading.holds:
            if alert is None:
                alert = Alert(rule, domain.key, domain.label, PENDING, now, None, reading.value, reading.text)
            else:
                alert = replace(alert, value=reading.value, text=reading.text, clear_since=None, label=domain.label)
            event = None
            if alert.state == PENDING and (now - alert.active_since).total_seconds() >= rule.for_seconds:
                alert = replace(alert, state=FIRING, fired_at=now)
                event = AlertEvent(FIRING, alert, now)
            self._alerts[slot] = alert
            return event
        if alert is None:
            return None
        if alert.state == PENDING:
            del self._alerts[slot]
            return None
        clear_since = alert.clear_since or now
        alert = replace(alert, clear_since=clear_since, value=reading.value, text=reading.text)
        if (now - clear_since).total_seconds() >= rule.keep_firing_for_seconds:
            del self._alerts[slot]
            return AlertEvent(RESOLVED, alert, now)
        self._alerts[slot] = alert
        return None

    # --- conditions ---------------------------------------------------------------------------------------

    def read(self, rule: AlertRule, domain: DomainSnapshot, now: datetime) -> Reading | None:
        """Judge one rule on one domain, or None when it cannot be judged."""
        if domain.status in (STATUS_PAUSED, STATUS_LOADING):
            return None
        if rule.kind == "error":
            error = domain.error
            if domain.status == STATUS_ERROR and error is not None:
                return Reading(True, error.code, f"failing: {error.code} {error.title}")
            return Reading(False, None, "answering")
        if rule.kind == "stale":
            if domain.last_bucket is None:
                return None
            # From the newest bucket's end: a bucket still filling is data as of now, not as of its start (a
            # 5-minute bucket would otherwise read "4m old" on a domain answering every few seconds).
            age = max(0.0, (now - domain.last_bucket).total_seconds() - domain.bucket_seconds)
            limit = format_duration(rule.threshold)
            if age > rule.threshold:
                return Reading(True, age, f"newest data {format_duration(age)} old > {limit}")
            return Reading(False, age, f"newest data {format_duration(age)} old ≤ {limit}")
        if domain.status != STATUS_OK:
            return None  # failing or stale: its figures are not current, and never zero
        info = settled(domain)  # the store's rule: the screen, the history and /metrics say the same
        if info is None or info.missing():
            return None  # no settled bucket, or the newest ones are missing: no data is not a value
        times, values = domain.bandwidth.times, domain.bandwidth.values
        i = domain.settled_buckets
        newest, value = info.newest, info.newest_bps
        if rule.kind in ("below", "above"):
            holds = value < rule.threshold if rule.kind == "below" else value > rule.threshold
            sign = ("<" if holds else "≥") if rule.kind == "below" else (">" if holds else "≤")
            return Reading(holds, value, f"{format_bps(value)} {sign} {format_bps(rule.threshold)}", newest)
        ref = self._reference(rule, domain, times, values, newest, i, info.bucket_seconds)
        if ref is None:
            return None
        if ref < max(rule.min_bandwidth, 1e-9):
            return Reading(False, None, f"reference {format_bps(ref)} below {format_bps(rule.min_bandwidth)}")
        change = (value - ref) / ref * 100.0
        holds = change <= -rule.threshold if rule.kind == "drop" else change >= rule.threshold
        against = "yesterday" if rule.against == "yesterday" else f"the {rule.buckets} buckets before"
        limit = f"-{rule.threshold:g}%" if rule.kind == "drop" else f"+{rule.threshold:g}%"
        sign = ("≤" if holds else ">") if rule.kind == "drop" else ("≥" if holds else "<")
        text = f"{change:+.0f}% {sign} {limit} against {against}: {format_bps(ref)} → {format_bps(value)}"
        return Reading(holds, change, text, newest)

    def _reference(self, rule, domain, times, values, newest: int, i: int, bucket: int) -> float | None:
        if rule.against == "yesterday":
            at = newest - DAY
            j = bisect_left(times, at)
            if j < len(times) and times[j] == at:
                return values[j]
            return self.reference(domain.key, at) if self.reference is not None else None
        lo = bisect_left(times, newest - rule.buckets * bucket, 0, i - 1)
        before = values[lo : i - 1]
        if len(before) < rule.buckets:
            return None  # not enough settled history yet to compare against
        return sum(before) / len(before)


def _order(alert: Alert):
    return (alert.state != FIRING, alert.rule.level != "critical", alert.active_since, alert.rule.name, alert.key)
