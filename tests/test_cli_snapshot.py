"""`livetop snapshot` as a user runs it: a real process polling the simulator, output read by json and csv."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from livetop.clock import SYSTEM_CLOCK, ManualClock
from livetop.engine.store import DomainKey, RequestRecord, Store
from livetop.model import DecodedError, FetchResult, Sample

SCENARIO = {
    "seed": "snapshot-tests",
    "latency_ms": 0,
    "accounts": [
        {"name": "hw", "vendor": "huawei", "auth": "aksk", "domains": [
            {"name": "play.example.com", "label": "Main event"}, "hls.example.com",
            {"name": "gone.example.com", "fault": "not_owned"},
        ]},
        {"name": "jd", "vendor": "jdcloud", "domains": ["jd.example.com"]},
    ],
}
HEALTHY = {**SCENARIO, "accounts": [
    {**SCENARIO["accounts"][0], "domains": ["play.example.com", "hls.example.com"]}, SCENARIO["accounts"][1],
]}


def _snapshot(config: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "livetop", "snapshot", "--config", str(config), *args],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )


def test_json_has_the_documented_schema_and_a_failed_domain_exits_1(make_sim, tmp_path):
    thread = make_sim(SCENARIO, clock=SYSTEM_CLOCK)
    config = thread.sim.write_config(tmp_path / "c.toml", timeout="3s")
    done = _snapshot(config, "--format", "json", "--window", "2h")
    assert done.returncode == 1, done.stderr
    assert "1 of 4 domains failed" in done.stderr
    assert "Traceback" not in done.stderr
    doc = json.loads(done.stdout)  # stdout is data only: it pipes into jq
    assert doc["schema"] == 1 and doc["window_seconds"] == 7200
    by_domain = {d["domain"]: d for d in doc["domains"]}
    assert set(by_domain) == {"play.example.com", "hls.example.com", "gone.example.com", "jd.example.com"}
    play = by_domain["play.example.com"]
    assert play["label"] == "Main event" and play["status"] == "ok" and play["vendor"] == "huawei"
    assert isinstance(play["bandwidth_now_bps"], float) and play["bandwidth_now_bps"] > 0
    assert isinstance(play["traffic_bytes"], int) and play["traffic_bytes"] > 0
    assert play["peak_bps"] >= play["p95_bps"] >= 0 and play["peak_at"].endswith("Z")
    assert play["error"] is None
    gone = by_domain["gone.example.com"]
    assert gone["status"] == "error" and gone["bandwidth_now_bps"] is None
    assert gone["error"]["code"] == "LIVE.100011001" and gone["error"]["action"]
    assert {t["account"] for t in doc["accounts"]} == {"hw", "jd"}
    assert doc["total"]["watched_domains"] == 4 and doc["total"]["failed_domains"] == 1
    secret = thread.sim.scenario.accounts[0].secret_key
    assert secret not in done.stdout and secret not in done.stderr


def test_csv_round_trips_with_a_header_and_exit_0_when_all_domains_are_fine(make_sim, tmp_path):
    thread = make_sim(HEALTHY, clock=SYSTEM_CLOCK)
    config = thread.sim.write_config(tmp_path / "c.toml", timeout="3s")
    done = _snapshot(config, "--format", "csv")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [r["domain"] for r in rows] == ["play.example.com", "hls.example.com", "jd.example.com"]
    for row in rows:
        assert row["status"] == "ok" and row["error_code"] == ""
        assert float(row["bandwidth_now_bps"]) > 0 and int(row["traffic_bytes"]) > 0

    table = _snapshot(config)
    assert table.returncode == 0
    assert "play.example.com" in table.stdout and "bps" in table.stdout and "all accounts total" in table.stdout


def test_a_broken_config_exits_2_with_the_file_and_key(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('refresh = "30s"\n[[accounts]]\nname = "x"\nvendor = "akamai"\n')
    done = _snapshot(config)
    assert done.returncode == 2
    assert str(config) in done.stderr and "accounts[0].vendor" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


# An inline secret in a private file: the config loads without the simulator (the flags fail first anyway).
OFFLINE_CONFIG = """\
[[accounts]]
name = "jd"
vendor = "jdcloud"
endpoint = "http://127.0.0.1:9"
username = "pin"
secret_key = "offline-secret"
domains = ["jd.example.com"]
"""


@pytest.mark.parametrize(
    "window, words",
    [
        ("0.5", "shorter than one minute"),  # was a window of 0 seconds, and exit 0
        ("59s", "shorter than one minute"),
        ("1e9d", "is not a duration"),  # was an overflow in the engine's date arithmetic
        ("9999999d", "longer than 90 days: Huawei Cloud Live keeps only 3 months"),
        ("91d", "longer than 90 days"),
        ("-1h", "is not a duration"),
        ("inf", "is not a duration"),
        ("", "is not a duration"),  # was silently the config's window
    ],
)
def test_a_window_out_of_bounds_exits_2_with_the_fix(tmp_path, window, words):
    config = tmp_path / "c.toml"
    config.write_text(OFFLINE_CONFIG)
    config.chmod(0o600)
    done = _snapshot(config, f"--window={window}", "--format", "json")
    assert done.returncode == 2, done.stderr
    assert "--window" in done.stderr and words in done.stderr
    assert 'fix: ' in done.stderr and '"15m", "1h" or "24h"' in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_a_window_of_90_days_is_accepted(make_sim, tmp_path):
    thread = make_sim(HEALTHY, clock=SYSTEM_CLOCK)
    config = thread.sim.write_config(tmp_path / "c.toml", timeout="30s")
    done = _snapshot(config, "--window", "90d", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["window_seconds"] == 90 * 86400


def test_a_domain_that_never_answered_counts_as_failed():
    # The engine's snapshot counts only "error"; a domain still "loading" after the one poll got no answer at
    # all, which a cron job must hear about as much as a refusal.
    from livetop.cli.snapshot import unanswered

    clock = ManualClock()
    store = Store(clock, window_seconds=3600, stale_after_seconds=60)
    fine, refused, silent = (DomainKey("hw", f"{n}.example.com") for n in ("fine", "refused", "silent"))
    for key in (fine, refused, silent):
        store.ensure(key, "huawei", None)
    now = clock.now()
    rec = RequestRecord(now, True, 200, "", 1.0, 1, now - timedelta(hours=1), now)
    store.record_success(fine, FetchResult(bandwidth=[Sample(now - timedelta(minutes=5), 1e6)]), rec)
    error = DecodedError("huawei", "LIVE.100011001", 400, "invalid parameter", "m", "a", False)
    store.record_failure(refused, error, replace(rec, ok=False, http_status=400, code=error.code), True)
    snap = store.snapshot()
    assert {d.key: d.status for d in snap.domains} == {fine: "ok", refused: "error", silent: "loading"}
    assert {d.key for d in unanswered(snap)} == {refused, silent}
