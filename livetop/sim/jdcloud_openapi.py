"""JD Cloud OpenAPI live statistics: `GET /v1/describeLiveStreamBandwidthData` and
`GET /v1/describeLiveStreamTrafficData` (host live.jdcloud-api.com), fronted by a simulated JD API gateway.

Order of checks, as the gateway does it: JDCLOUD3-HMAC-SHA256 auth (401 UNAUTHENTICATED), the per-account
throttle (429 RATE_LIMIT with Retry-After), the API's documented parameter rules (400 INVALID_ARGUMENT), then
the scenario's faults, then data. Every answer is `{"requestId", "result"}` or `{"requestId", "error":
{"code", "status", "message"}}`: the official SDK reads an error only from a body holding both.

Signatures are checked as JD accepts them: whatever SignedHeaders lists (it must include host) is recomputed
from the headers as received, so both the SDK's wire form (`content-type;host`, date and nonce added after
signing) and the form of its 24 test vectors (date and nonce signed) pass. The `x-jdcloud-date` must be
within MAX_SKEW of the simulator's clock. JD's own wording of these refusals, its skew window and the code for
a domain of another account are not published: the messages here are livetop's, MAX_SKEW follows the
other vendors (15 min), and a foreign domain is 404 NOT_FOUND.

Data: each point's value is the AVERAGE bit/s over its period (JD's 平均带宽), traffic in bytes; the newest
point covers the elapsed part of its period.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone

from livetop.model import ISO_UTC_FORMAT, VENDOR_JDCLOUD, iso_utc
from livetop.sim import data, faults
from livetop.sim.context import Route, SimApi, SimContext
from livetop.sim.http11 import Request, Response, json_response
from livetop.sim.huge import HUGE_FAULTS, huge_answer
from livetop.sim.outcome import Outcome
from livetop.sim.ratelimit import retry_after_header
from livetop.sim.scenario import SimAccount
from livetop.vendors.jdcloud import jdcloud3

BANDWIDTH_PATH = "/v1/describeLiveStreamBandwidthData"
TRAFFIC_PATH = "/v1/describeLiveStreamTrafficData"
PATHS = {BANDWIDTH_PATH: "bandwidth", TRAFFIC_PATH: "traffic"}
SERVICE = jdcloud3.LIVE_SERVICE
MAX_SKEW = timedelta(minutes=15)
PERIOD_SECONDS = {
    "oneMin": 60, "fiveMin": 300, "halfHour": 1800, "hour": 3600, "twoHour": 7200, "sixHour": 21600,
    "day": 86400,
}  # fmt: skip
FOLLOW_TIME = "followTime"  # one point for the whole range
DEFAULT_PERIOD = "fiveMin"
PROTOCOLS = ("rtmp", "hdl", "hls")
_TIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
# Faults an OpenAPI domain can have (jd_status is an opencdn body status; forbidden: 403 HTTP_FORBIDDEN, a
# sub-user without permission to read this domain's statistics).
FAULT_FORBIDDEN = "forbidden"
FAULTS = (
    "not_owned", "malformed", "html_502", "internal_500", "throttle", "timeout", FAULT_FORBIDDEN,
    *HUGE_FAULTS,
)


def error_body(status: int, name: str, message: str, request_id: str, headers=None) -> Response:
    return json_response(
        status, {"requestId": request_id, "error": {"code": status, "status": name, "message": message}}, headers
    )


class _Refused(Exception):
    def __init__(self, status: int, name: str, message: str) -> None:
        self.status, self.name, self.message = status, name, message


def _unauthenticated(message: str) -> _Refused:
    return _Refused(401, "UNAUTHENTICATED", message)


def _invalid(message: str) -> _Refused:
    return _Refused(400, "INVALID_ARGUMENT", message)


def authenticate(ctx: SimContext, request: Request, accounts: Mapping[str, SimAccount]) -> SimAccount:
    """The account whose access key signed this request, the signature checked; raises _Refused."""
    header = request.headers.get("authorization")
    if not header:
        raise _unauthenticated("Authorization header is missing")
    auth = jdcloud3.parse_authorization(header)
    if auth is None:
        raise _unauthenticated("Authorization header is not JDCLOUD3-HMAC-SHA256")
    account = accounts.get(auth.access_key)
    if account is None:
        raise _unauthenticated("access key not found or disabled")
    date_header = request.headers.get(jdcloud3.DATE_HEADER, "")
    signed_at = jdcloud3.parse_jdcloud_date(date_header)
    if signed_at is None:
        raise _unauthenticated("x-jdcloud-date is missing or not yyyyMMddTHHmmssZ")
    if abs(signed_at - ctx.clock.now()) > MAX_SKEW:
        raise _unauthenticated("request date is expired or too far in the future: x-jdcloud-date must be "
                               "within 15 minutes of the server time")  # fmt: skip
    if auth.service != SERVICE or auth.date != date_header[:8]:
        raise _unauthenticated("signature does not match: the credential scope is not for this request")
    ok = jdcloud3.verify(
        secret_key=account.secret_key,
        auth=auth,
        method=request.method,
        raw_path=request.path,
        raw_query=request.raw_query,
        headers=request.headers,
        body=request.body,
    )
    if not ok:
        raise _unauthenticated("signature does not match")
    return account


def _time(params: Mapping[str, str], name: str) -> datetime | None:
    text = params.get(name)
    if text is None or text == "":
        return None
    if not _TIME_RE.fullmatch(text):
        raise _invalid(f"{name} {text[:40]!r} is invalid, expected yyyy-MM-ddTHH:mm:ssZ (UTC)")
    try:
        return datetime.strptime(text, ISO_UTC_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        raise _invalid(f"{name} {text[:40]!r} is not a valid time") from None


def check_params(params: Mapping[str, str], now: datetime) -> tuple[str, datetime, datetime]:
    """(period, start, end) after the documented parameter rules; raises _Refused."""
    start = _time(params, "startTime")
    if start is None:
        raise _invalid("startTime is required")
    end = _time(params, "endTime") or now
    if end < start:
        raise _invalid("endTime must not be earlier than startTime")
    period = params.get("period") or DEFAULT_PERIOD
    if period not in PERIOD_SECONDS and period != FOLLOW_TIME:
        raise _invalid(f"period {period[:20]!r} is invalid, expected one of "
                       f"{', '.join([*PERIOD_SECONDS, FOLLOW_TIME])}")  # fmt: skip
    limit = timedelta(days=7) if period == "oneMin" else timedelta(days=30)
    if end - start > limit:
        raise _invalid(f"the time span may not exceed {limit.days} days for period {period}")
    if params.get("appName") and not params.get("domainName"):
        raise _invalid("domainName is required when appName is given")
    if params.get("streamName") and not (params.get("domainName") and params.get("appName")):
        raise _invalid("domainName and appName are required when streamName is given")
    protocols = params.get("protocolType")
    if protocols and any(p.strip() not in PROTOCOLS for p in protocols.split(",")):
        raise _invalid(f"protocolType must be a comma list of {', '.join(PROTOCOLS)}")
    return period, start, end


def handle(
    ctx: SimContext, request: Request, request_id: str, metric: str, accounts: Mapping[str, SimAccount]
) -> Outcome:
    """One describeLiveStream{Bandwidth,Traffic}Data request; `accounts` maps access keys to the scenario's
    OpenAPI accounts."""
    params = dict(request.query_pairs())
    outcome = Outcome(Response(200), VENDOR_JDCLOUD, params=params)
    try:
        account = authenticate(ctx, request, accounts)
    except _Refused as refused:
        return _refuse(outcome, refused, request_id)
    outcome.account = account.name
    wait = ctx.limiter(account.name).take()
    if wait > 0:
        return _throttled(outcome, retry_after_header(wait), request_id)
    domain_name = params.get("domainName") or None
    domain = account.domain(domain_name) if domain_name else None
    outcome.knobs = knobs = ctx.dice.knobs(account, domain)
    now = ctx.clock.now()
    try:
        period, start, end = check_params(params, now)
        if domain_name is not None and (domain is None or domain.fault == faults.FAULT_NOT_OWNED):
            raise _Refused(404, "NOT_FOUND", f"domain {domain_name[:80]} not found")
    except _Refused as refused:
        return _refuse(outcome, refused, request_id)
    fault = domain.fault if domain else None
    if fault == faults.FAULT_THROTTLE:
        return _throttled(outcome, str(ctx.scenario.throttle_retry_after), request_id)
    if fault == FAULT_FORBIDDEN:
        refused = _Refused(403, "HTTP_FORBIDDEN", "the user has no permission to access live statistics")
        return _refuse(outcome, refused, request_id)
    if fault == faults.FAULT_HTML_502:
        outcome.response, outcome.code = faults.html_502(), "HTTP.502"
        return outcome
    if (huge := huge_answer(ctx, fault)) is not None:
        outcome.response, outcome.code = huge, fault
        return outcome
    if fault == faults.FAULT_TIMEOUT:
        outcome.hold_seconds = ctx.scenario.timeout_hold_seconds
        return _refuse(outcome, _Refused(504, "UNAVAILABLE", "Backend timeout"), request_id)
    if fault == faults.FAULT_INTERNAL_500 or ctx.dice.roll(account.name, knobs.error_rate):
        return _refuse(outcome, _Refused(500, "INTERNAL", "Internal error"), request_id)
    rate = ctx.curve(domain_name).rate_bps if domain_name else ctx.total_rate(account.name)
    points = _points(metric, rate, period, start, end, now)
    body = json_response(200, {"requestId": request_id, "result": {"dataList": points}}).body
    if fault == faults.FAULT_MALFORMED or ctx.dice.roll(account.name, knobs.malformed_rate):
        outcome.code = "MALFORMED"
        wrong_shape = json_response(200, {"requestId": request_id, "result": {"dataList": "unavailable"}}).body
        body = ctx.dice.malformed(account.name, body, wrong_shape)
    outcome.response = Response(200, body)
    return outcome


def _points(metric: str, rate, period: str, start: datetime, end: datetime, now: datetime) -> list[dict]:
    now_ts = now.timestamp()
    # An average is over the minutes the data holds: only completed minutes count (data.buckets), so the
    # elapsed time ends at the last completed minute too, or the figure would move every second.
    done_ts = now_ts - now_ts % 60
    if period == FOLLOW_TIME:
        rows = data.buckets(rate, int(start.timestamp()), int(end.timestamp()), 60, now_ts)
        if not rows:
            return []
        traffic = sum(row.traffic_bytes for row in rows)
        elapsed = max(1.0, min(end.timestamp(), done_ts) - rows[0].start_ts)
        return [_point(metric, rows[0].start_ts, int(end.timestamp()), traffic, elapsed)]
    step = PERIOD_SECONDS[period]
    rows = data.buckets(rate, int(start.timestamp()), int(end.timestamp()), step, now_ts)
    return [
        _point(metric, row.start_ts, row.start_ts + step, row.traffic_bytes,
               max(1.0, min(step, done_ts - row.start_ts)))  # fmt: skip
        for row in rows
    ]


def _point(metric: str, start_ts: int, end_ts: int, traffic_bytes: float, elapsed: float) -> dict:
    stamp = lambda ts: iso_utc(datetime.fromtimestamp(ts, tz=timezone.utc))  # noqa: E731
    if metric == "bandwidth":
        value: dict = {"value": round(traffic_bytes * 8 / elapsed)}
    else:
        value = {"value": round(traffic_bytes)}
    return {"startTime": stamp(start_ts), "endTime": stamp(end_ts), "data": value}


def _refuse(outcome: Outcome, refused: _Refused, request_id: str) -> Outcome:
    outcome.code = refused.name
    outcome.response = error_body(refused.status, refused.name, refused.message, request_id)
    return outcome


def _throttled(outcome: Outcome, retry_after: str, request_id: str) -> Outcome:
    outcome.code = "RATE_LIMIT"
    outcome.response = error_body(
        429, "RATE_LIMIT", "Requests rate limit exceeded", request_id, [("Retry-After", retry_after)]
    )
    return outcome


def _by_access_key(ctx: SimContext) -> dict[str, SimAccount]:
    return ctx.service(
        "jdcloud.openapi.keys", lambda: {a.access_key: a for a in ctx.accounts(VENDOR_JDCLOUD, "openapi")}
    )


def _routes(ctx: SimContext) -> list[Route]:
    def route(path: str, metric: str) -> Route:
        return Route("GET", re.escape(path), lambda request, request_id, match: handle(
            ctx, request, request_id, metric, _by_access_key(ctx)))  # fmt: skip

    return [route(path, metric) for path, metric in PATHS.items()]


def _config_entry(account: SimAccount, ctx: SimContext, url: str) -> dict:
    return {"auth": "aksk", "access_key": account.access_key, "secret_key": account.secret_key}


SIM = SimApi(
    vendor=VENDOR_JDCLOUD,
    api="openapi",
    routes=_routes,
    auth_modes=("aksk",),
    faults=FAULTS,
    # JD publishes no limit (vendors.md §E); 10/s as livetop assumes.
    default_rate=10.0,
    username_suffix="_pin",
    identities=lambda account: [(("jd-ak", account.access_key), "access_key")],
    config_entry=_config_entry,
)
