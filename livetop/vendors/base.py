"""The interface every vendor client implements, and the shared HTTP plumbing.

A provider turns "bandwidth and traffic of DOMAIN between START and END" into real HTTP calls on the
account's `httpx.AsyncClient`, enforces the vendor's time rules before sending, and returns normalised
samples (UTC bucket starts, bit/s, bytes) or raises `VendorError` carrying a decoded error.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import ClassVar, TypeVar

import httpx

from livetop.clock import Clock
from livetop.config.schema import AccountConfig
from livetop.model import DecodedError, FetchResult, Sample, VendorError, utc
from livetop.httpread import ACCEPT_ENCODING
from livetop.vendors.answer import vendor_request
from livetop.vendors.catalog import client_error
from livetop.vendors.transport import PooledTransport

METRIC_BANDWIDTH = "bandwidth"
METRIC_TRAFFIC = "traffic"
BOTH_METRICS = frozenset({METRIC_BANDWIDTH, METRIC_TRAFFIC})

# Called before each vendor API request (not before token requests): the engine's rate limiter.
Pacer = Callable[[], Awaitable[None]]
# The code of an account the config leaves incomplete (a credential or a key missing).
CONFIG_CODE = "LIVETOP.CONFIG"

T = TypeVar("T")


async def _no_pacing() -> None:
    return None


class Provider(ABC):
    vendor: ClassVar[str]
    # > 0: the API answers one figure per domain for up to this many domains a call, over any bucket
    # (`fetch_buckets`): the engine then takes every domain's provisional buckets from such lists.
    list_domains_per_call: ClassVar[int] = 0

    def __init__(
        self,
        account: AccountConfig,
        client: httpx.AsyncClient,
        clock: Clock,
        pacer: Pacer | None = None,
    ) -> None:
        self.account = account
        self.client = client
        self.clock = clock
        self.pacer = pacer or _no_pacing
        # An incomplete account is reported on every fetch, as a decoded error on its rows, like any other
        # problem: `configured` records it, `check_config` raises it.
        self._config_problem: DecodedError | None = None

    def config_error(self, title: str, meaning: str, action: str, code: str = CONFIG_CODE) -> VendorError:
        """The error of an account the config leaves incomplete. Its words name the key and the fix; they
        never quote a value (a secret)."""
        return VendorError(client_error(self.vendor, code, title, meaning, action))

    def configured(self, build: Callable[[], T]) -> T | None:
        """`build()` (what the account's config makes: its auth, usually), or None when it raises
        VendorError: then every fetch raises that error (`check_config`)."""
        try:
            return build()
        except VendorError as exc:
            self._config_problem = exc.error
            return None

    def check_config(self) -> None:
        """Raise the account's config problem, if it has one: first thing in a fetch."""
        if self._config_problem is not None:
            raise VendorError(self._config_problem)

    async def send(self, method: str, url: str, **kwargs) -> httpx.Response:
        """One request on the account's client (`kwargs` as httpx's `request` takes them: auth, content,
        headers), its answer read at most MAX_BODY_BYTES deep (`answer.vendor_request`: no answer at all,
        or one past the cap, is a decoded error; an auth flow's own VendorError passes as it is)."""
        return await vendor_request(self.client, self.vendor, method, url, **kwargs)

    def utc_range(
        self, start: datetime | None, end: datetime | None
    ) -> tuple[datetime | None, datetime | None]:
        """`start` and `end` in UTC (None stays None); a time without a zone is a decoded error, not a
        guess: it could be UTC or Beijing time."""
        try:
            return (utc(start) if start is not None else None, utc(end) if end is not None else None)
        except ValueError:
            raise VendorError(
                client_error(
                    self.vendor,
                    "CLIENT.NAIVE_TIME",
                    "time without a zone",
                    "A time was given without a timezone: is it UTC or Beijing time?",
                    "Give times with an offset or a trailing Z (UTC).",
                )
            ) from None

    @property
    def bucket_seconds(self) -> int:
        return self.account.step_minutes * 60

    @property
    def default_data_lag_seconds(self) -> int:
        """How long the newest buckets keep changing on the vendor's side, as the API's spec declares it."""
        from livetop.vendors.registry import account_api

        return account_api(self.account).settle_seconds

    @property
    def data_lag_seconds(self) -> int:
        """What incremental polls re-fetch: the account's `data_lag`, else the API's settle delay."""
        lag = self.account.data_lag_seconds
        return self.default_data_lag_seconds if lag is None else lag

    @abstractmethod
    async def fetch(
        self,
        domain: str,
        start: datetime,
        end: datetime,
        metrics: frozenset[str] = BOTH_METRICS,
    ) -> FetchResult:
        """Samples for `domain` with bucket starts in [start, end). Raises `VendorError`."""

    @classmethod
    def list_batch(cls, account: AccountConfig) -> int:
        """Domains per list call for this account (0: no lists for it, e.g. at a step they do not serve)."""
        return cls.list_domains_per_call

    async def fetch_buckets(
        self, domains: Sequence[str], bucket_start: datetime
    ) -> tuple[dict[str, FetchResult], int]:
        """Both metrics of the one bucket starting at `bucket_start`, for every domain in `domains`, from
        per-domain list calls: ({domain: result}, requests sent). Only for `list_domains_per_call` > 0.
        Raises `VendorError`."""
        raise NotImplementedError(f"{type(self).__name__} has no per-domain list calls")


def missing(*keys: tuple[str, object]) -> list[str]:
    """The names of the (name, value) pairs whose value is empty, in order: what an account lacks."""
    return [name for name, value in keys if not value]


async def fetch_metrics(
    result: FetchResult,
    metrics: frozenset[str],
    fetch_one: Callable[[str], Awaitable[tuple[list[Sample], int]]],
) -> FetchResult:
    """Fill `result` with each wanted metric from `fetch_one(metric)` -> (samples, requests sent).

    Bandwidth and traffic are one call each: they go out together, so a domain's poll costs one round trip
    and both leave before an answer elsewhere in the account (a 429) can close its throttle gate. Both are
    let finish before the first error is raised, so no request is left running unobserved.
    """
    wanted = [m for m in (METRIC_BANDWIDTH, METRIC_TRAFFIC) if m in metrics]
    outcomes = await asyncio.gather(*(fetch_one(metric) for metric in wanted), return_exceptions=True)
    for metric, outcome in zip(wanted, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            raise outcome
        samples, sent = outcome
        result.requests += sent
        if metric == METRIC_BANDWIDTH:
            result.bandwidth = samples
        else:
            result.traffic = samples
    return result


def make_client(account: AccountConfig, max_connections: int = 10) -> httpx.AsyncClient:
    """One pooled client per account: keep-alive, explicit timeouts, pool sized to the concurrency cap."""
    timeout = httpx.Timeout(account.timeout_seconds, connect=min(5.0, account.timeout_seconds))
    limits = httpx.Limits(
        max_connections=max_connections,
        max_keepalive_connections=max_connections,
        keepalive_expiry=30.0,
    )
    return httpx.AsyncClient(
        base_url=account.endpoint,
        timeout=timeout,
        # httpx's transport, whose pool checks its idle sockets without rebuilding their attributes on every
        # request (vendors/transport.py): that bookkeeping cost more CPU than livetop's own work a request.
        transport=PooledTransport(verify=account.verify_tls, limits=limits),
        # Asked for explicitly (httpx adds br and zstd when their libraries are installed; httpread refuses
        # them). No signer signs Accept-Encoding: Huawei, JD and Tencent sign fixed lists, Alibaba host,
        # accept, user-agent and x-acs-*.
        headers={"User-Agent": "livetop/0.1", "Accept-Encoding": ACCEPT_ENCODING},
        follow_redirects=False,
        trust_env=False,
    )
