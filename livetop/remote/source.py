"""A collector as a data source: what the TUI and `snapshot` need of an engine, fed by `livetop serve`.

It keeps one streaming request open on the collector's change feed and applies each event to a MirrorStore.
When the collector goes away (the stream ends, the connection is refused, nothing arrives for three keep-alive
periods) every row turns stale and it reconnects by itself, backing off to at most RECONNECT_MAX_SECONDS,
with the time of the next try there for the screen's countdown. Until the collector's first snapshot the
viewer knows nothing of its domains: `status()` says it waits for the collector, or why it cannot reach it.
Actions that would call vendors are forwarded: `r` becomes `POST /api/v1/refresh`; a zoom within the
collector's window is cut locally (a zoom back out re-reads the feed's snapshot), and one beyond it is refused
with a message saying where the window is set.
The collector's alerts (`event: alerts`) fill `alerts` (livetop.remote.alerts): the collector runs the rules.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from livetop import __version__
from livetop.httpread import ACCEPT_ENCODING
from livetop.clock import SYSTEM_CLOCK, Clock
from livetop.config.schema import Secret
from livetop.engine.store import DomainKey
from livetop.model import format_window
from livetop.remote.alerts import RemoteAlerts
from livetop.remote.mirror import MirrorStore
from livetop.remote.sse import FeedError, sse_events

RECONNECT_MAX_SECONDS = 10.0
READ_TIMEOUT_SECONDS = 50.0  # the feed sends a keep-alive every 15 s: silence this long means it is gone

Notify = Callable[[str, str], None]  # (message, severity: "information" | "warning" | "error")


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """What the screen says of the collector: a part of the status line and, while the overview has no domain
    to show, its line there. Read by the UI (which duck-types it); no Textual here."""

    text: str  # the status line's part, whole
    role: str  # "dim" (all well) | "warning" | "error"
    shorter: tuple[str, ...] = ()  # the same in fewer cells, longest first, for a narrow line
    note: str = ""  # the overview's line while it shows no domain (none yet, or the collector watches none)
    heard: bool = True  # the collector has said which domains it watches (its first snapshot came)
    live: bool = True  # its feed is up: the figures, and how often the collector polls, are current


def describe(exc: BaseException) -> str:
    """A transport failure in a few words (never a URL with credentials: we put none in it)."""
    if isinstance(exc, httpx.ConnectError):
        cause: BaseException | None = exc
        while cause is not None:
            if isinstance(cause, ConnectionRefusedError) or "refused" in str(cause).lower():
                return "connection refused"
            cause = cause.__cause__ or cause.__context__
        return f"cannot connect ({str(exc)[:80] or 'no route'})"
    if isinstance(exc, httpx.TimeoutException):
        return "no answer (timed out)"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the connection was cut"
    if isinstance(exc, FeedError):
        return f"not a livetop feed ({exc})"
    return type(exc).__name__


class RemoteSource:
    """Engine-like: `store`, `refresh_seconds`, `start`, `stop`, `refresh`, `set_window`; and `status()` for
    the screen (a local engine has none: the UI asks with getattr)."""

    fetches_on_zoom = False  # a zoom never waits for a vendor backfill here

    def __init__(
        self,
        url: str,
        token: Secret | None = None,
        clock: Clock = SYSTEM_CLOCK,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        split = urlsplit(self.url)
        # Where the screen says the data comes from: host, port and path, never a user:password@ part.
        self.where = split.netloc.rpartition("@")[2] + split.path
        self.token = token
        self.store = MirrorStore(clock)
        self.alerts = RemoteAlerts(self)  # the collector's alerts, as its feed says them
        self.on_message: Notify | None = None
        self.problem = "connecting"
        self.retry_at: float | None = None  # loop time of the next attempt while the collector is away
        self.connects = 0
        self.heard = False  # a snapshot came at least once: the collector said which domains it watches
        self._answered = False  # the last finished attempt got an HTTP answer (a refusal, or a feed)
        self._awaiting_snapshot = False  # the feed is open, its first event (the snapshot) not in yet
        self.events = 0
        self.bytes_received = 0
        self._connected = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._transport = transport
        self._client: httpx.AsyncClient | None = None

    @property
    def refresh_seconds(self) -> float:
        return self.store.refresh_seconds

    @property
    def connected(self) -> bool:
        return self.store.connected

    def _headers(self) -> dict[str, str]:
        headers = {"User-Agent": f"livetop/{__version__}", "Accept-Encoding": ACCEPT_ENCODING}
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token.reveal()}"
        return headers

    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                base_url=self.url,
                headers=self._headers(),
                timeout=httpx.Timeout(10.0, read=READ_TIMEOUT_SECONDS),
                transport=self._transport,
                trust_env=False,
                follow_redirects=False,
            )
        return self._client

    # --- lifecycle -----------------------------------------------------------------------------------------

    async def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name=f"feed {self.url}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def wait_connected(self, timeout: float) -> bool:
        try:
            await asyncio.wait_for(self._connected.wait(), timeout)
            return True
        except TimeoutError:
            return False

    async def _run(self) -> None:
        attempt = 0
        loop = asyncio.get_running_loop()
        while True:
            self.retry_at = None
            problem = await self._follow()
            if self.store.connected:
                attempt = 0
            self.problem = problem
            self.store.set_connected(False)
            self.alerts.disconnected()
            self._connected.clear()
            delay = min(RECONNECT_MAX_SECONDS, 0.5 * 2**attempt)
            attempt += 1
            self.retry_at = loop.time() + delay
            await asyncio.sleep(delay)

    async def _follow(self) -> str:
        """Follow the feed until it ends; return why it ended."""
        answered = False
        try:
            async with self.client().stream("GET", "/api/v1/events") as response:
                answered = True
                if response.status_code == 401:
                    return "the collector wants a token (remote_token_env in the config, or $LIVETOP_TOKEN)"
                if response.status_code != 200:
                    return f"the collector answered HTTP {response.status_code}"
                self.connects += 1
                self._awaiting_snapshot = True
                base = self.bytes_received
                async for event, body in sse_events(response):
                    self.events += 1
                    self.bytes_received = base + response.num_bytes_downloaded
                    if event == "snapshot":
                        self.store.apply(body, whole=True)
                        self.problem = ""
                        self.heard = True
                        self._awaiting_snapshot = False
                        self.store.set_connected(True)
                        self._connected.set()
                    elif event == "change":
                        self.store.apply(body, whole=False)
                    elif event == "alerts":
                        self.alerts.apply(body, self.store.clock.now())
                return "the collector closed the feed"
        except (httpx.HTTPError, FeedError, OSError) as exc:
            return describe(exc)
        except (KeyError, TypeError, ValueError) as exc:
            return f"not a livetop feed ({type(exc).__name__})"
        finally:
            self._awaiting_snapshot = False
            self._answered = answered

    def status(self) -> SourceStatus:
        """Where the data comes from, or why it does not and when the next try is. Until the collector's first
        snapshot the viewer knows nothing of its domains: it says it is waiting, or that the collector is out
        of reach, never "no domains watched" (that only when the collector said so)."""
        where = self.where
        if self.store.connected:
            return SourceStatus(f"⇄ {where}", "dim", note=f"no domains watched by the collector at {where}")
        heard = self.heard
        if self._awaiting_snapshot:
            text = f"⇄ {where}: connected, waiting for its first snapshot…"
            short = "⇄ waiting for a snapshot…"
            note = f"connected to the collector at {where}, waiting for its first snapshot…"
            return SourceStatus(text, "warning", (short,), note, heard, live=False)
        problem = self.problem
        if problem in ("", "connecting"):  # the first attempt (or one after the window grew) under way
            if heard:
                text, short = f"⇄ {where}: reconnecting…, data stale", "⇄ reconnecting…, stale"
                note = f"reconnecting to the collector at {where}… (it watched no domains)"
            else:
                text, short = f"⇄ {where}: connecting…", "⇄ connecting…"
                note = f"waiting for the collector at {where}…"
            return SourceStatus(text, "warning", (short,), note, heard, live=False)
        # The last attempt failed: its reason stays on screen through the next one, with when that is.
        if self.retry_at is None:
            when = "now"
        else:
            when = f"in {max(0, math.ceil(self.retry_at - asyncio.get_running_loop().time()))}s"
        if heard:  # the rows it sent stay, stale
            text = f"⇄ {where} gone ({problem}): data stale, reconnecting {when}"
            shorter: tuple[str, ...] = (
                f"⇄ {where} gone ({problem}): retry {when}",
                f"⇄ gone ({problem}): stale, retry {when}",
                f"⇄ gone: stale, retry {when}",
            )
            note = f"collector at {where} gone ({problem}), retrying; it watched no domains"
        elif self._answered:  # it answered, but not with a feed (a token wanted, an HTTP error, not livetop)
            text = f"⇄ {where}: {problem}; retrying {when}"
            shorter = (f"⇄ {problem}; retry {when}", f"⇄ no feed, retry {when}")
            note = f"no data from the collector at {where}: {problem}; retrying"
        else:
            text = f"⇄ {where} unreachable ({problem}): retrying {when}"
            shorter = (f"⇄ unreachable ({problem}): retry {when}", f"⇄ unreachable, retry {when}")
            note = f"collector at {where} unreachable ({problem}), retrying"
        return SourceStatus(text, "error", shorter, note, heard, live=False)

    # --- actions ------------------------------------------------------------------------------------------

    def _say(self, message: str, severity: str = "information") -> None:
        if self.on_message is not None:
            self.on_message(message, severity)

    def refresh(self, key: DomainKey | None = None) -> None:
        """Ask the collector to poll now (its own pacing applies: other viewers share the account's limit)."""
        asyncio.get_running_loop().create_task(self._refresh(key))

    async def _refresh(self, key: DomainKey | None) -> None:
        body = {} if key is None else {"account": key.account, "domain": key.domain}
        try:
            # Only the status matters: the answer's body is never read (a broken one could be any size).
            async with self.client().stream("POST", "/api/v1/refresh", json=body) as response:
                status = response.status_code
        except httpx.HTTPError as exc:
            self._say(f"refresh not sent: the collector is unreachable ({describe(exc)})", "error")
            return
        if status == 202:
            return
        reason = {401: "it wants a token", 403: "it refuses refreshes", 404: "it does not watch that domain"}
        why = reason.get(status, f"HTTP {status}")
        self._say(f"the collector refused the refresh: {why}", "warning")

    def set_window(self, seconds: int) -> str | None:
        """Show `seconds` of history; a message instead when the collector keeps less."""
        limit = self.store.collector_window_seconds
        if seconds > limit:
            return (
                f"the collector keeps {format_window(limit)} of history: a longer window is set by "
                f"`window` in the collector's config"
            )
        grew = seconds > self.store.window_seconds
        self.store.set_window(seconds)
        if grew and self._task is not None:
            # The mirror cut what the shorter window hid: read the collector's whole state again.
            self._task.cancel()
            self._task = asyncio.get_running_loop().create_task(self._run(), name=f"feed {self.url}")
        return None

    def pause(self, key: DomainKey | None = None) -> None:  # the collector polls for everyone
        self._say("pausing is the collector's business: its domains keep being polled for everyone", "warning")

    resume = pause
