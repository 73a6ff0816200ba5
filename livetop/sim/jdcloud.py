"""JD Cloud opencdn `POST /api/live/bandwidth_flow`.

Credentials sit in the JSON body: `signature` must be MD5(yyyymmdd + username + secret) for the simulator
clock's Beijing date. Strict like the vendor: a signature made with yesterday's date is refused even a
second after Beijing midnight (a client must sign with the date it sends the request on).
Failures are HTTP 200 with `status` != 0: 1 signature, 2 parameters, 3 domain not owned; the throttle and
internal errors come from the gateway in front (JD OpenAPI-style bodies).
"""

from __future__ import annotations

import hmac
import json
import re
from datetime import datetime, timedelta

from livetop.model import VENDOR_JDCLOUD
from livetop.sim import data, faults
from livetop.sim.context import Route, SimApi, SimContext
from livetop.sim.http11 import Request, Response, json_response
from livetop.sim.huge import HUGE_FAULTS, huge_answer
from livetop.sim.outcome import Outcome
from livetop.sim.ratelimit import retry_after_header
from livetop.sim.scenario import SimAccount
from livetop.vendors.jdcloud.signature import BEIJING, beijing_date, md5_signature

STATUS_SIGNATURE, STATUS_PARAMS, STATUS_NOT_OWNED = 1, 2, 3
STATUS_BUSY = 5  # the "jd_status" fault: an undocumented non-zero status, as a real backend might send
POINT_SECONDS = 300
MAX_SPAN = timedelta(days=30)
_TIME_RE = re.compile(r"(\d{4}-\d{2}-\d{2})\s+(\d{2}:\d{2})")
TIME_POINTS = ("startTime", "endTime")


def gateway_error(status: int, code_name: str, message: str, request_id: str, headers=None) -> Response:
    body = {"requestId": request_id, "error": {"code": status, "status": code_name, "message": message}}
    return json_response(status, body, headers)


class _Failed(Exception):
    def __init__(self, status: int, msg: str) -> None:
        self.status, self.msg = status, msg


def _parse_time(body: dict, name: str) -> datetime | None:
    value = body.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    match = _TIME_RE.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise _Failed(STATUS_PARAMS, f"{name} format error")
    try:
        return datetime.strptime(f"{match[1]} {match[2]}", "%Y-%m-%d %H:%M").replace(tzinfo=BEIJING)
    except ValueError:
        raise _Failed(STATUS_PARAMS, f"{name} format error") from None


def handle_bandwidth_flow(ctx: SimContext, request: Request, request_id: str) -> Outcome:
    outcome = Outcome(Response(200), VENDOR_JDCLOUD)
    try:
        body = json.loads(request.body)
        if not isinstance(body, dict):
            raise ValueError
    except ValueError:
        return _fail(outcome, _Failed(STATUS_PARAMS, "request body is not a JSON object"))
    outcome.params = {k: str(v) for k, v in body.items() if k != "signature"}
    username = str(body.get("username") or "").strip()
    account = _by_username(ctx).get(username)
    signature = str(body.get("signature") or "").strip().lower()
    if account is None:
        return _fail(outcome, _Failed(STATUS_SIGNATURE, "signature error"))
    outcome.account = account.name
    expected = md5_signature(beijing_date(ctx.clock.now()), username, account.secret_key)
    if not hmac.compare_digest(expected, signature):
        return _fail(outcome, _Failed(STATUS_SIGNATURE, "signature error"))
    wait = ctx.limiter(account.name).take()
    if wait > 0:
        return _throttled(outcome, retry_after_header(wait), request_id)
    domain_name = str(body.get("domain") or "").strip()
    domain = account.domain(domain_name)
    outcome.knobs = knobs = ctx.dice.knobs(account, domain)
    now = ctx.clock.now()
    try:
        if not domain_name:
            raise _Failed(STATUS_PARAMS, "domain is required")
        start = _parse_time(body, "start_time")
        if start is None:
            raise _Failed(STATUS_PARAMS, "start_time format error")
        end = _parse_time(body, "end_time") or now.astimezone(BEIJING).replace(second=0, microsecond=0)
        if end < start:
            raise _Failed(STATUS_PARAMS, "end_time is earlier than start_time")
        if end - start > MAX_SPAN:
            raise _Failed(STATUS_PARAMS, "time span exceeds 30 days")
        time_point = str(body.get("time_point") or "endTime").strip()
        if time_point not in TIME_POINTS:
            raise _Failed(STATUS_PARAMS, "time_point must be startTime or endTime")
        if domain is None or domain.fault == faults.FAULT_NOT_OWNED:
            raise _Failed(STATUS_NOT_OWNED, "domain not belong to user")
    except _Failed as failed:
        return _fail(outcome, failed)
    fault = domain.fault
    if fault == faults.FAULT_THROTTLE:
        return _throttled(outcome, str(ctx.scenario.throttle_retry_after), request_id)
    if fault == faults.FAULT_HTML_502:
        outcome.response, outcome.code = faults.html_502(), "HTTP.502"
        return outcome
    if (huge := huge_answer(ctx, fault)) is not None:
        outcome.response, outcome.code = huge, fault
        return outcome
    if fault == faults.FAULT_TIMEOUT:
        outcome.hold_seconds = ctx.scenario.timeout_hold_seconds
        outcome.response = gateway_error(504, "UNAVAILABLE", "Backend timeout", request_id)
        outcome.code = "UNAVAILABLE"
        return outcome
    if fault == faults.FAULT_JD_STATUS:
        return _fail(outcome, _Failed(STATUS_BUSY, "system busy, please try again later"))
    if fault == faults.FAULT_INTERNAL_500 or ctx.dice.roll(account.name, knobs.error_rate):
        outcome.response, outcome.code = (
            gateway_error(500, "INTERNAL", "Internal error", request_id),
            "INTERNAL",
        )
        return outcome
    start_ts, end_ts = int(start.timestamp()), int(end.timestamp())
    label_shift = POINT_SECONDS if time_point == "endTime" else 0
    # A point labelled L is returned when start <= L <= end; with endTime labels L is its bucket's end.
    rows = data.buckets(
        ctx.curve(domain_name).rate_bps,
        start_ts - label_shift,
        end_ts - label_shift + 1,
        POINT_SECONDS,
        now.timestamp(),
    )
    key = f" {domain_name} "  # padded like the vendor's own example
    points = [
        {
            datetime.fromtimestamp(row.start_ts + label_shift, tz=BEIJING).strftime("%Y-%m-%d %H:%M"): {
                key: {"bandwidth": round(row.peak_bps / 1e6, 2), "flow": round(row.traffic_bytes / 1e6, 2)}
            }
        }
        for row in rows
    ]
    payload = json_response(200, {"status": 0, "msg": "成功", "data": points}).body
    if fault == faults.FAULT_MALFORMED or ctx.dice.roll(account.name, knobs.malformed_rate):
        outcome.code = "MALFORMED"
        payload = ctx.dice.malformed(
            account.name, payload, json_response(200, {"status": 0, "msg": "成功", "data": {}}).body
        )
    outcome.response = Response(200, payload)
    return outcome


def _fail(outcome: Outcome, failed: _Failed) -> Outcome:
    outcome.code = f"JD.STATUS.{failed.status}"
    outcome.response = json_response(200, {"status": failed.status, "msg": failed.msg})
    return outcome


def _throttled(outcome: Outcome, retry_after: str, request_id: str) -> Outcome:
    outcome.code = "RATE_LIMIT"
    outcome.response = gateway_error(
        429, "RATE_LIMIT", "Requests rate limit exceeded", request_id, [("Retry-After", retry_after)]
    )
    return outcome


def _by_username(ctx: SimContext) -> dict[str, SimAccount]:
    return ctx.service(
        "jdcloud.opencdn.users", lambda: {a.username: a for a in ctx.accounts(VENDOR_JDCLOUD, "opencdn")}
    )


def _routes(ctx: SimContext) -> list[Route]:
    return [
        Route(
            "POST",
            "/api/live/bandwidth_flow",
            lambda request, request_id, match: handle_bandwidth_flow(ctx, request, request_id),
        )
    ]


def _config_entry(account: SimAccount, ctx: SimContext, url: str) -> dict:
    return {"auth": "md5", "username": account.username, "secret_key": account.secret_key}


SIM = SimApi(
    vendor=VENDOR_JDCLOUD,
    api="opencdn",
    routes=_routes,
    auth_modes=("md5",),
    faults=(
        "not_owned", "malformed", "html_502", "internal_500", "throttle", "timeout", "jd_status",
        *HUGE_FAULTS,
    ),
    # JD publishes no limit (vendors.md §E); 10/s as livetop assumes.
    default_rate=10.0,
    username_suffix="_pin",
    identities=lambda account: [(("jd-user", account.username), "username")],
    config_entry=_config_entry,
)
