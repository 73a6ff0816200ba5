"""Huawei Cloud Live v1 provider: `GET /v1/{project_id}/stream/bandwidth|traffic` (vendors.md §A2, seeds).

The network part is thin: the time rules (timerules.py) decide which requests to send, the auth (auth.py)
is attached per request, and parsing (parse.py) is pure.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

import httpx

from livetop.clock import Clock
from livetop.config.schema import AccountConfig
from livetop.model import VENDOR_HUAWEI, FetchResult, Sample, VendorError, utc
from livetop.vendors.base import BOTH_METRICS, METRIC_BANDWIDTH, METRIC_TRAFFIC, Pacer, Provider
from livetop.vendors.catalog import client_error, transport_error
from livetop.vendors.huawei import signer
from livetop.vendors.huawei.auth import DEFAULT_RENEW_BEFORE_SECONDS, make_auth
from livetop.vendors.huawei.parse import parse_response
from livetop.vendors.huawei.timerules import format_time, plan_range

METRIC_PATHS = {METRIC_BANDWIDTH: "bandwidth", METRIC_TRAFFIC: "traffic"}


def stats_path(project_id: str, metric: str) -> str:
    return f"/v1/{quote(project_id, safe='')}/stream/{METRIC_PATHS[metric]}"


def stats_query(domain: str, start: datetime, end: datetime, step_minutes: int) -> str:
    """The raw query string, encoded exactly as signer.canonical_query encodes it: what is signed is what
    goes on the wire (`:` as %3A, sorted keys), so the gateway recomputes the same signature."""
    params = [
        ("domain", domain),
        ("start_time", format_time(start)),
        ("end_time", format_time(end)),
        ("step", str(step_minutes)),
    ]
    return signer.canonical_query(params)


class HuaweiProvider(Provider):
    vendor = VENDOR_HUAWEI

    def __init__(
        self,
        account: AccountConfig,
        client: httpx.AsyncClient,
        clock: Clock,
        pacer: Pacer | None = None,
        *,
        renew_before_seconds: float = DEFAULT_RENEW_BEFORE_SECONDS,
    ) -> None:
        super().__init__(account, client, clock, pacer)
        # An incomplete account is reported on fetch, as a decoded error, like any other problem.
        self._config_problem: VendorError | None = None
        self.auth: httpx.Auth | None = None
        try:
            if not account.project_id:
                raise _missing_project_id(account)
            self.auth = make_auth(account, client, clock, renew_before_seconds)
        except VendorError as exc:
            self._config_problem = exc

    async def fetch(
        self,
        domain: str,
        start: datetime,
        end: datetime,
        metrics: frozenset[str] = BOTH_METRICS,
    ) -> FetchResult:
        if self._config_problem is not None:
            raise VendorError(self._config_problem.error)
        start, end = utc(start), utc(end)
        plan = plan_range(start, end, self.clock.now(), self.bucket_seconds)
        result = FetchResult(notices=list(plan.notices))
        for metric in (METRIC_BANDWIDTH, METRIC_TRAFFIC):
            if metric not in metrics:
                continue
            merged: dict[datetime, Sample] = {}
            for window_start, window_end in plan.windows:
                samples, sent = await self._fetch_window(metric, domain, window_start, window_end)
                result.requests += sent
                for sample in samples:
                    merged[sample.bucket_start] = sample
            samples = [merged[t] for t in sorted(merged) if start <= t < end]
            if metric == METRIC_BANDWIDTH:
                result.bandwidth = samples
            else:
                result.traffic = samples
        return result

    async def _fetch_window(
        self, metric: str, domain: str, start: datetime, end: datetime
    ) -> tuple[list[Sample], int]:
        """One Live request (two when the auth renewed a token and retried): samples and requests sent."""
        url = f"{stats_path(self.account.project_id, metric)}?" + stats_query(
            domain, start, end, self.account.step_minutes
        )
        await self.pacer()
        try:
            request = self.client.build_request("GET", url)
            response = await self.client.send(request, auth=self.auth)
        except VendorError:
            raise  # from the auth layer (IAM), already decoded
        except httpx.HTTPError as exc:
            raise VendorError(transport_error(VENDOR_HUAWEI, exc)) from None
        samples = parse_response(
            metric, response.status_code, response.content, response.headers, secrets=self.auth.secrets()
        )
        return samples, 1 + len(response.history)


def _missing_project_id(account: AccountConfig) -> VendorError:
    return VendorError(
        client_error(
            VENDOR_HUAWEI,
            "LIVETOP.CONFIG",
            "no project_id in the config",
            f"Account {account.name!r} has no project_id; Huawei Live puts it in every request path.",
            f"Set project_id for account {account.name!r} (IAM console -> My Credentials -> Projects).",
        )
    )
