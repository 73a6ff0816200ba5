"""`livetop serve`: the collector over the simulator, asked over real HTTP as Prometheus and scripts would."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from dataclasses import replace
from datetime import timedelta

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from livetop.config.load import parse_config
from livetop.config.schema import Secret, ServeConfig
from livetop.engine import Engine
from livetop.remote.sse import sse_events
from livetop.serve.auth import ServeRefused, read_token
from livetop.serve.server import Collector
from livetop.sim.data import buckets
from livetop.ui.feed import wait_for_first_data

TOKEN = "0123456789abcdef0123456789abcdef"
SCENARIO = {
    "seed": "serve-tests",
    "latency_ms": 0,
    "accounts": [
        {"name": "hw", "vendor": "huawei", "auth": "aksk", "domains": [
            {"name": "play.example.com", "label": "Main event"}, "hls.example.com",
            {"name": "gone.example.com", "fault": "not_owned"},
        ]},
        {"name": "hwpw", "vendor": "huawei", "auth": "password", "domains": ["pw.example.com"]},
        {"name": "jd", "vendor": "jdcloud", "domains": ["jd.example.com"]},
    ],
}


def expected_settled(sim, vendor: str, domain: str, start: int) -> tuple[float, float]:
    """What the vendor answers for the bucket starting at `start`, as livetop exports it (bytes/s, bytes)."""
    [row] = buckets(sim.curve(domain).rate_bps, start, start + 300, 300, start + 3600)
    if vendor == "jdcloud":  # opencdn answers Mbps and MB with two decimals
        return round(row.peak_bps / 1e6, 2) * 1e6 / 8, round(row.traffic_bytes / 1e6, 2) * 1e6
    return round(row.peak_bps) / 8, float(round(row.traffic_bytes))


def secrets_of(config) -> list[str]:
    out = []
    for account in config.accounts:
        for field in ("token", "password", "access_key", "secret_key"):
            value = getattr(account.credentials, field)
            if isinstance(value, Secret):
                out.append(value.reveal())
    return out


async def start_collector(thread, tmp_path, clock, *, token=None, host="127.0.0.1", serve=None):
    path = thread.sim.write_config(tmp_path / "c.toml", timeout="3s")
    from livetop.config.load import load_config

    config = load_config(path)
    if serve is not None:
        config = replace(config, serve=serve)
    engine = Engine(config, clock, stagger=False)
    collector = Collector(config, engine, host, 0, token, feed_interval=0.05)
    await collector.start()
    await wait_for_first_data(engine.store, 20)
    return collector


def metric_samples(text: str) -> dict[str, list]:
    out: dict[str, list] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out.setdefault(sample.name, []).append(sample)
    return out


async def test_metrics_carry_the_newest_settled_bucket_as_the_simulator_serves_it(make_sim, sim_clock, tmp_path):
    thread = make_sim(SCENARIO)
    collector = await start_collector(thread, tmp_path, sim_clock)
    try:
        async with httpx.AsyncClient(base_url=collector.url) as client:
            response = await client.get("/metrics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
        text = response.text
        samples = metric_samples(text)
        # Now is 12:00:00; the settle delay is 600 s: the newest bucket the vendor no longer revises started
        # at 11:45 (it ended at 11:50, ten minutes before the fetch).
        settled = int(sim_clock.now().timestamp()) - 900
        starts = {s.labels["domain"]: s.value for s in samples["livetop_bucket_start_timestamp_seconds"]}
        assert starts == {d: settled for d in ("play.example.com", "hls.example.com", "pw.example.com",
                                               "jd.example.com")}
        for s in samples["livetop_play_bandwidth_bytes_per_second"]:
            bw, _ = expected_settled(thread.sim, s.labels["vendor"], s.labels["domain"], settled)
            assert s.value == pytest.approx(bw, rel=1e-9), s.labels
        for s in samples["livetop_play_traffic_bytes"]:
            _, traffic = expected_settled(thread.sim, s.labels["vendor"], s.labels["domain"], settled)
            assert s.value == pytest.approx(traffic, rel=1e-9), s.labels
        play = [s for s in samples["livetop_play_bandwidth_bytes_per_second"] if s.labels["domain"] ==
                "play.example.com"][0]
        assert play.labels == {"vendor": "huawei", "account": "hw", "domain": "play.example.com",
                               "label": "Main event"}
        # The domain the vendor refuses: down, in error with its code, and no figure at all.
        up = {s.labels["domain"]: s.value for s in samples["livetop_up"]}
        assert up["gone.example.com"] == 0 and up["play.example.com"] == 1
        status = {(s.labels["domain"], s.labels["status"]): s.value for s in samples["livetop_domain_status"]}
        assert status["gone.example.com", "error"] == 1 and status["gone.example.com", "ok"] == 0
        errors = {s.labels["domain"]: s.labels["code"] for s in samples["livetop_domain_error_info"]}
        assert errors == {"gone.example.com": "LIVE.100011001"}
        assert "gone.example.com" not in starts
        codes = {(s.labels["account"], s.labels["code"]): s.value for s in samples["livetop_vendor_requests_total"]}
        assert codes["hw", "200"] >= 4 and codes["hw", "LIVE.100011001"] == 1
        renewals = {s.labels["account"]: s.value for s in samples["livetop_vendor_token_renewals_total"]}
        assert renewals == {"hwpw": 1.0}  # only the password account has tokens to renew
        assert samples["livetop_build_info"][0].value == 1
        assert "livetop_vendor_request_duration_seconds_bucket" in samples
        # HELP says the figure lags and which vendor's is a peak; no sample carries a timestamp.
        assert "lag the vendor's data by the settle delay" in text and "huawei/v1 = peak of the bucket" in text
        assert "jdcloud/opencdn = not documented by the vendor" in text
        assert all(s.timestamp is None for v in samples.values() for s in v)
        for secret in secrets_of(collector.config):
            assert secret not in text
    finally:
        await collector.stop()


async def test_a_scrape_never_calls_a_vendor(make_sim, sim_clock, tmp_path):
    thread = make_sim(SCENARIO)
    collector = await start_collector(thread, tmp_path, sim_clock)
    try:
        before = len(thread.sim.log)
        async with httpx.AsyncClient(base_url=collector.url) as client:
            for _ in range(20):
                assert (await client.get("/metrics")).status_code == 200
                assert (await client.get("/api/v1/snapshot")).status_code == 200
        assert len(thread.sim.log) == before
    finally:
        await collector.stop()


async def test_snapshot_api_is_the_snapshot_commands_json(make_sim, sim_clock, tmp_path):
    from livetop import report

    thread = make_sim(SCENARIO)
    collector = await start_collector(thread, tmp_path, sim_clock)
    try:
        async with httpx.AsyncClient(base_url=collector.url) as client:
            doc = (await client.get("/api/v1/snapshot")).json()
            health = (await client.get("/healthz")).json()
            missing = await client.get("/api/v1/nothing")
            wrong = await client.post("/api/v1/snapshot")
        assert doc == json.loads(report.to_json(collector.engine.store.snapshot()))
        assert doc["schema"] == 1 and {d["domain"] for d in doc["domains"]} >= {"play.example.com"}
        assert health["status"] == "ok" and health["domains"]["ok"] == 4
        assert missing.status_code == 404 and wrong.status_code == 405
        for secret in secrets_of(collector.config):
            assert secret not in json.dumps(doc)
    finally:
        await collector.stop()


async def test_refresh_is_forwarded_to_the_engine(make_sim, sim_clock, tmp_path):
    thread = make_sim(SCENARIO)
    collector = await start_collector(thread, tmp_path, sim_clock)
    try:
        sim_clock.advance(5)
        before = len(thread.sim.log)
        async with httpx.AsyncClient(base_url=collector.url) as client:
            one = await client.post("/api/v1/refresh", json={"account": "hw", "domain": "play.example.com"})
            unknown = await client.post("/api/v1/refresh", json={"account": "hw", "domain": "x.example.com"})
            garbage = await client.post("/api/v1/refresh", content=b"{not json")
        assert one.status_code == 202 and one.json() == {"refreshing": 1}
        assert unknown.status_code == 404 and garbage.status_code == 400
        for _ in range(6000):  # 60 s at most: the bound turns a hang into a failure
            if len(thread.sim.log) > before:
                break
            await asyncio.sleep(0.01)
        assert [e.params.get("play_domains") or e.params.get("domain") for e in thread.sim.log[before:]][:1] == [
            "play.example.com"
        ]
    finally:
        await collector.stop()


# --- security --------------------------------------------------------------------------------------------


def test_a_non_loopback_bind_needs_a_token(monkeypatch):
    config = parse_config({})
    assert read_token(config, "127.0.0.1") is None
    assert read_token(config, "::1") is None
    with pytest.raises(ServeRefused, match=r"serve\.token_env"):
        read_token(config, "0.0.0.0")
    with pytest.raises(ServeRefused, match=r"serve\.token_env"):
        read_token(config, "ops-host.example.com")
    config = parse_config({"serve": {"token_env": "LT_TEST_TOKEN"}})
    monkeypatch.delenv("LT_TEST_TOKEN", raising=False)
    with pytest.raises(ServeRefused, match="LT_TEST_TOKEN is not set"):
        read_token(config, "0.0.0.0")
    monkeypatch.setenv("LT_TEST_TOKEN", "short")
    with pytest.raises(ServeRefused, match="shorter than 16"):
        read_token(config, "0.0.0.0")
    monkeypatch.setenv("LT_TEST_TOKEN", TOKEN)
    assert read_token(config, "0.0.0.0").reveal() == TOKEN


def test_serve_refuses_a_public_bind_without_a_token_and_exits_2(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('[[accounts]]\nname = "jd"\nvendor = "jdcloud"\nusername = "u"\n'
                      'secret_key_env = "LT_NOPE"\ndomains = ["a.example.com"]\n')
    env = {**os.environ, "LT_NOPE": "x"}
    done = subprocess.run(
        [sys.executable, "-m", "livetop", "serve", "--config", str(config), "--listen", "0.0.0.0:0"],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL, env=env,
    )
    assert done.returncode == 2, done.stderr
    assert "serve.token_env" in done.stderr and "refusing to start" in done.stderr
    assert "Traceback" not in done.stderr


async def test_without_the_token_every_request_gets_401_and_nothing_else(make_sim, sim_clock, tmp_path):
    thread = make_sim(SCENARIO)
    collector = await start_collector(thread, tmp_path, sim_clock, token=Secret(TOKEN), host="0.0.0.0")
    url = f"http://127.0.0.1:{collector.http.port}"
    try:
        async with httpx.AsyncClient(base_url=url) as client:
            for path in ("/metrics", "/healthz", "/api/v1/snapshot", "/api/v1/state", "/api/v1/events",
                         "/nothing"):
                for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
                    response = await client.get(path, headers=headers)
                    assert response.status_code == 401, (path, headers)
                    assert response.content == b""
                    assert response.headers["www-authenticate"].startswith("Bearer")
            refused = await client.post("/api/v1/refresh", json={})
            assert refused.status_code == 401
            ok = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
            assert ok.status_code == 200 and "livetop_up" in ok.text
            assert TOKEN not in ok.text
    finally:
        await collector.stop()


async def test_metrics_public_opens_metrics_only(make_sim, sim_clock, tmp_path):
    thread = make_sim(SCENARIO)
    serve = ServeConfig(listen="0.0.0.0:0", token_env="X", metrics_public=True)
    collector = await start_collector(thread, tmp_path, sim_clock, token=Secret(TOKEN), host="0.0.0.0",
                                      serve=serve)
    url = f"http://127.0.0.1:{collector.http.port}"
    try:
        async with httpx.AsyncClient(base_url=url) as client:
            assert (await client.get("/metrics")).status_code == 200
            assert (await client.get("/api/v1/snapshot")).status_code == 401
            assert (await client.get("/healthz")).status_code == 401
    finally:
        await collector.stop()


def test_serve_config_is_checked_with_the_key_and_the_fix():
    from livetop.config.schema import ConfigError

    with pytest.raises(ConfigError, match=r"serve\.listen.*HOST:PORT"):
        parse_config({"serve": {"listen": "9360"}})
    with pytest.raises(ConfigError, match=r"serve\.token_env.*environment variable"):
        parse_config({"serve": {"token_env": "not a name"}})
    with pytest.raises(ConfigError, match="did you mean `metrics_public`"):
        parse_config({"serve": {"metric_public": True}})
    config = parse_config({"serve": {"listen": "[::1]:9360", "token_env": "T", "metrics_public": True},
                           "remote": "http://ops:9360", "remote_token_env": "T"})
    assert config.serve == ServeConfig("[::1]:9360", "T", True)
    assert config.remote == "http://ops:9360" and config.remote_token_env == "T"


async def next_event(events, timeout: float = 20.0) -> tuple[str, dict]:
    return await asyncio.wait_for(anext(events), timeout)


async def test_the_feed_sends_a_snapshot_then_only_what_changed(make_sim, sim_clock, tmp_path):
    thread = make_sim(SCENARIO)
    collector = await start_collector(thread, tmp_path, sim_clock)
    try:
        async with httpx.AsyncClient(base_url=collector.url, timeout=30) as client:
            async with client.stream("GET", "/api/v1/events") as response:
                assert response.headers["content-type"].startswith("text/event-stream")
                events = sse_events(response)
                kind, first = await next_event(events)
                assert kind == "snapshot" and first["wire"] == 1 and first["window_seconds"] == 3600
                whole = {d["domain"]: d for d in first["domains"]}
                assert len(whole) == 5 and len(whole["play.example.com"]["bandwidth"]["t"]) == 12
                assert whole["play.example.com"]["bandwidth"]["from"] is None
                # A minute later one domain polls again: the change names that domain only, with its newest
                # bucket(s) only, and the one new request record.
                sim_clock.advance(60)
                collector.engine.refresh(next(k for k in collector.engine.store.keys()
                                              if k.domain == "play.example.com"))
                kind, change = await next_event(events)
        assert kind == "change"
        assert [d["domain"] for d in change["domains"]] == ["play.example.com"]
        [play] = change["domains"]
        assert play["bandwidth"]["from"] is not None and 1 <= len(play["bandwidth"]["t"]) <= 3
        assert play["requests"]["whole"] is False and len(play["requests"]["add"]) == 1
        assert "errors" not in play
        for secret in secrets_of(collector.config):
            assert secret not in json.dumps(first) and secret not in json.dumps(change)
    finally:
        await collector.stop()
