"""`livetop snapshot` as a user runs it against the demo's Tencent account: every healthy domain's figures are
the simulator's series after unit conversion, and every fault domain carries its decoded Tencent error."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timezone
from decimal import Decimal

from conftest import demo_scenario_for_tests

from livetop.clock import ManualClock
from livetop.sim import tencent as sim_tencent

UTC = timezone.utc
MB = 1024 * 1024
FAULT_CODES = {"not_owned": "ResourceNotFound.DomainNotExist", "internal_500": "InternalError"}


def _as_livetop_reads(value: float) -> Decimal:
    """A wire value (Mbps or MB, as the simulator writes it into JSON) in bit/s or bytes, as livetop converts."""
    return Decimal(repr(sim_tencent.mbps(value))) * MB


def test_snapshot_reports_the_demo_tencent_account_exactly(make_sim, tmp_path):
    demo = demo_scenario_for_tests()
    scenario = replace(demo, accounts=tuple(a for a in demo.accounts if a.vendor == "tencent"))
    assert scenario.accounts, "the demo has a Tencent account"
    # The client signs with the real time, so the simulator's clock is the real time too, frozen for the data.
    clock = ManualClock(datetime.now(UTC))
    thread = make_sim(scenario, clock=clock)
    config = thread.sim.write_config(tmp_path / "c.toml", timeout="3s")
    done = subprocess.run(
        [sys.executable, "-m", "livetop", "snapshot", "--config", str(config), "--format", "json",
         "--window", "2h"], capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert "Traceback" not in done.stderr
    doc = json.loads(done.stdout)
    by_domain = {d["domain"]: d for d in doc["domains"]}
    account = scenario.accounts[0]
    assert set(by_domain) == {d.name for d in account.domains}
    taken_at = datetime.fromisoformat(doc["taken_at"].replace("Z", "+00:00")).timestamp()
    window_start = datetime.fromtimestamp(taken_at - 7200, UTC)
    # Settled: bucket start < floor(now - settle delay, 5 min); Tencent's declared delay is 6 minutes.
    settled_before = (int(taken_at) - 360) // 300 * 300
    healthy = [d for d in account.domains if d.fault is None]
    assert len(healthy) >= 3
    for dom in healthy:
        got = by_domain[dom.name]
        # The buckets the store keeps: starting at or after the window's start, up to the simulator's now.
        rows = sim_tencent.rows(thread.sim, account, [dom.name], window_start, clock.now())
        assert len(rows) >= 20  # nearly two hours of 5-minute buckets
        bandwidth = [float(_as_livetop_reads(r.peak_bps)) for r in rows]
        traffic = [int(_as_livetop_reads(r.traffic_bytes).to_integral_value()) for r in rows]
        settled = [r.start_ts < settled_before for r in rows]
        assert got["status"] == "ok" and got["vendor"] == "tencent" and got["error"] is None
        assert got["settle_delay_seconds"] == 360
        assert got["traffic_bytes"] == sum(t for t, s in zip(traffic, settled) if s)
        assert got["provisional_traffic_bytes"] == sum(t for t, s in zip(traffic, settled) if not s)
        assert got["peak_bps"] == max(b for b, s in zip(bandwidth, settled) if s)
        assert got["newest_settled_bps"] == [b for b, s in zip(bandwidth, settled) if s][-1]
        assert got["bandwidth_now_bps"] == bandwidth[-1]
        assert got["last_bucket"] == datetime.fromtimestamp(rows[-1].start_ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    faulty = [d for d in account.domains if d.fault is not None]
    assert faulty
    for dom in faulty:
        got = by_domain[dom.name]
        assert got["status"] == "error" and got["bandwidth_now_bps"] is None
        assert got["error"]["code"] == FAULT_CODES[dom.fault]
        assert got["error"]["title"] and got["error"]["action"] and got["error"]["kind"] == "vendor"
    assert done.returncode == 1 and f"{len(faulty)} of {len(account.domains)} domains failed" in done.stderr
    assert account.secret_key not in done.stdout + done.stderr
