"""livetop asks vendors for gzip or deflate only, and refuses an answer in any other Content-Encoding before
decoding it: with `brotli` or `zstandard` installed httpx would inflate br or zstd too, and nothing bounds
what one slice of those inflates to. Over real HTTP: the simulator's `encoding_br` fault labels its body
`Content-Encoding: br`; every signed vendor's healthy domains keep answering with the header sent (none of
the signers signs Accept-Encoding, and the simulator verifies each signature)."""

from __future__ import annotations

from dataclasses import replace

from conftest import load_sim_config
from test_schedule import _wait_for

from livetop.clock import SYSTEM_CLOCK
from livetop.engine import DomainKey, Engine
from livetop.engine.store import STATUS_ERROR
from livetop.http11 import HttpServer, Request, Response
from livetop.model import VendorError
from livetop.sim.huge import FAULT_ENCODING_BR
from livetop.vendors.answer import vendor_request
from livetop.vendors.base import make_client

BR = {"name": "br.example.com", "fault": FAULT_ENCODING_BR}


async def test_an_answer_in_an_encoding_livetop_did_not_ask_for_is_refused_undecoded(make_sim, tmp_path):
    fast = {"rate_per_second": 1000.0, "burst": 100.0}
    scenario = {
        "seed": "br", "latency_ms": 0, "latency_jitter_ms": 0,
        "accounts": [
            {"name": "hw", "vendor": "huawei", "auth": "aksk", "project_id": "0c" * 16, **fast,
             "domains": ["a.example.com", BR]},
            {"name": "tc", "vendor": "tencent", **fast, "domains": ["t.example.com", BR]},
            {"name": "ali", "vendor": "alibaba", **fast, "domains": ["al.example.com"]},
            {"name": "jdo", "vendor": "jdcloud", "api": "openapi", **fast, "domains": ["jo.example.com"]},
        ],
    }  # fmt: skip
    thread = make_sim(scenario, clock=SYSTEM_CLOCK)
    config = load_sim_config(thread.sim.write_config(tmp_path / "c.toml", timeout="30s"))
    engine = Engine(replace(config, refresh_seconds=0.2), clock=SYSTEM_CLOCK, stagger=False, update_seconds=0.1)
    ok = [DomainKey(a, d) for a, d in (("hw", "a.example.com"), ("tc", "t.example.com"),
                                        ("ali", "al.example.com"), ("jdo", "jo.example.com"))]  # fmt: skip
    bad = [DomainKey("hw", BR["name"]), DomainKey("tc", BR["name"])]
    await engine.start()
    try:
        await _wait_for(
            lambda: all(engine.store.domain(k).error is not None for k in bad)
            and all(any(r.ok for r in engine.store.domain(k).requests) for k in ok),
            60,
        )
        for key in ok:  # signed with Accept-Encoding sent: the simulator accepted every signature
            assert engine.store.domain(key).error is None, engine.store.domain(key).error
        for key in bad:
            domain = engine.store.domain(key)
            error = domain.error
            assert domain.status == STATUS_ERROR
            assert (error.kind, error.code, error.http_status) == ("transport", "NET.ENCODING", 200), error
            assert error.raw_message == "answer in an encoding livetop did not ask for: br"
            assert "gzip, deflate" in error.meaning
    finally:
        await engine.stop()


async def test_vendor_clients_ask_for_gzip_and_deflate_only(make_sim, tmp_path):
    seen: list[str] = []

    async def handle(request: Request) -> Response:
        seen.append(request.headers.get("accept-encoding", ""))
        if request.path == "/zstd":  # a proxy recompressing whatever was asked for
            return Response(200, b"{}", headers=[("Content-Encoding", "gzip, zstd")])
        return Response(200, b"{}")

    thread = make_sim({"seed": "x", "accounts": [{"name": "tc", "vendor": "tencent", "domains": ["t.example.com"]}]},
                      clock=SYSTEM_CLOCK)  # fmt: skip
    config = load_sim_config(thread.sim.write_config(tmp_path / "c.toml"))
    server = HttpServer(handle)
    await server.start()
    client = make_client(replace(config.accounts[0], endpoint=f"http://127.0.0.1:{server.port}"))
    try:
        response = await vendor_request(client, "tencent", "GET", "/anything")
        assert response.json() == {}
        try:
            await vendor_request(client, "tencent", "GET", "/zstd")
        except VendorError as exc:
            assert exc.error.code == "NET.ENCODING"
            assert exc.error.raw_message == "answer in an encoding livetop did not ask for: gzip, zstd"
        else:
            raise AssertionError("a zstd answer was accepted")
    finally:
        await client.aclose()
        await server.stop()
    assert seen == ["gzip, deflate", "gzip, deflate"]
