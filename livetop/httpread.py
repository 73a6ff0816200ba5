"""Reading an HTTP answer without trusting its size: at most a cap of decoded bytes, then stop.

httpx's `client.request` (and `aread`) reads a whole body into memory before anyone can look at it, so a
broken or hostile server sending 2 GB, an endless chunked stream, or a small gzip bomb that inflates to GBs
takes the process's memory and event loop with it. `send_bounded` sends a request in streaming mode and
`read_bounded` reads its body: a Content-Length above the cap is refused before a byte of the body is read;
otherwise decoded chunks are counted (a gzip bomb counts inflated bytes) and reading stops, and the response
is closed, as soon as they pass the cap. Either way `AnswerTooLarge` says what happened. An answer within the
cap is read whole and behaves as `client.request`'s would: `.content`, `.headers`, `.status_code`.

One decoded chunk is what one raw chunk inflates to: httpx inflates each network read (up to 64 KiB) in one
call, and deflate reaches ~1030:1, so one read of a bomb would be ~64 MiB at once, past any cap. An encoded
answer is therefore fed to httpx's decoder in raw slices of RAW_SLICE_BYTES, bounding one decoded chunk to
about a MiB (`DECODED_CHUNK_BOUND`); an answer without Content-Encoding is read as it arrives.

A size cap does not bound time: httpx's timeout is per read, so a server sending one byte every few seconds
holds a request open for ever. `send_bounded` takes a `deadline` for the whole exchange (sending, the head,
the whole body): past it the connection is closed and `AnswerTooSlow` says how far it got. A long-lived
stream (the remote viewer's change feed) reads `decoded_chunks` itself and has no deadline.

Only gzip and deflate are decoded: httpx would also decode br and zstd when `brotli` or `zstandard` happen to
be installed, and nothing bounds what one raw slice of those inflates to. Clients reading through here send
`Accept-Encoding: ACCEPT_ENCODING`, and an answer in any other Content-Encoding is refused, closed
unread, by `EncodingRefused`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx

RAW_SLICE_BYTES = 1024
# deflate's largest expansion is 1032:1 (zlib's technical notes), for gzip and deflate alike: the most one
# raw slice can add to what has been read. httpx decodes only gzip and deflate unless brotli or zstandard
# is installed (livetop depends on neither).
DECODED_CHUNK_BOUND = 1032 * RAW_SLICE_BYTES
# What livetop asks for (clients send it explicitly: httpx's default adds br and zstd when their libraries
# are installed) and the encodings it decodes; any other Content-Encoding is refused undecoded.
ACCEPT_ENCODING = "gzip, deflate"
_DECODED = frozenset({"identity", "gzip", "deflate"})
ENCODING_SHOWN_CHARS = 40  # of a refused Content-Encoding (the header is the server's text, any length)


class AnswerTooLarge(Exception):
    """An answer past the cap: `declared` is its Content-Length when that alone refused it (nothing read),
    else `read` is the decoded bytes read when reading stopped."""

    def __init__(
        self, response: httpx.Response, cap: int, *, read: int = 0, declared: int | None = None
    ) -> None:
        super().__init__(f"answer past {cap} bytes (read {read}, declared {declared})")
        self.status_code = response.status_code
        self.headers = response.headers
        self.cap = cap
        self.read = read
        self.declared = declared


class AnswerTooSlow(Exception):
    """An answer not read whole within `deadline` seconds: after `seconds`, `read` decoded body bytes had
    arrived; `status_code` is None when not even the answer's head had."""

    def __init__(self, deadline: float, seconds: float, read: int, response: httpx.Response | None) -> None:
        super().__init__(f"answer not whole after {seconds:.1f} s (read {read}, deadline {deadline:g} s)")
        self.deadline = deadline
        self.seconds = seconds
        self.read = read
        self.status_code = response.status_code if response is not None else None
        self.headers = response.headers if response is not None else None


class EncodingRefused(Exception):
    """An answer in a Content-Encoding livetop did not ask for: refused before any of it was decoded."""

    def __init__(self, response: httpx.Response, encoding: str) -> None:
        shown = encoding[:ENCODING_SHOWN_CHARS] + ("…" if len(encoding) > ENCODING_SHOWN_CHARS else "")
        super().__init__(f"answer in an encoding livetop did not ask for: {shown}")
        self.encoding = shown
        self.status_code = response.status_code
        self.headers = response.headers


def check_encoding(response: httpx.Response) -> None:
    """Raise EncodingRefused when `response` is encoded in anything but ACCEPT_ENCODING's (or identity)."""
    value = response.headers.get("content-encoding", "").strip()
    if any(part.strip().lower() not in _DECODED for part in value.split(",") if part.strip()):
        raise EncodingRefused(response, value)


class _Progress:
    """How many decoded body bytes `read_bounded` has read so far (for AnswerTooSlow)."""

    read = 0


class _RawSlices(httpx.AsyncByteStream):
    """A response's raw stream, in slices of at most RAW_SLICE_BYTES (see the module's docstring)."""

    def __init__(self, inner: httpx.AsyncByteStream) -> None:
        self._inner = inner

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            for start in range(0, len(chunk), RAW_SLICE_BYTES):
                yield chunk[start : start + RAW_SLICE_BYTES]

    async def aclose(self) -> None:
        await self._inner.aclose()


def declared_length(response: httpx.Response) -> int | None:
    """The answer's Content-Length, or None when it has none (chunked) or an unreadable one."""
    value = response.headers.get("content-length", "").strip()
    return int(value) if value.isdigit() else None


async def decoded_chunks(response: httpx.Response) -> AsyncIterator[bytes]:
    """The decoded body of a streaming response, each chunk at most DECODED_CHUNK_BOUND bytes inflated
    from one raw slice (an unencoded chunk is as the network delivered it, at most 64 KiB). An encoding
    livetop did not ask for raises EncodingRefused before a byte is read."""
    check_encoding(response)
    if response.headers.get("content-encoding", "").strip().lower() not in ("", "identity"):
        response.stream = _RawSlices(response.stream)
    async for chunk in response.aiter_bytes():
        yield chunk


async def read_bounded(response: httpx.Response, cap: int, progress: _Progress | None = None) -> bytes:
    """The whole decoded body of a streaming `response`, if it is at most `cap` bytes; then `.content` holds
    it too. Past the cap, the response is closed unread to its end and AnswerTooLarge raised. A response
    already read (an auth flow read it) is only checked. An answer in an encoding livetop did not ask for
    is closed unread: EncodingRefused."""
    try:
        check_encoding(response)
    except EncodingRefused:
        await response.aclose()
        raise
    try:
        content = response.content
    except httpx.ResponseNotRead:
        pass
    else:
        if len(content) > cap:
            raise AnswerTooLarge(response, cap, read=len(content))
        return content
    declared = declared_length(response)
    if declared is not None and declared > cap:
        await response.aclose()
        raise AnswerTooLarge(response, cap, declared=declared)
    chunks: list[bytes] = []
    read = 0
    progress = progress or _Progress()
    try:
        async for chunk in decoded_chunks(response):
            read += len(chunk)
            progress.read = read
            if read > cap:
                chunks.clear()
                raise AnswerTooLarge(response, cap, read=read)
            chunks.append(chunk)
    finally:
        await response.aclose()  # after a refusal: drops the connection instead of reading the rest
    content = b"".join(chunks)
    # What httpx's `aread` stores: the response then reads as one `client.request` returned (httpx < 0.29
    # is pinned; tests/test_httpread.py checks `.content`, `.json()` and `.text` after a bounded read).
    response._content = content
    return content


async def send_bounded(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    cap: int,
    *,
    auth: object = httpx.USE_CLIENT_DEFAULT,
    deadline: float | None = None,
    **kwargs,
) -> httpx.Response:
    """`client.request(method, url, auth=..., **kwargs)` with its body read by `read_bounded`, the whole
    exchange within `deadline` seconds (None: no bound but the client's per-read timeout). Raises
    httpx.HTTPError as `request` does, AnswerTooLarge, AnswerTooSlow and EncodingRefused."""
    request = client.build_request(method, url, **kwargs)
    loop = asyncio.get_running_loop()
    started = loop.time()
    progress = _Progress()
    response: httpx.Response | None = None
    bound = asyncio.timeout(deadline)
    try:
        async with bound:
            response = await client.send(request, auth=auth, stream=True)
            try:
                await read_bounded(response, cap, progress)
            except BaseException:
                await response.aclose()  # closing drops the connection: nothing more is read from it
                raise
    except TimeoutError:
        if not bound.expired():
            raise
        if response is not None:
            await response.aclose()
        raise AnswerTooSlow(deadline or 0.0, loop.time() - started, progress.read, response) from None
    return response
