"""JD Cloud OpenAPI live provider: `GET /v1/describeLiveStreamBandwidthData` and
`GET /v1/describeLiveStreamTrafficData` on live.jdcloud-api.com, signed JDCLOUD3-HMAC-SHA256 (vendors.md §C2).

One domain per call (`domainName`), one metric per API: a poll of a domain is two calls, sent together. The
time rules (openapi_timerules.py) decide which requests to send, the signature (jdcloud3.Jdcloud3Auth) is
added per request when it goes out, and parsing (openapi_parse.py) is pure.

Bandwidth here is the AVERAGE bit/s of each period (Huawei's is a peak): the API declares it, and the
drilldown and README say so.

No per-domain list (`list_domains_per_call` stays 0): the live service's statistics calls take one domainName
(none = the account's total), and the CDN service's `liveStatistics:groupSum` documents neither its `fields`
nor its answer's keys. Evidence: bench/README.md, "Multi-domain calls".
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

import httpx

from livetop.clock import Clock
from livetop.config.schema import AccountConfig
from livetop.model import VENDOR_JDCLOUD, FetchResult, Sample, iso_utc
from livetop.vendors.base import (
    BOTH_METRICS,
    METRIC_BANDWIDTH,
    METRIC_TRAFFIC,
    Pacer,
    Provider,
    fetch_metrics,
    missing,
)
from livetop.vendors.jdcloud.jdcloud3 import Jdcloud3Auth
from livetop.vendors.jdcloud.openapi_parse import parse_statistics
from livetop.vendors.jdcloud.openapi_timerules import PERIOD_SECONDS, plan_range

PATHS = {
    METRIC_BANDWIDTH: "/v1/describeLiveStreamBandwidthData",
    METRIC_TRAFFIC: "/v1/describeLiveStreamTrafficData",
}


def statistics_query(domain: str, period: str, start: datetime, end: datetime) -> str:
    """The raw query, sorted and encoded as the signer canonicalises it (`:` as %3A), so what is signed is
    byte for byte what goes on the wire."""
    params = {"domainName": domain, "endTime": iso_utc(end), "period": period, "startTime": iso_utc(start)}
    return "&".join(f"{key}={quote(value, safe='~')}" for key, value in sorted(params.items()))


class JdcloudOpenApiProvider(Provider):
    vendor = VENDOR_JDCLOUD

    def __init__(
        self, account: AccountConfig, client: httpx.AsyncClient, clock: Clock, pacer: Pacer | None = None
    ) -> None:
        super().__init__(account, client, clock, pacer)
        self.auth: Jdcloud3Auth | None = self.configured(self._make_auth)

    def _make_auth(self) -> Jdcloud3Auth:
        creds, name = self.account.credentials, self.account.name
        lacking = missing(("access_key", creds.access_key), ("secret_key", creds.secret_key))
        if lacking:
            raise self.config_error(
                f"no {' and '.join(lacking)} in the config",
                f"Account {name!r} uses JD's OpenAPI, which signs every request with an AccessKey pair "
                "(JDCLOUD3-HMAC-SHA256).",
                f"Set {' and '.join(m + '_env' for m in lacking)} for account {name!r} to the environment "
                "variables holding the pair from the JD Cloud console (Access Key management).",
            )
        return Jdcloud3Auth(creds.access_key, creds.secret_key, self.clock)

    async def fetch(
        self,
        domain: str,
        start: datetime,
        end: datetime,
        metrics: frozenset[str] = BOTH_METRICS,
    ) -> FetchResult:
        self.check_config()
        start, end = self.utc_range(start, end)
        plan = plan_range(start, end, self.clock.now(), self.account.step_minutes)
        result = FetchResult(notices=list(plan.notices))
        domain = domain.strip()
        # Two APIs, one per metric: sent together (see fetch_metrics).
        return await fetch_metrics(result, metrics, lambda metric: self._fetch_metric(metric, domain, plan))

    async def _fetch_metric(self, metric: str, domain: str, plan) -> tuple[list[Sample], int]:
        """One metric over every request of the plan (several only past 30 days), merged."""
        merged: dict = {}
        for start_time, end_time in plan.requests:
            merged.update(await self._request(metric, domain, plan, start_time, end_time))
        return [Sample(t, merged[t]) for t in sorted(merged)], len(plan.requests)

    async def _request(self, metric: str, domain: str, plan, start_time: datetime, end_time: datetime):
        url = f"{PATHS[metric]}?{statistics_query(domain, plan.period, start_time, end_time)}"
        await self.pacer()
        response = await self.send("GET", url, auth=self.auth)
        return parse_statistics(
            metric,
            response.status_code,
            response.content,
            period_seconds=PERIOD_SECONDS[plan.period],
            start=plan.start,
            end=plan.end,
            headers=response.headers,
            now=self.clock.now(),
            secrets=self.auth.secrets(),
        )
