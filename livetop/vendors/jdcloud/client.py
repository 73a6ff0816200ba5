"""JD Cloud opencdn live client: `POST /api/live/bandwidth_flow` with the MD5 body signature.

One request answers both metrics for one domain. Ranges over 30 days are split and merged; labels (Beijing
time, bucket ends) become UTC bucket starts in the parser.

The signature carries the Beijing date, so a body is signed only once its request has been paced (a request
queued across midnight would otherwise go out with yesterday's date and be refused). Near midnight the
signature JD expects depends on JD's clock, not ours: a signature refusal within MIDNIGHT_SKEW of Beijing
midnight is retried once, signed with the date on the other side of midnight.

No per-domain list (`list_domains_per_call` stays 0): bandwidth_flow takes one domain.
`/api/live/area_isp_data` takes a comma list but answers per area and ISP, and its page says neither that the
bandwidth is the bucket's average (only then do the rows add up to the domain's figure) nor how `ts` labels a
bucket; `/api/bandwidth` and `/api/flow` are the CDN family's calls, not Live's. Evidence: bench/README.md,
"Multi-domain calls".
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from livetop.model import VENDOR_JDCLOUD, FetchResult, VendorError
from livetop.vendors.base import BOTH_METRICS, METRIC_BANDWIDTH, METRIC_TRAFFIC, Provider, missing
from livetop.vendors.jdcloud.parse import BandwidthFlow, parse_bandwidth_flow, to_samples
from livetop.vendors.jdcloud.signature import beijing_date, md5_signature
from livetop.vendors.jdcloud.timerules import format_beijing, plan_range

BANDWIDTH_FLOW_PATH = "/api/live/bandwidth_flow"
SIGNATURE_REFUSED = "JD.STATUS.1"
# How far our clock and JD's may disagree about Beijing midnight before a signature refusal is believed.
MIDNIGHT_SKEW = timedelta(minutes=2)


class JdcloudProvider(Provider):
    vendor = VENDOR_JDCLOUD

    @property
    def bucket_seconds(self) -> int:
        # bandwidth_flow always answers 5-minute points, whatever step the config asks for.
        return 300

    def _credentials(self) -> tuple[str, str]:
        """(username, secret key) to sign with; raises the account's config problem when one is missing."""
        creds = self.account.credentials
        username = (creds.username or "").strip()
        secret = creds.secret_key.reveal() if creds.secret_key else ""
        lacking = missing(("username (the JD pin)", username), ("secret_key", secret))
        if lacking:
            key = lacking[0].split()[0]
            raise self.config_error(
                "credentials missing",
                f"Account {self.account.name!r} has no {lacking[0]}; JD signs every request with both.",
                f"Add {key} (or {key}_env) to the account in the config.",
                code="CLIENT.CREDENTIALS",
            )
        return username, secret

    def request_body(
        self, domain: str, start_time: datetime, end_time: datetime, date: str | None = None
    ) -> dict[str, str]:
        """The JSON body of one request, signed for `date` (yyyymmdd), by default the clock's Beijing date."""
        username, secret = self._credentials()
        return {
            "username": username,
            "signature": md5_signature(date or beijing_date(self.clock.now()), username, secret),
            "domain": domain,
            "start_time": format_beijing(start_time),
            "end_time": format_beijing(end_time),
        }

    async def fetch(
        self,
        domain: str,
        start: datetime | None,
        end: datetime | None,
        metrics: frozenset[str] = BOTH_METRICS,
    ) -> FetchResult:
        start, end = self.utc_range(start, end)
        plan = plan_range(start, end, self.clock.now())
        if plan.requests:
            self._credentials()  # an incomplete account fails before waiting for the pacer
        domain = domain.strip()
        result = FetchResult(notices=list(plan.notices))
        bandwidth: dict = {}
        traffic: dict = {}
        for start_time, end_time in plan.requests:
            points = await self._request(result, domain, start_time, end_time, plan.start, plan.end)
            bandwidth.update(points.bandwidth_bps)
            traffic.update(points.traffic_bytes)
            result.notices += [n for n in points.notices if n not in result.notices]
        if METRIC_BANDWIDTH in metrics:
            result.bandwidth = to_samples(bandwidth)
        if METRIC_TRAFFIC in metrics:
            result.traffic = to_samples(traffic)
        return result

    async def _request(
        self,
        result: FetchResult,
        domain: str,
        start_time: datetime,
        end_time: datetime,
        start: datetime,
        end: datetime,
    ) -> BandwidthFlow:
        """One bandwidth_flow request (two when a signature refusal near midnight is re-signed)."""
        await self.pacer()
        signed_at = self.clock.now()
        date = beijing_date(signed_at)
        try:
            return await self._post(result, domain, start_time, end_time, start, end, date)
        except VendorError as exc:
            other = _other_side_of_midnight(signed_at, date)
            if exc.error.code != SIGNATURE_REFUSED or other is None:
                raise
        await self.pacer()
        return await self._post(result, domain, start_time, end_time, start, end, other)

    async def _post(
        self,
        result: FetchResult,
        domain: str,
        start_time: datetime,
        end_time: datetime,
        start: datetime,
        end: datetime,
        date: str,
    ) -> BandwidthFlow:
        body = self.request_body(domain, start_time, end_time, date)
        content = json.dumps(body, ensure_ascii=False).encode()
        result.requests += 1
        response = await self.send(
            "POST", BANDWIDTH_FLOW_PATH, content=content, headers={"Content-Type": "application/json"}
        )
        secret = self.account.credentials.secret_key
        return parse_bandwidth_flow(
            response.status_code,
            response.content,
            domain,
            unit_base=self.account.unit_base,
            start=start,
            end=end,
            headers=response.headers,
            now=self.clock.now(),
            secrets=(secret.reveal(),) if secret else (),
        )


def _other_side_of_midnight(signed_at: datetime, date: str) -> str | None:
    """The Beijing date across the midnight within MIDNIGHT_SKEW of `signed_at`, else None."""
    for when in (signed_at - MIDNIGHT_SKEW, signed_at + MIDNIGHT_SKEW):
        other = beijing_date(when)
        if other != date:
            return other
    return None
