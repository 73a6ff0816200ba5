"""The accounts' transport (livetop/vendors/transport.py): httpx's pool on a backend whose idle-socket check
skips anyio's attribute lookup. What that check is for must still work, over real sockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
import ssl

import httpx
import pytest

from livetop.config.schema import AccountConfig, Credentials
from livetop.vendors.base import make_client
from livetop.vendors.transport import PooledTransport

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"


async def _server(close_after_answer: bool):
    """An HTTP/1.1 server answering every request with keep-alive; with `close_after_answer` it then closes
    the connection (as a server whose keep-alive timeout is shorter than the client's does)."""
    connections = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                if not head:
                    return
                writer.write(ANSWER)
                await writer.drain()
                if close_after_answer:
                    writer.close()
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            return

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}", connections


def _client(url: str) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=4, max_keepalive_connections=4, keepalive_expiry=30.0)
    return httpx.AsyncClient(base_url=url, transport=PooledTransport(verify=True, limits=limits), timeout=5)


async def test_a_connection_the_server_closed_while_idle_is_not_reused():
    # The pool learns that an idle connection was closed only through the stream's is_readable answer: were
    # it wrong (always False), the second request would go out on the dead socket and fail.
    server, url, connections = await _server(close_after_answer=True)
    async with server, _client(url) as client:
        first = await client.get("/a")
        await asyncio.sleep(0.2)  # the server's close reaches our socket
        second = await client.get("/b")
    assert (first.status_code, second.status_code) == (200, 200)
    assert len(connections) == 2


async def test_an_open_idle_connection_is_reused():
    # ... and were it wrong the other way (always True), every request would open a new connection.
    server, url, connections = await _server(close_after_answer=False)
    async with server, _client(url) as client:
        for path in ("/a", "/b", "/c"):
            assert (await client.get(path)).text == "ok"
            await asyncio.sleep(0.05)
    assert len(connections) == 1


async def test_the_stream_answers_is_readable_like_httpcore_does():
    from httpcore._utils import is_socket_readable  # httpcore's own check, as the reference

    from livetop.vendors.transport import _Backend

    closed = asyncio.Event()

    async def handle(reader, writer):
        await reader.readexactly(1)  # one byte from the client, then the server hangs up
        writer.close()
        closed.set()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    async with server:
        stream = await _Backend().connect_tcp("127.0.0.1", server.sockets[0].getsockname()[1])
        sock = stream.get_extra_info("socket")
        assert stream.get_extra_info("is_readable") is is_socket_readable(sock) is False
        await stream.write(b"x")
        await closed.wait()
        await asyncio.sleep(0.1)
        assert stream.get_extra_info("is_readable") is is_socket_readable(sock) is True
        await stream.aclose()
        # A closed socket reads as readable, as httpcore's does.
        assert stream.get_extra_info("is_readable") is True


@pytest.mark.parametrize("verify", [True, False])
def test_make_client_keeps_the_accounts_tls_setting(verify):
    account = AccountConfig(
        name="a", vendor="huawei", endpoint="https://live.example.com", auth="token",
        credentials=Credentials(), verify_tls=verify,
    )  # fmt: skip
    client = make_client(account, max_connections=3)
    transport = client._transport
    assert isinstance(transport, PooledTransport)
    context = transport._pool._ssl_context
    assert context.verify_mode == (ssl.CERT_REQUIRED if verify else ssl.CERT_NONE)
    assert context.check_hostname is verify
    assert transport._pool._max_connections == 3
