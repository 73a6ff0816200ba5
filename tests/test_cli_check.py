"""`livetop check` as Nagios runs it: a real process polling the simulator, output and exit code checked
against the Monitoring Plugins guidelines for OK / WARNING / CRITICAL / UNKNOWN."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import tomli_w

from livetop.clock import SYSTEM_CLOCK

HEALTHY = {
    "seed": "check-tests",
    "latency_ms": 0,
    "accounts": [
        {"name": "hw", "vendor": "huawei", "auth": "aksk", "domains": [
            {"name": "play.example.com", "label": "Main event"}, "hls.example.com",
        ]},
        {"name": "jd", "vendor": "jdcloud", "domains": ["jd.example.com"]},
    ],
}
WITH_FAULTS = {**HEALTHY, "timeout_hold": "60s", "accounts": [
    {**HEALTHY["accounts"][0], "domains": [
        *HEALTHY["accounts"][0]["domains"],
        {"name": "gone.example.com", "fault": "not_owned"},
        {"name": "slow.example.com", "fault": "timeout"},
    ]},
    HEALTHY["accounts"][1],
]}
PERF_ITEM = re.compile(r"'(?:[^']|'')+'=(?:U|-?\d+(?:\.\d+)?(?:%|B)?)(?:;[^ ;]*){0,4}")


def _write(sim, path: Path, alerts=None, edit=None) -> Path:
    doc = sim.sim.config_dict(timeout="20s")
    if alerts:
        doc["alerts"] = alerts
    if edit:
        edit(doc)
    path.write_text(tomli_w.dumps(doc))
    path.chmod(0o600)
    return path


def _check(config: Path | None, *args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "livetop", "check", *args]
    if config is not None:
        cmd[4:4] = ["--config", str(config)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


def _assert_plugin_output(done: subprocess.CompletedProcess, state: str) -> tuple[str, list[str]]:
    """The guidelines' shape: `LIVETOP STATE - text | perf`, long text, `| perf`; exit code = state."""
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    codes = {"OK": 0, "WARNING": 1, "CRITICAL": 2, "UNKNOWN": 3}
    assert done.returncode == codes[state], (done.stdout, done.stderr)
    lines = done.stdout.splitlines()
    assert lines, done.stderr
    text = lines[0].split(" | ")[0]
    assert text.startswith(f"LIVETOP {state} - ")
    assert len(text) < 100, text
    perf = []
    parts = [lines[0].split(" | ", 1)[1]] if " | " in lines[0] else []
    parts += [line[2:] for line in lines[1:] if line.startswith("| ")]
    for part in parts:
        items = PERF_ITEM.findall(part)
        assert " ".join(items) == part, part  # nothing but well-formed items, one space apart
        perf += items
    for item in perf:
        assert not re.search(r"\de[-+]?\d", item.split("=", 1)[1]), item  # no exponents
    return text, perf


def test_ok_with_perfdata_per_domain(make_sim, tmp_path):
    sim = make_sim(HEALTHY, clock=SYSTEM_CLOCK)
    done = _check(_write(sim, tmp_path / "c.toml"), "-w", "1:", "-c", "0:")
    text, perf = _assert_plugin_output(done, "OK")
    assert "3 domains ok" in text
    names = {p.split("=")[0] for p in perf}
    assert {"'play.example.com bw'", "'play.example.com traffic'", "'jd.example.com bw'", "'failing'"} <= names
    bw = next(p for p in perf if p.startswith("'play.example.com bw'="))
    value, warn, crit, minimum = bw.split("=")[1].split(";")
    assert float(value) > 0 and "." not in value and warn == "1:" and crit == "0:" and minimum == "0"
    traffic = next(p for p in perf if p.startswith("'play.example.com traffic'="))
    assert re.fullmatch(r"'play.example.com traffic'=\d+B;;;0", traffic)
    assert sim.sim.scenario.accounts[0].secret_key not in done.stdout + done.stderr


def test_warning_when_a_settled_bandwidth_is_below_the_warning_range(make_sim, tmp_path):
    sim = make_sim(HEALTHY, clock=SYSTEM_CLOCK)
    config = _write(sim, tmp_path / "c.toml")
    done = _check(config, "-w", "1000000000000000:", "-c", "1:", "--domain", "play.*")
    text, perf = _assert_plugin_output(done, "WARNING")
    assert "play.example.com" in text and "outside 1000000000000000:" in text
    assert [p.split("=")[0] for p in perf if "bw" in p] == ["'play.example.com bw'"]  # --domain selects
    lines = done.stdout.splitlines()
    assert any(line.startswith("WARNING hw/play.example.com (Main event)") for line in lines)


def test_critical_on_threshold_and_on_a_refused_domain(make_sim, tmp_path):
    sim = make_sim(WITH_FAULTS, clock=SYSTEM_CLOCK)
    config = _write(sim, tmp_path / "c.toml")
    done = _check(config, "-c", "@0:100000000000000", "--account", "jd")  # inside the range: critical
    _assert_plugin_output(done, "CRITICAL")
    assert "jd.example.com" in done.stdout.splitlines()[0]

    # Start-up counts against -t (Nagios kills the plugin at its timeout): at load 20 the interpreter and
    # imports alone take seconds, so a 4 s budget left the healthy domains unreached too.
    started = time.monotonic()
    done = _check(config, "-t", "10")
    elapsed = time.monotonic() - started
    text, perf = _assert_plugin_output(done, "CRITICAL")
    assert "1/5 failing" in text and "1 not reached in time" in text, done.stdout
    assert "'failing'=1;;0;0;5" in perf and "'unreached'=1;;0;0;5" in perf
    assert "CRITICAL hw/gone.example.com: LIVE.100011001 domain not on this account/platform (HTTP 400)" in done.stdout
    assert "not reached in time (10s): slow.example.com" in done.stdout
    assert "CRITICAL hw/slow.example.com: no answer within 10s (waiting for a slow answer)" in done.stdout
    assert "'slow.example.com bw'=U" in perf
    # The simulator holds the slow domain for 60 s: the run ends at its own deadline instead.
    assert elapsed < 40


def test_change_metric_in_percent_of_n_minutes_earlier(make_sim, tmp_path):
    sim = make_sim(HEALTHY, clock=SYSTEM_CLOCK)
    config = _write(sim, tmp_path / "c.toml")
    done = _check(config, "--metric", "change", "--minutes", "15", "-w", "@0:1000000", "--account", "hw")
    text, perf = _assert_plugin_output(done, "WARNING")
    pct = [p for p in perf if "pct_15m" in p]
    assert len(pct) == 2
    for item in pct:
        assert re.fullmatch(r"'[a-z.]+ pct_15m'=\d+(\.\d+)?%;@0:1000000;;0", item), item
    assert "% of 15 min ago" in text


def test_alert_rules_instead_of_flags(make_sim, tmp_path):
    sim = make_sim(HEALTHY, clock=SYSTEM_CLOCK)
    rules = [
        {"name": "Huge", "kind": "below", "threshold": "1000Tbps", "level": "critical",
         "match": {"domain": "hls.*"}},
        {"name": "Tiny", "kind": "above", "threshold": "1bps", "level": "warning", "match": {"account": "jd"}},
    ]
    config = _write(sim, tmp_path / "c.toml", alerts=rules)
    done = _check(config)  # no -w/-c: the rules decide
    text, _ = _assert_plugin_output(done, "CRITICAL")
    assert "hls.example.com Huge:" in text
    assert "WARNING jd/jd.example.com: Tiny:" in done.stdout
    done = _check(config, "--rule", "Tiny")
    _assert_plugin_output(done, "WARNING")
    done = _check(config, "-w", "1:")  # flags given: the rules stay out of it
    _assert_plugin_output(done, "OK")
    done = _check(config, "--rule", "Nope")
    _assert_plugin_output(done, "UNKNOWN")


def test_unknown_on_bad_config_bad_arguments_and_rejected_credentials(make_sim, tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text('[[accounts]]\nname = "x"\nvendor = "akamai"\n')
    done = _check(broken)
    text, _ = _assert_plugin_output(done, "UNKNOWN")
    assert "config error" in text and "accounts[0].vendor" in done.stdout

    rule = tmp_path / "rule.toml"
    rule.write_text('[[alerts]]\nname = "x"\nkind = "below"\n')
    done = _check(rule)
    _assert_plugin_output(done, "UNKNOWN")
    assert 'alerts[0].threshold: rule "x": a below rule needs a threshold' in done.stdout

    for args in (["-w", "abc"], ["-c", "20:10"], ["--metric", "nope"], ["--minutes", "x"], ["--bogus"]):
        done = _check(broken, *args)
        _assert_plugin_output(done, "UNKNOWN")

    sim = make_sim(HEALTHY, clock=SYSTEM_CLOCK)

    def wrong_secret(doc):
        doc["accounts"][0]["secret_key"] = "not-the-right-secret-at-all-0000"

    config = _write(sim, tmp_path / "c.toml", edit=wrong_secret)
    done = _check(config, "--account", "hw")
    text, _ = _assert_plugin_output(done, "UNKNOWN")
    assert "credentials rejected" in done.stdout
    assert "not-the-right-secret" not in done.stdout

    done = _check(config, "--domain", "nothing.*")
    text, _ = _assert_plugin_output(done, "UNKNOWN")
    assert "no configured domain matches --domain nothing.*" in text
