"""Huawei Cloud Live v2 statistics provider (vendors.md §A3): domains on the current live platform.

- `GET /v2/{project_id}/stats/bandwidth/detail` and `/stats/traffic/detail` answer ONE series summed over
  the `play_domains` asked for, so a per-domain series is one call per domain (and metric).
- `GET /v2/{project_id}/stats/bandwidth/peak` and `/stats/traffic/summary` answer one value per domain for
  up to 100 domains a call: `bandwidth_peaks` / `traffic_totals` below. Asked over one bucket, the peak is
  that bucket's bandwidth point and the summary its traffic (the detail APIs' 5-minute points are the peak
  and the sum of the same data), so `fetch_buckets` gives the engine every domain's provisional buckets in
  one call per bucket per metric per 100 domains (the Provider's `list_domains_per_call` capability);
  the per-domain detail calls fill the window.
Array parameters go out as repeated keys (`play_domains=a&play_domains=b`), as the official SDK sends them
(huaweicloudsdkcore `_parse_query_params` turns every collection into 'multi'). Auth is v1's (token, IAM
password, AK/SK), and so are pacing, token renewal and the decoded errors; the time rules are v2's
(`v2_timerules`), and `data_list[].time` is read as the bucket start (`v2_parse`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from urllib.parse import quote

import httpx

from livetop.model import FetchResult, Sample, utc
from livetop.vendors.base import METRIC_BANDWIDTH, METRIC_TRAFFIC
from livetop.vendors.huawei import signer
from livetop.vendors.huawei.client import HuaweiProvider
from livetop.vendors.huawei.v2_parse import parse_detail, parse_per_domain, raise_for_status
from livetop.vendors.huawei.v2_timerules import interval_for, plan_range, wire_range

DETAIL_PATHS = {METRIC_BANDWIDTH: "stats/bandwidth/detail", METRIC_TRAFFIC: "stats/traffic/detail"}
LIST_PATHS = {"peak": "stats/bandwidth/peak", "summary": "stats/traffic/summary"}
MAX_DOMAINS_PER_CALL = 100  # play_domains: at most 100 (vendors.md §A3)


def v2_path(project_id: str, what: str) -> str:
    return f"/v2/{quote(project_id, safe='')}/{what}"


def detail_query(domain: str, start: str, end: str, interval: int) -> str:
    """The detail query, encoded exactly as signer.canonical_query encodes it (what is signed is sent)."""
    params = [("play_domains", domain), ("interval", str(interval)), ("start_time", start), ("end_time", end)]
    return signer.canonical_query(params)


def list_query(domains: Sequence[str], start: str, end: str) -> str:
    """play_domains as repeated keys, as the official SDK sends an array."""
    params = [("play_domains", d) for d in domains] + [("start_time", start), ("end_time", end)]
    return signer.canonical_query(params)


class HuaweiV2Provider(HuaweiProvider):
    api = "v2"
    list_domains_per_call = MAX_DOMAINS_PER_CALL

    @property
    def interval(self) -> int:
        return interval_for(self.account.step_minutes)

    @classmethod
    def list_batch(cls, account) -> int:
        """The lists are computed from 5-minute points: they stand for a bucket at that step only."""
        try:
            return cls.list_domains_per_call if interval_for(account.step_minutes) == 300 else 0
        except ValueError:
            return 0

    def plan(self, start: datetime, end: datetime):
        return plan_range(start, end, self.clock.now(), self.interval)

    def request_url(self, metric: str, domain: str, start: datetime, end: datetime) -> str:
        start_text, end_text = wire_range((start, end))
        query = detail_query(domain, start_text, end_text, self.interval)
        return f"{v2_path(self.account.project_id, DETAIL_PATHS[metric])}?{query}"

    def parse(self, metric: str, response: httpx.Response, notices: list[str]) -> list[Sample]:
        raise_for_status(response.status_code, response.content, response.headers, self.auth.secrets())
        said: list[str] = []
        samples = parse_detail(
            metric, response.content, response.status_code, interval=self.interval, notices=said
        )
        notices += [n for n in said if n not in notices]
        return samples

    # --- per-domain lists: one value per domain, up to 100 domains a call ------------------------------

    async def fetch_buckets(
        self, domains: Sequence[str], bucket_start: datetime
    ) -> tuple[dict[str, FetchResult], int]:
        """Both metrics of the bucket starting at `bucket_start` for every domain, from the peak and summary
        lists over exactly that bucket (only at the 5-minute interval: the lists are computed from 5-minute
        points). A domain the answers leave out gets no result."""
        if not self.list_batch(self.account):
            raise NotImplementedError("per-domain lists stand for 5-minute buckets only")
        start = utc(bucket_start)
        end = start + timedelta(seconds=self.interval)
        outcomes = await asyncio.gather(
            self.bandwidth_peaks(domains, start, end), self.traffic_totals(domains, start, end),
            return_exceptions=True,
        )
        for outcome in outcomes:  # both are let finish: none is left running unobserved
            if isinstance(outcome, BaseException):
                raise outcome
        (peaks, sent_peak), (totals, sent_total) = outcomes
        results: dict[str, FetchResult] = {}
        for domain in domains:
            name = domain.strip().lower()
            if name in peaks and name in totals:
                results[domain] = FetchResult(
                    bandwidth=[Sample(start, peaks[name])], traffic=[Sample(start, totals[name])]
                )
        return results, sent_peak + sent_total

    async def bandwidth_peaks(
        self, domains: Iterable[str], start: datetime, end: datetime
    ) -> tuple[dict[str, float], int]:
        """{domain: peak bit/s in [start, end)} for every domain, in ceil(n/100) calls; (values, requests)."""
        return await self._per_domain("peak", domains, start, end)

    async def traffic_totals(
        self, domains: Iterable[str], start: datetime, end: datetime
    ) -> tuple[dict[str, float], int]:
        """{domain: bytes in [start, end)} for every domain, in ceil(n/100) calls; (values, requests).
        The vendor's data lag for this list is about 10 minutes (vendors.md §A3)."""
        return await self._per_domain("summary", domains, start, end)

    async def _per_domain(
        self, kind: str, domains: Iterable[str], start: datetime, end: datetime
    ) -> tuple[dict[str, float], int]:
        self.check_config()
        names = list(dict.fromkeys(d.strip().lower() for d in domains if d.strip()))
        if not names:
            return {}, 0
        # The lists take the detail APIs' start/end rules: the same plan (aligned, <= 31 days a window,
        # look-back clamped); a longer range is one call per window, combined (peak: max, traffic: sum).
        plan = plan_range(utc(start), utc(end), self.clock.now(), self.interval)
        path = v2_path(self.account.project_id, LIST_PATHS[kind])
        batches = [names[i : i + MAX_DOMAINS_PER_CALL] for i in range(0, len(names), MAX_DOMAINS_PER_CALL)]

        def parse(response: httpx.Response) -> dict[str, float]:
            raise_for_status(response.status_code, response.content, response.headers, self.auth.secrets())
            return parse_per_domain(kind, response.content, response.status_code)

        calls = []
        for window in plan.windows:
            start_text, end_text = wire_range(window)
            calls += [self.get(f"{path}?{list_query(batch, start_text, end_text)}", parse) for batch in batches]
        # Every call is let finish before an error is raised: none is left running unobserved.
        outcomes = await asyncio.gather(*calls, return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        values: dict[str, float] = {}
        requests = 0
        combine = max if kind == "peak" else sum
        for parsed, sent in outcomes:
            for domain, value in parsed.items():
                values[domain] = combine((values[domain], value)) if domain in values else value
            requests += sent
        return values, requests
