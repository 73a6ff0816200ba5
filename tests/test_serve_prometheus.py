"""A real Prometheus (the Debian package) scrapes a real `livetop serve` polling the simulator; its query API
must return the simulator's figures for the newest settled bucket."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from livetop.clock import SYSTEM_CLOCK
from tests.test_serve import expected_settled
from tests.test_serve_examples import tool

SCENARIO = {
    "seed": "prometheus-tests",
    "latency_ms": 0,
    "accounts": [
        {"name": "hw", "vendor": "huawei", "auth": "aksk",
         "domains": [{"name": "play.example.com", "label": "Main event"}, "hls.example.com"]},
        {"name": "jd", "vendor": "jdcloud", "domains": ["jd.example.com"]},
    ],
}
DEADLINE_SECONDS = 90


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_serve(config: Path, log: Path, env: dict | None = None) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "livetop", "serve", "--config", str(config), "--listen", "127.0.0.1:0"],
        stdout=subprocess.PIPE, stderr=log.open("wb"), stdin=subprocess.DEVNULL, text=True, env=env,
    )
    line = proc.stdout.readline()  # "listening on URL", once bound
    assert line.startswith("listening on "), log.read_text()
    return proc, line.removeprefix("listening on ").strip()


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class NotReady(Exception):
    """Prometheus answers, but not its query API yet (503 "Service Unavailable" while it starts)."""


def query(client: httpx.Client, expr: str, at: float) -> list[dict]:
    response = client.get("/api/v1/query", params={"query": expr, "time": f"{at:.3f}"})
    if response.status_code == 503:
        raise NotReady(response.text[:200])
    body = response.json()
    assert body["status"] == "success", body
    return body["data"]["result"]


def test_prometheus_scrapes_the_settled_figures_of_the_simulator(make_sim, tmp_path):
    prometheus = tool("prometheus")
    thread = make_sim(SCENARIO, clock=SYSTEM_CLOCK)
    config = thread.sim.write_config(tmp_path / "livetop.toml", timeout="3s")
    serve, url = start_serve(config, tmp_path / "serve.log")
    port = free_port()
    (tmp_path / "prometheus.yml").write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        "scrape_configs:\n"
        "  - job_name: livetop\n"
        "    static_configs: [{targets: ['" + url.removeprefix("http://") + "']}]\n"
    )
    prom = subprocess.Popen(
        [prometheus, f"--config.file={tmp_path / 'prometheus.yml'}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
         f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
        stdout=subprocess.DEVNULL, stderr=(tmp_path / "prometheus.log").open("wb"), stdin=subprocess.DEVNULL,
        cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + DEADLINE_SECONDS
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            while True:
                assert time.monotonic() < deadline, (tmp_path / "prometheus.log").read_text()[-2000:]
                assert prom.poll() is None, (tmp_path / "prometheus.log").read_text()[-2000:]
                assert serve.poll() is None, (tmp_path / "serve.log").read_text()[-2000:]
                try:
                    at = time.time()
                    bandwidth = query(client, "livetop_play_bandwidth_bytes_per_second", at)
                except (httpx.TransportError, NotReady):
                    bandwidth = []  # Prometheus still starting
                if len(bandwidth) == 3:
                    break
                time.sleep(0.5)
            # One evaluation time for every query: all from the same scrape.
            starts = {r["metric"]["domain"]: float(r["value"][1])
                      for r in query(client, "livetop_bucket_start_timestamp_seconds", at)}
            traffic = {r["metric"]["domain"]: float(r["value"][1])
                       for r in query(client, "livetop_play_traffic_bytes", at)}
            up = query(client, 'up{job="livetop"}', at)
            mean_up = query(client, "livetop_up", at)
        assert [r["value"][1] for r in up] == ["1"]
        assert {r["metric"]["domain"]: r["value"][1] for r in mean_up} == {
            "play.example.com": "1", "hls.example.com": "1", "jd.example.com": "1"}
        for r in bandwidth:
            labels = r["metric"]
            domain, vendor = labels["domain"], labels["vendor"]
            start = int(starts[domain])
            # The newest settled bucket: ended at least the settle delay (600 s) before now, and not older
            # than one bucket more than that (the collector fetched within the last few seconds).
            assert at - 900 - 300 - 60 <= start <= at - 900, (domain, start, at)
            bw, tr = expected_settled(thread.sim, vendor, domain, start)
            assert float(r["value"][1]) == pytest.approx(bw, rel=1e-9), domain
            assert traffic[domain] == pytest.approx(tr, rel=1e-9), domain
            assert labels["account"] == ("jd" if vendor == "jdcloud" else "hw")
            assert labels.get("label", "") == ("Main event" if domain == "play.example.com" else "")
            assert labels["job"] == "livetop"
    finally:
        stop(prom)
        stop(serve)
