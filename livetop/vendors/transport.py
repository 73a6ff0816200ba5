"""The account client's transport: httpx's own, on a network backend that answers httpcore's "is this idle
socket readable?" without rebuilding the socket's attributes each time.

httpcore's connection pool re-examines every pooled connection whenever a request starts or ends, and for
each idle one asks its stream `get_extra_info("is_readable")` (has the server closed it?). Its anyio stream
answers by looking the raw socket up through anyio's typed attributes, which build a fresh dict of lambdas
and call getpeername() (a system call) on every lookup, before the poll() that is the actual check. With 16
connections that bookkeeping was the largest single cost of a vendor request in livetop's engine, more than
livetop's own work (bench/README.md, "Polling cost"; an upstream issue: encode/httpcore#928, #1035). The
stream here keeps the raw socket it was opened on and polls it directly: the same check on the same socket
(a TLS stream reads the socket under it, as httpcore's does), without the lookup.

Only public httpcore API is used (`AsyncConnectionPool(network_backend=...)`, `AnyIOBackend`,
`AsyncNetworkStream`); the pool replaces the one `httpx.AsyncHTTPTransport` built, so httpx keeps mapping
httpcore's exceptions to its own (timeouts, connect errors) as before.
"""

from __future__ import annotations

import select
import socket
import ssl
import typing

import httpcore
import httpx


def _readable(sock: socket.socket | None) -> bool:
    """httpcore's check (httpcore._utils.is_socket_readable): would a read return at once? A socket that is
    gone counts as readable, as its next read would return the end of the stream."""
    fd = -1 if sock is None else sock.fileno()
    if fd < 0:
        return True
    if not hasattr(select, "poll"):  # not on Linux: select, as httpcore does
        ready, _, _ = select.select([fd], [], [], 0)
        return bool(ready)
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


class _Stream(httpcore.AsyncNetworkStream):
    """httpcore's anyio stream, with its raw socket kept for the pool's readability check."""

    __slots__ = ("_inner", "_socket")

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self._socket = inner.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> typing.Any:
        if info == "is_readable":
            return _readable(self._socket)
        return self._inner.get_extra_info(info)


class _Backend(httpcore.AsyncNetworkBackend):
    """httpcore's anyio backend (what it picks under asyncio), handing out `_Stream`s."""

    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(self, *args, **kwargs) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.connect_tcp(*args, **kwargs))

    async def connect_unix_socket(self, *args, **kwargs) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.connect_unix_socket(*args, **kwargs))

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class PooledTransport(httpx.AsyncHTTPTransport):
    """`httpx.AsyncHTTPTransport(verify=..., limits=..., trust_env=False)` on the backend above."""

    def __init__(self, *, verify: bool, limits: httpx.Limits) -> None:
        ssl_context = httpx.create_ssl_context(verify=verify, trust_env=False)
        super().__init__(verify=ssl_context, limits=limits, trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_Backend(),
        )
