"""A small HTTP/1.1 server on asyncio streams, parsed by h11, with keep-alive and streamed responses.

It knows nothing about vendors or livetop: each complete request goes to an async handler that returns a
`Response`. The simulator serves vendor APIs with it and `livetop serve` the collector's endpoints (a
response with a `stream` is sent chunked as it is produced: the server-sent change feed). Connection tasks are
tracked so `stop()` can end requests that are held open (the simulator's "timeout" fault, a feed).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

import h11

MAX_BODY_BYTES = 1 << 20  # vendor requests are tiny; refuse anything bigger rather than buffer it
READ_CHUNK = 65536


@dataclass(slots=True)
class Request:
    method: str
    target: str  # as sent: path plus raw query string
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "
    body: bytes

    @property
    def path(self) -> str:
        return self.target.partition("?")[0]

    @property
    def raw_query(self) -> str:
        return self.target.partition("?")[2]

    def query_pairs(self) -> list[tuple[str, str]]:
        return parse_qsl(self.raw_query, keep_blank_values=True)


@dataclass(slots=True)
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json;charset=UTF-8"
    headers: list[tuple[str, str]] = field(default_factory=list)
    # Sent after `body`, chunk by chunk as it yields, with no Content-Length; the connection ends with it.
    stream: AsyncIterator[bytes] | None = None
    # A stream's Content-Length, when it declares one (the simulator's huge answers): sent as is.
    length: int | None = None


def json_response(status: int, payload: object, headers: list[tuple[str, str]] | None = None) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(status, body, headers=list(headers or []))


Handler = Callable[[Request], Awaitable[Response]]


class HttpServer:
    def __init__(
        self, handler: Handler, host: str = "127.0.0.1", port: int = 0, server_name: str = "livetop-sim"
    ) -> None:
        self._handler = handler
        self.host = host
        self.port = port
        self.server_name = server_name
        self._server: asyncio.base_events.Server | None = None
        self._connections: set[asyncio.Task] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._on_connect, self.host, self.port, backlog=1024)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is None:
            return
        self._server.close()
        while self._connections:
            pending = list(self._connections)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        await self._server.wait_closed()
        self._server = None

    async def _on_connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            await self._serve(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client went away; nothing to answer
        except asyncio.CancelledError:
            pass  # stop() ends held connections; re-raising would make asyncio log an error
        finally:
            self._connections.discard(task)
            writer.close()  # not awaited: a cancelled task must finish without blocking again

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = h11.Connection(h11.SERVER)
        while True:
            try:
                request = await self._read_request(conn, reader)
            except h11.RemoteProtocolError as exc:
                if conn.our_state in (h11.IDLE, h11.SEND_RESPONSE):
                    status = exc.error_status_hint
                    await self._send(
                        conn, writer, Response(status, b"bad request\n", "text/plain"), close=True
                    )
                return
            if request is None:
                return
            response = await self._handler(request)
            await self._send(conn, writer, response)
            if response.stream is not None:
                return  # a stream ends its connection
            if conn.our_state is h11.MUST_CLOSE or conn.their_state is h11.MUST_CLOSE:
                return
            try:
                conn.start_next_cycle()
            except h11.LocalProtocolError:
                return

    async def _read_request(self, conn: h11.Connection, reader: asyncio.StreamReader) -> Request | None:
        head: h11.Request | None = None
        body = bytearray()
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                data = await reader.read(READ_CHUNK)
                conn.receive_data(data)  # b"" tells h11 the peer closed
                continue
            if isinstance(event, h11.Request):
                head = event
            elif isinstance(event, h11.Data):
                body += event.data
                if len(body) > MAX_BODY_BYTES:
                    raise h11.RemoteProtocolError("request body too large", error_status_hint=413)
            elif isinstance(event, h11.EndOfMessage):
                assert head is not None
                headers: dict[str, str] = {}
                for name, value in head.headers:
                    key = name.decode("latin-1").lower()
                    text = value.decode("latin-1")
                    headers[key] = f"{headers[key]}, {text}" if key in headers else text
                return Request(
                    head.method.decode("ascii"), head.target.decode("latin-1"), headers, bytes(body)
                )
            elif isinstance(event, (h11.ConnectionClosed, h11.PAUSED)):
                return None

    async def _send(
        self, conn: h11.Connection, writer: asyncio.StreamWriter, response: Response, close: bool = False
    ) -> None:
        headers = [("Content-Type", response.content_type), ("Server", self.server_name), *response.headers]
        if response.stream is None:
            headers.append(("Content-Length", str(len(response.body))))
        else:
            headers.append(("Cache-Control", "no-store"))
            if response.length is not None:
                headers.append(("Content-Length", str(response.length)))
            close = True
        if close:
            headers.append(("Connection", "close"))
        data = conn.send(h11.Response(status_code=response.status, headers=headers))
        data += conn.send(h11.Data(data=response.body)) if response.body else b""
        if response.stream is not None:
            writer.write(data)
            await writer.drain()
            try:
                async for chunk in response.stream:
                    if chunk:
                        writer.write(conn.send(h11.Data(data=chunk)))
                        await writer.drain()
            finally:
                aclose = getattr(response.stream, "aclose", None)
                if aclose is not None:
                    await aclose()
            data = b""
        data += conn.send(h11.EndOfMessage())
        writer.write(data)
        await writer.drain()
