"""Alibaba Cloud ApsaraVideo Live: DescribeLiveDomainBpsData / DescribeLiveDomainTrafficData behind a
simulated POP API gateway, signature method V3 (ACS3-HMAC-SHA256), as the official SDK calls them:
`POST /?DomainName=…` with `x-acs-action`, `x-acs-version`, `x-acs-date`, `x-acs-signature-nonce`,
`x-acs-content-sha256` and `Authorization`.

Order of checks, as the gateway does it: the signature (the headers the request lists as signed, each of
the common headers that is present, the date within 15 minutes, the nonce unused, the body hash, the HMAC),
the action and version, the account's rate limit (Throttling), then the API's own parameter rules, the
scenario's faults, then data. Errors are `{"RequestId", "HostId", "Code", "Message", "Recommend"}`.

Data: at Interval 300 BpsValue is the bucket's AVERAGE bit/s (its bytes x 8 / its elapsed seconds); at 3600
and 86400 the peak of its 5-minute averages; TrafficValue is bytes. Values are strings, as documented.
A range longer than one request may span is answered with coarser points, as the Live ByLayer page says
its API does (DataInterval tells which): a client that asks too much gets points of another size.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import OrderedDict
from datetime import datetime, timedelta, timezone

from livetop.model import floor_to, iso_utc
from livetop.sim import data, faults
from livetop.sim.context import Route, SimApi, SimContext
from livetop.sim.http11 import Request, Response, json_response
from livetop.sim.huge import HUGE_FAULTS, huge_answer
from livetop.sim.outcome import Outcome
from livetop.sim.scenario import SimAccount
from livetop.vendors.alibaba import signer
from livetop.vendors.alibaba.timerules import INTERVALS, MAX_SPAN, parse_time

VENDOR, API = "alibaba", "live"
API_VERSION = "2016-11-01"
BPS_ACTION, TRAFFIC_ACTION = "DescribeLiveDomainBpsData", "DescribeLiveDomainTrafficData"
ACTIONS = {BPS_ACTION: "bandwidth", TRAFFIC_ACTION: "traffic"}
MAX_SKEW = timedelta(minutes=15)
NONCE_MEMORY = timedelta(minutes=15)
NONCES_KEPT = 100_000  # per simulator; a long demo must not grow without bound
LOOKBACK = timedelta(days=90)
POINT_SECONDS = 300
# Every common header the request carries must be signed (signature method V3: 除Authorization外的所有公共
# 请求头，只要存在必须被加入签名).
COMMON_HEADERS = (
    "host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256",
    "x-acs-security-token",
)  # fmt: skip
REQUIRED_SIGNED = ("host", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256")


def is_alibaba(request: Request) -> bool:
    """An RPC call in the V3 style: path `/` with the action in a header."""
    return request.path == "/" and "x-acs-action" in request.headers


class _Refused(Exception):
    def __init__(self, status: int, code: str, message: str, headers=None) -> None:
        self.status, self.code, self.message, self.headers = status, code, message, headers or []


def error_response(refused: _Refused, request_id: str, host: str) -> Response:
    body = {
        "RequestId": request_id,
        "HostId": host or "live.aliyuncs.com",
        "Code": refused.code,
        "Message": refused.message,
        "Recommend": f"https://api.aliyun.com/troubleshoot?q={refused.code}&product=live",
    }
    return json_response(refused.status, body, refused.headers)


def _seen_nonce(ctx: SimContext, account: str, nonce: str, now: datetime) -> bool:
    """True when `nonce` was used by `account` within NONCE_MEMORY; remembers it otherwise."""
    seen: OrderedDict = ctx.service("alibaba.nonces", OrderedDict)
    while seen and (len(seen) > NONCES_KEPT or next(iter(seen.values())) < now - NONCE_MEMORY):
        seen.popitem(last=False)
    key = (account, nonce)
    if key in seen and seen[key] >= now - NONCE_MEMORY:
        return True
    seen[key] = now
    return False


def authenticate(ctx: SimContext, request: Request) -> SimAccount:
    """The account whose AccessKey signed this request; raises _Refused with the gateway's code."""
    headers = request.headers
    authorization = headers.get("authorization")
    if not authorization:
        raise _Refused(400, "MissingParameter", "The input parameter \"Authorization\" that is mandatory for "
                       "processing this request is not supplied.")  # fmt: skip
    parts = signer.parse_authorization(authorization)
    if parts is None:
        raise _Refused(
            400, "IncompleteSignature", "The request signature does not conform to Aliyun standards."
        )
    account = next((a for a in ctx.accounts(VENDOR, API) if a.access_key == parts["Credential"]), None)
    if account is None:
        raise _Refused(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
    signed = parts["SignedHeaders"].split(";")
    if (
        signed != sorted(set(signed))
        or any(name not in headers for name in signed)
        or any(name not in signed for name in REQUIRED_SIGNED)
        or any(name in headers and name not in signed for name in COMMON_HEADERS)
    ):
        raise _Refused(
            400, "IncompleteSignature", "The request signature does not conform to Aliyun standards."
        )
    try:
        signed_at = parse_time(headers["x-acs-date"])
    except ValueError:
        raise _Refused(400, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well "
                       "formatted.") from None  # fmt: skip
    now = ctx.clock.now()
    if abs(signed_at - now) > MAX_SKEW:
        raise _Refused(400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
    payload_hash = hashlib.sha256(request.body).hexdigest()
    canonical = signer.canonical_request(
        request.method, request.path, request.query_pairs(), headers, signed, payload_hash
    )
    expected = signer.signature(account.secret_key, signer.string_to_sign(canonical))
    if headers["x-acs-content-sha256"] != payload_hash or not hmac.compare_digest(
        expected, parts["Signature"]
    ):
        raise _Refused(
            400, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation."
        )
    if _seen_nonce(ctx, account.name, headers["x-acs-signature-nonce"], now):
        raise _Refused(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
    return account


def _time(params: dict[str, str], name: str) -> datetime | None:
    text = params.get(name)
    if text is None or text == "":
        return None
    try:
        return parse_time(text)
    except ValueError:
        raise _Refused(400, f"Invalid{name}.Malformed", f"Specified {name} is malformed.") from None


def time_range(params: dict[str, str], now: datetime) -> tuple[datetime, datetime]:
    """The documented defaults and refusals (the API pages, vendors.md §D)."""
    start, end = _time(params, "StartTime"), _time(params, "EndTime")
    if start is None and end is None:
        end = now
        start = end - timedelta(hours=24)
    elif end is None:
        end = start + timedelta(hours=1)
    elif start is None:
        start = end - timedelta(hours=1)
    if end <= start:
        raise _Refused(
            400, "InvalidEndTime.Mismatch", "Specified EndTime does not math the specified StartTime."
        )
    if start < now - LOOKBACK:
        raise _Refused(400, "InvalidStartTime.ValueNotSupported",
                       "The specified value of parameter StartTime is not supported.")  # fmt: skip
    return start, end


def data_interval(params: dict[str, str], start: datetime, end: datetime) -> int:
    """The asked Interval (an unsupported one silently becomes 300, as documented), coarsened when the range
    is longer than one request of it may span."""
    try:
        interval = int(params.get("Interval", "300"))
    except ValueError:
        interval = 300
    if interval not in INTERVALS:
        interval = 300
    while end - start > MAX_SPAN[interval] and interval != INTERVALS[-1]:
        interval = INTERVALS[INTERVALS.index(interval) + 1]
    return interval


def points(
    rate, start: datetime, end: datetime, interval: int, now: datetime
) -> list[tuple[int, float, float]]:
    """(bucket start, bit/s, bytes) for each `interval` bucket starting in [start, end) and before now."""
    first = int(floor_to(start, interval).timestamp())
    rows = data.buckets(rate, first, int(end.timestamp()), POINT_SECONDS, now.timestamp())
    now_ts = now.timestamp()
    done_ts = now_ts - now_ts % 60  # only completed minutes count (data.buckets): the average's too
    out: dict[int, list[float]] = {}
    for row in rows:
        elapsed = min(POINT_SECONDS, done_ts - row.start_ts)
        average_bps = row.traffic_bytes * 8 / elapsed if elapsed > 0 else 0.0
        key = row.start_ts - row.start_ts % interval
        peak, traffic = out.get(key, (0.0, 0.0))
        out[key] = [max(peak, average_bps), traffic + row.traffic_bytes]
    end_ts = end.timestamp()
    return [(k, peak, traffic) for k, (peak, traffic) in sorted(out.items()) if k < end_ts]


def _fmt_bps(value: float) -> str:
    return f"{value:.2f}"


def handle(ctx: SimContext, request: Request, request_id: str) -> Outcome:
    params = dict(request.query_pairs())
    outcome = Outcome(Response(200), VENDOR, params=params)
    host = request.headers.get("host", "")
    try:
        if request.method not in ("POST", "GET"):
            raise _Refused(405, "UnsupportedHTTPMethod", "This http method is not supported.")
        account = authenticate(ctx, request)
        outcome.account = account.name
        action = request.headers["x-acs-action"]
        if request.headers.get("x-acs-version") != API_VERSION:
            raise _Refused(400, "InvalidVersion", "Specified parameter Version is not valid.")
        if action not in ACTIONS:
            raise _Refused(404, "InvalidAction.NotFound", "Specified api is not found, please check your url "
                           "and method.")  # fmt: skip
        wait = ctx.limiter(account.name).take()
        if wait > 0:
            raise _throttled(wait)
        names = [n.strip() for n in params.get("DomainName", "").split(",") if n.strip()]
        domain = account.domain(names[0]) if len(names) == 1 else None
        outcome.knobs = knobs = ctx.dice.knobs(account, domain)
        now = ctx.clock.now()
        start, end = time_range(params, now)
        interval = data_interval(params, start, end)
        owned = []
        for name in names:
            dom = account.domain(name)
            if dom is None or dom.fault == faults.FAULT_NOT_OWNED:
                raise _Refused(
                    404, "InvalidDomain.NotFound", "The domain provided does not exist in our records."
                )
            owned.append(dom)
        fault = domain.fault if domain else None
        if fault == faults.FAULT_THROTTLE:
            raise _throttled(float(ctx.scenario.throttle_retry_after))
        if fault == faults.FAULT_HTML_502:
            outcome.response, outcome.code = faults.html_502(), "HTTP.502"
            return outcome
        if (huge := huge_answer(ctx, fault)) is not None:
            outcome.response, outcome.code = huge, fault
            return outcome
        if fault == faults.FAULT_TIMEOUT:
            outcome.hold_seconds = ctx.scenario.timeout_hold_seconds
            raise _Refused(503, "ServiceUnavailable", "The request has failed due to a temporary failure of "
                           "the server.")  # fmt: skip
        if fault == faults.FAULT_INTERNAL_500 or ctx.dice.roll(account.name, knobs.error_rate):
            raise _Refused(
                500, "InternalError", "The request processing has failed due to some unknown error."
            )
    except _Refused as refused:
        outcome.code = refused.code
        outcome.response = error_response(refused, request_id, host)
        return outcome
    if owned:
        curves = [ctx.curve(d.name) for d in owned]
        rate = curves[0].rate_bps if len(curves) == 1 else (lambda m: sum(c.rate_bps(m) for c in curves))
    else:
        rate = ctx.total_rate(account.name)  # no DomainName: every live domain of the account, merged
    rows = points(rate, start, end, interval, now)
    stamp = lambda ts: iso_utc(datetime.fromtimestamp(ts, tz=timezone.utc))  # noqa: E731
    if ACTIONS[action] == "bandwidth":
        outer = "BpsDataPerInterval"
        modules = [
            {
                "TimeStamp": stamp(ts),
                "BpsValue": _fmt_bps(bps),
                "HttpBpsValue": "0",
                "HttpsBpsValue": _fmt_bps(bps),
            }
            for ts, bps, _ in rows
        ]
    else:
        outer = "TrafficDataPerInterval"
        modules = [
            {"TimeStamp": stamp(ts), "TrafficValue": str(round(b)), "HttpTrafficValue": "0",
             "HttpsTrafficValue": str(round(b))}
            for ts, _, b in rows
        ]  # fmt: skip
    payload = {
        "DomainName": params.get("DomainName", ""),
        "StartTime": iso_utc(start),
        "EndTime": iso_utc(end),
        "DataInterval": str(interval),
        "RequestId": request_id,
        outer: {"DataModule": modules},
    }
    body = json_response(200, payload).body
    if fault == faults.FAULT_MALFORMED or ctx.dice.roll(account.name, knobs.malformed_rate):
        outcome.code = "MALFORMED"
        wrong = json_response(200, {**payload, outer: {"DataModule": "unavailable"}}).body
        body = ctx.dice.malformed(account.name, body, wrong)
    outcome.response = Response(200, body)
    return outcome


def _throttled(wait_seconds: float) -> _Refused:
    # The gateway's flow-control answer; x-acs-retry-after (milliseconds) is what the official SDK reads
    # (alibabacloud_tea_openapi/utils.py get_throttling_time_left).
    millis = max(1000, int(wait_seconds * 1000))
    return _Refused(400, "Throttling", "Request was denied due to request throttling.",
                    [("x-acs-retry-after", str(millis))])  # fmt: skip


def _routes(ctx: SimContext) -> list[Route]:
    def handler(request: Request, request_id: str, match) -> Outcome:
        return handle(ctx, request, request_id)

    # RPC style: one path for every action, told apart by the x-acs-action header; POST as the SDK sends,
    # GET as the gateway also takes.
    return [Route(method, "/", handler, accepts=is_alibaba) for method in ("POST", "GET")]


def _config_entry(account: SimAccount, ctx: SimContext, url: str) -> dict:
    return {"auth": "aksk", "access_key": account.access_key, "secret_key": account.secret_key}


SIM = SimApi(
    vendor=VENDOR,
    api=API,
    routes=_routes,
    auth_modes=("aksk",),
    faults=("not_owned", "malformed", "html_502", "internal_500", "throttle", "timeout", *HUGE_FAULTS),
    # 100 calls per second per account (the API pages' QPS limit, vendors.md §E).
    default_rate=100.0,
    identities=lambda account: [(("alibaba-ak", account.access_key), "access_key")],
    config_entry=_config_entry,
)
