"""Vendor answers larger than any answer, over real HTTP: each becomes the decoded "oversized answer" on its
domain's row while every other domain keeps updating, and livetop never reads much past the cap.

The simulator's huge-answer faults (livetop.sim.huge) stream a Content-Length declared huge, a chunked body
with no length, and a gzip bomb, and count what the server got written. The bodies here are 64 MiB (four
times the cap) rather than the faults' default 4 GiB, so that a client that reads them whole (livetop before
the cap was enforced while reading) finishes and fails these tests instead of exhausting the machine.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import httpx
from conftest import load_sim_config
from test_schedule import _wait_for

from livetop.clock import SYSTEM_CLOCK
from livetop.engine import DomainKey, Engine
from livetop.engine.store import STATUS_ERROR
from livetop.http11 import HttpServer, Request, Response
from livetop.httpread import DECODED_CHUNK_BOUND, AnswerTooLarge, send_bounded
from livetop.model import VendorError
from livetop.sim.huge import FAULT_HUGE_CHUNKED, FAULT_HUGE_GZIP, FAULT_HUGE_LENGTH, HugeAnswers
from livetop.ui.error_groups import error_kind
from livetop.vendors.body import MAX_BODY_BYTES
from livetop.vendors.registry import make_provider, vendor_display

CAP = MAX_BODY_BYTES
HUGE = 64 << 20
# What the kernel may have accepted from the server beyond what livetop read before it closed the
# connection (loopback send and receive buffers autotune to a few MiB each).
SOCKET_SLACK = 16 << 20
CAP_TEXT = f"more than any answer (cap {CAP:,})"
MEANING = (
    "{} answered HTTP 200 with a body larger than any answer it sends"
    " (livetop reads at most {:,} bytes of one)."
)


def _read_figure(detail: str) -> int:
    """N of "the body passed N bytes": what livetop says it read before it stopped."""
    return int(detail.split("passed ", 1)[1].split(" bytes", 1)[0].replace(",", ""))


async def test_huge_answers_become_decoded_errors_while_other_domains_keep_updating(make_sim, tmp_path):
    faults = {
        "length.example.com": FAULT_HUGE_LENGTH,
        "chunked.example.com": FAULT_HUGE_CHUNKED,
        "bomb.example.com": FAULT_HUGE_GZIP,
    }
    healthy = ["a.example.com", "b.example.com"]
    scenario = {
        "seed": "huge", "latency_ms": 0, "latency_jitter_ms": 0, "huge_bytes": HUGE,
        "accounts": [
            {"name": "hw", "vendor": "huawei", "auth": "aksk", "project_id": "0c" * 16,
             "rate_per_second": 1000.0, "burst": 200.0,
             "domains": healthy + [{"name": n, "fault": f} for n, f in faults.items()]},
            {"name": "jd", "vendor": "jdcloud", "rate_per_second": 1000.0, "burst": 50.0,
             "domains": ["j.example.com", {"name": "jbomb.example.com", "fault": FAULT_HUGE_GZIP}]},
        ],
    }  # fmt: skip
    thread = make_sim(scenario, clock=SYSTEM_CLOCK)
    config = load_sim_config(thread.sim.write_config(tmp_path / "c.toml", timeout="30s"))
    engine = Engine(
        replace(config, refresh_seconds=0.2), clock=SYSTEM_CLOCK, stagger=False, update_seconds=0.1
    )
    await engine.start()
    try:
        keys = {name: DomainKey("hw", name) for name in [*healthy, *faults]}
        keys["j.example.com"] = DomainKey("jd", "j.example.com")
        keys["jbomb.example.com"] = DomainKey("jd", "jbomb.example.com")
        ok = [keys[n] for n in (*healthy, "j.example.com")]
        bad = [keys[n] for n in (*faults, "jbomb.example.com")]

        def settled() -> bool:
            errors = [engine.store.domain(k).error for k in bad]
            return all(e is not None and e.title == "oversized answer" for e in errors) and all(
                sum(r.ok for r in engine.store.domain(k).requests) >= 3 for k in ok
            )

        await _wait_for(settled, 60)
        for key in ok:  # the healthy domains kept updating around the huge answers
            assert engine.store.domain(key).error is None
        for key in bad:
            domain = engine.store.domain(key)
            error = domain.error
            assert domain.status == STATUS_ERROR
            assert (error.kind, error.code, error.http_status) == ("transport", "HTTP 200", 200)
            assert error.meaning == MEANING.format(vendor_display(error.vendor), CAP)
            assert CAP_TEXT in error.raw_message  # how far it read: where the vendor's words would be
        # One kind on the error panel however far each was read (the counts are in the raw message).
        assert len({error_kind("huawei", engine.store.domain(keys[n]).error) for n in faults}) == 1
        length = engine.store.domain(keys["length.example.com"]).error
        assert length.raw_message == f"the body announced {HUGE:,} bytes, {CAP_TEXT}: not read"
        for name, bound in (("chunked.example.com", 64 << 10), ("bomb.example.com", DECODED_CHUNK_BOUND),
                            ("jbomb.example.com", DECODED_CHUNK_BOUND)):  # fmt: skip
            error = engine.store.domain(keys[name]).error
            assert error.raw_message.endswith("reading stopped there")
            # It read past the cap by at most one decoded chunk, then stopped.
            assert CAP < _read_figure(error.raw_message) <= CAP + bound, error.raw_message
    finally:
        await engine.stop()
    huge = thread.sim.huge
    # What the server got written of each plain answer: up to the cap plus what the sockets buffer, never
    # the whole body; refused on its Content-Length, only what the sockets took before the connection closed.
    assert huge.answers[FAULT_HUGE_LENGTH] >= 1 and huge.answers[FAULT_HUGE_CHUNKED] >= 1
    assert huge.sent[FAULT_HUGE_LENGTH] <= huge.answers[FAULT_HUGE_LENGTH] * SOCKET_SLACK
    assert huge.sent[FAULT_HUGE_CHUNKED] <= huge.answers[FAULT_HUGE_CHUNKED] * (CAP + SOCKET_SLACK)


# --- Huawei IAM: the token call and the 401 that says whether a token expired ----------------------------


class _HostileIam:
    """A Huawei endpoint on 127.0.0.1 (livetop's own HTTP server): IAM answers `token_answer` (a huge one,
    or a good token), the Live API a huge 401."""

    def __init__(self, token_fault: str | None, live_fault: str | None = None) -> None:
        self.huge = HugeAnswers()
        self.token_fault = token_fault
        self.live_fault = live_fault
        self.server = HttpServer(self._handle)

    async def _handle(self, request: Request) -> Response:
        if request.path == "/v3/auth/tokens":
            if self.token_fault is not None:
                return self.huge.response(self.token_fault, HUGE, status=201)
            expires = (SYSTEM_CLOCK.now() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000000Z")
            body = json.dumps({"token": {"expires_at": expires}}).encode()
            return Response(201, body, headers=[("X-Subject-Token", "MIIhostile")])
        body = b'{"error_code": "APIGW.0307", "error_msg": "The token has expired."}'
        return (
            self.huge.response(self.live_fault, HUGE, status=401) if self.live_fault else Response(401, body)
        )


async def _password_fetch(make_sim, tmp_path, hostile: _HostileIam) -> VendorError:
    scenario = {"seed": "iam", "latency_ms": 0, "latency_jitter_ms": 0, "accounts": [
        {"name": "hw-pw", "vendor": "huawei", "auth": "password", "project_id": "0d" * 16,
         "domains": ["a.example.com"]}]}  # fmt: skip
    thread = make_sim(scenario, clock=SYSTEM_CLOCK)
    config = load_sim_config(thread.sim.write_config(tmp_path / "c.toml", timeout="30s"))
    await hostile.server.start()
    url = f"http://127.0.0.1:{hostile.server.port}"
    account = replace(config.accounts[0], endpoint=url, iam_endpoint=url)
    client = httpx.AsyncClient(base_url=url, timeout=30.0)
    try:
        provider = make_provider(account, client, SYSTEM_CLOCK)
        now = SYSTEM_CLOCK.now()
        try:
            await provider.fetch("a.example.com", now - timedelta(hours=1), now)
        except VendorError as exc:
            return exc
        raise AssertionError("the fetch did not fail")
    finally:
        await client.aclose()
        await hostile.server.stop()


async def test_a_huge_iam_token_answer_is_refused_like_any_answer(make_sim, tmp_path):
    for fault in (FAULT_HUGE_CHUNKED, FAULT_HUGE_GZIP):
        hostile = _HostileIam(token_fault=fault)
        error = (await _password_fetch(make_sim, tmp_path, hostile)).error
        assert (error.title, error.http_status) == ("oversized answer", 201), error
        assert CAP_TEXT in error.raw_message and "reading stopped there" in error.raw_message
        assert _read_figure(error.raw_message) <= CAP + DECODED_CHUNK_BOUND
        if fault == FAULT_HUGE_CHUNKED:
            assert hostile.huge.sent[fault] <= CAP + SOCKET_SLACK


async def test_a_huge_401_is_not_read_whole_to_learn_whether_the_token_expired(make_sim, tmp_path):
    hostile = _HostileIam(token_fault=None, live_fault=FAULT_HUGE_CHUNKED)
    error = (await _password_fetch(make_sim, tmp_path, hostile)).error
    assert (error.title, error.http_status) == ("oversized answer", 401), error
    assert "reading stopped there" in error.raw_message
    assert hostile.huge.sent[FAULT_HUGE_CHUNKED] <= hostile.huge.answers[FAULT_HUGE_CHUNKED] * (
        CAP + SOCKET_SLACK
    )


# --- the helper itself -------------------------------------------------------------------------------------


async def test_an_answer_within_the_cap_reads_as_client_request_would():
    huge = HugeAnswers()

    async def handle(request: Request) -> Response:
        if request.path == "/json":
            return Response(200, b'{"a": 1}', headers=[("X-Request-Id", "r1")])
        return huge.response(FAULT_HUGE_GZIP, 2 << 20)  # inflates to 2 MiB: within a 4 MiB cap

    server = HttpServer(handle)
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as client:
            response = await send_bounded(client, "GET", "/json", 1 << 20)
            assert (response.status_code, response.json(), response.text) == (200, {"a": 1}, '{"a": 1}')
            assert response.content == b'{"a": 1}' and response.headers["x-request-id"] == "r1"
            response = await send_bounded(client, "GET", "/gzip", 4 << 20)
            assert response.content == b" " * (2 << 20) and response.is_closed
            try:
                await send_bounded(client, "GET", "/gzip", 1 << 20)
            except AnswerTooLarge as exc:
                assert (exc.cap, exc.declared, exc.status_code) == (1 << 20, None, 200)
                assert 1 << 20 < exc.read <= (1 << 20) + DECODED_CHUNK_BOUND
            else:
                raise AssertionError("a 2 MiB answer passed a 1 MiB cap")
    finally:
        await server.stop()
