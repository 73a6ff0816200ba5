"""Huawei IAM: `POST /v3/auth/tokens` (password method, project scope) and the tokens it has issued.

Only tokens issued here are accepted by the simulated Live API; expiry is judged on the simulator's clock,
so a test expires a token by advancing its ManualClock.
"""

from __future__ import annotations

import hmac
import json
import secrets
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from livetop.clock import Clock
from livetop.model import VENDOR_HUAWEI
from livetop.sim.context import Route, SimApi, SimContext
from livetop.sim.http11 import Request, json_response
from livetop.sim.outcome import Outcome
from livetop.sim.scenario import Scenario, SimAccount

MAX_TOKENS = 10000  # a long demo renews tokens forever; keep the newest only
WRONG_CREDENTIALS = {
    "error": {"code": 401, "message": "The username or password is wrong.", "title": "Unauthorized"}
}


@dataclass(frozen=True, slots=True)
class IssuedToken:
    account: str
    project_id: str
    issued_at: datetime
    expires_at: datetime


def iam_time(when: datetime) -> str:
    """IAM's own format: microseconds and a Z."""
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Iam:
    def __init__(self, scenario: Scenario, clock: Clock) -> None:
        self._clock = clock
        self._lifetime = timedelta(seconds=scenario.token_lifetime_seconds)
        self._users = {
            (acc.domain_name, acc.username): acc for acc in scenario.accounts if acc.auth == "password"
        }
        self._tokens: OrderedDict[str, IssuedToken] = OrderedDict()
        self.calls = 0  # tokens issued

    def issue(
        self, account: SimAccount, lifetime: timedelta | None = None, count: bool = True
    ) -> tuple[str, IssuedToken]:
        """A token for `account`. `count=False` for tokens handed out of band (a token-mode config), which
        are not IAM calls a client made."""
        now = self._clock.now()
        token = "MIIsim" + secrets.token_urlsafe(96)
        issued = IssuedToken(account.name, account.project_id, now, now + (lifetime or self._lifetime))
        self._tokens[token] = issued
        while len(self._tokens) > MAX_TOKENS:
            self._tokens.popitem(last=False)
        if count:
            self.calls += 1
        return token, issued

    def lookup(self, token: str) -> IssuedToken | None:
        return self._tokens.get(token)

    def is_expired(self, issued: IssuedToken) -> bool:
        return self._clock.now() >= issued.expires_at

    def handle(self, request: Request, request_id: str) -> Outcome:
        """The token API. Answers 201 with X-Subject-Token, or the IAM error body."""
        try:
            body = json.loads(request.body or b"null")
            user = body["auth"]["identity"]["password"]["user"]
            methods = body["auth"]["identity"]["methods"]
            name, password, domain_name = (
                str(user["name"]),
                str(user["password"]),
                str(user["domain"]["name"]),
            )
            scope = body["auth"].get("scope") or {}
        except (ValueError, TypeError, KeyError, AttributeError):
            return self._error(400, "IAM.0011", "Request body is invalid.", request_id)
        if not isinstance(methods, list) or "password" not in methods:
            return self._error(
                400, "IAM.0011", "Request body is invalid: methods must include password.", request_id
            )
        account = self._users.get((domain_name, name))
        if account is None or not hmac.compare_digest(password.encode(), account.password.encode()):
            return Outcome(json_response(401, WRONG_CREDENTIALS), VENDOR_HUAWEI, code="401")
        project = scope.get("project") if isinstance(scope, dict) else None
        if not isinstance(project, dict) or not ({"id", "name"} & project.keys()):
            # Live only accepts project-scoped tokens; a domain-scoped one would fail later, so refuse here.
            return self._error(
                400, "IAM.0011", "A project-scoped token is required: set scope.project.", request_id, account
            )
        if (
            project.get("id", account.project_id) != account.project_id
            or project.get("name", account.region) != account.region
        ):
            return self._error(400, "IAM.1109", "The project is not found.", request_id, account)
        token, issued = self.issue(account)
        payload: dict[str, Any] = {
            "token": {
                "expires_at": iam_time(issued.expires_at),
                "issued_at": iam_time(issued.issued_at),
                "methods": ["password"],
                "project": {
                    "id": account.project_id,
                    "name": account.region,
                    "domain": {"id": account.project_id[::-1], "name": account.domain_name},
                },
                "user": {"name": account.username, "domain": {"name": account.domain_name}},
                "roles": [{"id": "0", "name": "op_service"}],
            }
        }
        if "nocatalog=true" not in request.raw_query:
            payload["token"]["catalog"] = []
        response = json_response(201, payload, [("X-Subject-Token", token)])
        return Outcome(response, VENDOR_HUAWEI, account=account.name)

    def _error(
        self, status: int, code: str, message: str, request_id: str, account: SimAccount | None = None
    ) -> Outcome:
        body = {"error_msg": message, "error_code": code, "request_id": request_id}
        return Outcome(
            json_response(status, body), VENDOR_HUAWEI, account=account.name if account else "", code=code
        )


IAM_PATH = "/v3/auth/tokens"


def iam_service(ctx: SimContext) -> Iam:
    """The simulator's one IAM: tokens it issues open every Huawei Live API."""
    return ctx.service("huawei.iam", lambda: Iam(ctx.scenario, ctx.clock))


def _routes(ctx: SimContext) -> list[Route]:
    iam = iam_service(ctx)
    return [Route("POST", IAM_PATH, lambda request, request_id, match: iam.handle(request, request_id))]


SIM = SimApi(vendor=VENDOR_HUAWEI, api=None, routes=_routes)
