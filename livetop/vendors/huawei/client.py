"""Huawei Cloud Live v1 provider: `GET /v1/{project_id}/stream/bandwidth|traffic` (vendors.md §A2, seeds).

The network part is thin: the time rules (timerules.py) decide which requests to send, the auth (auth.py)
is attached per request, and parsing (parse.py) is pure.

No per-domain list (`list_domains_per_call` stays 0): every v1 call takes one domain (none = the tenant's
total), and v2's lists (v2_client.py) serve only domains on the new platform, not v1's. Evidence:
bench/README.md, "Multi-domain calls".
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from urllib.parse import quote

import httpx

from livetop.clock import Clock
from livetop.config.schema import AccountConfig
from livetop.model import VENDOR_HUAWEI, DecodedError, FetchResult, Sample, VendorError, iso_utc, utc
from livetop.vendors.base import (
    BOTH_METRICS,
    METRIC_BANDWIDTH,
    METRIC_TRAFFIC,
    Pacer,
    Provider,
    fetch_metrics,
)
from livetop.vendors.catalog import decode
from livetop.vendors.huawei import signer
from livetop.vendors.huawei.auth import DEFAULT_RENEW_BEFORE_SECONDS, PasswordAuth, TokenAuth, make_auth
from livetop.vendors.huawei.parse import parse_response
from livetop.vendors.huawei.timerules import plan_range

METRIC_PATHS = {METRIC_BANDWIDTH: "bandwidth", METRIC_TRAFFIC: "traffic"}


def stats_path(project_id: str, metric: str) -> str:
    return f"/v1/{quote(project_id, safe='')}/stream/{METRIC_PATHS[metric]}"


def stats_query(domain: str, start: datetime, end: datetime, step_minutes: int) -> str:
    """The raw query string, encoded exactly as signer.canonical_query encodes it: what is signed is what
    goes on the wire (`:` as %3A, sorted keys), so the gateway recomputes the same signature."""
    params = [
        ("domain", domain),
        ("start_time", iso_utc(start)),
        ("end_time", iso_utc(end)),
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
        self.auth: httpx.Auth | None = self.configured(lambda: self._make_auth(renew_before_seconds))

    def _make_auth(self, renew_before_seconds: float) -> httpx.Auth:
        name = self.account.name
        if not self.account.project_id:
            raise self.config_error(
                "no project_id in the config",
                f"Account {name!r} has no project_id; Huawei Live puts it in every request path.",
                f"Set project_id for account {name!r} (IAM console -> My Credentials -> Projects).",
            )
        return make_auth(self.account, self.client, self.clock, renew_before_seconds)

    async def fetch(
        self,
        domain: str,
        start: datetime,
        end: datetime,
        metrics: frozenset[str] = BOTH_METRICS,
    ) -> FetchResult:
        self.check_config()
        start, end = utc(start), utc(end)
        plan = self.plan(start, end)
        result = FetchResult(notices=list(plan.notices))
        return await fetch_metrics(
            result,
            metrics,
            lambda metric: self._fetch_metric(metric, domain, plan.windows, start, end, result.notices),
        )

    async def _fetch_metric(
        self, metric: str, domain: str, windows, start: datetime, end: datetime, notices: list[str]
    ) -> tuple[list[Sample], int]:
        """One metric over every window of the plan (several only past 30 days), merged: samples, requests."""
        merged: dict[datetime, Sample] = {}
        requests = 0
        for window_start, window_end in windows:
            samples, sent = await self._fetch_window(metric, domain, window_start, window_end, notices)
            requests += sent
            for sample in samples:
                merged[sample.bucket_start] = sample
        return [merged[t] for t in sorted(merged) if start <= t < end], requests

    # --- what differs between the v1 and v2 APIs (HuaweiV2Provider overrides these) ---------------------

    def plan(self, start: datetime, end: datetime):
        """The windows to ask for: v1's time rules."""
        return plan_range(start, end, self.clock.now(), self.bucket_seconds)

    def request_url(self, metric: str, domain: str, start: datetime, end: datetime) -> str:
        return f"{stats_path(self.account.project_id, metric)}?" + stats_query(
            domain, start, end, self.account.step_minutes
        )

    def parse(self, metric: str, response: httpx.Response, notices: list[str]) -> list[Sample]:
        """Samples of a v1 answer (what the parser says about it added to `notices`); errors decoded with the
        catalog's v1 variants (LIVE.100011006 on v1 means the domain is on the new platform: use v2)."""
        if not 200 <= response.status_code < 300:
            raise VendorError(
                decode(VENDOR_HUAWEI, response.status_code, response.content, response.headers,
                       secrets=self.auth.secrets(), api="v1")
            )  # fmt: skip
        said: list[str] = []
        samples = parse_response(
            metric,
            response.status_code,
            response.content,
            response.headers,
            secrets=self.auth.secrets(),
            bucket_seconds=self.bucket_seconds,
            notices=said,
        )
        notices += [n for n in said if n not in notices]
        return samples

    # --- the one network path ------------------------------------------------------------------------------

    async def _fetch_window(
        self, metric: str, domain: str, start: datetime, end: datetime, notices: list[str]
    ) -> tuple[list[Sample], int]:
        """One Live request (two when the auth renewed a token and retried): samples and requests sent."""
        url = self.request_url(metric, domain, start, end)
        return await self.get(url, lambda response: self.parse(metric, response, notices))

    async def get(self, url: str, parse):
        """GET `url` (paced, authenticated) and `parse(response)`: (parsed, requests sent). Raises VendorError;
        a token expiry that renewing cannot fix becomes a final, non-retryable error."""
        await self.pacer()
        if isinstance(self.auth, PasswordAuth):
            await self.auth.ready()  # an IAM failure raises as decoded; its time is not the Live answer's
        response = await self.send("GET", url, auth=self.auth)
        sent = 1 + len(response.history)
        try:
            parsed = parse(response)
        except VendorError as exc:
            if exc.error.token_expired:
                final = self._final_expiry(exc.error, renewed=sent > 1)
                if final is not None:
                    raise VendorError(final) from None
            raise
        return parsed, sent

    def _final_expiry(self, error: DecodedError, renewed: bool) -> DecodedError | None:
        """A token-expiry answer that waiting cannot fix, as a non-retryable error saying what to do; None
        when the next poll may succeed.

        The catalog marks token expiry retryable because password auth renews the token. A token from the
        config cannot be renewed, and a token refused right after this request renewed it will be refused
        again: retrying either only repeats the refusal (and, with a password, costs an IAM call a cycle).
        """
        if isinstance(self.auth, TokenAuth):
            return replace(
                error,
                retryable=False,
                meaning=error.meaning + " livetop cannot renew a token given in the config.",
                action=f"Put a fresh token in the config for account {self.account.name!r} (IAM tokens last "
                "24 h), or switch the account to password or AK/SK auth.",
            )
        if isinstance(self.auth, PasswordAuth) and renewed:
            return replace(
                error,
                retryable=False,
                meaning="The gateway refused a token IAM had just issued for this request, so renewing "
                "again would not help.",
                action=f"Check the IAM user and project of account {self.account.name!r}: the project_id "
                "must belong to this endpoint's region and the user must be allowed to use Live there "
                "(and not be disabled); then refresh.",
            )
        return None


