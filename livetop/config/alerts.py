"""`[[alerts]]` rules in the config: parsed and checked into `AlertRule`s (the evaluator is livetop.alerts).

A rule reads like a glances threshold or a Prometheus alerting rule:

    [[alerts]]
    name = "FinalAudienceDrop"
    match = { account = "hw-*", domain = "play.*", label = "*final*" }   # globs, all optional
    kind = "drop"              # below | above | drop | spike | error | stale
    threshold = "30%"          # below/above: "500Mbps"; drop/spike: "30%"; stale: "15m"; error: none
    against = "previous"       # drop/spike: "previous" (the N buckets before) or "yesterday" (same time, -24 h)
    buckets = 3                # drop/spike against "previous": how many buckets to average
    min_bandwidth = "1Mbps"    # drop/spike: ignore a domain whose reference is below this
    for = "10m"                # must hold this long ("0s": at once)
    keep_firing_for = "5m"     # stays firing this long after it stops holding
    level = "critical"         # warning | critical
    on_fire = ["notify-send", "livetop"]   # argv, no shell; facts in LIVETOP_* environment variables
    on_resolve = ["logger", "-t", "livetop", "resolved"]
    hook_timeout = "10s"

Every mistake is a ConfigError naming the rule (`alerts[2]` and its name) and the key.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from livetop.config import durations
from livetop.config.durations import DurationError
from livetop.config.fields import Fields, key_path
from livetop.config.schema import ConfigError

KINDS = ("below", "above", "drop", "spike", "error", "stale")
LEVELS = ("warning", "critical")
AGAINST = ("previous", "yesterday")
RULE_KEYS = (
    "name", "match", "kind", "threshold", "against", "buckets", "min_bandwidth", "for", "keep_firing_for",
    "level", "on_fire", "on_resolve", "hook_timeout",
)  # fmt: skip
MATCH_KEYS = ("account", "domain", "label")
DEFAULT_STALE_SECONDS = 1800.0  # operations.md §2b: time() - bucket start > 30 min
DEFAULT_HOOK_TIMEOUT = 10.0
MAX_BUCKETS = 288  # a day of 5-minute buckets

_BANDWIDTH = re.compile(r"^\s*(\d+(?:\.\d+)?|\.\d+)\s*([kKMGT]?)(bps|bit/s)\s*$")
_PREFIX = {"": 1.0, "k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}
_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?|\.\d+)\s*%\s*$")
BANDWIDTH_FIX = 'write a bandwidth with its unit, e.g. "500Mbps", "2Gbps", "800kbps" (bit/s, 1000-based)'
PERCENT_FIX = 'write a percentage, e.g. "30%"'


@dataclass(frozen=True, slots=True)
class AlertMatch:
    account: str = "*"
    domain: str = "*"
    label: str | None = None  # None: any label, including none


@dataclass(frozen=True, slots=True)
class AlertRule:
    name: str
    kind: str
    level: str = "warning"
    match: AlertMatch = field(default_factory=AlertMatch)
    threshold: float | None = None  # bit/s (below/above), percent (drop/spike), seconds (stale), None (error)
    threshold_text: str = ""  # as written, for screens and hooks
    against: str = "previous"
    buckets: int = 3
    min_bandwidth: float = 0.0
    for_seconds: float = 0.0
    keep_firing_for_seconds: float = 0.0
    on_fire: tuple[str, ...] = ()
    on_resolve: tuple[str, ...] = ()
    hook_timeout_seconds: float = DEFAULT_HOOK_TIMEOUT
    where: str = ""  # "alerts[2]", for messages


def parse_bandwidth(value: Any) -> float:
    """"500Mbps" -> 5e8 bit/s. A bare number is bit/s. Raises ValueError with the fix."""
    if isinstance(value, bool):
        raise ValueError(BANDWIDTH_FIX)
    if isinstance(value, (int, float)):
        if not math.isfinite(value) or value < 0:
            raise ValueError(BANDWIDTH_FIX)
        return float(value)
    if isinstance(value, str):
        match = _BANDWIDTH.match(value)
        if match:
            return float(match.group(1)) * _PREFIX[match.group(2)]
    raise ValueError(BANDWIDTH_FIX)


def parse_percent(value: Any) -> float:
    if isinstance(value, str):
        match = _PERCENT.match(value)
        if match:
            return float(match.group(1))
    raise ValueError(PERCENT_FIX)


def parse_alerts(f: Fields, rules: Any) -> tuple[AlertRule, ...]:
    if isinstance(rules, Mapping):
        f.fail("alerts", "must be an array of tables", "write each rule under its own [[alerts]] header")
    rules = f.array(rules, "alerts")
    out: list[AlertRule] = []
    seen: dict[str, str] = {}
    for i, table in enumerate(rules):
        where = f"alerts[{i}]"
        table = f.table(table, where)
        rule = _parse_rule(f, table, where)
        if rule.name in seen:
            f.fail(f"{where}.name", f'duplicate alert name "{rule.name}" (also {seen[rule.name]})',
                   "give every rule a unique name")
        seen[rule.name] = where
        out.append(rule)
    return tuple(out)


def _parse_rule(f: Fields, t: Mapping, where: str) -> AlertRule:
    name = f.require(t, "name", where, f.string, fix='add name = "PlayBandwidthDrop"')
    try:
        return _parse_named_rule(f, t, where, name)
    except ConfigError as exc:  # every message names the rule as well as its key path
        raise ConfigError(exc.path, exc.key, f'rule "{name}": {exc.problem}', exc.fix) from None


def _parse_named_rule(f: Fields, t: Mapping, here: str, name: str) -> AlertRule:
    f.check_keys(t, RULE_KEYS, here)
    kind = f.require(t, "kind", here, f.string, fix=f"add kind = one of: {', '.join(KINDS)}")
    if kind not in KINDS:
        f.fail(f"{here}.kind", f'unknown kind "{kind}"', f"use one of: {', '.join(KINDS)}")
    level = f.get(t, "level", here, f.string, default="warning")
    if level not in LEVELS:
        f.fail(f"{here}.level", f'unknown level "{level}"', f"use one of: {', '.join(LEVELS)}")
    match = _parse_match(f, t.get("match", {}), f"{here}.match")
    threshold, threshold_text = _parse_threshold(f, t, here, kind)
    change = kind in ("drop", "spike")
    for key in ("against", "buckets", "min_bandwidth"):
        if key in t and not change:
            f.fail(key_path(here, key), f"applies only to drop and spike rules; this one is {kind}", "remove it")
    against = f.get(t, "against", here, f.string, default="previous")
    if against not in AGAINST:
        f.fail(f"{here}.against", f'unknown reference "{against}"', f"use one of: {', '.join(AGAINST)}")
    buckets = f.get(t, "buckets", here, f.positive_int, default=3)
    if buckets > MAX_BUCKETS:
        f.fail(f"{here}.buckets", f"{buckets} buckets is more than a day", f"use 1 to {MAX_BUCKETS}")
    if "buckets" in t and against == "yesterday":
        f.fail(f"{here}.buckets", 'applies only with against = "previous"', "remove it")
    min_bw = 0.0
    if "min_bandwidth" in t:
        min_bw = _convert(f, t["min_bandwidth"], f"{here}.min_bandwidth", parse_bandwidth)
    return AlertRule(
        name=name,
        kind=kind,
        level=level,
        match=match,
        threshold=threshold,
        threshold_text=threshold_text,
        against=against,
        buckets=buckets,
        min_bandwidth=min_bw,
        for_seconds=_duration(f, t, here, "for", 0.0),
        keep_firing_for_seconds=_duration(f, t, here, "keep_firing_for", 0.0),
        on_fire=_argv(f, t, here, "on_fire"),
        on_resolve=_argv(f, t, here, "on_resolve"),
        hook_timeout_seconds=_duration(f, t, here, "hook_timeout", DEFAULT_HOOK_TIMEOUT, allow_zero=False),
        where=here,
    )


def _convert(f: Fields, value: Any, where: str, parse) -> float:
    try:
        return parse(value)
    except ValueError as exc:
        shown = f'"{value}"' if isinstance(value, str) else repr(value)
        f.fail(where, f"{shown} is not {'a bandwidth' if parse is parse_bandwidth else 'a percentage'}", str(exc))


def _parse_threshold(f: Fields, t: Mapping, here: str, kind: str) -> tuple[float | None, str]:
    where = key_path(here, "threshold")
    if kind == "error":
        if "threshold" in t:
            f.fail(where, "an error rule has no threshold: it fires while the domain's fetches fail",
                   'remove it; use for = "5m" for "failing for more than 5 minutes"')
        return None, ""
    if kind == "stale":
        if "threshold" not in t:
            return DEFAULT_STALE_SECONDS, "30m"
        value = t["threshold"]
        return _seconds(f, value, where, allow_zero=False), str(value)
    examples = {"below": '"500Mbps"', "above": '"2Gbps"', "drop": '"30%"', "spike": '"50%"'}
    if "threshold" not in t:
        f.fail(where, f"a {kind} rule needs a threshold", f"add threshold = {examples[kind]}")
    value = t["threshold"]
    if kind in ("below", "above"):
        return _convert(f, value, where, parse_bandwidth), str(value)
    percent = _convert(f, value, where, parse_percent)
    if kind == "drop" and percent > 100:
        f.fail(where, f"bandwidth cannot drop by more than 100 %, not {percent:g} %", 'use e.g. "50%"')
    if percent <= 0:
        f.fail(where, "must be above 0 %", examples[kind])
    return percent, str(value)


def _seconds(f: Fields, value: Any, where: str, allow_zero: bool) -> float:
    try:
        return durations.parse_seconds(value, allow_zero=allow_zero, fix='use e.g. "0s", "30s", "5m", "1h"')
    except DurationError as exc:
        f.fail(where, exc.problem, exc.fix)


def _duration(f: Fields, t: Mapping, here: str, key: str, default: float, allow_zero: bool = True) -> float:
    if key not in t:
        return default
    return _seconds(f, t[key], key_path(here, key), allow_zero)


def _argv(f: Fields, t: Mapping, here: str, key: str) -> tuple[str, ...]:
    if key not in t:
        return ()
    where = key_path(here, key)
    value = t[key]
    if isinstance(value, str):
        f.fail(where, "must be a list of arguments, not one string (hooks run without a shell)",
               f'split it: {key} = ["/usr/local/bin/page", "--team", "live"]')
    items = f.array(value, where)
    if not items:
        f.fail(where, "is empty", f'give the command as a list, e.g. {key} = ["notify-send", "livetop"]')
    return tuple(f.string(item, f"{where}[{i}]", secret=True) for i, item in enumerate(items))


def _parse_match(f: Fields, table: Any, where: str) -> AlertMatch:
    table = f.table(table, where)
    f.check_keys(table, MATCH_KEYS, where)
    return AlertMatch(
        account=f.get(table, "account", where, f.string, default="*"),
        domain=f.get(table, "domain", where, f.string, default="*"),
        label=f.get(table, "label", where, f.string, default=None),
    )
