"""Capacity where scripts and operators look: `livetop snapshot`'s stderr and JSON (a real process against a real
`livetop simulate` process), and `livetop serve`'s /metrics, snapshot API and viewer feed."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios

import httpx
import pytest
import tomli_w

from livetop.clock import SYSTEM_CLOCK
from livetop.config.load import load_config
from livetop.engine import Engine
from livetop.remote.mirror import MirrorStore
from livetop.serve.server import Collector
from tests.test_cli_simulate import first_line, interrupt, start
from tests.test_serve import TOKEN, metric_samples
from tests.test_ui_cli import child_env, read_until, wait_exit

N = 300
SCENARIO = {
    "seed": "capacity-cli",
    "latency_ms": 0,
    # Huawei v1 at its documented 300/min (the simulator's default): the config states no rate, so livetop
    # paces at the API's own limit, 280/min after its burst of 20.
    "accounts": [
        {"name": "hw-legacy", "vendor": "huawei", "auth": "aksk",
         "domains": [f"play{i:03d}.legacy.example.com" for i in range(N)]},
        {"name": "tc", "vendor": "tencent", "domains": ["play.tc.example.com"]},
    ],
}  # fmt: skip
# 600 requests: 20 at once, 580 at 4.67/s = 124 s. In 5 s: 20 + 23.3 = 43 requests, 21 domains.
WARNING = (
    "livetop: warning: hw-legacy: 300 domains at 280 req/min need 2.1 min for one poll, longer than the 5 s "
    "deadline: at most 21 will be answered, the rest reported as LIVETOP.DEADLINE (fix: --timeout 3m, or split "
    "the account)"
)


@pytest.fixture
def simulated(tmp_path):
    """`livetop simulate` on the scenario, as a process; yields the config it wrote."""
    scenario, config = tmp_path / "scenario.toml", tmp_path / "livetop.toml"
    scenario.write_text(tomli_w.dumps(SCENARIO))
    proc = start("--port", "0", "--scenario", str(scenario), "--write-config", str(config))
    try:
        assert first_line(proc).startswith("listening on http://127.0.0.1:")
        yield config
    finally:
        interrupt(proc)


def snapshot(config, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "livetop", "snapshot", "--config", str(config), "--format", "json", *args],
        check=False, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def test_snapshot_warns_before_polling_and_the_prediction_holds(simulated):
    done = snapshot(simulated, "--timeout", "5s")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    err = done.stderr.splitlines()
    # Said first, before any progress line; one line, for the account that cannot be served only.
    assert err[0] == WARNING, done.stderr
    assert sum("warning:" in line for line in err) == 1
    document = json.loads(done.stdout)
    hw = [d for d in document["domains"] if d["account"] == "hw-legacy"]
    answered = [d for d in hw if d["status"] == "ok"]
    late = [d for d in hw if d["error"] and d["error"]["code"] == "LIVETOP.DEADLINE"]
    # What the warning predicted: at most 21 answered (the rate cannot do more; the pairs of requests left
    # half-done at the deadline and a loaded machine do less),
    # every other one reported as late.
    assert 1 <= len(answered) <= 21 + 1, len(answered)
    assert len(answered) + len(late) == N
    # The JSON says the same of the account at the config's refresh (30 s: bandwidth once a minute and traffic as each bucket settles, 360 requests a minute).
    totals = {a["account"]: a for a in document["accounts"]}
    cap = totals["hw-legacy"]["capacity"]
    assert cap["message"] == "300 domains at 280 req/min: each every 1.3 min"
    assert cap["requests_per_minute_needed"] == 360 and cap["requests_per_minute_allowed"] == 280
    assert cap["documented_requests_per_minute"] == 300 and cap["fits"] is False
    assert cap["fixes"] == ["refresh ≥ 2 min", 'api = "v2"', "≤ 233 domains per account"]
    assert totals["tc"]["capacity"]["fits"] is True and totals["tc"]["capacity"]["message"] == ""
    assert document["total"]["capacity"] is None


def test_quiet_still_warns_and_a_deadline_that_fits_says_nothing(simulated):
    quiet = snapshot(simulated, "--timeout", "5s", "--quiet")
    assert quiet.stderr.splitlines()[0] == WARNING and " domains done" not in quiet.stderr
    # 150 s covers the 124 s one poll needs: no warning (the run is not made: it would take that long).
    from livetop.engine.capacity import one_poll_warning

    config = load_config(simulated)
    assert [one_poll_warning(a, 150) for a in config.accounts] == ["", ""]
    assert one_poll_warning(config.accounts[0], 120) != ""


async def test_serve_exposes_capacity_to_prometheus_scripts_and_viewers(simulated):
    config = load_config(simulated)
    engine = Engine(config, SYSTEM_CLOCK, stagger=False)
    from livetop.config.schema import Secret

    collector = Collector(config, engine, "127.0.0.1", 0, Secret(TOKEN), feed_interval=0.05)
    await collector.start()
    try:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with httpx.AsyncClient(base_url=collector.url, headers=headers) as client:
            samples = metric_samples((await client.get("/metrics")).text)
            snap = (await client.get("/api/v1/snapshot")).json()
            state = (await client.get("/api/v1/state")).json()
    finally:
        await collector.stop()
    ratio = {s.labels["account"]: s for s in samples["livetop_account_capacity_ratio"]}
    assert (
        ratio["hw-legacy"].value == pytest.approx(360 / 280)
        and ratio["hw-legacy"].labels["vendor"] == "huawei"
    )
    assert ratio["tc"].value == pytest.approx(1 / 6000)  # one request a domain a minute (the data's cadence), 100/s
    interval = {s.labels["account"]: s.value for s in samples["livetop_account_poll_interval_seconds"]}
    assert interval == {"hw-legacy": pytest.approx(360 / 280 * 60), "tc": 60.0}
    by_account = {a["account"]: a for a in snap["accounts"]}
    assert by_account["hw-legacy"]["capacity"]["message"] == "300 domains at 280 req/min: each every 1.3 min"
    # A viewer (livetop --remote) gets it with the feed's state and says what the collector's screen says.
    mirror = MirrorStore()
    mirror.apply(state, whole=True)
    assert mirror.capacities()["hw-legacy"].message == "300 domains at 280 req/min: each every 1.3 min"
    assert mirror.capacities()["hw-legacy"].advice.startswith("fix: refresh ≥ 2 min")
    assert mirror.stale_after_for("hw-legacy") == pytest.approx(2 * 360 / 280 * 60, rel=1e-3)


def test_livetop_on_a_users_config_starts_and_says_it_on_the_status_line(make_sim, tmp_path):
    """`livetop --config FILE` in an 80x24 terminal, as a user runs it on their own accounts (the demo's path
    skips the history and the config watch; this one does not: it once died there with a NameError)."""
    thread = make_sim(SCENARIO, clock=SYSTEM_CLOCK)
    config = thread.sim.write_config(tmp_path / "livetop.toml", timeout="3s")
    pid, fd = pty.fork()
    if pid == 0:  # the child: exec at once
        os.execve(
            sys.executable, [sys.executable, "-m", "livetop", "--config", str(config)], child_env(tmp_path)
        )
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    seen = bytearray()
    try:
        read_until(fd, b"300 domains at 280 req/min", seen)
        read_until(fd, b"each every 1.3 min, not every 30 s", seen)
        os.write(fd, b"q")
        assert wait_exit(pid, fd, seen) == 0, bytes(seen[-400:])
    finally:
        os.close(fd)
    assert b"Traceback" not in seen


def test_check_says_why_domains_went_unreached(simulated):
    """`livetop check -t 4` on 300 domains at 280 requests a minute: most cannot be asked in time, and the
    plugin's long output says it is the rate limit, not a slow vendor."""
    done = subprocess.run(
        [sys.executable, "-m", "livetop", "check", "--config", str(simulated), "-t", "4", "--account", "hw-legacy"],
        check=False, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert "Traceback" not in done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("LIVETOP CRITICAL") and done.returncode == 2, done.stdout
    [line] = [line for line in lines if line.startswith("rate limit: ")]
    # In its own option's syntax: -t in seconds, at most 300.
    assert line == (
        "rate limit: hw-legacy: 300 domains at 280 req/min need 2.1 min for one poll, longer than the 4 s "
        "deadline: at most 19 will be answered, the rest reported as LIVETOP.DEADLINE (fix: -t 137, or split the "
        "account)"
    )
