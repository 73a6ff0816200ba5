"""`livetop snapshot` over the demo's Alibaba account: every healthy domain's figures are the simulator's own
series after unit conversion (5-minute average bit/s = bytes x 8 / seconds; bytes), and the fault decoded."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from livetop import report
from livetop.clock import SYSTEM_CLOCK
from livetop.engine import Engine
from livetop.model import iso_utc
from livetop.sim import data

from conftest import TEST_CLIENT_TIMEOUT, last_hour_buckets, load_sim_config

UTC = timezone.utc
ACCOUNT = "ali-live"


def _alibaba_only(sim, tmp_path):
    config = load_sim_config(sim.sim.write_config(tmp_path / "c.toml", timeout=TEST_CLIENT_TIMEOUT))
    return replace(config, accounts=tuple(a for a in config.accounts if a.name == ACCOUNT))


def _series(sim, domain: str, now: datetime, window: timedelta):
    """The simulator's buckets of `domain` starting in the window: (start, average bit/s, bytes)."""
    start = now - window
    rows = data.buckets(sim.sim.curve(domain).rate_bps, int(start.timestamp()), int(now.timestamp()), 300,
                        now.timestamp())  # fmt: skip
    out = []
    for row in rows:
        elapsed = min(300.0, now.timestamp() // 60 * 60 - row.start_ts)  # completed minutes only
        out.append(
            (
                datetime.fromtimestamp(row.start_ts, UTC),
                row.traffic_bytes * 8 / elapsed,
                round(row.traffic_bytes),
            )
        )
    return out


def settled_edge(now: datetime) -> datetime:
    """Buckets starting before this are settled: floor(now - 15 min) to the 5-minute grid."""
    ts = int((now - timedelta(minutes=15)).timestamp())
    return datetime.fromtimestamp(ts - ts % 300, UTC)


async def test_snapshot_numbers_are_the_simulator_series(sim, sim_clock, tmp_path):
    sim_clock.advance(130)  # a newest bucket still filling, as in production
    config = _alibaba_only(sim, tmp_path)
    engine = Engine(config, sim_clock, stagger=False)
    try:
        snap = await engine.poll_all_once()
    finally:
        await engine.stop()
    doc = json.loads(report.to_json(snap))
    by_domain = {d["domain"]: d for d in doc["domains"]}
    scenario = sim.sim.scenario.account(ACCOUNT)
    healthy = [d.name for d in scenario.domains if d.fault is None]
    assert len(healthy) >= 2 and set(healthy) <= set(by_domain)
    now = sim_clock.now()
    for name in healthy:
        got = by_domain[name]
        series = _series(sim, name, now, timedelta(seconds=config.window_seconds))
        assert got["vendor"] == "alibaba" and got["status"] == "ok" and got["error"] is None, got
        assert got["bandwidth_now_bps"] == pytest.approx(series[-1][1], abs=0.01)
        # Alibaba's 5-minute points settle 15 minutes late (the spec's settle delay): figures for billing use
        # the settled buckets only; the newer ones are provisional.
        edge = settled_edge(now)
        settled = [s for s in series if s[0] < edge]
        provisional = [s for s in series if s[0] >= edge]
        assert len(provisional) == 4 and got["provisional"] and got["settle_delay_seconds"] == 900
        peak_at, peak, _ = max(settled, key=lambda s: s[1])
        assert got["peak_bps"] == pytest.approx(peak, abs=0.01) and got["peak_at"] == iso_utc(peak_at)
        assert got["traffic_bytes"] == sum(b for _, _, b in settled)
        assert got["provisional_traffic_bytes"] == sum(b for _, _, b in provisional)
        assert got["newest_settled_bucket"] == iso_utc(settled[-1][0])
        assert got["newest_settled_bps"] == pytest.approx(settled[-1][1], abs=0.01)
    faulty = [d for d in scenario.domains if d.fault is not None]
    assert faulty
    for dom in faulty:
        got = by_domain[dom.name]
        assert got["status"] == "error" and got["bandwidth_now_bps"] is None
        assert got["error"]["code"] == "InvalidDomain.NotFound" and got["error"]["vendor"] == "alibaba"
        assert got["error"]["meaning"] and got["error"]["action"] and not got["error"]["retryable"]


def test_the_snapshot_command_reports_alibaba(make_sim, tmp_path):
    """The real command, as cron runs it, against the demo simulator on the wall clock."""
    thread = make_sim(None, clock=SYSTEM_CLOCK)
    config = _alibaba_only(thread, tmp_path)
    path = tmp_path / "ali.toml"
    text = thread.sim.write_config(tmp_path / "all.toml", timeout=TEST_CLIENT_TIMEOUT).read_text()
    # Keep the Alibaba account only: cut the other [[accounts]] tables out of the written file.
    tables = text.split("[[accounts]]")
    path.write_text(tables[0] + "".join("[[accounts]]" + t for t in tables[1:] if f'name = "{ACCOUNT}"' in t))
    path.chmod(0o600)
    run = lambda fmt: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "livetop", "snapshot", "--config", str(path), "--format", fmt],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    done = run("json")
    assert done.returncode == 1 and "Traceback" not in done.stderr  # the fault domain fails the run
    doc = json.loads(done.stdout)
    assert {d["vendor"] for d in doc["domains"]} == {"alibaba"}
    assert len(doc["domains"]) == len(config.accounts[0].domains)
    statuses = sorted((d["status"], (d["error"] or {}).get("code")) for d in doc["domains"])
    assert statuses == [("error", "InvalidDomain.NotFound"), ("ok", None), ("ok", None)]
    rows = list(csv.DictReader(io.StringIO(run("csv").stdout)))
    assert {r["vendor"] for r in rows} == {"alibaba"}
    assert all(float(r["bandwidth_now_bps"]) > 0 for r in rows if r["status"] == "ok")
    secret = thread.sim.scenario.account(ACCOUNT).secret_key
    assert secret not in done.stdout and secret not in done.stderr


def test_query_one_alibaba_call_by_hand(make_sim, tmp_path):
    """`livetop query` on an Alibaba account: normalised points, a decoded refusal, a step the API does not
    offer named from its declaration."""
    thread = make_sim(None, clock=SYSTEM_CLOCK)
    path = thread.sim.write_config(tmp_path / "c.toml", timeout=TEST_CLIENT_TIMEOUT)
    run = lambda *args: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "livetop", "query", "--config", str(path), ACCOUNT, *args],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    begun = SYSTEM_CLOCK.now()
    done = run("play.talkshow.example.cn", "--json")
    ended = SYSTEM_CLOCK.now()
    assert done.returncode == 0, done.stderr
    points = json.loads(done.stdout)
    # The last hour's buckets holding a completed minute, for a "now" between `begun` and `ended`.
    least, most = last_hour_buckets(begun, ended)
    assert least <= len(points) <= most and least >= 11, (len(points), least, most, begun, ended)
    assert all(
        p["time"].endswith(":00Z") and p["bandwidth_bps"] > 0 and p["traffic_bytes"] > 0 for p in points
    )
    refused = run("play.expired-promo.example.cn")
    assert refused.returncode == 1 and "InvalidDomain.NotFound" in refused.stderr + refused.stdout
    assert "Traceback" not in refused.stderr
    step = run("play.talkshow.example.cn", "--step", "15")
    assert step.returncode == 2 and "5, 60, 1440" in step.stderr
