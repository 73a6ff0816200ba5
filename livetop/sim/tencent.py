"""Tencent Cloud Live API 3.0: `POST /` (or `GET /?...`) with X-TC-Action DescribeBillBandwidthAndFluxList.

As strict as Tencent's front end, in its order: the TC3-HMAC-SHA256 Authorization header (well-formed, a
known SecretId, a timestamp within 5 minutes of the simulator's clock, the credential date matching it, the
signature over the headers it lists), the action and version, the account's rate limit, then the API's
parameter rules (StartTime/EndTime formats and order, span <= 31 days, <= 1 day at Granularity 5, 3 years
back, Granularity 5/60/1440, no unknown parameters), then the scenario's faults, then data.

Every API error is HTTP 200 with `{"Response": {"Error": {"Code", "Message"}, "RequestId"}}` and
Content-Type exactly `application/json` (the official SDK reads Response.Error only for that content type or
text/plain: tencentcloud-sdk-python-common 3.1.195 `abstract_client.py` `_check_error`). A gateway in front
can still answer an HTML 502 (the "html_502" fault).

Several PlayDomains are summed into one series, as Tencent merges them. Values: Bandwidth in Mbps (the
5-minute peak), Flux in MB, both with UNIT_BASE = 1024 (the reading livetop defaults to; see
livetop/vendors/tencent/parse.py); times in the format the request used.
"""

from __future__ import annotations

import email.utils
import hashlib
import hmac
import json
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl

from livetop.sim import data, faults
from livetop.sim.context import Route, SimApi, SimContext
from livetop.sim.http11 import Request, Response
from livetop.sim.huge import HUGE_FAULTS, huge_answer
from livetop.sim.outcome import Outcome
from livetop.sim.scenario import SimAccount
from livetop.vendors.tencent import VENDOR_TENCENT, signer
from livetop.vendors.tencent.timerules import BEIJING, BEIJING_FORMAT, parse_time

ACTION = "DescribeBillBandwidthAndFluxList"
VERSION = "2018-08-01"
SERVICE = "live"
MAX_SKEW = timedelta(minutes=5)
MAX_SPAN = timedelta(days=31)
MAX_SPAN_FINE = timedelta(days=1)
LOOKBACK = timedelta(days=3 * 365)
GRANULARITIES = (5, 60, 1440)
UNIT_BASE = 1024
POINT_SECONDS = 300
VALUE_DECIMALS = 4
PARAMS = (
    "StartTime",
    "EndTime",
    "PlayDomains",
    "MainlandOrOversea",
    "Granularity",
    "ServiceName",
    "RegionNames",
)
_LIST_ITEM = re.compile(r"^(PlayDomains|RegionNames)\.(\d+)$")
UTC_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def matches(request: Request) -> bool:
    """A Tencent API 3.0 request: the action travels in the X-TC-Action header."""
    return "x-tc-action" in request.headers


def error_response(code: str, message: str, request_id: str) -> Response:
    body = {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": request_id}}
    return _json(body)


def _json(payload: object) -> Response:
    # Tencent's own encoding (non-ASCII escaped), and Content-Type exactly application/json.
    return Response(200, json.dumps(payload).encode("ascii"), content_type="application/json")


class _Refused(Exception):
    def __init__(self, code: str, message: str) -> None:
        self.code, self.message = code, message


def _account(ctx: SimContext, secret_id: str) -> SimAccount | None:
    by_secret_id = ctx.service(
        "tencent.bill.secret_ids", lambda: {a.access_key: a for a in ctx.accounts(VENDOR_TENCENT, "bill")}
    )
    return by_secret_id.get(secret_id)


def authenticate(ctx: SimContext, request: Request) -> SimAccount:
    """The account whose SecretId signed the request; raises _Refused with Tencent's code."""
    header = request.headers.get("authorization", "")
    parts = signer.parse_authorization(header)
    if parts is None:
        raise _Refused("AuthFailure.InvalidAuthorization", "Authorization header is not TC3-HMAC-SHA256.")
    account = _account(ctx, parts["SecretId"])
    if account is None:
        raise _Refused(
            "AuthFailure.SecretIdNotFound",
            "The SecretId is not found, please ensure that your SecretId is correct.",
        )
    raw_ts = request.headers.get("x-tc-timestamp", "")
    if not raw_ts.isdigit():
        raise _Refused("MissingParameter", "The request is missing a required parameter `X-TC-Timestamp`.")
    timestamp = int(raw_ts)
    skew = abs(ctx.clock.now().timestamp() - timestamp)
    if skew > MAX_SKEW.total_seconds():
        raise _Refused(
            "AuthFailure.SignatureExpire",
            f"Signature expired. Timestamp {timestamp} differs from the server time by {int(skew)} s "
            "(at most 5 minutes); check that the local time is synchronised.",
        )
    signed = parts["SignedHeaders"].split(";")
    if "content-type" not in signed or "host" not in signed or any(n not in request.headers for n in signed):
        raise _Refused(
            "AuthFailure.SignatureFailure", "SignedHeaders must list content-type and host, all present."
        )
    if parts["Service"] != SERVICE or parts["Date"] != signer.sign_date(timestamp):
        raise _Refused("AuthFailure.SignatureFailure", "The credential scope does not match the request.")
    method = request.method.upper()
    path, _, query = request.target.partition("?")
    payload = b"" if method == "GET" else request.body
    if request.headers.get("x-tc-content-sha256") == "UNSIGNED-PAYLOAD":
        payload = b"UNSIGNED-PAYLOAD"
    # Canonical headers: names and values lower-cased and trimmed (Tencent's signature v3 page).
    canonical_headers = "".join(f"{n}:{request.headers[n].strip().lower()}\n" for n in signed)
    canonical = "\n".join(
        [method, path, query if method == "GET" else "", canonical_headers, ";".join(signed),
         hashlib.sha256(payload).hexdigest()]
    )  # fmt: skip
    expected = signer.signature(
        account.secret_key, parts["Date"], SERVICE, signer.string_to_sign(timestamp, SERVICE, canonical)
    )
    if not hmac.compare_digest(expected, parts["Signature"]):
        raise _Refused(
            "AuthFailure.SignatureFailure",
            "The provided credentials could not be validated. Please check your signature is correct.",
        )
    return account


def _params(request: Request) -> dict:
    if request.method.upper() == "GET":
        params: dict = {}
        for key, value in parse_qsl(request.target.partition("?")[2], keep_blank_values=True):
            item = _LIST_ITEM.match(key)
            if item:
                params.setdefault(item[1], []).append(value)
            elif key == "Granularity":
                params[key] = int(value) if value.lstrip("-").isdigit() else value
            else:
                params[key] = value
        return params
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        raise _Refused("InvalidRequest", "POST requests must be application/json.")
    try:
        params = json.loads(request.body or b"{}")
    except ValueError:
        raise _Refused("InvalidRequest", "The request body is not valid JSON.") from None
    if not isinstance(params, dict):
        raise _Refused("InvalidRequest", "The request body must be a JSON object.")
    return params


def _time(params: dict, name: str) -> tuple[datetime, bool]:
    """(UTC time, whether it was given in the UTC format)."""
    value = params.get(name)
    if value is None or value == "":
        raise _Refused("MissingParameter", f"The request is missing a required parameter `{name}`.")
    try:
        return parse_time(value), isinstance(value, str) and value.endswith("Z")
    except ValueError:
        raise _Refused("InvalidParameter", f"{name} format error: {str(value)[:40]}") from None


def handle(ctx: SimContext, request: Request, request_id: str) -> Outcome:
    outcome = Outcome(Response(200), VENDOR_TENCENT)
    try:
        account = authenticate(ctx, request)
    except _Refused as refused:
        return _refuse(ctx, outcome, refused, request_id)
    outcome.account = account.name
    try:
        if request.headers.get("x-tc-version") != VERSION:
            raise _Refused("NoSuchVersion", "The requested version does not exist for this action.")
        if request.headers.get("x-tc-action") != ACTION:
            raise _Refused("InvalidAction", "The requested action does not exist.")
    except _Refused as refused:
        return _refuse(ctx, outcome, refused, request_id)
    if ctx.limiter(account.name).take() > 0:
        return _refuse(
            ctx,
            outcome,
            _Refused(
                "RequestLimitExceeded",
                f"Your current request times exceeds the frequency limit `{account.rate_per_second:g}` for a "
                "second. Please reduce the frequency of calls.",
            ),
            request_id,
        )
    try:
        params = _params(request)
        outcome.params = {k: json.dumps(v) if not isinstance(v, str) else v for k, v in params.items()}
        unknown = [k for k in params if k not in PARAMS]
        if unknown:
            raise _Refused("UnknownParameter", f"The parameter `{unknown[0]}` is not recognized.")
        start, utc_format = _time(params, "StartTime")
        end, _ = _time(params, "EndTime")
        granularity = params.get("Granularity", 5)
        if isinstance(granularity, bool) or granularity not in GRANULARITIES:
            raise _Refused("InvalidParameterValue", "Granularity must be 5, 60 or 1440.")
        if end < start:
            raise _Refused("InvalidParameter", "EndTime must not be earlier than StartTime.")
        if end - start > MAX_SPAN:
            raise _Refused("InvalidParameter", "The time span must not exceed 31 days.")
        if granularity == 5 and end - start > MAX_SPAN_FINE:
            raise _Refused("InvalidParameter", "At 5-minute granularity the time span must not exceed 1 day.")
        if start < ctx.clock.now() - LOOKBACK:
            raise _Refused("InvalidParameter", "Only data of the last 3 years can be queried.")
        domains = params.get("PlayDomains") or []
        if not isinstance(domains, list) or not all(isinstance(d, str) and d for d in domains):
            raise _Refused("InvalidParameter", "PlayDomains must be a list of domain names.")
        owned = []
        for name in domains:
            dom = account.domain(name)
            if dom is None or dom.fault == faults.FAULT_NOT_OWNED:
                raise _Refused("ResourceNotFound.DomainNotExist", f"Domain {name} does not exist.")
            owned.append(dom)
    except _Refused as refused:
        return _refuse(ctx, outcome, refused, request_id)
    outcome.knobs = knobs = ctx.dice.knobs(account, owned[0] if len(owned) == 1 else None)
    fault = next((d.fault for d in owned if d.fault), None)
    if fault == faults.FAULT_THROTTLE:
        return _refuse(
            ctx, outcome, _Refused("RequestLimitExceeded", "Request rate limit exceeded."), request_id
        )
    if fault == faults.FAULT_HTML_502:
        outcome.response, outcome.code = faults.html_502(), "HTTP.502"
        return outcome
    if (huge := huge_answer(ctx, fault)) is not None:
        outcome.response, outcome.code = huge, fault
        return outcome
    if fault == faults.FAULT_TIMEOUT:
        outcome.hold_seconds = ctx.scenario.timeout_hold_seconds
        return _refuse(ctx, outcome, _Refused("InternalError", "Backend timeout."), request_id)
    if fault == faults.FAULT_INTERNAL_500 or ctx.dice.roll(account.name, knobs.error_rate):
        return _refuse(
            ctx,
            outcome,
            _Refused("InternalError", "An internal error has occurred. Retry your request."),
            request_id,
        )  # noqa: E501
    body = bill_response(
        ctx, account, [d.name for d in owned], start, end, granularity, utc_format, request_id
    )
    payload = _json(body).body
    if fault == faults.FAULT_MALFORMED or ctx.dice.roll(account.name, knobs.malformed_rate):
        outcome.code = "MALFORMED"
        payload = ctx.dice.malformed(account.name, payload, _json({"Response": {"DataInfoList": {}}}).body)
    outcome.response = Response(200, payload, content_type="application/json", headers=[_date(ctx)])
    return outcome


def mbps(bps: float) -> float:
    """The simulator's wire value of a bandwidth (and, with bytes, of a flux): what livetop must read back."""
    return round(bps / UNIT_BASE**2, VALUE_DECIMALS)


def rows(ctx: SimContext, account: SimAccount, domains: list[str], start: datetime, end: datetime):
    """5-minute buckets whose start lies in [start, end] (inclusive), summed over `domains` (all owned
    domains when empty): (bucket start ts, peak bit/s, bytes)."""
    curves = [ctx.curve(d) for d in domains]

    def merged(minute: int) -> float:  # Tencent sums the PlayDomains it is given into one series
        return sum(c.rate_bps(minute) for c in curves)

    rate = merged if domains else ctx.total_rate(account.name)
    return data.buckets(
        rate, int(start.timestamp()), int(end.timestamp()) + 1, POINT_SECONDS, ctx.clock.now().timestamp()
    )


def bill_response(ctx, account, domains, start, end, granularity, utc_format, request_id) -> dict:
    fmt = (lambda ts: datetime.fromtimestamp(ts, timezone.utc).strftime(UTC_FORMAT)) if utc_format else (
        lambda ts: datetime.fromtimestamp(ts, BEIJING).strftime(BEIJING_FORMAT))  # fmt: skip
    buckets = rows(ctx, account, domains, start, end)
    width = granularity * 60
    groups: dict[int, list] = {}
    for b in buckets:
        # Hours and days are Beijing's (+8 h): a day bucket starts at Beijing midnight.
        key = (b.start_ts + 8 * 3600) // width * width - 8 * 3600 if width > POINT_SECONDS else b.start_ts
        groups.setdefault(key, []).append(b)
    points = []
    for key, members in sorted(groups.items()):
        peak = max(members, key=lambda b: b.peak_bps)
        points.append({
            "Time": fmt(key),
            "Bandwidth": mbps(peak.peak_bps),
            "Flux": mbps(sum(b.traffic_bytes for b in members)),
            "PeakTime": fmt(peak.start_ts),
        })  # fmt: skip
    peak_point = max(points, key=lambda p: p["Bandwidth"], default=None)
    ordered = sorted(points, key=lambda p: p["Bandwidth"])
    p95 = ordered[max(0, -(-len(ordered) * 95 // 100) - 1)] if ordered else None
    return {
        "Response": {
            "PeakBandwidthTime": peak_point["PeakTime"] if peak_point else fmt(int(start.timestamp())),
            "PeakBandwidth": peak_point["Bandwidth"] if peak_point else 0.0,
            "P95PeakBandwidthTime": p95["PeakTime"] if p95 else fmt(int(start.timestamp())),
            "P95PeakBandwidth": p95["Bandwidth"] if p95 else 0.0,
            "SumFlux": round(sum(p["Flux"] for p in points), VALUE_DECIMALS),
            "DataInfoList": points,
            "RequestId": request_id,
        }
    }


def _date(ctx: SimContext) -> tuple[str, str]:
    """Tencent's answers carry a Date header; livetop measures clock skew with it."""
    return ("Date", email.utils.format_datetime(ctx.clock.now().astimezone(timezone.utc), usegmt=True))


def _refuse(ctx: SimContext, outcome: Outcome, refused: _Refused, request_id: str) -> Outcome:
    outcome.code = refused.code
    outcome.response = error_response(refused.code, refused.message, request_id)
    outcome.response.headers.append(_date(ctx))
    return outcome


def _routes(ctx: SimContext) -> list[Route]:
    # API 3.0 puts every action on "/": the X-TC-Action header says which (a GET flattens the body into the
    # query string).
    def answer(request: Request, request_id: str, match: re.Match) -> Outcome:
        return handle(ctx, request, request_id)

    return [Route(method, "/", answer, accepts=matches) for method in ("POST", "GET")]


def _config_entry(account: SimAccount, ctx: SimContext, url: str) -> dict:
    return {"auth": "tc3", "access_key": account.access_key, "secret_key": account.secret_key}


SIM = SimApi(
    vendor=VENDOR_TENCENT,
    api="bill",
    routes=_routes,
    auth_modes=("tc3",),
    faults=("not_owned", "malformed", "html_502", "internal_500", "throttle", "timeout", *HUGE_FAULTS),
    default_rate=100.0,  # DescribeBillBandwidthAndFluxList: 100 requests/s (vendors.md §E)
    identities=lambda account: [(("tencent-secret-id", account.access_key), "access_key")],
    config_entry=_config_entry,
)
