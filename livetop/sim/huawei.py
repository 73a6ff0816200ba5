"""Huawei Cloud Live v1 `GET /v1/{project_id}/stream/bandwidth|traffic`, fronted by a simulated API gateway.

Order of checks, as the vendor's stack does it: gateway auth (token or AK/SK signature, 401 APIGW.*), the
per-user throttle (429 APIGW.0308), then Live's own parameter rules (400 LIVE.100011001), then the
scenario's faults, then data.
"""

from __future__ import annotations

import hmac
import re
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from livetop.model import ISO_UTC_FORMAT, VENDOR_HUAWEI, floor_to, iso_utc
from livetop.sim import data, faults
from livetop.sim.http11 import Request, Response, json_response
from livetop.sim.outcome import Outcome
from livetop.sim.ratelimit import retry_after_header
from livetop.sim.scenario import SimAccount
from livetop.vendors.huawei import signer

if TYPE_CHECKING:
    from livetop.sim.server import Simulator

STEPS_MINUTES = (1, 5, 15, 30, 60, 240, 1440)
DEFAULT_STEP_MINUTES = 5
MAX_SPAN = timedelta(days=30)
MAX_AGE = timedelta(days=90)  # "the past three months"
MAX_SKEW = timedelta(minutes=15)
_TIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_SDK_DATE_RE = re.compile(r"\d{8}T\d{6}Z")
INFO_KEY = {"bandwidth": "bandwidth_info", "traffic": "traffic_info"}


def error_response(status: int, code: str, message: str, request_id: str, headers=None) -> Response:
    """The gateway / Live error body: error_code, error_msg, request_id."""
    return json_response(
        status, {"error_code": code, "error_msg": message, "request_id": request_id}, headers
    )


def api_not_found(request_id: str) -> Outcome:
    response = error_response(
        404, "APIGW.0101", "The API does not exist or has not been published in the environment", request_id
    )
    return Outcome(response, VENDOR_HUAWEI, code="APIGW.0101")


def throttled(account: SimAccount, retry_after: str, request_id: str) -> Response:
    limit = max(1, round(account.rate_per_second * 60))
    message = (
        f"The throttling threshold has been reached: policy user over ratelimit,limit:{limit},time:1 minute"
    )
    return error_response(429, "APIGW.0308", message, request_id, [("Retry-After", retry_after)])


class _Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        self.status, self.code, self.message = status, code, message


def _param_error(name: str, detail: str = "") -> _Refused:
    return _Refused(
        400, "LIVE.100011001", f"Invalid request parameter: {name}" + (f" ({detail})" if detail else "")
    )


def _auth_error(message: str, code: str = "APIGW.0301") -> _Refused:
    return _Refused(401, code, message)


def authenticate(sim: Simulator, request: Request, project_id: str) -> SimAccount:
    """The account whose credentials signed or authorised this request; raises _Refused."""
    token = request.headers.get("x-auth-token")
    authorization = request.headers.get("authorization")
    if token:
        issued = sim.iam.lookup(token)
        if issued is None:
            raise _auth_error("decrypt token fail")
        if sim.iam.is_expired(issued):
            raise _auth_error("The token must be updated.", "APIGW.0307")
        account = sim.scenario.account(issued.account)
        assert account is not None
        if issued.project_id != project_id:
            raise _Refused(
                401, "LIVE.100011015", "The project ID in the URI does not match the token's project."
            )
        return account
    if authorization:
        return _verify_aksk(sim, request, project_id, authorization)
    raise _auth_error("x-auth-token not found")


def _verify_aksk(sim: Simulator, request: Request, project_id: str, authorization: str) -> SimAccount:
    parts = signer.parse_authorization(authorization)
    if parts is None:
        raise _auth_error("verify aksk signature fail")
    account = sim.accounts_by_access_key.get(parts["Access"])
    if account is None:
        raise _auth_error("Get secretKey failed")
    signed = [name for name in parts["SignedHeaders"].split(";") if name]
    if (
        "host" not in signed
        or "x-sdk-date" not in signed
        or any(name not in request.headers for name in signed)
    ):
        raise _auth_error("verify aksk signature fail")
    sdk_date = request.headers["x-sdk-date"]
    if not _SDK_DATE_RE.fullmatch(sdk_date):
        raise _auth_error("the request time is out of range")
    try:
        signed_at = datetime.strptime(sdk_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        raise _auth_error("the request time is out of range") from None
    if abs(signed_at - sim.clock.now()) > MAX_SKEW:
        raise _auth_error("the request time is out of range")
    canonical = signer.canonical_request(
        request.method, request.path, request.query_pairs(), request.headers, signed, request.body
    )
    expected = signer.signature(account.secret_key, signer.string_to_sign(canonical, sdk_date))
    if not hmac.compare_digest(expected, parts["Signature"]):
        raise _auth_error("verify aksk signature fail")
    if request.headers.get("x-project-id") != project_id:
        raise _Refused(401, "LIVE.100011015", "X-Project-Id does not match the project ID in the URI.")
    return account


def _parse_time(params: dict[str, str], name: str) -> datetime | None:
    text = params.get(name)
    if text is None:
        return None
    if not _TIME_RE.fullmatch(text):
        raise _param_error(name, "expected yyyy-MM-ddTHH:mm:ssZ, UTC")
    try:
        return datetime.strptime(text, ISO_UTC_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        raise _param_error(name, "not a calendar time") from None


def _time_range(params: dict[str, str], now: datetime, step_seconds: int) -> tuple[datetime, datetime]:
    start, end = _parse_time(params, "start_time"), _parse_time(params, "end_time")
    if start is None and end is not None:
        raise _param_error("start_time", "end_time given without start_time")
    if start is None:
        # Neither given: the latest statistical period.
        start = floor_to(now, step_seconds)
        return start, start + timedelta(seconds=step_seconds)
    if end is None:
        end = now
    if end < start:
        raise _param_error("end_time", "earlier than start_time")
    if end - start > MAX_SPAN:
        raise _param_error("end_time", "the span may not exceed 30 days")
    if start < now - MAX_AGE:
        raise _param_error("start_time", "only the past three months can be queried")
    return start, end


def _step_seconds(params: dict[str, str]) -> int:
    text = params.get("step", str(DEFAULT_STEP_MINUTES))
    if not text.isdigit() or int(text) not in STEPS_MINUTES:
        raise _param_error("step", f"one of {', '.join(map(str, STEPS_MINUTES))} minutes")
    return int(text) * 60


def handle_live(sim: Simulator, request: Request, request_id: str, project_id: str, metric: str) -> Outcome:
    params = dict(request.query_pairs())
    outcome = Outcome(Response(200), VENDOR_HUAWEI, params=params)
    try:
        account = authenticate(sim, request, project_id)
    except _Refused as refused:
        return _refuse(outcome, refused, request_id)
    outcome.account = account.name
    wait = sim.limiter(account.name).take()
    if wait > 0:
        outcome.code = "APIGW.0308"
        outcome.response = throttled(account, retry_after_header(wait), request_id)
        return outcome
    domain_name = params.get("domain")
    domain = account.domain(domain_name) if domain_name else None
    outcome.knobs = knobs = sim.dice.knobs(account, domain)
    try:
        step_seconds = _step_seconds(params)
        start, end = _time_range(params, sim.clock.now(), step_seconds)
        if domain_name is not None and (domain is None or domain.fault == faults.FAULT_NOT_OWNED):
            raise _param_error("domain")
    except _Refused as refused:
        return _refuse(outcome, refused, request_id)
    fault = domain.fault if domain else None
    if fault == faults.FAULT_THROTTLE:
        outcome.code = "APIGW.0308"
        outcome.response = throttled(account, str(sim.scenario.throttle_retry_after), request_id)
        return outcome
    if fault == faults.FAULT_HTML_502:
        outcome.response, outcome.code = faults.html_502(), "HTTP.502"
        return outcome
    if fault == faults.FAULT_TIMEOUT:
        outcome.hold_seconds = sim.scenario.timeout_hold_seconds
        return _refuse(outcome, _Refused(504, "APIGW.0201", "Backend timeout."), request_id)
    if fault == faults.FAULT_CONCURRENCY_500:
        refused = _Refused(500, "LIVE.100011007", "The number of concurrent requests exceeds the limit.")
        return _refuse(outcome, refused, request_id)
    if fault == faults.FAULT_INTERNAL_500 or sim.dice.roll(account.name, knobs.error_rate):
        return _refuse(outcome, _Refused(500, "LIVE.100011005", "Internal server error."), request_id)
    rate = sim.curve(domain_name).rate_bps if domain_name else sim.total_rate(account.name)
    rows = data.buckets(
        rate, int(start.timestamp()), int(end.timestamp()), step_seconds, sim.clock.now().timestamp()
    )
    body = json_response(200, _payload(metric, rows)).body
    if fault == faults.FAULT_MALFORMED or sim.dice.roll(account.name, knobs.malformed_rate):
        outcome.code = "MALFORMED"
        wrong_shape = json_response(200, {"total": len(rows), INFO_KEY[metric]: "unavailable"}).body
        body = sim.dice.malformed(account.name, body, wrong_shape)
    outcome.response = Response(200, body)
    return outcome


def _payload(metric: str, rows: list[data.Bucket]) -> dict:
    stamps = [iso_utc(datetime.fromtimestamp(row.start_ts, tz=timezone.utc)) for row in rows]
    if metric == "bandwidth":
        info = [{"bw_bps": round(row.peak_bps), "timestamp": ts} for row, ts in zip(rows, stamps)]
    else:
        info = [{"traffic": round(row.traffic_bytes), "timestamp": ts} for row, ts in zip(rows, stamps)]
    return {"total": len(info), INFO_KEY[metric]: info}


def _refuse(outcome: Outcome, refused: _Refused, request_id: str) -> Outcome:
    outcome.code = refused.code
    outcome.response = error_response(refused.status, refused.code, refused.message, request_id)
    return outcome
