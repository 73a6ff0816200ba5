"""JD Cloud opencdn live client: `POST /api/live/bandwidth_flow` with the MD5 body signature.

One request answers both metrics for one domain. Ranges over 30 days are split and merged; labels (Beijing
time, bucket ends) become UTC bucket starts in the parser.
"""

from __future__ import annotations

import json
from datetime import datetime

import httpx

from livetop.model import VENDOR_JDCLOUD, FetchResult, VendorError, utc
from livetop.vendors.base import BOTH_METRICS, METRIC_BANDWIDTH, METRIC_TRAFFIC, Provider
from livetop.vendors.catalog import client_error, transport_error
from livetop.vendors.jdcloud.parse import parse_bandwidth_flow, to_samples
from livetop.vendors.jdcloud.signature import beijing_date, md5_signature
from livetop.vendors.jdcloud.timerules import check_range, format_beijing, plan_requests

BANDWIDTH_FLOW_PATH = "/api/live/bandwidth_flow"


class JdcloudProvider(Provider):
    vendor = VENDOR_JDCLOUD

    @property
    def bucket_seconds(self) -> int:
        # bandwidth_flow always answers 5-minute points, whatever step the config asks for.
        return 300

    def _credentials(self) -> tuple[str, str]:
        creds = self.account.credentials
        username = (creds.username or "").strip()
        secret = creds.secret_key.reveal() if creds.secret_key else ""
        if not username or not secret:
            missing = "username (the JD pin)" if not username else "secret_key"
            raise VendorError(
                client_error(
                    VENDOR_JDCLOUD,
                    "CLIENT.CREDENTIALS",
                    "credentials missing",
                    f"Account {self.account.name!r} has no {missing}; JD signs every request with both.",
                    f"Add {missing.split()[0]} (or {missing.split()[0]}_env) to the account in the config.",
                )
            )
        return username, secret

    def request_body(self, domain: str, start_time: datetime, end_time: datetime) -> dict[str, str]:
        """The JSON body of one request, signed for the clock's current Beijing date."""
        username, secret = self._credentials()
        return {
            "username": username,
            "signature": md5_signature(beijing_date(self.clock.now()), username, secret),
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
        try:
            start = utc(start) if start is not None else None
            end = utc(end) if end is not None else self.clock.now()
        except ValueError:
            raise VendorError(
                client_error(
                    VENDOR_JDCLOUD,
                    "CLIENT.NAIVE_TIME",
                    "time without a zone",
                    "A time was given without a timezone: is it UTC or Beijing time?",
                    "Give times with an offset or a trailing Z (UTC).",
                )
            ) from None
        problem = check_range(start, end)
        if problem is not None:
            raise VendorError(problem)
        domain = domain.strip()
        result = FetchResult()
        bandwidth: dict = {}
        traffic: dict = {}
        secret = self.account.credentials.secret_key
        secrets = (secret.reveal(),) if secret else ()
        for start_time, end_time in plan_requests(start, end):
            body = json.dumps(self.request_body(domain, start_time, end_time), ensure_ascii=False).encode()
            await self.pacer()
            result.requests += 1
            try:
                response = await self.client.post(
                    BANDWIDTH_FLOW_PATH, content=body, headers={"Content-Type": "application/json"}
                )
            except httpx.HTTPError as exc:
                raise VendorError(transport_error(VENDOR_JDCLOUD, exc)) from None
            points = parse_bandwidth_flow(
                response.status_code,
                response.content,
                domain,
                unit_base=self.account.unit_base,
                start=start,
                end=end,
                headers=response.headers,
                now=self.clock.now(),
                secrets=secrets,
            )
            bandwidth.update(points.bandwidth_bps)
            traffic.update(points.traffic_bytes)
        if METRIC_BANDWIDTH in metrics:
            result.bandwidth = to_samples(bandwidth)
        if METRIC_TRAFFIC in metrics:
            result.traffic = to_samples(traffic)
        return result
