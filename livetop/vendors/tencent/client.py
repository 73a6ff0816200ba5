"""Tencent Cloud Live provider: `POST https://live.tencentcloudapi.com/` with X-TC-Action
DescribeBillBandwidthAndFluxList, Version 2018-08-01, a JSON body, signed with TC3-HMAC-SHA256.

`PlayDomains` lists are merged into one series by Tencent, so each call names one domain. One answer holds
both metrics. Windows longer than a day are split into one Granularity-5 request per day (timerules.py).

Why not DescribeStreamPlayInfoList for "now": it has 1-minute points and ~4 min lag against ~5-6 min here,
but it is a monitoring series collected apart from the billing one (a different pipeline: its 1-minute figures
do not add up to the billing 5-minute points), allows 30 requests/s instead of 100, covers only the last
month, and would be a second call per domain per refresh on top of this one (still needed for history,
peak, 95th percentile and traffic). A "now" from another series than the sparkline and totals beside it
would be a figure that disagrees with its own row; a minute or two of freshness does not pay for that.
For the same reason there is no per-domain list (`list_domains_per_call` stays 0): the calls that answer many
domains apart (DescribeLiveDomainPlayInfoList and the other play-info calls) are documented as monitoring
data, and DescribeVisitTopSumInfoList gives traffic over the whole range, not each bucket's bandwidth.
Evidence: bench/README.md, "Multi-domain calls".
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import httpx

from livetop.clock import Clock
from livetop.config.schema import AccountConfig
from livetop.model import DecodedError, FetchResult, VendorError, format_duration, iso_utc, utc
from livetop.vendors.base import BOTH_METRICS, METRIC_BANDWIDTH, METRIC_TRAFFIC, Pacer, Provider, missing
from livetop.vendors.catalog import http_date
from livetop.vendors.tencent import VENDOR_TENCENT
from livetop.vendors.tencent.auth import JSON_CONTENT_TYPE, Tc3Auth
from livetop.vendors.tencent.parse import BillPoints, parse_bill, to_samples
from livetop.vendors.tencent.timerules import BUCKET, GRANULARITY_MINUTES, plan_range

ACTION = "DescribeBillBandwidthAndFluxList"
VERSION = "2018-08-01"
SIGNATURE_EXPIRED = "AuthFailure.SignatureExpire"
# Tencent refuses a timestamp further than this from its clock (the SignatureExpire code's documentation).
MAX_SKEW_SECONDS = 300
_ONE_SECOND = timedelta(seconds=1)


def request_body(domain: str, first: datetime, last: datetime) -> dict[str, object]:
    """The JSON body of one request: buckets starting at `first` .. `last` (inclusive) of one play domain.

    EndTime is one second before the bucket after `last`, so it is always after StartTime (even for a single
    bucket) and never reaches the next bucket's label; the span stays under a day."""
    return {
        "StartTime": iso_utc(first),
        "EndTime": iso_utc(last + BUCKET - _ONE_SECOND),
        "PlayDomains": [domain],
        "Granularity": GRANULARITY_MINUTES,
    }


class TencentProvider(Provider):
    vendor = VENDOR_TENCENT

    def __init__(
        self, account: AccountConfig, client: httpx.AsyncClient, clock: Clock, pacer: Pacer | None = None
    ) -> None:
        super().__init__(account, client, clock, pacer)
        self.auth: Tc3Auth | None = self.configured(self._make_auth)

    def _make_auth(self) -> Tc3Auth:
        creds = self.account.credentials
        lacking = missing(("access_key (SecretId)", creds.access_key), ("secret_key", creds.secret_key))
        if lacking:
            raise self.config_error(
                "credentials missing",
                f"Account {self.account.name!r} has no {' and no '.join(lacking)}; Tencent signs every "
                "request with the SecretId and SecretKey.",
                "Set access_key_env and secret_key_env for the account to the variables holding them.",
            )
        return Tc3Auth(creds.access_key, creds.secret_key, self.clock, region=self.account.region)

    @property
    def bucket_seconds(self) -> int:
        return GRANULARITY_MINUTES * 60  # Granularity 5, always (timerules.py)

    async def fetch(
        self,
        domain: str,
        start: datetime,
        end: datetime,
        metrics: frozenset[str] = BOTH_METRICS,
    ) -> FetchResult:
        self.check_config()
        plan = plan_range(utc(start), utc(end) if end is not None else None, self.clock.now())
        domain = domain.strip()
        result = FetchResult(notices=list(plan.notices))
        merged = BillPoints()
        # A long window's day-long requests go one after another: a first load of a week is 7 calls once,
        # and in sequence they never wait in the connection pool behind other domains' polls.
        for first, last in plan.requests:
            result.requests += 1
            points = await self._request(domain, first, last, plan.start, plan.end)
            merged.bandwidth_bps.update(points.bandwidth_bps)
            merged.traffic_bytes.update(points.traffic_bytes)
        if METRIC_BANDWIDTH in metrics:
            result.bandwidth = to_samples(merged.bandwidth_bps)
        if METRIC_TRAFFIC in metrics:
            result.traffic = to_samples(merged.traffic_bytes)
        return result

    async def _request(
        self, domain: str, first: datetime, last: datetime, start: datetime, end: datetime
    ) -> BillPoints:
        content = json.dumps(request_body(domain, first, last)).encode("utf-8")
        await self.pacer()
        response = await self.send(
            "POST",
            "/",
            content=content,
            headers={"Content-Type": JSON_CONTENT_TYPE, "X-TC-Action": ACTION, "X-TC-Version": VERSION},
            auth=self.auth,
        )
        now = self.clock.now()
        try:
            return parse_bill(
                response.status_code,
                response.content,
                unit_base=self.account.unit_base,
                start=start,
                end=end,
                headers=response.headers,
                now=now,
                secrets=self.auth.secrets(),
            )
        except VendorError as exc:
            if exc.error.code == SIGNATURE_EXPIRED:
                raise VendorError(clock_skew(exc.error, response.headers.get("Date"), now)) from None
            raise


def clock_skew(error: DecodedError, date_header: str | None, now: datetime) -> DecodedError:
    """A SignatureExpire error told as what it is: this machine's clock against Tencent's, measured from
    the answer's Date header when it has one."""
    vendor_now = http_date(date_header)
    try:
        vendor_now = vendor_now.astimezone(timezone.utc) if vendor_now else None
    except OverflowError:  # "31 Dec 9999 23:59:59 -0100" has no UTC time Python can hold
        vendor_now = None
    if vendor_now is None:
        return error
    skew = (utc(now) - vendor_now).total_seconds()
    if abs(skew) < 1:
        return error
    direction = "ahead of" if skew > 0 else "behind"
    measured = (
        f"This machine's clock is {format_duration(abs(skew))} {direction} Tencent's (its answer was dated "
        f"{iso_utc(vendor_now)}, this machine said {iso_utc(now)}); Tencent accepts at most "
        f"{MAX_SKEW_SECONDS // 60} minutes."
    )
    return replace(error, meaning=measured, title=error.title)

