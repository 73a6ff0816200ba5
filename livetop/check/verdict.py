"""From one poll's snapshot to a plugin state per domain: thresholds (-w/-c) on the settled bandwidth or its
change, or the config's alert rules; failing and unreached domains named."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field, replace
from datetime import datetime

from livetop.alerts.evaluate import Evaluator, rule_matches
from livetop.alerts.settled import settled
from livetop.check.nagios import CRITICAL, OK, STATE_NAMES, UNKNOWN, WARNING, Perf, Range, state_for, worst
from livetop.engine.store import STATUS_ERROR, STATUS_LOADING, STATUS_PAUSED, DomainSnapshot, StoreSnapshot
from livetop.model import format_bps

METRIC_BANDWIDTH, METRIC_CHANGE = "bandwidth", "change"
CREDENTIAL_STATUSES = (401,)  # the vendor says the credentials are wrong: the plugin's set-up, not the service
INTERNAL_CODES = ("LIVETOP.INTERNAL",)
DEADLINE_CODE = "LIVETOP.DEADLINE"  # livetop.engine.deadline: the run's deadline came before the answer


@dataclass(frozen=True)
class CheckSpec:
    metric: str = METRIC_BANDWIDTH
    minutes: int = 30  # --metric change: against this many minutes earlier
    warn: Range | None = None
    crit: Range | None = None
    rules: tuple = ()  # AlertRule: used instead of -w/-c when given
    deadline_seconds: float = 10.0


@dataclass
class DomainResult:
    snap: DomainSnapshot
    state: int
    text: str
    perf: list[Perf] = field(default_factory=list)
    failing: bool = False
    unreached: bool = False

    @property
    def name(self) -> str:
        return self.snap.domain

    def line(self) -> str:
        label = f" ({self.snap.label})" if self.snap.label else ""
        return f"{STATE_NAMES[self.state]} {self.snap.account}/{self.snap.domain}{label}: {self.text}"


def _settled(d: DomainSnapshot, limit: int, series="bandwidth") -> tuple[int, float] | None:
    view = d.bandwidth if series == "bandwidth" else d.traffic
    i = bisect_right(view.times, limit)
    return (view.times[i - 1], view.values[i - 1]) if i else None


def _value_at(d: DomainSnapshot, ts: int) -> float | None:
    """The settled bandwidth of the bucket holding `ts` (the newest bucket starting at or before it)."""
    i = bisect_right(d.bandwidth.times, ts)
    return d.bandwidth.values[i - 1] if i else None


def judge_domain(d: DomainSnapshot, spec: CheckSpec, now: datetime) -> DomainResult:
    bw_label = f"{d.domain} bw"
    if d.status == STATUS_LOADING:
        return DomainResult(d, CRITICAL, f"no answer within {spec.deadline_seconds:g}s", [Perf(bw_label, None)],
                            unreached=True)
    if d.status == STATUS_PAUSED:
        return DomainResult(d, UNKNOWN, "paused", [Perf(bw_label, None)])
    if d.status == STATUS_ERROR and d.error is not None and d.error.code == DEADLINE_CODE:
        why = d.error.meaning.split(": ", 1)[-1].rstrip(".")  # "throttled by the vendor until 12:05 UTC", ...
        return DomainResult(d, CRITICAL, f"no answer within {spec.deadline_seconds:g}s ({why})",
                            [Perf(bw_label, None)], unreached=True)
    if d.status == STATUS_ERROR and d.error is not None:
        e = d.error
        if e.http_status in CREDENTIAL_STATUSES or e.code in INTERNAL_CODES:
            state, why = UNKNOWN, "credentials rejected: " if e.http_status in CREDENTIAL_STATUSES else ""
        else:
            state, why = CRITICAL, ""
        status = f" (HTTP {e.http_status})" if e.http_status else ""
        return DomainResult(d, state, f"{why}{e.code} {e.title}{status}", [Perf(bw_label, None)], failing=True)
    info = settled(d)  # the store's rule, as the screen, the alerts and the history use it
    if info is None or info.missing():
        return DomainResult(d, UNKNOWN, "no settled bucket yet", [Perf(bw_label, None)])
    ts, bps = info.newest, info.newest_bps
    perf = [Perf(bw_label, bps, minimum=0)]
    traffic = _settled(d, info.edge - 1, "traffic")
    if traffic is not None and traffic[0] == ts:
        perf.append(Perf(f"{d.domain} traffic", int(round(traffic[1])), "B", minimum=0))
    if spec.rules:
        return _judge_rules(d, spec, now, perf)
    if spec.metric == METRIC_CHANGE:
        ref = _value_at(d, ts - spec.minutes * 60)
        label = f"{d.domain} pct_{spec.minutes}m"
        if ref is None or ref <= 0:
            perf.append(Perf(label, None))
            return DomainResult(d, UNKNOWN, f"{format_bps(bps)}, nothing to compare {spec.minutes} min earlier", perf)
        pct = bps / ref * 100.0
        perf.append(Perf(label, pct, "%", spec.warn, spec.crit, 0))
        state = state_for(pct, spec.warn, spec.crit)
        return DomainResult(d, state, f"at {pct:.0f}% of {spec.minutes} min ago ({format_bps(bps)})", perf)
    perf[0] = replace(perf[0], warn=spec.warn, crit=spec.crit)
    state = state_for(bps, spec.warn, spec.crit)
    bound = spec.crit if state == CRITICAL else spec.warn if state == WARNING else None
    text = format_bps(bps) + (f" (outside {bound})" if bound is not None else "")
    return DomainResult(d, state, text, perf)


def _judge_rules(d, spec: CheckSpec, now, perf) -> DomainResult:
    # A check is one look: `for` is the monitoring system's job (its max_check_attempts), so rules judge now.
    rules = tuple(replace(r, for_seconds=0.0) for r in spec.rules if rule_matches(r, d.key, d.label))
    evaluator = Evaluator(rules)
    state, texts = OK, []
    for rule in rules:
        reading = evaluator.read(rule, d, now)
        if reading is None:
            continue
        if reading.holds:
            rule_state = CRITICAL if rule.level == "critical" else WARNING
            state = worst(state, rule_state)
            texts.append(f"{rule.name}: {reading.text}")
    text = "; ".join(texts) if texts else f"{format_bps(perf[0].value)}, no rule fires"
    return DomainResult(d, state, text, perf)


def judge(snapshot: StoreSnapshot, spec: CheckSpec, now: datetime) -> list[DomainResult]:
    return [judge_domain(d, spec, now) for d in snapshot.domains]


def summarise(results: list[DomainResult], limit: int = 60) -> tuple[int, str, list[Perf]]:
    """The overall state, a short first line and the head perfdata (counts)."""
    total = len(results)
    state = worst(*(r.state for r in results))
    failing = sum(r.failing for r in results)
    unreached = [r for r in results if r.unreached]
    head = [
        Perf("failing", failing, crit=Range.parse("0"), minimum=0, maximum=total),
        Perf("unreached", len(unreached), crit=Range.parse("0"), minimum=0, maximum=total),
    ]
    if state == OK:
        bw = sum(p.value for r in results for p in r.perf[:1] if p.value is not None)
        return state, f"{total} domain{'s' if total != 1 else ''} ok, {format_bps(bw)} settled", head
    # Threshold breaches first (the reason the check exists), then the domains failing or unanswered.
    judged = sorted((r for r in results if r.state != OK and not r.failing and not r.unreached),
                    key=lambda r: (-_rank(r.state), r.name))
    tail = []
    if failing:
        tail.append(f"{failing}/{total} failing")
    if unreached:
        tail.append(f"{len(unreached)} not reached in time")
    suffix = ", ".join(tail)
    if judged:
        more = f" +{len(judged) - 1} more" if len(judged) > 1 else ""
        text = _fit(f"{judged[0].name} {judged[0].text}", limit - len(more) - len(suffix) - 2) + more
        return state, text + (f"; {suffix}" if suffix else ""), head
    names = [r.name for r in sorted(results, key=lambda r: (-_rank(r.state), r.name)) if r.state != OK]
    shown: list[str] = []
    for i, name in enumerate(names):
        rest = len(names) - i - 1
        if shown and len(", ".join([*shown, name])) + (len(f" +{rest} more") if rest else 0) > limit - len(suffix) - 2:
            break
        shown.append(name)
    left = len(names) - len(shown)
    return state, f"{suffix}: {_fit(', '.join(shown), limit)}" + (f" +{left} more" if left else ""), head


def _fit(text: str, room: int) -> str:
    room = max(20, room)
    return text if len(text) <= room else text[: room - 1] + "…"


def _rank(state: int) -> int:
    return {OK: 0, UNKNOWN: 1, WARNING: 2, CRITICAL: 3}[state]
