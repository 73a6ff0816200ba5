"""One settled rule: the screen (the store's snapshot), the alerts, `check`, the history (and so `export`) and
/metrics agree on which bucket is the newest settled one, for accounts with different settle delays, over
real HTTP to the simulator; and a bucket that settles while no fetch answers stays provisional for all of them."""

from __future__ import annotations

from dataclasses import replace

from prometheus_client.exposition import generate_latest
from prometheus_client.registry import CollectorRegistry

from conftest import load_sim_config
from livetop import report
from livetop.alerts.evaluate import Evaluator
from livetop.check.verdict import CheckSpec, judge
from livetop.config.load import parse_config
from livetop.engine import Engine
from livetop.history.recorder import HistoryRecorder
from livetop.history.store import History
from livetop.serve.metrics import StoreCollector
from livetop.serve.server import account_facts
from tests.test_serve import metric_samples

SCENARIO = {
    "seed": "settled-agree", "latency_ms": 0, "latency_jitter_ms": 0,
    "accounts": [
        {"name": name, "vendor": "huawei", "auth": "aksk", "project_id": f"{i:02x}" * 16, "rate_per_second": 1000.0,
         "burst": 200.0, "domains": [f"{name}.example.com"]}
        for i, name in enumerate(("none", "slow", "usual"), 1)
    ] + [{"name": "ali", "vendor": "alibaba", "rate_per_second": 1000.0, "burst": 200.0,
          "domains": ["ali.example.com"]}],
}
# Settle delays per account: none at all, a custom 25 minutes, and the vendors' defaults (Huawei, Alibaba).
SETTLE = {"none": 0, "slow": 25 * 60, "usual": None, "ali": None}
EVERY = parse_config({"alerts": [{"name": "Any", "kind": "above", "threshold": "0bps", "for": "0s"}]}).alerts


def _newest_on_disk(history: History, d) -> int | None:
    bw, _ = history.read(d.account, d.domain, 0, 2**40)
    return bw[-1][0] if bw else None


def _views(engine: Engine, history: History, recorder: HistoryRecorder):
    """{account: (screen, alerts, check, metrics, snapshot JSON)} newest settled bucket starts, as each sees it."""
    snap = engine.store.snapshot()
    now = engine.clock.now()
    evaluator = Evaluator(EVERY)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(engine.store, lambda: account_facts(engine)))
    metrics = {s.labels["account"]: int(s.value)
               for s in metric_samples(generate_latest(registry).decode())["livetop_bucket_start_timestamp_seconds"]}
    checks = {r.snap.account: r for r in judge(snap, CheckSpec(), now)}
    doc = {d["account"]: d for d in map(report.domain_record, snap.domains)}
    out = {}
    for d in snap.domains:
        reading = evaluator.read(EVERY[0], d, now)
        perf = checks[d.account].perf[0].value
        out[d.account] = {
            "screen": int(d.newest_settled.timestamp()),
            "alerts": reading.bucket if reading is not None else None,
            "check": perf == d.newest_settled_bps and int(d.newest_settled.timestamp()),
            "metrics": metrics.get(d.account),
            "snapshot json": doc[d.account]["newest_settled_bucket"],
        }
    return snap, out


async def test_screen_alerts_check_history_and_metrics_agree_on_the_settled_bucket(make_sim, sim_clock, tmp_path):
    thread = make_sim(SCENARIO)
    config = load_sim_config(thread.sim.write_config(tmp_path / "c.toml", timeout="3s"))
    config = replace(config, window_seconds=3 * 3600, accounts=tuple(
        replace(a, data_lag_seconds=SETTLE[a.name]) for a in config.accounts))
    history = History(tmp_path / "history.sqlite", sim_clock)
    engine = Engine(config, clock=sim_clock, stagger=False)
    recorder = HistoryRecorder(history, engine)
    engine.history = recorder
    try:
        await engine.poll_all_once()
        await recorder.flush()
        snap, views = _views(engine, history, recorder)
        edges = {}
        for d in snap.domains:
            settle = engine.accounts[d.account].provider.data_lag_seconds
            edge = int(sim_clock.now().timestamp()) - settle
            edge -= edge % d.bucket_seconds
            assert int(d.settled_before.timestamp()) == edge  # the store's rule, the account's own delay
            newest = edge - d.bucket_seconds  # the simulator serves every bucket: the newest settled is there
            v = views[d.account]
            assert v["screen"] == v["alerts"] == v["check"] == v["metrics"] == newest, (d.account, v)
            assert v["snapshot json"] == d.newest_settled.strftime("%Y-%m-%dT%H:%M:%SZ")
            assert _newest_on_disk(history, d) == newest, d.account
            edges[d.account] = edge
        # The delays differ, so the accounts' settled buckets differ: the test can tell the rules apart.
        assert len({edges["none"], edges["slow"], edges["usual"], edges["ali"]}) == 4

        # Twenty minutes pass and no fetch answers: buckets settle at the vendor meanwhile, but the figures held
        # were fetched before that, so nobody may call them settled - not the screen, not an alert, not /metrics,
        # not the history.
        engine.store.stale_after_seconds = 3600  # not stale yet: the alerts judge what is held
        sim_clock.advance(20 * 60)
        engine.store.domain(snap.domains[0].key)  # the clock moved: the snapshot is rebuilt
        recorder._mark(frozenset(engine.store.keys()))
        await recorder.flush()
        snap2, views2 = _views(engine, history, recorder)
        for d in snap2.domains:
            assert int(d.settled_before.timestamp()) == edges[d.account]
            assert views2[d.account] == views[d.account], d.account
            assert _newest_on_disk(history, d) == edges[d.account] - d.bucket_seconds

        # A fetch lands: the edge moves for everyone at once.
        await engine.poll_all_once()
        assert await recorder.flush() >= 4  # the store's change notices reach the recorder after a flush too
        snap3, views3 = _views(engine, history, recorder)
        for d in snap3.domains:
            v = views3[d.account]
            moved = int(d.newest_settled.timestamp())
            assert moved >= edges[d.account] + 3 * 300 and moved == v["alerts"] == v["check"] == v["metrics"]
            assert _newest_on_disk(history, d) == moved
    finally:
        recorder.close()
        await engine.stop()
        history.close()
