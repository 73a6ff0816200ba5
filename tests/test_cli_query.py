"""`livetop query` as a user runs it: a real process asking the simulator (on the real clock), exit codes
0 (data), 1 (the vendor refused), 2 (bad arguments), never a traceback, never a secret."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from livetop.clock import SYSTEM_CLOCK

HW_SECRET = "cli-query-hw-secret-7d1e0b9a"
JD_SECRET = "cli-query-jd-secret-3f8c2a61"
JDO_SECRET = "cli-query-jdo-secret-81c4e2d9"
SCENARIO = {
    "seed": "query-tests",
    "latency_ms": 0,
    "accounts": [
        {"name": "hw", "vendor": "huawei", "auth": "aksk", "secret_key": HW_SECRET, "rate_per_second": 1000.0,
         "burst": 1000.0,
         "domains": ["play.example.com", {"name": "gone.example.com", "fault": "not_owned"}]},
        {"name": "jd", "vendor": "jdcloud", "username": "jd_query_pin", "secret_key": JD_SECRET,
         "rate_per_second": 1000.0, "burst": 1000.0, "domains": ["live.example.com"]},
        {"name": "jdo", "vendor": "jdcloud", "api": "openapi", "secret_key": JDO_SECRET,
         "rate_per_second": 1000.0, "burst": 1000.0,
         "domains": ["live.openapi.example.com", {"name": "denied.example.com", "fault": "forbidden"}]},
    ],
}


@pytest.fixture(scope="module")
def query_sim():
    from livetop.sim.scenario import parse_scenario
    from livetop.sim.server import SimulatorThread

    thread = SimulatorThread(parse_scenario(SCENARIO, source="<query tests>"), clock=SYSTEM_CLOCK).start()
    yield thread
    thread.stop()


@pytest.fixture(scope="module")
def config(query_sim, tmp_path_factory) -> Path:
    return query_sim.sim.write_config(tmp_path_factory.mktemp("query") / "c.toml", timeout="5s")


def query(config: Path, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", "livetop", "query", "--config", str(config), *args],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )
    out = done.stdout + done.stderr
    assert "Traceback" not in out, out
    assert HW_SECRET not in out and JD_SECRET not in out and JDO_SECRET not in out
    return done


def strict_json(text: str):
    """json.loads that refuses NaN/Infinity, which Python writes but no other JSON reader accepts."""
    def refuse(constant: str):
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def bandwidth_flow_requests(query_sim) -> list:
    return [e for e in query_sim.sim.log if e.path == "/api/live/bandwidth_flow"]


@pytest.mark.parametrize(
    "account, domain",
    [("hw", "play.example.com"), ("jd", "live.example.com"), ("jdo", "live.openapi.example.com")],
)
def test_last_hour_as_json_exits_0(config, account, domain):
    done = query(config, account, domain, "--json")
    assert done.returncode == 0, done.stderr
    points = strict_json(done.stdout)
    assert 11 <= len(points) <= 13  # an hour of 5-minute buckets, the newest possibly still open
    for point in points:
        assert datetime.strptime(point["time"], "%Y-%m-%dT%H:%M:%SZ")
        assert point["bandwidth_bps"] > 0 and isinstance(point["traffic_bytes"], int)


def test_a_table_is_the_default(config):
    done = query(config, "hw", "play.example.com", "--metric", "bandwidth")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].split() == ["TIME", "(UTC,", "bucket", "start)", "BANDWIDTH"]


def test_a_vendor_refusal_is_decoded_and_exits_1(config):
    done = query(config, "hw", "gone.example.com")
    assert done.returncode == 1
    assert "error: LIVE.100011001" in done.stderr and "what to do:" in done.stderr
    assert done.stdout == ""
    done = query(config, "jdo", "denied.example.com")
    assert done.returncode == 1 and "error: HTTP_FORBIDDEN" in done.stderr and "permission" in done.stderr


@pytest.mark.parametrize(
    "args, says",
    [
        # Year 1 has no hour before it for the default start.
        (["--end", "0001-01-01T00:00:00Z"], "--end"),
        # Midnight of year 1 at +01:00 is year 0 in UTC.
        (["--start", "0001-01-01T00:00:00+01:00"], "outside years 1-9999"),
        (["--start", "9999-12-31T23:59:59-01:00"], "outside years 1-9999"),
        (["--start", "yesterday"], "is not a time"),
        (["--start", "2026-11-20T08:00:00Z", "--end", "2026-11-20T08:00:00Z"], "is empty"),
        (["--start", "2026-11-20T09:00:00Z", "--end", "2026-11-20T08:00:00Z"], "is empty"),
        (["--start", "9999-01-01T00:00:00Z"], "now (the default --end)"),
    ],
)
@pytest.mark.parametrize("account, domain", [("hw", "play.example.com"), ("jd", "live.example.com")])
def test_bad_or_empty_times_exit_2_with_a_message_and_no_request(
    query_sim, config, account, domain, args, says
):
    before = len(query_sim.sim.log)
    done = query(config, account, domain, *args)
    assert done.returncode == 2
    assert done.stderr.startswith("livetop: bad time: ") and says in done.stderr
    assert "2026-11-20T08:00:00Z" in done.stderr  # the hint shows the form to use
    assert done.stdout == ""
    assert len(query_sim.sim.log) == before


@pytest.mark.parametrize(
    "args, says",
    [
        (["hw", "play.example.com", "--step", "7"], "accepts a step of 1, 5, 15, 30, 60, 240, 1440 minutes"),
        (["hw", "play.example.com", "--step", "10000000000000000"], "accepts a step of"),
        (["jd", "live.example.com", "--step", "0"], "positive"),
        (["jdo", "live.openapi.example.com", "--step", "15"], "accepts a step of 1, 5, 30, 60, 120, 360, 1440"),
        (["nobody", "play.example.com"], "no account 'nobody'"),
    ],
)
def test_bad_arguments_exit_2(config, args, says):
    done = query(config, *args)
    assert done.returncode == 2 and says in done.stderr


def test_a_jd_start_decades_ago_is_clamped_to_a_bounded_number_of_requests(query_sim, config):
    before = len(bandwidth_flow_requests(query_sim))
    done = query(config, "jd", "live.example.com", "--start", "2000-01-01T00:00:00Z", "--json")
    assert done.returncode == 0, done.stderr
    assert "notice: start clamped to " in done.stderr and "at most 90 days back" in done.stderr
    sent = bandwidth_flow_requests(query_sim)[before:]
    assert 3 <= len(sent) <= 4  # 90 days in requests of at most 30 days, not one per month since 2000
    beijing = timezone(timedelta(hours=8))
    oldest = min(
        datetime.strptime(e.params["start_time"], "%Y-%m-%d %H:%M").replace(tzinfo=beijing) for e in sent
    )
    assert SYSTEM_CLOCK.now() - oldest <= timedelta(days=90, minutes=5)
    points = strict_json(done.stdout)
    first = datetime.strptime(points[0]["time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert SYSTEM_CLOCK.now() - first <= timedelta(days=90)


@pytest.mark.parametrize("account, domain", [("hw", "play.example.com"), ("jd", "live.example.com")])
def test_a_far_future_end_is_clamped_to_now(query_sim, config, account, domain):
    from livetop.sim.data import buckets

    before = len(query_sim.sim.log)
    begun = SYSTEM_CLOCK.now()
    start = (begun - timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    done = query(config, account, domain, "--start", start, "--end", "9999-12-31T23:59:59Z", "--json")
    assert done.returncode == 0, done.stderr
    # Every bucket from the start on that holds a completed minute, as the simulator had them then.
    first = int(datetime.strptime(start, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp())
    held = [len(buckets(lambda minute: 1.0, first, 2**40, 300, t.timestamp())) for t in (begun, SYSTEM_CLOCK.now())]
    assert held[0] >= 5 and held[0] <= len(strict_json(done.stdout)) <= held[1]
    assert len(query_sim.sim.log) - before <= 2  # one request per metric at most, not years of them
