"""bench/schedule.py's truth and replay: the truth it computes in-process equals what the engine reads
from the simulator over real HTTP for every vendor API, and the replay turns a recorded screen state into
the right age and lag."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import tomli_w

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.schedule import APIS, scenario  # noqa: E402
from bench.schedule_report import freshness, requests_in  # noqa: E402
from bench.schedule_truth import Truth  # noqa: E402
from livetop.config.load import load_config  # noqa: E402
from livetop.engine import Engine  # noqa: E402
from livetop.model import floor_to  # noqa: E402
from livetop.sim.scenario import load_scenario  # noqa: E402
from livetop.sim.server import EVENT_ANCHOR_SECONDS, SimulatorThread  # noqa: E402

from conftest import SIM_START  # noqa: E402


def _scenario_file(tmp_path: Path, name: str, n_domains: int = 3) -> Path:
    vendor, api = APIS[name]
    path = tmp_path / f"{name}.toml"
    path.write_text(tomli_w.dumps(scenario(vendor, api, n_domains, 0.0, 0.0)))
    return path


@pytest.mark.parametrize("name", list(APIS))
@pytest.mark.parametrize("seconds", [157, 361])  # after SIM_START: 157 s and 61 s into the newest bucket
def test_truth_is_what_the_engine_reads_from_the_simulator(name, seconds, tmp_path, make_sim):
    from livetop.clock import ManualClock

    clock = ManualClock(SIM_START + timedelta(seconds=seconds))
    path = _scenario_file(tmp_path, name)
    thread = make_sim(load_scenario(path), clock=clock)
    config = load_config(thread.sim.write_config(tmp_path / "livetop.toml", timeout="3s"))
    anchor = int(floor_to(clock.now(), EVENT_ANCHOR_SECONDS).timestamp())

    async def poll():
        engine = Engine(config, clock, stagger=False)
        try:
            return await engine.poll_all_once(timeout=30)
        finally:
            await engine.stop()

    snap = asyncio.run(poll())
    truth = Truth(str(path), anchor)
    now = clock.now().timestamp()
    for d in snap.domains:
        assert d.error is None, d.error
        bucket, value = d.bandwidth.last()
        expected_bucket, expected = truth(d.domain, now)
        assert bucket == expected_bucket
        assert value == pytest.approx(expected, rel=1e-9)  # JD's 129.45 Mbps: 129449999.99999999 bit/s
    # ...and later the vendor's answer is another one (the truth moves with the clock).
    later = truth(snap.domains[0].domain, now + 300)
    assert later != truth(snap.domains[0].domain, now)


def _observations(path: Path, names: list[str], lines: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(x) for x in [{"domains": [f"bench/{n}" for n in names]}, *lines]))
    return path


def _first_change(truth, name: str, after: float) -> float:
    """The first moment after `after` at which the vendor's answer differs from its answer then (to 1 ms),
    found by scanning and bisecting the simulator's truth directly."""
    shown = truth(name, after)
    t = after
    while truth(name, t + 1) == shown:
        t += 1
        assert t < after + 400, "the newest bucket changes at least every 5 minutes"
    lo, hi = t, t + 1
    while hi - lo > 0.001:
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if truth(name, mid) == shown else (lo, mid)
    return hi


def test_replay_gives_age_and_the_lag_behind_the_vendor(tmp_path):
    path = _scenario_file(tmp_path, "huawei-v1", 2)
    anchor = int(SIM_START.timestamp())
    truth = Truth(str(path), anchor)
    names = list(truth.rates)
    # Domain 0 shows the vendor's answer of `upd`, which stops being current at `change` (a new minute's peak
    # or a new bucket); domain 1 never gets data.
    change = _first_change(truth, names[0], anchor + 3600 - 30)
    upd = max(anchor + 3600 - 30, change - 10.25)
    bucket, value = truth(names[0], upd)
    samples = [upd + 0.75 + k for k in range(20)]
    lines = [{"t": upd + 0.1, "n": 1, "c": [[0, upd, bucket, value]]}]
    lines += [{"t": t, "n": 1, "c": []} for t in samples]
    obs = _observations(tmp_path / "obs.jsonl", names, lines)
    result = freshness(obs, truth, samples[0], samples[-1])
    assert result["samples"] == 20
    assert result["no_data_at_end"] == 1 and result["no_data_share"] == 0.5
    ages = [t - upd for t in samples]
    assert result["age_p50"] == pytest.approx(ages[9]) and result["age_p95"] == pytest.approx(ages[18])
    lags = sorted(max(0.0, t - change) for t in samples)
    assert lags[18] > 5  # the change falls inside the samples
    assert result["lag_p50"] == pytest.approx(lags[9], abs=0.011)
    assert result["lag_p95"] == pytest.approx(lags[18], abs=0.011)  # found by bisection to 10 ms
    assert result["current_share"] == sum(t < change for t in samples) / 20
    assert result["checked"] == 0  # the arrival was before the window: nothing to check in it


def test_replay_flags_a_value_the_vendor_never_answered(tmp_path):
    path = _scenario_file(tmp_path, "jdcloud-opencdn", 1)
    anchor = int(SIM_START.timestamp())
    truth = Truth(str(path), anchor)
    name = next(iter(truth.rates))
    upd = anchor + 100.0
    bucket, value = truth(name, upd)
    lines = [{"t": upd + 0.5, "n": 1, "c": [[0, upd, bucket, value * 1.01]]}]
    lines += [{"t": upd + 0.5 + k, "n": 1, "c": []} for k in range(1, 5)]
    result = freshness(_observations(tmp_path / "obs.jsonl", [name], lines), truth, upd, upd + 10)
    assert result["checked"] == 1 and result["matched"] == 0
    assert result["current_share"] == 0
    assert result["lag_p50"] == pytest.approx(2.5)  # wrong since it arrived: the lag is its age


def test_requests_are_counted_over_the_window_with_refusals(tmp_path):
    counts = tmp_path / "counts.jsonl"
    rows = [
        {"t": 100.0, "c": {"bench": {"ok": 10}}},
        {"t": 160.0, "c": {"bench": {"ok": 40, "Throttling": 2}, "?": {"ok": 1}}},
        {"t": 220.0, "c": {"bench": {"ok": 70, "Throttling": 5}, "?": {"ok": 1}}},
    ]
    counts.write_text("\n".join(json.dumps(r) for r in rows))
    got = requests_in(counts, 100.5, 220.0)
    assert got["requests"] == 66 and got["minutes"] == 2.0
    assert got["per_minute"] == 33.0 and got["refused_per_minute"] == 2.5
    assert got["refused"] == {"Throttling": 5}


@pytest.mark.parametrize("name", ["huawei-v2", "alibaba"])  # a peak, and an average over the elapsed time
def test_a_value_out_of_date_on_arrival_lags_from_when_the_vendor_moved_on(name, tmp_path):
    # The fetch asked for a range ending when its poll began; the answer came back minutes later, after the
    # rate limit's queue: it holds a bucket the vendor has long since followed with a newer one.
    path = _scenario_file(tmp_path, name, 1)
    anchor = int(SIM_START.timestamp())
    truth = Truth(str(path), anchor)
    domain = next(iter(truth.rates))
    bucket = anchor + 3000
    final = truth.value_of(domain, bucket, bucket + 1000)
    lo, hi = float(bucket), float(bucket + 600)  # when the vendor's newest becomes the next bucket
    while hi - lo > 0.001:
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if truth(domain, mid)[0] == bucket else (lo, mid)
    moved_on = hi
    assert truth(domain, moved_on)[0] == bucket + 300
    assert truth(domain, lo)[1] == pytest.approx(final, rel=1e-6)  # its last value as the newest was final
    upd = moved_on + 100.0
    lines = [{"t": upd + 0.5, "n": 1, "c": [[0, upd, bucket, final]]}]
    lines += [{"t": upd + 0.5 + k, "n": 1, "c": []} for k in range(1, 11)]
    result = freshness(_observations(tmp_path / "obs.jsonl", [domain], lines), truth, upd, upd + 20)
    assert result["checked"] == 1 and result["matched"] == 1  # the vendor did answer it for the bucket
    assert result["current_share"] == 0
    assert result["lag_p50"] == pytest.approx(upd + 0.5 + 5 - moved_on, abs=0.011)
    assert result["age_p50"] == pytest.approx(5.5)
