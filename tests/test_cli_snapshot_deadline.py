"""`livetop snapshot --timeout` as cron runs it: a real process against the simulator, where one domain is
throttled with Retry-After: 600 and another never answers. It ends on time with everyone else's data."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from livetop.clock import SYSTEM_CLOCK

HEALTHY = ["a.example.com", "b.example.com", "c.example.com", "d.example.com"]
SCENARIO = {
    "seed": "snapshot-deadline",
    "latency_ms": 0,
    "throttle_retry_after": 600,
    "timeout_hold": "300s",
    "accounts": [
        {"name": "jd", "vendor": "jdcloud",
         "domains": [{"name": "throttled.example.com", "fault": "throttle"}, *HEALTHY[:2]]},
        {"name": "hw", "vendor": "huawei", "auth": "aksk",
         "domains": [{"name": "silent.example.com", "fault": "timeout"}, *HEALTHY[2:]]},
    ],
}  # fmt: skip


def _snapshot(config, *args: str) -> tuple[subprocess.CompletedProcess, float]:
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "livetop", "snapshot", "--config", str(config), "--format", "json", *args],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    return done, time.monotonic() - began


def test_snapshot_ends_at_its_deadline_with_every_other_domains_data(make_sim, tmp_path):
    thread = make_sim(SCENARIO, clock=SYSTEM_CLOCK)
    # The account timeout is longer than the deadline: only the deadline can end the silent domain's wait.
    config = thread.sim.write_config(tmp_path / "c.toml", timeout="120s")
    done, took = _snapshot(config, "--timeout", "10s")
    assert done.returncode == 1, done.stderr
    # About 10 s, with interpreter start-up and output on top (seconds on a loaded machine), not 300 or 600 s.
    assert took < 10 + 30, took
    assert "Traceback" not in done.stderr
    by_domain = {d["domain"]: d for d in json.loads(done.stdout)["domains"]}
    for name in HEALTHY:
        assert by_domain[name]["status"] == "ok" and by_domain[name]["bandwidth_now_bps"] > 0, by_domain[name]
    throttled, silent = by_domain["throttled.example.com"], by_domain["silent.example.com"]
    assert throttled["status"] == silent["status"] == "error"
    assert throttled["error"]["code"] == silent["error"]["code"] == "LIVETOP.DEADLINE"
    assert "throttled by the vendor until" in throttled["error"]["meaning"]
    assert "waiting for a slow answer" in silent["error"]["meaning"]
    # Progress on stderr although it is a pipe: how many are done and who is still awaited.
    progress = [line for line in done.stderr.splitlines() if " domains done" in line]
    assert len(progress) >= 2, done.stderr
    assert any("5/6 domains done; waiting on silent.example.com" in line for line in progress), done.stderr
    assert "deadline of 10s reached: 2 not answered" in done.stderr
    assert "2 of 6 domains failed" in done.stderr


def test_quiet_prints_no_progress_and_a_bad_timeout_exits_2(make_sim, tmp_path):
    thread = make_sim(SCENARIO, clock=SYSTEM_CLOCK)
    config = thread.sim.write_config(tmp_path / "c.toml", timeout="120s")
    done, took = _snapshot(config, "--timeout", "4s", "--quiet")
    assert done.returncode == 1 and took < 4 + 30, took
    assert " domains done" not in done.stderr and "deadline of 4s reached" in done.stderr
    for bad in ("0s", "soon", "-5s", "2h"):
        refused, _ = _snapshot(config, f"--timeout={bad}")
        assert refused.returncode == 2 and "--timeout" in refused.stderr and "fix:" in refused.stderr
        assert refused.stdout == ""
