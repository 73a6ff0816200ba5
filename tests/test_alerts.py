"""Alert rules: config parsing (errors name the rule and key), each kind firing and resolving with the
injectable clock, `for` / `keep_firing_for`, errors and missing data never read as zero."""

from __future__ import annotations

from datetime import timedelta

import pytest

from livetop.alerts.evaluate import FIRING, RESOLVED, Evaluator
from livetop.clock import ManualClock
from livetop.config import ConfigError
from livetop.config.load import parse_config
from livetop.engine.store import DomainKey, RequestRecord, Store
from livetop.model import DecodedError, FetchResult, Sample, floor_to

KEY = DomainKey("hw", "play.example.com")
OTHER = DomainKey("jd", "live.example.com")
BUCKET = 300


def rules(*tables) -> tuple:
    return parse_config({"alerts": list(tables)}).alerts


class World:
    """A store fed by hand on a ManualClock, and an evaluator over it."""

    def __init__(self, *rule_tables, keys=(KEY,)):
        self.clock = ManualClock()
        self.clock.set(floor_to(self.clock.now(), BUCKET))
        self.store = Store(self.clock, window_seconds=2 * 86400, stale_after_seconds=600)
        for key in keys:
            self.store.ensure(key, "huawei", "Final" if key == KEY else None)
        self.evaluator = Evaluator(rules(*rule_tables))

    def feed(self, bps: float, key=KEY, buckets_back: int = 1):
        """A successful fetch whose settled bucket (the one that just ended) carries `bps`, plus a provisional
        half-filled bucket that must never be judged."""
        now = self.clock.now()
        start = floor_to(now, BUCKET) - timedelta(seconds=BUCKET * buckets_back)
        rec = RequestRecord(now, True, 200, "", 1.0, 1, start, now)
        result = FetchResult(bandwidth=[Sample(start, bps), Sample(floor_to(now, BUCKET), bps / 100)])
        self.store.record_success(key, result, rec)

    def fail(self, key=KEY, code="LIVE.100011007", status=500):
        now = self.clock.now()
        error = DecodedError("huawei", code, status, "too many concurrent requests", "m", "a", True)
        self.store.record_failure(key, error, RequestRecord(now, False, status, code, 1.0, 1, now, now), False)

    def step(self, minutes: float = 5):
        self.clock.advance(minutes * 60)

    def run(self):
        return self.evaluator.evaluate(self.store.snapshot(), self.clock.now())


def test_below_fires_after_for_and_resolves_after_keep_firing_for():
    w = World({"name": "Low", "kind": "below", "threshold": "500Mbps", "for": "10m", "keep_firing_for": "5m",
               "level": "critical"})
    w.feed(900e6)
    assert w.run() == [] and w.evaluator.active == ()
    w.step()
    w.feed(400e6)  # falls below: pending
    assert w.run() == []
    assert [a.state for a in w.evaluator.active] == ["pending"]
    w.step()
    w.feed(400e6)
    assert w.run() == []  # 5 min of 10
    w.step()
    w.feed(300e6)
    events = w.run()
    assert [(e.state, e.alert.rule.name, e.alert.key) for e in events] == [(FIRING, "Low", KEY)]
    alert = events[0].alert
    assert alert.value == 300e6 and "300 Mbps < 500 Mbps" in alert.text and alert.level == "critical"
    w.step()
    w.feed(800e6)  # back up: keep firing for 5 minutes more
    assert w.run() == [] and w.evaluator.firing
    w.step()
    w.feed(800e6)
    assert [e.state for e in w.run()] == [RESOLVED]
    assert w.evaluator.active == ()


def test_a_short_dip_under_for_never_fires_and_for_0s_fires_at_once():
    w = World({"name": "Low", "kind": "below", "threshold": "500Mbps", "for": "10m"},
              {"name": "Now", "kind": "below", "threshold": "500Mbps", "for": "0s"})
    w.feed(400e6)
    assert [e.alert.rule.name for e in w.run()] == ["Now"]
    w.step()
    w.feed(900e6)
    assert [(e.state, e.alert.rule.name) for e in w.run()] == [(RESOLVED, "Now")]
    assert w.evaluator.active == ()  # the pending "Low" was dropped, never fired


def test_errors_and_missing_data_never_read_as_zero():
    w = World({"name": "Low", "kind": "below", "threshold": "500Mbps"},
              {"name": "Failing", "kind": "error", "for": "5m", "level": "critical"})
    w.fail()  # never had data, now failing: a below rule cannot judge, the error rule can
    assert w.run() == []
    assert [a.rule.name for a in w.evaluator.active] == ["Failing"]
    w.step()
    w.fail()
    events = w.run()
    assert [(e.state, e.alert.rule.name, e.alert.value) for e in events] == [(FIRING, "Failing", "LIVE.100011007")]
    w.step()
    w.feed(900e6)  # answering again
    assert [(e.state, e.alert.rule.name) for e in w.run()] == [(RESOLVED, "Failing")]
    # Only a provisional bucket (the one still filling, at 1 % of its rate): nothing settled, no judgement.
    w2 = World({"name": "Low", "kind": "below", "threshold": "500Mbps"})
    w2.feed(900e6, buckets_back=0)
    assert w2.run() == [] and w2.evaluator.active == ()


def test_a_firing_below_alert_holds_while_the_domain_fails():
    w = World({"name": "Low", "kind": "below", "threshold": "500Mbps"})
    w.feed(100e6)
    assert [e.state for e in w.run()] == [FIRING]
    w.step()
    w.fail()  # cannot judge: neither resolved nor re-fired
    assert w.run() == [] and [a.state for a in w.evaluator.active] == [FIRING]


def test_above_with_match_globs():
    w = World({"name": "Budget", "kind": "above", "threshold": "2Gbps", "match": {"account": "hw", "label": "fin*"}},
              keys=(KEY, OTHER))
    w.feed(3e9)
    w.feed(3e9, key=OTHER)
    events = w.run()
    assert [e.alert.key for e in events] == [KEY]  # OTHER is another account and has no label


def test_drop_against_the_previous_buckets_and_min_bandwidth():
    w = World({"name": "Drop", "kind": "drop", "threshold": "30%", "buckets": 3, "min_bandwidth": "1Mbps"})
    for _ in range(3):
        w.feed(1e9)
        w.step()
    w.feed(1e9)
    assert w.run() == []
    w.step()
    w.feed(0.5e9)  # -50 % against 1 Gbps
    events = w.run()
    assert len(events) == 1 and events[0].alert.value == pytest.approx(-50.0)
    assert "-50% ≤ -30% against the 3 buckets before: 1.00 Gbps → 500 Mbps" in events[0].alert.text
    w.step()
    w.feed(0.5e9)  # the reference is now (1, 1, 0.5) Gbps: -40 %, still firing
    assert w.run() == [] and w.evaluator.firing
    w.step()
    w.feed(0.5e9)  # (1, 0.5, 0.5): -25 %: resolves
    assert [e.state for e in w.run()] == [RESOLVED]

    small = World({"name": "Drop", "kind": "drop", "threshold": "30%", "buckets": 1, "min_bandwidth": "1Mbps"})
    small.feed(0.5e6)
    small.step()
    small.feed(0.01e6)  # -98 % of a domain nobody watches: below min_bandwidth
    assert small.run() == []


def test_spike_against_yesterday_uses_history_beyond_the_window():
    looked_up = []

    def reference(key, ts):
        looked_up.append((key, ts))
        return 1e9

    w = World({"name": "Spike", "kind": "spike", "threshold": "50%", "against": "yesterday"})
    w.evaluator.reference = reference
    w.feed(2e9)
    events = w.run()
    assert [e.alert.value for e in events] == [pytest.approx(100.0)]
    settled = int(w.clock.now().timestamp()) - 2 * BUCKET + BUCKET  # the bucket that just ended
    assert looked_up == [(KEY, settled - 86400)]


def test_stale_fires_when_no_new_data_arrives():
    w = World({"name": "Stale", "kind": "stale", "threshold": "20m"})
    w.feed(1e9)
    assert w.run() == []
    w.step(30)  # no fetch for 30 minutes: the newest bucket ended 25 minutes ago
    events = w.run()
    assert [e.alert.rule.name for e in events] == ["Stale"] and "old > 20m" in events[0].alert.text
    w.feed(1e9)
    assert [e.state for e in w.run()] == [RESOLVED]


def test_a_removed_domain_resolves_its_alerts():
    w = World({"name": "Low", "kind": "below", "threshold": "500Mbps"})
    w.feed(1e6)
    assert w.run()
    w.store.remove(KEY)
    assert [e.state for e in w.run()] == [RESOLVED]


@pytest.mark.parametrize(
    "rule, key, words",
    [
        ({"kind": "below", "threshold": "1Gbps"}, "alerts[0].name", "missing required key name"),
        ({"name": "A", "kind": "low"}, 'alerts[0].kind', 'unknown kind "low"'),
        ({"name": "A", "kind": "below"}, 'alerts[0].threshold', "needs a threshold"),
        ({"name": "A", "kind": "below", "threshold": "500MBps"}, 'alerts[0].threshold', "not a bandwidth"),
        ({"name": "A", "kind": "below", "threshold": "fast"}, 'alerts[0].threshold', "not a bandwidth"),
        ({"name": "A", "kind": "drop", "threshold": "30"}, 'alerts[0].threshold', "not a percentage"),
        ({"name": "A", "kind": "drop", "threshold": "130%"}, 'alerts[0].threshold', "more than 100"),
        ({"name": "A", "kind": "error", "threshold": "1"}, 'alerts[0].threshold', "no threshold"),
        ({"name": "A", "kind": "stale", "threshold": "soon"}, 'alerts[0].threshold', "not a duration"),
        ({"name": "A", "kind": "below", "threshold": "1Gbps", "for": "-1m"}, 'alerts[0].for', "duration"),
        ({"name": "A", "kind": "below", "threshold": "1Gbps", "level": "page"}, 'alerts[0].level', "page"),
        ({"name": "A", "kind": "below", "threshold": "1Gbps", "fore": "1m"}, 'alerts[0].fore', "`for`"),
        ({"name": "A", "kind": "below", "threshold": "1Gbps", "match": {"host": "x"}}, 'alerts[0].match.host',
         "unknown key"),
        ({"name": "A", "kind": "below", "threshold": "1Gbps", "buckets": 2}, 'alerts[0].buckets', "only to drop"),
        ({"name": "A", "kind": "below", "threshold": "1Gbps", "on_fire": "notify-send hi"},
         'alerts[0].on_fire', "without a shell"),
        ({"name": "A", "kind": "below", "threshold": "1Gbps", "on_fire": []}, 'alerts[0].on_fire', "empty"),
        ({"name": "A", "kind": "spike", "threshold": "10%", "against": "lastweek"}, 'alerts[0].against',
         "lastweek"),
    ],
)
def test_broken_rules_name_the_rule_and_key(rule, key, words):
    with pytest.raises(ConfigError) as info:
        parse_config({"alerts": [rule]}, "/etc/livetop.toml")
    assert info.value.key == key, info.value.message()
    assert words in info.value.message() and info.value.fix
    if "name" in rule:
        assert info.value.problem.startswith('rule "A": ')


def test_rule_defaults_and_units():
    (low, drop, stale, err) = rules(
        {"name": "L", "kind": "below", "threshold": "1.5Gbps", "for": "0s"},
        {"name": "D", "kind": "drop", "threshold": "30%", "against": "yesterday"},
        {"name": "S", "kind": "stale"},
        {"name": "E", "kind": "error", "on_fire": ["/bin/true", "x"], "hook_timeout": "2s"},
    )
    assert low.threshold == 1.5e9 and low.for_seconds == 0 and low.level == "warning"
    assert drop.threshold == 30.0 and drop.against == "yesterday"
    assert stale.threshold == 1800
    assert err.on_fire == ("/bin/true", "x") and err.hook_timeout_seconds == 2.0
    with pytest.raises(ConfigError, match="duplicate alert name"):
        rules({"name": "L", "kind": "error"}, {"name": "L", "kind": "error"})
