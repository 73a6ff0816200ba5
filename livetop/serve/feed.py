"""The collector's change feed: the store's changes, coalesced, encoded once, fanned out to every viewer.

A viewer that attaches first gets an `event: snapshot` holding every domain whole, then an `event: change`
per coalesced burst holding only the domains that changed, each only with what changed (livetop.serve.wire).
Both are built from the broadcaster's own copy of what it last sent, on the event loop, so a viewer that
attaches between two changes misses nothing and gets nothing twice.

The collector's alert rules run there once for everyone: their state goes out as an `event: alerts` document
(livetop.alerts.wire) when it changes, and to a viewer that attaches right after its snapshot.

A viewer too slow to keep up (its queue full) is dropped: it reconnects and starts again from a snapshot,
which costs less than holding an unbounded backlog for it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from livetop.engine.store import DomainKey, DomainSnapshot, Store
from livetop.serve.wire import WIRE_VERSION, domain_to_wire

QUEUE_LIMIT = 256  # events a viewer may fall behind before it is dropped
KEEPALIVE_SECONDS = 15.0  # a comment line this often: proxies keep the stream open, dead viewers surface


def sse(event: str, data: dict, event_id: int) -> bytes:
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return f"event: {event}\nid: {event_id}\ndata: {payload}\n\n".encode()


class Broadcaster:
    def __init__(
        self,
        store: Store,
        header: Callable[[], dict[str, Any]],
        *,
        min_interval: float = 0.25,
        settle: float = 0.03,
    ) -> None:
        self.store = store
        self._header = header  # refresh, window, stale_after: what a viewer needs besides the domains
        self.min_interval = min_interval
        self.settle = settle
        self.seq = 0
        self.sent: dict[DomainKey, DomainSnapshot] = {}  # what the viewers hold, per domain
        self._subscribers: set[asyncio.Queue[bytes | None]] = set()
        self._pending: set[DomainKey] = set()
        self._handle: asyncio.TimerHandle | None = None
        self._last = 0.0
        self._unsubscribe: Callable[[], None] | None = None
        self.events_sent = 0
        self.bytes_encoded = 0
        self.alerts_doc: dict | None = None  # the collector's alerts (livetop.alerts.wire), None: not running them

    def start(self) -> None:
        snap = self.store.snapshot()
        self.sent = dict(snap.by_key)
        self._unsubscribe = self.store.subscribe(self._on_change)

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        for queue in list(self._subscribers):
            self._drop(queue)

    @property
    def viewers(self) -> int:
        return len(self._subscribers)

    # --- changes in --------------------------------------------------------------------------------------

    def _on_change(self, keys: frozenset[DomainKey]) -> None:
        self._pending |= keys
        if self._handle is not None:
            return
        loop = asyncio.get_running_loop()
        delay = max(self.settle, self._last + self.min_interval - loop.time())
        self._handle = loop.call_later(delay, self.flush)

    def flush(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self._last = asyncio.get_running_loop().time()
        if not self._pending:
            return
        keys, self._pending = self._pending, set()
        # The snapshot (not store.domain per key) so trimming and staleness are judged once, for all.
        snap = self.store.snapshot()
        records, removed = [], []
        for key in keys:
            d = snap.by_key.get(key)
            if d is None:
                if self.sent.pop(key, None) is not None:
                    removed.append([key.account, key.domain])
                continue
            before = self.sent.get(key)
            if before is d:
                continue
            records.append(domain_to_wire(d, before, self.store.timing(key)))
            self.sent[key] = d
        if not records and not removed:
            return
        self.seq += 1
        body = {**self._header(), "domains": records, "removed": removed}
        self._publish(sse("change", body, self.seq))

    def publish_alerts(self, doc: dict) -> None:
        """The collector's alerts changed (or were evaluated): viewers get them when they differ from the last."""
        if doc == self.alerts_doc:
            return
        self.alerts_doc = doc
        self.seq += 1
        self._publish(sse("alerts", doc, self.seq))

    def _publish(self, event: bytes) -> None:
        self.events_sent += 1
        self.bytes_encoded += len(event)
        for queue in list(self._subscribers):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                self._drop(queue)

    def _drop(self, queue: asyncio.Queue[bytes | None]) -> None:
        self._subscribers.discard(queue)
        while not queue.empty():
            queue.get_nowait()
        queue.put_nowait(None)  # ends that viewer's stream

    # --- viewers out --------------------------------------------------------------------------------------

    def snapshot_event(self) -> bytes:
        """Every domain whole, as the viewers hold it now."""
        return sse("snapshot", self._whole(), self.seq)

    def _whole(self) -> dict:
        # In the store's order (the config's), so a viewer's rows come in the same order as a local livetop's.
        sent = self.sent
        timing = self.store.timing
        records = [domain_to_wire(sent[key], None, timing(key)) for key in self.store.keys() if key in sent]
        return {"wire": WIRE_VERSION, **self._header(), "domains": records, "removed": []}

    def state(self) -> dict:
        """The same as a plain JSON document (`GET /api/v1/state`, used by `snapshot --remote`)."""
        self.flush()
        return self._whole()

    async def stream(self) -> AsyncIterator[bytes]:
        """One viewer's feed: the snapshot, then every change until it is dropped or the server stops."""
        self.flush()  # whatever is pending goes to the others first: the snapshot below includes it
        queue: asyncio.Queue[bytes | None] = asyncio.Queue(QUEUE_LIMIT)
        self._subscribers.add(queue)
        try:
            yield self.snapshot_event()
            if self.alerts_doc is not None:
                yield sse("alerts", self.alerts_doc, self.seq)
            while True:
                try:
                    event = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
                except TimeoutError:
                    yield b": keep-alive\n\n"
                    continue
                if event is None:
                    return
                yield event
        finally:
            self._subscribers.discard(queue)
