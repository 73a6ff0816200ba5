"""Alibaba Cloud ApsaraVideo Live provider: `POST /?DomainName=…&StartTime=…&EndTime=…&Interval=…` with the
action in `x-acs-action`, an empty body and ACS3-HMAC-SHA256 (auth.py), as the official SDK sends it.

One domain per call: DomainName takes a comma list but answers ONE series merged over them (API page:
多个域名之间用英文逗号分隔 … 合并后的数据), so a per-domain row needs a call per domain. Bandwidth and traffic
are two APIs, sent together. The time rules (timerules.py) decide the windows; parsing (parse.py) is pure.

No per-domain list (`list_domains_per_call` stays 0): ByLayer and RealTime merge their domains too, and
DescribeLiveTopDomainsByFlow answers only the top 100 by traffic, with no domain parameter. Evidence:
bench/README.md, "Multi-domain calls".
"""

from __future__ import annotations

from datetime import datetime

import httpx

from livetop.clock import Clock
from livetop.config.schema import AccountConfig
from livetop.model import FetchResult, Sample, iso_utc, utc
from livetop.vendors.alibaba import signer
from livetop.vendors.alibaba.auth import Acs3Auth
from livetop.vendors.alibaba.parse import parse_response
from livetop.vendors.alibaba.timerules import VENDOR, plan_range
from livetop.vendors.base import (
    BOTH_METRICS,
    METRIC_BANDWIDTH,
    METRIC_TRAFFIC,
    Pacer,
    Provider,
    fetch_metrics,
    missing,
)

ACTIONS = {METRIC_BANDWIDTH: "DescribeLiveDomainBpsData", METRIC_TRAFFIC: "DescribeLiveDomainTrafficData"}
# How long the newest points keep changing, by interval: Alibaba's CDN bandwidth page states a 15-minute
# delay for 5-minute points and 3-4 hours for hourly ones (operations.md §5, "Alibaba CDN Bps (data-lag
# anchor)": …/cdn/developer-reference/api-cdn-2018-05-10-describedomainbpsdata); the Live pages state none.
# Daily points settle the next morning (04:00 in the same table).
DATA_LAG_SECONDS = {300: 15 * 60, 3600: 4 * 3600, 86400: 28 * 3600}


def request_url(domain: str, start: datetime, end: datetime, interval: int) -> str:
    """Path and query, encoded as the signer canonicalises them (what is signed is what is sent)."""
    query = signer.canonical_query(
        [
            ("DomainName", domain),
            ("StartTime", iso_utc(start)),
            ("EndTime", iso_utc(end)),
            ("Interval", str(interval)),
        ]
    )
    return f"/?{query}"


class AlibabaProvider(Provider):
    vendor = VENDOR

    def __init__(
        self, account: AccountConfig, client: httpx.AsyncClient, clock: Clock, pacer: Pacer | None = None
    ) -> None:
        super().__init__(account, client, clock, pacer)
        self.auth: Acs3Auth | None = self.configured(self._make_auth)

    def _make_auth(self) -> Acs3Auth:
        creds = self.account.credentials
        lacking = missing(
            ("access_key (the AccessKey ID)", creds.access_key),
            ("secret_key (the AccessKey secret)", creds.secret_key),
        )
        if lacking:
            raise self.config_error(
                "credentials missing",
                f"Account {self.account.name!r} has no {lacking[0]}; Alibaba signs every request with both.",
                f"Set {lacking[0].split()[0]}_env to the environment variable holding it.",
                code="CLIENT.CREDENTIALS",
            )
        return Acs3Auth(creds.access_key, creds.secret_key, self.clock)

    @property
    def default_data_lag_seconds(self) -> int:
        """The spec's settle delay is that of the default 5-minute points; coarser ones settle later."""
        return max(super().default_data_lag_seconds, DATA_LAG_SECONDS.get(self.bucket_seconds, 0))

    async def fetch(
        self,
        domain: str,
        start: datetime,
        end: datetime,
        metrics: frozenset[str] = BOTH_METRICS,
    ) -> FetchResult:
        self.check_config()
        plan = plan_range(utc(start) if start else None, utc(end) if end else None, self.clock.now(),
                          self.bucket_seconds)  # fmt: skip
        result = FetchResult(notices=list(plan.notices))
        domain = domain.strip()
        return await fetch_metrics(
            result, metrics, lambda metric: self._fetch_metric(metric, domain, plan.windows, plan.start, plan.end)
        )

    async def _fetch_metric(
        self, metric: str, domain: str, windows, start: datetime, end: datetime
    ) -> tuple[list[Sample], int]:
        """One metric over every window of the plan, merged and kept to [start, end): samples, requests."""
        merged: dict[datetime, Sample] = {}
        for window_start, window_end in windows:
            for sample in await self._request(metric, domain, window_start, window_end):
                merged[sample.bucket_start] = sample
        return [merged[t] for t in sorted(merged) if start <= t < end], len(windows)

    async def _request(self, metric: str, domain: str, start: datetime, end: datetime) -> list[Sample]:
        interval = self.bucket_seconds
        await self.pacer()
        response = await self.send(
            "POST", request_url(domain, start, end, interval), headers={"x-acs-action": ACTIONS[metric]},
            auth=self.auth,
        )  # fmt: skip
        return parse_response(
            metric,
            response.status_code,
            response.content,
            interval,
            response.headers,
            now=self.clock.now(),
            secrets=self.auth.secrets() if self.auth else (),
        )
