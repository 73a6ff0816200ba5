"""Read a server-sent event stream (the collector's change feed) from an httpx streaming response."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator

import httpx

from livetop.httpread import EncodingRefused, check_encoding, decoded_chunks

# The most a viewer reads of one collector document: the feed's snapshot event or `GET /api/v1/state`.
# Measured (bench/README.md, "A collector's state"): 1000 domains are 1.4 MB with a 1-hour window and
# 14.1 MB with a 24-hour one (288 points a metric), so 128 MiB holds 5000 domains over 24 hours (~70 MB)
# or 1000 over a week with room to spare; a runaway or hostile stream stops there.
MAX_SNAPSHOT_BYTES = 128 << 20

_LINE_END = re.compile(rb"\r\n|\r|\n")


class FeedError(Exception):
    """The stream is not a livetop feed (a proxy's error page, a cut-off event, one past the cap)."""


async def _lines(response: httpx.Response) -> AsyncIterator[bytes]:
    """The stream's lines without their endings (CRLF, LF or CR, as the SSE format allows). A line still
    unfinished past MAX_SNAPSHOT_BYTES raises FeedError before more of it is read."""
    try:
        check_encoding(response)
    except EncodingRefused as exc:
        raise FeedError(str(exc)) from None
    pending = bytearray()
    after_cr = False  # the last chunk ended in CR: a LF opening the next one belongs to it
    async for chunk in decoded_chunks(response):
        if after_cr and chunk.startswith(b"\n"):
            chunk = chunk[1:]
        after_cr = chunk.endswith(b"\r")
        *ended, rest = _LINE_END.split(chunk)
        for piece in ended:
            pending += piece
            yield bytes(pending)
            pending.clear()
        pending += rest
        if len(pending) > MAX_SNAPSHOT_BYTES:
            raise FeedError(f"an event larger than {MAX_SNAPSHOT_BYTES >> 20} MiB")
    if pending:
        yield bytes(pending)


async def sse_events(response: httpx.Response) -> AsyncIterator[tuple[str, dict]]:
    """Yield (event, data) per event; comment lines (keep-alives) are skipped. An event's data, and any one
    line (one that never ends included), is read at most MAX_SNAPSHOT_BYTES deep."""
    event = "message"
    data: list[str] = []
    size = 0
    async for raw in _lines(response):
        line = raw.decode("utf-8", errors="replace")
        if line == "":
            if data:
                try:
                    payload = json.loads("\n".join(data))
                except ValueError:
                    raise FeedError("an event that is not JSON") from None
                if not isinstance(payload, dict):
                    raise FeedError("an event that is not a JSON object")
                yield event, payload
            event, data, size = "message", [], 0
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            event = value
        elif name == "data":
            size += len(value)
            if size > MAX_SNAPSHOT_BYTES:
                raise FeedError(f"an event larger than {MAX_SNAPSHOT_BYTES >> 20} MiB")
            data.append(value)
