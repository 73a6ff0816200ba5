"""`livetop snapshot` as a user runs it: a real process polling the simulator, output read by json and csv."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

from livetop.clock import SYSTEM_CLOCK

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
