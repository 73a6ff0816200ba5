"""Read a server-sent event stream (the collector's change feed) from an httpx streaming response."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx

MAX_EVENT_BYTES = 64 << 20  # a whole snapshot of thousands of domains fits; a runaway stream does not


class FeedError(Exception):
    """The stream is not a livetop feed (a proxy's error page, a cut-off event)."""


async def sse_events(response: httpx.Response) -> AsyncIterator[tuple[str, dict]]:
    """Yield (event, data) per event; comment lines (keep-alives) are skipped."""
    event = "message"
    data: list[str] = []
    size = 0
    async for line in response.aiter_lines():
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
            if size > MAX_EVENT_BYTES:
                raise FeedError("an event larger than 64 MB")
            data.append(value)
