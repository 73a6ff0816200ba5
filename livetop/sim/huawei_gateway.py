"""Huawei's API gateway in front of every Live API: auth (token or AK/SK signature), its error bodies, its
throttle answer and its 404. Shared by the v1 and v2 modules through `gateway(ctx)`.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from livetop.model import VENDOR_HUAWEI
from livetop.sim import faults
from livetop.sim.context import SimContext
from livetop.sim.http11 import Request, Response, json_response
from livetop.sim.huge import huge_answer
from livetop.sim.iam import iam_service
from livetop.sim.outcome import Outcome
from livetop.sim.scenario import SimAccount
from livetop.vendors.huawei import signer

MAX_SKEW = timedelta(minutes=15)
_SDK_DATE_RE = re.compile(r"\d{8}T\d{6}Z")


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


class Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        self.status, self.code, self.message = status, code, message


def param_error(name: str, detail: str = "") -> Refused:
    return Refused(
        400, "LIVE.100011001", f"Invalid request parameter: {name}" + (f" ({detail})" if detail else "")
    )


def auth_error(message: str, code: str = "APIGW.0301") -> Refused:
    return Refused(401, code, message)


def authenticate(ctx: SimContext, request: Request, project_id: str) -> SimAccount:
    """The account whose credentials signed or authorised this request; raises Refused."""
    iam = iam_service(ctx)
    token = request.headers.get("x-auth-token")
    authorization = request.headers.get("authorization")
    if token:
        issued = iam.lookup(token)
        if issued is None:
            raise auth_error("decrypt token fail")
        if iam.is_expired(issued):
            raise auth_error("The token must be updated.", "APIGW.0307")
        account = ctx.scenario.account(issued.account)
        assert account is not None
        if issued.project_id != project_id:
            raise Refused(
                401, "LIVE.100011015", "The project ID in the URI does not match the token's project."
            )
        return account
    if authorization:
        return _verify_aksk(ctx, request, project_id, authorization)
    raise auth_error("x-auth-token not found")


def _verify_aksk(ctx: SimContext, request: Request, project_id: str, authorization: str) -> SimAccount:
    parts = signer.parse_authorization(authorization)
    if parts is None:
        raise auth_error("verify aksk signature fail")
    account = _by_access_key(ctx).get(parts["Access"])
    if account is None:
        raise auth_error("Get secretKey failed")
    signed = [name for name in parts["SignedHeaders"].split(";") if name]
    if (
        "host" not in signed
        or "x-sdk-date" not in signed
        or any(name not in request.headers for name in signed)
    ):
        raise auth_error("verify aksk signature fail")
    sdk_date = request.headers["x-sdk-date"]
    if not _SDK_DATE_RE.fullmatch(sdk_date):
        raise auth_error("the request time is out of range")
    try:
        signed_at = datetime.strptime(sdk_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise auth_error("the request time is out of range") from None
    if abs(signed_at - ctx.clock.now()) > MAX_SKEW:
        raise auth_error("the request time is out of range")
    canonical = signer.canonical_request(
        request.method, request.path, request.query_pairs(), request.headers, signed, request.body
    )
    expected = signer.signature(account.secret_key, signer.string_to_sign(canonical, sdk_date))
    if not hmac.compare_digest(expected, parts["Signature"]):
        raise auth_error("verify aksk signature fail")
    if request.headers.get("x-project-id") != project_id:
        raise Refused(401, "LIVE.100011015", "X-Project-Id does not match the project ID in the URI.")
    return account




def _by_access_key(ctx: SimContext) -> dict[str, SimAccount]:
    """Every Huawei AK/SK account by access key, whichever Live API it uses (one gateway fronts them all)."""
    return ctx.service(
        "huawei.access_keys",
        lambda: {a.access_key: a for a in ctx.accounts(VENDOR_HUAWEI) if a.auth == "aksk"},
    )


def refuse(outcome: Outcome, refused: Refused, request_id: str) -> Outcome:
    outcome.code = refused.code
    outcome.response = error_response(refused.status, refused.code, refused.message, request_id)
    return outcome


def config_entry(account: SimAccount, ctx: SimContext, url: str) -> dict:
    """The livetop config keys of a Huawei account pointing at the simulator at `url`, secrets inline."""
    entry: dict = {"region": account.region, "project_id": account.project_id, "auth": account.auth}
    if account.auth == "aksk":
        entry.update(access_key=account.access_key, secret_key=account.secret_key)
    elif account.auth == "token":
        entry.update(token=iam_service(ctx).issue(account, count=False)[0])
    else:
        entry.update(
            username=account.username,
            password=account.password,
            domain_name=account.domain_name,
            iam_endpoint=url,
        )
    return entry


def identities(account: SimAccount) -> list[tuple[tuple[str, str], str]]:
    """Requests name a Huawei account by AK (or IAM user) and project: no two accounts may share one."""
    if account.auth == "aksk":
        return [(("ak", account.access_key), "access_key"), (("project", account.project_id), "project_id")]
    return [
        (("iam", f"{account.domain_name}/{account.username}"), "username"),
        (("project", account.project_id), "project_id"),
    ]


def fault_answer(
    ctx: SimContext,
    outcome: Outcome,
    fault: str | None,
    error_rate: float,
    account: SimAccount,
    request_id: str,
    throttled_response: Callable[[str], Response],
) -> Outcome | None:
    """The answer a Huawei Live API (v1 or v2) gives for a scenario fault or a rolled random error, or None
    to answer with data. `throttled_response(retry_after)` builds that API's 429 body."""
    if fault == faults.FAULT_THROTTLE:
        outcome.code = "APIGW.0308"
        outcome.response = throttled_response(str(ctx.scenario.throttle_retry_after))
        return outcome
    if fault == faults.FAULT_HTML_502:
        outcome.response, outcome.code = faults.html_502(), "HTTP.502"
        return outcome
    if (huge := huge_answer(ctx, fault)) is not None:
        outcome.response, outcome.code = huge, fault
        return outcome
    if fault == faults.FAULT_TIMEOUT:
        outcome.hold_seconds = ctx.scenario.timeout_hold_seconds
        return refuse(outcome, Refused(504, "APIGW.0201", "Backend timeout."), request_id)
    if fault == faults.FAULT_CONCURRENCY_500:
        refused = Refused(500, "LIVE.100011007", "The number of concurrent requests exceeds the limit.")
        return refuse(outcome, refused, request_id)
    if fault == faults.FAULT_INTERNAL_500 or ctx.dice.roll(account.name, error_rate):
        return refuse(outcome, Refused(500, "LIVE.100011005", "Internal server error."), request_id)
    return None
