"""Huawei Cloud Live v1 `GET /v1/{project_id}/stream/bandwidth|traffic`, fronted by a simulated API gateway.

Order of checks, as the vendor's stack does it: gateway auth (token or AK/SK signature, 401 APIGW.*), the
per-user throttle (429 APIGW.0308), then Live's own parameter rules (400 LIVE.100011001), then the
scenario's faults, then data.
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
    fault_answer,
    identities,
    param_error,
    refuse,
    throttled,
)
from livetop.sim.huge import HUGE_FAULTS
from livetop.sim.outcome import Outcome
from livetop.sim.ratelimit import retry_after_header

STEPS_MINUTES = (1, 5, 15, 30, 60, 240, 1440)
DEFAULT_STEP_MINUTES = 5
MAX_SPAN = timedelta(days=30)
MAX_AGE = timedelta(days=90)  # "the past three months"
_TIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
INFO_KEY = {"bandwidth": "bandwidth_info", "traffic": "traffic_info"}


def _parse_time(params: dict[str, str], name: str) -> datetime | None:
    text = params.get(name)
    if text is None:
        return None
    if not _TIME_RE.fullmatch(text):
        raise param_error(name, "expected yyyy-MM-ddTHH:mm:ssZ, UTC")
    try:
        return datetime.strptime(text, ISO_UTC_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise param_error(name, "not a calendar time") from None


def _time_range(params: dict[str, str], now: datetime, step_seconds: int) -> tuple[datetime, datetime]:
    start, end = _parse_time(params, "start_time"), _parse_time(params, "end_time")
    if start is None and end is not None:
        raise param_error("start_time", "end_time given without start_time")
    if start is None:
        # Neither given: the latest statistical period.
        start = floor_to(now, step_seconds)
        return start, start + timedelta(seconds=step_seconds)
    if end is None:
        end = now
    if end < start:
        raise param_error("end_time", "earlier than start_time")
    if end - start > MAX_SPAN:
        raise param_error("end_time", "the span may not exceed 30 days")
    if start < now - MAX_AGE:
        raise param_error("start_time", "only the past three months can be queried")
    return start, end


def _step_seconds(params: dict[str, str]) -> int:
    text = params.get("step", str(DEFAULT_STEP_MINUTES))
    if not text.isdigit() or int(text) not in STEPS_MINUTES:
        raise param_error("step", f"one of {', '.join(map(str, STEPS_MINUTES))} minutes")
    return int(text) * 60


def handle_live(ctx: SimContext, request: Request, request_id: str, project_id: str, metric: str) -> Outcome:
    params = dict(request.query_pairs())
    outcome = Outcome(Response(200), VENDOR_HUAWEI, params=params)
    try:
        account = authenticate(ctx, request, project_id)
    except Refused as refused:
        return refuse(outcome, refused, request_id)
    outcome.account = account.name
    wait = ctx.limiter(account.name).take()
    if wait > 0:
        outcome.code = "APIGW.0308"
        outcome.response = throttled(account, retry_after_header(wait), request_id)
        return outcome
    if account.api != "v1":
        # The account's domains are on the current live platform: the legacy API does not serve them.
        retired = Refused(400, "LIVE.100011006", "The API is not supported in this version.")
        return refuse(outcome, retired, request_id)
    domain_name = params.get("domain")
    domain = account.domain(domain_name) if domain_name else None
    outcome.knobs = knobs = ctx.dice.knobs(account, domain)
    try:
        step_seconds = _step_seconds(params)
        start, end = _time_range(params, ctx.clock.now(), step_seconds)
        if domain_name is not None and (domain is None or domain.fault == faults.FAULT_NOT_OWNED):
            raise param_error("domain")
    except Refused as refused:
        return refuse(outcome, refused, request_id)
    fault = domain.fault if domain else None
    answer = fault_answer(ctx, outcome, fault, knobs.error_rate, account, request_id,
                          lambda retry_after: throttled(account, retry_after, request_id))  # fmt: skip
    if answer is not None:
        return answer
    rate = ctx.curve(domain_name).rate_bps if domain_name else ctx.total_rate(account.name)
    rows = data.buckets(
        rate, int(start.timestamp()), int(end.timestamp()), step_seconds, ctx.clock.now().timestamp()
    )
    body = json_response(200, _payload(metric, rows)).body
    if fault == faults.FAULT_MALFORMED or ctx.dice.roll(account.name, knobs.malformed_rate):
        outcome.code = "MALFORMED"
        wrong_shape = json_response(200, {"total": len(rows), INFO_KEY[metric]: "unavailable"}).body
        body = ctx.dice.malformed(account.name, body, wrong_shape)
    outcome.response = Response(200, body)
    return outcome


def _payload(metric: str, rows: list[data.Bucket]) -> dict:
    stamps = [iso_utc(datetime.fromtimestamp(row.start_ts, tz=UTC)) for row in rows]
    if metric == "bandwidth":
        info = [{"bw_bps": round(row.peak_bps), "timestamp": ts} for row, ts in zip(rows, stamps)]
    else:
        info = [{"traffic": round(row.traffic_bytes), "timestamp": ts} for row, ts in zip(rows, stamps)]
    return {"total": len(info), INFO_KEY[metric]: info}


def _routes(ctx: SimContext) -> list[Route]:
    def live(request: Request, request_id: str, match: re.Match) -> Outcome:
        return handle_live(ctx, request, request_id, match[1], match[2])

    return [Route("GET", r"/v1/([^/]+)/stream/(bandwidth|traffic)", live)]


SIM = SimApi(
    vendor=VENDOR_HUAWEI,
    api="v1",
    routes=_routes,
    auth_modes=("aksk", "password", "token"),
    faults=(
        "not_owned", "malformed", "html_502", "internal_500", "throttle", "timeout", "concurrency_500",
        *HUGE_FAULTS,
    ),
    # Huawei v1 documents 300/min per user (vendors.md §E).
    default_rate=5.0,
    username_suffix="-ops",
    identities=identities,
    config_entry=config_entry,
)
