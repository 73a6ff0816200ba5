"""Huawei Cloud Live v2 statistics (vendors.md §A3), behind the same simulated API gateway as v1.

`GET /v2/{project_id}/stats/bandwidth/detail|traffic/detail` (one series summed over `play_domains`),
`/stats/bandwidth/peak` and `/stats/traffic/summary` (one value per domain). Order of checks as for v1:
gateway auth (401 APIGW.*: the AK/SK signature is recomputed over whatever SignedHeaders lists), the
per-API, per-user throttle (429 APIGW.0308), Live's parameter rules (400 LIVE.100011001 naming the
parameter), the scenario's faults, then data.

Array parameters arrive as repeated keys (what the official SDK sends) or one comma-separated value (the
doc examples); both are read. A range whose start is not on an interval boundary, or whose end is not one
second before one, is answered as the docs warn ("results may differ from expectation": the buckets whose
start lies in [start_time, end_time]) and logged with the code MISALIGNED, so a test can tell livetop never
sends one. `time` in data_list is the bucket start.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from livetop.model import ISO_UTC_FORMAT, VENDOR_HUAWEI, floor_to, iso_utc
from livetop.sim import data, faults
from livetop.sim.context import Route, SimApi, SimContext
from livetop.sim.http11 import Request, Response, json_response
from livetop.sim.huawei_gateway import (
    Refused,
    authenticate,
    config_entry,
    error_response,
    fault_answer,
    identities,
    param_error,
    refuse,
)
from livetop.sim.huge import HUGE_FAULTS
from livetop.sim.outcome import Outcome
from livetop.sim.ratelimit import TokenBucket, retry_after_header
from livetop.sim.scenario import SimAccount, SimDomain

INTERVALS = (300, 3600, 86400)
MAX_SPAN = timedelta(days=31)
MAX_AGE = timedelta(days=365)
DEFAULT_START = timedelta(days=7)  # start_time omitted: the last 7 days
MAX_DOMAINS = 100
SERVICE_TYPES = ("Live", "LLL", "ALL")
ISPS = ("CMCC", "CTCC", "CUCC", "OTHER")
_TIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
PEAK_BUCKET = 300  # the peak and summary lists are computed from 5-minute points

# Per-API limits relative to the account's rate_per_second (which is traffic/detail's, 20/s by default):
# bandwidth/detail 100/s per user, the others 20/s (vendors.md §E, latest table).
API_WEIGHT = {"bandwidth/detail": 5.0, "traffic/detail": 1.0, "bandwidth/peak": 1.0, "traffic/summary": 1.0}


class ApiLimiters:
    """One token bucket per (account, API), as the gateway counts per API and user."""

    def __init__(self) -> None:
        self._buckets: dict[tuple[str, str], TokenBucket] = {}

    def take(self, account: SimAccount, api: str) -> float:
        bucket = self._buckets.get((account.name, api))
        if bucket is None:
            weight = API_WEIGHT[api]
            bucket = TokenBucket(account.rate_per_second * weight, account.burst * weight)
            self._buckets[account.name, api] = bucket
        return bucket.take()

    def reset(self) -> None:
        for bucket in self._buckets.values():
            bucket.reset()


def _throttled(account: SimAccount, api: str, retry_after: str, request_id: str) -> Response:
    limit = max(1, round(account.rate_per_second * API_WEIGHT[api]))
    message = (
        f"The throttling threshold has been reached: policy user over ratelimit,limit:{limit},time:1 second"
    )
    return error_response(429, "APIGW.0308", message, request_id, [("Retry-After", retry_after)])


def _values(request: Request, name: str) -> list[str] | None:
    """Every value of an array parameter: repeated keys, each possibly comma-separated; None if absent."""
    raw = [value for key, value in request.query_pairs() if key == name]
    if not raw:
        return None
    return [part.strip() for value in raw for part in value.split(",") if part.strip()]


def _time(params: dict[str, str], name: str) -> datetime | None:
    text = params.get(name)
    if text is None:
        return None
    if not _TIME_RE.fullmatch(text):
        raise param_error(name, "expected yyyy-MM-ddTHH:mm:ssZ, UTC")
    try:
        return datetime.strptime(text, ISO_UTC_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise param_error(name, "not a calendar time") from None


def _range(params: dict[str, str], now: datetime, interval: int) -> tuple[datetime, datetime, bool]:
    """(start, end inclusive, aligned) after the documented rules; raises Refused."""
    start, end = _time(params, "start_time"), _time(params, "end_time")
    if end is None:
        end = now
    if start is None:
        start = floor_to(end - DEFAULT_START, interval)
    if end <= start:
        raise param_error("end_time", "must be later than start_time")
    if end - start > MAX_SPAN:
        raise param_error("end_time", "the span may not exceed 31 days")
    if start < now - MAX_AGE:
        raise param_error("start_time", "only the past year can be queried")
    aligned = int(start.timestamp()) % interval == 0 and (int(end.timestamp()) + 1) % interval == 0
    return start, end, aligned


def _interval(params: dict[str, str]) -> int:
    text = params.get("interval", "300")
    if not text.isdigit() or int(text) not in INTERVALS:
        raise param_error("interval", "one of 300, 3600, 86400")
    return int(text)


def _domains(request: Request, account: SimAccount) -> list[SimDomain]:
    """The play domains asked for (all the tenant's when none is named); raises Refused."""
    names = _values(request, "play_domains")
    owned = [d for d in account.domains if d.fault != faults.FAULT_NOT_OWNED]
    if names is None:
        return owned
    if not names or len(names) > MAX_DOMAINS:
        raise param_error("play_domains", f"1 to {MAX_DOMAINS} domains")
    found = []
    for name in dict.fromkeys(n.lower() for n in names):
        domain = account.domain(name)
        # A domain the tenant does not own, or one on the old platform (a v1 account's), is unknown here.
        if domain is None or domain.fault == faults.FAULT_NOT_OWNED or account.api != "v2":
            raise param_error("play_domains")
        found.append(domain)
    return found


def _check_choices(request: Request) -> None:
    params = dict(request.query_pairs())
    if "service_type" in params and params["service_type"] not in SERVICE_TYPES:
        raise param_error("service_type", "Live, LLL or ALL")
    for isp in _values(request, "isp") or []:
        if isp not in ISPS:
            raise param_error("isp", "CMCC, CTCC, CUCC or OTHER")


def handle(ctx: SimContext, request: Request, request_id: str, project_id: str, api: str) -> Outcome:
    params = {k: v for k, v in request.query_pairs() if k != "play_domains"}
    named = _values(request, "play_domains")
    if named is not None:
        params["play_domains"] = ",".join(named)
    outcome = Outcome(Response(200), VENDOR_HUAWEI, params=params)
    try:
        account = authenticate(ctx, request, project_id)
    except Refused as refused:
        return refuse(outcome, refused, request_id)
    outcome.account = account.name
    limiters: ApiLimiters = ctx.service("huawei.v2.limiters", ApiLimiters)
    wait = limiters.take(account, api)
    if wait > 0:
        outcome.code = "APIGW.0308"
        outcome.response = _throttled(account, api, retry_after_header(wait), request_id)
        return outcome
    detail = api.endswith("/detail")
    now = ctx.clock.now()
    try:
        interval = _interval(params) if detail else PEAK_BUCKET
        start, end, aligned = _range(params, now, interval)
        domains = _domains(request, account)
        _check_choices(request)
    except Refused as refused:
        return refuse(outcome, refused, request_id)
    outcome.knobs = knobs = ctx.dice.knobs(account, domains[0] if len(domains) == 1 else None)
    fault = next((d.fault for d in domains if d.fault), None)
    answer = fault_answer(ctx, outcome, fault, knobs.error_rate, account, request_id,
                          lambda retry_after: _throttled(account, api, retry_after, request_id))  # fmt: skip
    if answer is not None:
        return answer
    start_ts, end_ts, now_ts = int(start.timestamp()), int(end.timestamp()) + 1, now.timestamp()
    if detail:
        body = _detail(ctx, domains, api, start_ts, end_ts, interval, now_ts)
        wrong_shape = {"data_list": "unavailable"}
    else:
        body = _per_domain(ctx, domains, api, start_ts, end_ts, now_ts)
        wrong_shape = {_LIST_KEY[api]: {"unavailable": True}}
    payload = json_response(200, body).body
    if fault == faults.FAULT_MALFORMED or ctx.dice.roll(account.name, knobs.malformed_rate):
        outcome.code = "MALFORMED"
        payload = ctx.dice.malformed(account.name, payload, json_response(200, wrong_shape).body)
    elif not aligned:
        outcome.code = "MISALIGNED"
    outcome.response = Response(200, payload)
    return outcome


_LIST_KEY = {"bandwidth/peak": "bandwidth_list", "traffic/summary": "traffic_list"}


def _detail(ctx, domains, api, start_ts, end_ts, interval, now_ts) -> dict:
    curves = [ctx.curve(d.name) for d in domains]
    rate = data.total_rate(curves)
    rows = data.buckets(rate, start_ts, end_ts, interval, now_ts)
    stamp = lambda row: iso_utc(datetime.fromtimestamp(row.start_ts, tz=UTC))
    if api == "bandwidth/detail":
        return {"data_list": [{"value": round(row.peak_bps), "time": stamp(row)} for row in rows]}
    return {"data_list": [{"value": round(row.traffic_bytes), "time": stamp(row)} for row in rows]}


def _per_domain(ctx, domains, api, start_ts, end_ts, now_ts) -> dict:
    items = []
    for domain in domains:
        rows = data.buckets(ctx.curve(domain.name).rate_bps, start_ts, end_ts, PEAK_BUCKET, now_ts)
        if api == "bandwidth/peak":
            value = max((row.peak_bps for row in rows), default=0.0)
        else:
            value = sum(row.traffic_bytes for row in rows)
        items.append({"domain": domain.name, "value": round(value)})
    return {_LIST_KEY[api]: items}


def _routes(ctx: SimContext) -> list[Route]:
    def stats(request: Request, request_id: str, match: re.Match) -> Outcome:
        return handle(ctx, request, request_id, match[1], match[2])

    path = r"/v2/([^/]+)/stats/(bandwidth/detail|traffic/detail|bandwidth/peak|traffic/summary)"
    return [Route("GET", path, stats)]


SIM = SimApi(
    vendor=VENDOR_HUAWEI,
    api="v2",
    routes=_routes,
    auth_modes=("aksk", "password", "token"),
    faults=(
        "not_owned", "malformed", "html_502", "internal_500", "throttle", "timeout", "concurrency_500",
        *HUGE_FAULTS,
    ),
    # ListDomainTrafficDetail: 20/s per user (vendors.md §E); bandwidth/detail gets 5x that (100/s).
    default_rate=20.0,
    username_suffix="-ops",
    identities=identities,
    config_entry=config_entry,
)
