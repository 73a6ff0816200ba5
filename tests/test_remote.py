"""Viewers of a collector: the mirror fed by the change feed holds what the collector's store holds; a collector
that goes away turns every row stale and the viewer reconnects by itself; `snapshot --remote` prints what a
local snapshot prints."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import pytest

from livetop import report
from livetop.clock import SYSTEM_CLOCK
from livetop.config.schema import Secret
from livetop.engine import Engine
from livetop.engine.store import STATUS_STALE
from livetop.remote.source import RemoteSource
from livetop.serve.server import Collector
from tests.test_serve import SCENARIO, TOKEN, start_collector
from tests.test_serve_prometheus import start_serve, stop


async def until(predicate, what: str, timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def same_domains(a, b) -> None:
    """Every figure the screens read is equal (the snapshot's own version counters aside)."""
    assert [d.key for d in a.domains] == [d.key for d in b.domains]
    for x, y in zip(a.domains, b.domains):
        for field in ("vendor", "label", "status", "bandwidth_now", "bandwidth_prev", "peak_bps", "peak_at",
                      "p95_bps", "mean_bps", "traffic_bytes", "last_bucket", "updated_at", "error",
                      "error_since", "halted", "errors", "requests", "notices"):
            assert getattr(x, field) == getattr(y, field), (x.key, field)
        assert list(x.bandwidth) == list(y.bandwidth) and list(x.traffic) == list(y.traffic), x.key
    assert report.to_json(a) == report.to_json(b)


def equal(a, b) -> bool:
    try:
        same_domains(a, b)
    except AssertionError:
        return False
    return True


async def test_the_mirror_holds_what_the_collector_holds_as_it_changes(make_sim, sim_clock, tmp_path):
    thread = make_sim(SCENARIO)
    collector = await start_collector(thread, tmp_path, sim_clock)
    source = RemoteSource(collector.url, clock=sim_clock)
    try:
        await source.start()
        assert await source.wait_connected(20)
        store = collector.engine.store
        await until(lambda: source.store.version and collector.feed.sent == dict(store.snapshot().by_key),
                    "the feed to catch up")
        same_domains(source.store.snapshot(), store.snapshot())
        # Time passes, every domain polls again: the changes alone keep the mirror equal.
        for _ in range(3):
            sim_clock.advance(120)
            polls = thread.sim.log.maxlen and len(thread.sim.log)
            collector.engine.refresh(None)
            await until(lambda: len(thread.sim.log) >= polls + 5, "the polls")
            await until(lambda: collector.feed.sent == dict(store.snapshot().by_key) and not collector.feed._pending,
                        "the feed to send them")
            await until(lambda: equal(source.store.snapshot(), store.snapshot()), "the viewer to get them")
            same_domains(source.store.snapshot(), store.snapshot())
        said = source.status()
        assert (said.text, said.role, said.heard) == (f"⇄ {collector.url.split('://')[1]}", "dim", True)
    finally:
        await source.stop()
        await collector.stop()


async def test_a_collector_that_goes_away_shows_stale_and_the_viewer_reconnects(make_sim, sim_clock, tmp_path):
    thread = make_sim(SCENARIO)
    collector = await start_collector(thread, tmp_path, sim_clock)
    port = collector.http.port
    source = RemoteSource(collector.url, clock=sim_clock)
    try:
        await source.start()
        assert await source.wait_connected(20)
        assert {d.status for d in source.store.snapshot().domains} == {"ok", "error"}
        changed = []
        source.store.subscribe(lambda keys: changed.append(keys))
        await collector.stop()
        await until(lambda: not source.connected, "the viewer to notice")
        # Every row, however fresh its data, reads stale; the screen is told about every row at once.
        assert {d.status for d in source.store.snapshot().domains} == {STATUS_STALE}
        assert len(changed[-1]) == 5
        await until(lambda: source.retry_at is not None, "a retry to be planned")
        said = source.status()
        assert said.role == "error" and "gone (" in said.text and "reconnecting in" in said.text
        # The collector is back on the same address: the viewer attaches again by itself.
        engine = Engine(collector.config, sim_clock, stagger=False)
        again = Collector(collector.config, engine, "127.0.0.1", port, feed_interval=0.05)
        await again.start()
        try:
            await until(lambda: source.connected, "the viewer to reconnect", timeout=30)
            await until(lambda: any(d.status == "ok" for d in source.store.snapshot().domains), "fresh rows")
            assert source.connects == 2
        finally:
            await again.stop()
    finally:
        await source.stop()


async def test_a_viewer_without_the_token_is_told_so(make_sim, sim_clock, tmp_path):
    thread = make_sim(SCENARIO)
    collector = await start_collector(thread, tmp_path, sim_clock, token=Secret(TOKEN))
    bad = RemoteSource(collector.url, clock=sim_clock)
    good = RemoteSource(collector.url, Secret(TOKEN), clock=sim_clock)
    try:
        await bad.start()
        await good.start()
        assert await good.wait_connected(20)
        await until(lambda: bad.retry_at is not None, "the refusal")
        said = bad.status()
        assert "wants a token" in said.text and not bad.connected
        assert TOKEN not in f"{said.text} {said.shorter} {said.note}"
        assert said.note.startswith(f"no data from the collector at {bad.where}: the collector wants a token")
    finally:
        await bad.stop()
        await good.stop()
        await collector.stop()


async def test_refresh_and_zoom_from_a_viewer(make_sim, sim_clock, tmp_path):
    thread = make_sim(SCENARIO)
    collector = await start_collector(thread, tmp_path, sim_clock)
    source = RemoteSource(collector.url, clock=sim_clock)
    said = []
    source.on_message = lambda text, severity: said.append((text, severity))
    try:
        await source.start()
        assert await source.wait_connected(20)
        before = len(thread.sim.log)
        key = next(k for k in source.store.keys() if k.domain == "play.example.com")
        source.refresh(key)
        await until(lambda: len(thread.sim.log) > before, "the forwarded refresh")
        assert said == []
        # Longer than the collector keeps: refused, with where to change it.
        message = source.set_window(24 * 3600)
        assert message is not None and "collector keeps 1h" in message and "window" in message
        assert source.set_window(1800) is None and source.store.window_seconds == 1800
        assert max(len(d.bandwidth) for d in source.store.snapshot().domains) == 6
        # Back out to the collector's hour: the viewer re-reads it all.
        assert source.set_window(3600) is None
        await until(lambda: max(len(d.bandwidth) for d in source.store.snapshot().domains) == 12, "the refill")
    finally:
        await source.stop()
        await collector.stop()


def test_snapshot_remote_prints_what_the_collector_holds(make_sim, tmp_path):
    thread = make_sim(SCENARIO, clock=SYSTEM_CLOCK)
    config = thread.sim.write_config(tmp_path / "livetop.toml", timeout="3s")
    env = {**os.environ, "LT_TEAM_TOKEN": TOKEN}
    config.write_text(config.read_text() + '\n[serve]\ntoken_env = "LT_TEAM_TOKEN"\n')
    serve, url = start_serve(config, tmp_path / "serve.log", env=env)
    try:
        import httpx

        headers = {"Authorization": f"Bearer {TOKEN}"}
        for _ in range(600):  # 60 s at most
            health = httpx.get(f"{url}/healthz", headers=headers).json()
            if "loading" not in health["domains"]:
                break
            import time

            time.sleep(0.1)

        def snapshot(*args: str, token: str | None = TOKEN) -> subprocess.CompletedProcess:
            env2 = {k: v for k, v in os.environ.items() if k != "LIVETOP_TOKEN"}
            if token is not None:
                env2["LIVETOP_TOKEN"] = token
            return subprocess.run(
                [sys.executable, "-m", "livetop", "snapshot", "--remote", url, *args],
                capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL, env=env2,
            )

        done = snapshot("--format", "json")
        direct = httpx.get(f"{url}/api/v1/snapshot", headers=headers).json()
        assert done.returncode == 1, done.stderr  # gone.example.com fails, as a local snapshot would say
        assert "1 of 5 domains failed" in done.stderr
        doc = json.loads(done.stdout)
        for d in (doc, direct):
            d.pop("taken_at")
        assert doc == direct
        table = snapshot()
        assert "play.example.com" in table.stdout or "Main event" in table.stdout
        refused = snapshot(token=None)
        assert refused.returncode == 1 and "wants a token" in refused.stderr and "Traceback" not in refused.stderr
        nowhere = subprocess.run(
            [sys.executable, "-m", "livetop", "snapshot", "--remote", "http://127.0.0.1:9"],
            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
        )
        assert nowhere.returncode == 1 and "connection refused" in nowhere.stderr
        assert TOKEN not in done.stdout + done.stderr + table.stdout + refused.stderr
    finally:
        stop(serve)
