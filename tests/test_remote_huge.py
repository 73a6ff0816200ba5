"""A collector's answers past the viewer's cap, over real HTTP: `snapshot --remote` and the change feed stop
reading at MAX_SNAPSHOT_BYTES and say so, instead of holding a runaway answer in memory.

The cap is lowered to 4 MiB here and the answers are 32 MiB, so a viewer that reads them whole (before the
cap) finishes quickly and fails these tests.
"""

from __future__ import annotations

import httpx

from livetop.http11 import HttpServer, Request, Response
from livetop.remote import sse
from livetop.remote.source import RemoteSource
from livetop.sim.huge import FAULT_HUGE_CHUNKED, FAULT_HUGE_GZIP, FAULT_HUGE_LENGTH, HugeAnswers

CAP = 4 << 20
HUGE = 32 << 20
SOCKET_SLACK = 16 << 20  # what loopback sockets may have taken beyond what the viewer read


async def _serve(huge: HugeAnswers, fault: str) -> HttpServer:
    async def handle(request: Request) -> Response:
        return huge.response(fault, HUGE)

    server = HttpServer(handle)
    await server.start()
    return server


async def test_snapshot_remote_refuses_a_state_past_the_cap(monkeypatch, capsys):
    from livetop.cli.snapshot import _remote

    monkeypatch.setattr(sse, "MAX_SNAPSHOT_BYTES", CAP)
    for fault, said in (
        (FAULT_HUGE_CHUNKED, "reading stopped there"),
        (FAULT_HUGE_GZIP, "reading stopped there"),
        (FAULT_HUGE_LENGTH, f"announced {HUGE:,} bytes"),
    ):
        huge = HugeAnswers()
        server = await _serve(huge, fault)
        try:
            assert await _remote(f"http://127.0.0.1:{server.port}", None, None, 60.0) is None
        finally:
            await server.stop()
        err = capsys.readouterr().err
        assert f"more than any answer (cap {CAP:,})" in err and said in err, err
        if fault != FAULT_HUGE_GZIP:
            assert huge.sent[fault] <= CAP + SOCKET_SLACK < HUGE


async def test_a_feed_line_that_never_ends_is_cut_at_the_cap(monkeypatch):
    monkeypatch.setattr(sse, "MAX_SNAPSHOT_BYTES", CAP)
    for fault in (FAULT_HUGE_CHUNKED, FAULT_HUGE_GZIP):
        huge = HugeAnswers()
        server = await _serve(huge, fault)  # one line, no line end: '{"data": [0,0,0,...' or spaces
        source = RemoteSource(f"http://127.0.0.1:{server.port}")
        try:
            problem = await source._follow()
        finally:
            await source.stop()
            await server.stop()
        assert problem == "not a livetop feed (an event larger than 4 MiB)"
        if fault == FAULT_HUGE_CHUNKED:  # (the bomb is on the wire whole, ~32 KiB: it is not inflated whole)
            assert huge.sent[fault] <= CAP + SOCKET_SLACK < HUGE


async def test_the_feed_still_reads_events_split_anywhere_and_any_line_end():
    # Each byte its own chunk, with CRLF, LF and CR line ends: the bounded reader splits as aiter_lines did.
    doc = b'{"a": 1}'
    wire = b": keep-alive\r\nevent: snapshot\rdata: " + doc + b"\r\n\r\nevent: change\ndata: {}\n\n"

    async def handle(request: Request) -> Response:
        async def bytewise():
            for i in range(len(wire)):
                yield wire[i : i + 1]

        return Response(200, stream=bytewise(), content_type="text/event-stream")

    server = HttpServer(handle)
    await server.start()
    try:
        async with (
            httpx.AsyncClient() as client,
            client.stream("GET", f"http://127.0.0.1:{server.port}/") as response,
        ):
            events = [event async for event in sse.sse_events(response)]
    finally:
        await server.stop()
    assert events == [("snapshot", {"a": 1}), ("change", {})]
