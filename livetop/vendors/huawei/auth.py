"""The three Huawei auth modes, each an `httpx.Auth` attached per request (vendors.md §A2, §B).

- token: an `X-Auth-Token` given in the config.
- password: a project-scoped IAM token from `POST /v3/auth/tokens`, cached, renewed shortly before it
  expires and once when the gateway says it expired; single-flight, so a burst of requests costs one
  IAM call.
- aksk: SDK-HMAC-SHA256 signing per `signer.py`.

Secrets stay inside `Secret` until the one line that puts them on the wire; no repr, message or log
shows them.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, Generator
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote

import httpx

from livetop.clock import Clock
from livetop.config.schema import AUTH_AKSK, AUTH_PASSWORD, AUTH_TOKEN, AccountConfig, Secret
from livetop.httpread import read_bounded
from livetop.model import VENDOR_HUAWEI, DecodedError, VendorError
from livetop.vendors.answer import vendor_request
from livetop.vendors.body import MAX_BODY_BYTES, BodyError, load_json
from livetop.vendors.catalog import client_error, decode, malformed
from livetop.vendors.huawei import signer

DEFAULT_RENEW_BEFORE_SECONDS = 300.0
# After a failed IAM call, requests within this many seconds (injected clock) get the same error instead of
# calling IAM again: a burst of domains, or one that starts a moment late, must not hammer IAM with a wrong
# password (repeated failures lock the IAM user). Later polls and a user's refresh try again.
IAM_FAILURE_HOLD_SECONDS = 30.0
SDK_DATE_FORMAT = "%Y%m%dT%H%M%SZ"


class TokenAuth(httpx.Auth):
    """A token the user obtained elsewhere; livetop cannot renew it, so an expiry reaches the user decoded."""

    def __init__(self, token: Secret) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["X-Auth-Token"] = self._token.reveal()
        yield request

    def secrets(self) -> tuple[str, ...]:
        """Values to mask in any vendor message shown to the user."""
        return (self._token.reveal(),)

    def __repr__(self) -> str:
        return "TokenAuth(token=***)"


class AkSkAuth(httpx.Auth):
    """SDK-HMAC-SHA256: X-Sdk-Date from the injected clock, signed exactly as the request goes on the wire."""

    requires_request_body = True  # the body hash is part of the signature

    def __init__(
        self,
        access_key: Secret,
        secret_key: Secret,
        clock: Clock,
        project_id: str | None = None,
    ) -> None:
        self._access_key = access_key
        self._secret_key = secret_key
        self._clock = clock
        self._project_id = project_id

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        raw_path, _, raw_query = request.url.raw_path.partition(b"?")
        # Only these headers are signed, never User-Agent: proxies and client libraries may rewrite it, and
        # the gateway recomputes the signature over every name in SignedHeaders exactly as it receives them.
        # Host is the value httpx sends (host[:port], default port omitted).
        signed = {
            "Content-Type": "application/json",
            "Host": request.headers["Host"],
            "X-Sdk-Date": self._clock.now().astimezone(timezone.utc).strftime(SDK_DATE_FORMAT),
        }
        if self._project_id:
            signed["X-Project-Id"] = self._project_id
        authorization, _ = signer.sign(
            self._access_key.reveal(),
            self._secret_key.reveal(),
            request.method,
            raw_path.decode("ascii"),
            split_raw_query(raw_query.decode("ascii")),
            signed,
            request.content,
        )
        for name, value in signed.items():
            request.headers[name] = value
        request.headers["Authorization"] = authorization
        yield request

    def secrets(self) -> tuple[str, ...]:
        return (self._access_key.reveal(), self._secret_key.reveal())

    def __repr__(self) -> str:
        return f"AkSkAuth(access_key=***, secret_key=***, project_id={self._project_id!r})"


def split_raw_query(raw_query: str) -> list[tuple[str, str]]:
    """The (key, value) pairs of a query as sent. `+` stays a plus: signer.canonical_query writes a space
    as %20, and treating `+` as a space would sign something other than what the gateway reads."""
    if not raw_query:
        return []
    pairs = []
    for part in raw_query.split("&"):
        key, _, value = part.partition("=")
        pairs.append((unquote(key), unquote(value)))
    return pairs


def iam_token_request_body(username: str, password: str, domain_name: str, project_id: str) -> dict:
    """vendors.md §B1, scoped to the project by id: Live needs a project-scoped token."""
    return {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {"name": username, "password": password, "domain": {"name": domain_name}},
                },
            },
            "scope": {"project": {"id": project_id}},
        }
    }


def _parse_iam_time(text: object) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    if value.tzinfo is None:
        return None
    return value.astimezone(timezone.utc)


class PasswordAuth(httpx.Auth):
    """IAM password -> project-scoped token, cached and renewed.

    Renewal is single-flight: an asyncio.Lock serialises IAM calls and a generation counter tells a waiter
    that someone else already renewed while it waited, so N requests that find the token expired cost one
    IAM call. A failed IAM call is shared the same way: waiters queued behind it get its error instead of
    calling IAM again (repeated wrong passwords lock the IAM user), and so do requests arriving within
    IAM_FAILURE_HOLD_SECONDS after it.
    """

    requires_response_body = True  # the 401's body says whether the token expired

    def __init__(
        self,
        client: httpx.AsyncClient,
        iam_url: str,
        username: str,
        password: Secret,
        domain_name: str,
        project_id: str,
        clock: Clock,
        renew_before_seconds: float = DEFAULT_RENEW_BEFORE_SECONDS,
    ) -> None:
        self._client = client
        self._iam_url = iam_url
        self._username = username
        self._password = password
        self._domain_name = domain_name
        self._project_id = project_id
        self._clock = clock
        self._renew_before = timedelta(seconds=renew_before_seconds)
        self._lock = asyncio.Lock()
        self._token: Secret | None = None
        self.expires_at: datetime | None = None
        self._renew_at: datetime | None = None
        self.generation = 0  # tokens issued so far
        self._finished = 0  # IAM calls finished so far, with or without a token
        self._last_failure: DecodedError | None = None
        self._failed_at: datetime | None = None

    def secrets(self) -> tuple[str, ...]:
        token = (self._token.reveal(),) if self._token is not None else ()
        return (self._password.reveal(), *token)

    def __repr__(self) -> str:
        return f"PasswordAuth(iam_url={self._iam_url!r}, username={self._username!r}, password=***)"

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        raise RuntimeError("Huawei password auth renews tokens asynchronously: use httpx.AsyncClient")

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token, generation = await self._valid_token()
        request.headers["X-Auth-Token"] = token
        response = yield request
        if response.status_code != 401:
            return
        # Read within the cap like every answer (a refusal ends the request as "oversized answer").
        await read_bounded(response, MAX_BODY_BYTES)
        decoded = decode(VENDOR_HUAWEI, 401, response.content, response.headers, secrets=self.secrets())
        if not decoded.token_expired:
            return
        # Renew once and retry once; a second 401 goes back to the caller as it is.
        token, _ = await self._renewed_after(generation)
        request.headers["X-Auth-Token"] = token
        yield request

    async def ready(self) -> None:
        """Have a valid token (an IAM call when there is none), before a Live request's answer deadline
        starts: the IAM call has its own (answer.py), and a slow IAM is then named as the slow answer."""
        await self._valid_token()

    # --- token cache ----------------------------------------------------------------------------------------

    def _fresh(self) -> bool:
        return self._token is not None and self._renew_at is not None and self._clock.now() < self._renew_at

    async def _valid_token(self) -> tuple[str, int]:
        """The cached token, or a new one when there is none or it is within the renewal margin."""
        if self._fresh():
            return self._token.reveal(), self.generation
        finished_seen = self._finished
        async with self._lock:
            if not self._fresh():
                self._raise_shared_failure(finished_seen)
                await self._issue()
            return self._token.reveal(), self.generation

    async def _renewed_after(self, rejected_generation: int) -> tuple[str, int]:
        """A token newer than the one the gateway rejected."""
        finished_seen = self._finished
        async with self._lock:
            if self.generation == rejected_generation:
                self._raise_shared_failure(finished_seen)
                await self._issue()
            return self._token.reveal(), self.generation

    def _raise_shared_failure(self, finished_seen: int) -> None:
        # An IAM call finished while we waited for the lock, or failed moments ago: that is our answer too.
        if self._last_failure is None:
            return
        recent = (self._clock.now() - self._failed_at).total_seconds() < IAM_FAILURE_HOLD_SECONDS
        if self._finished != finished_seen or recent:
            raise VendorError(self._last_failure)

    async def _issue(self) -> None:
        """One IAM call. Holds the lock (callers do)."""
        # Cleared first: a call that is cancelled or fails unexpectedly leaves nothing for waiters to share.
        self._last_failure = None
        try:
            self._store(await self._request_token())
        except VendorError as exc:
            self._last_failure = exc.error
            self._failed_at = self._clock.now()
            raise
        finally:
            self._finished += 1

    async def _request_token(self) -> httpx.Response:
        body = iam_token_request_body(
            self._username, self._password.reveal(), self._domain_name, self._project_id
        )
        response = await vendor_request(
            self._client,
            VENDOR_HUAWEI,
            "POST",
            self._iam_url,
            content=json.dumps(body).encode("utf-8"),
            headers={"Content-Type": "application/json;charset=utf8"},
        )
        if not 200 <= response.status_code < 300:
            raise VendorError(
                decode(VENDOR_HUAWEI, response.status_code, response.content, response.headers,
                       secrets=self.secrets())
            )
        return response

    def _store(self, response: httpx.Response) -> None:
        status = response.status_code

        def bad(detail: str) -> VendorError:
            return VendorError(malformed(VENDOR_HUAWEI, status, f"IAM token answer: {detail}"))

        token = response.headers.get("X-Subject-Token", "").strip()
        if not token:
            raise bad("no X-Subject-Token header")
        try:
            doc = load_json(response.content)
        except BodyError as exc:
            raise bad(f"the body {exc}") from None
        info = doc.get("token") if isinstance(doc, dict) else None
        expires_at = _parse_iam_time(info.get("expires_at")) if isinstance(info, dict) else None
        if expires_at is None:
            raise bad("no token.expires_at")
        now = self._clock.now()
        issued_at = _parse_iam_time(info.get("issued_at")) or now
        # A short-lived token (a scenario, a policy) must not be renewed on every request: keep at least
        # half its lifetime usable.
        margin = min(self._renew_before, max(expires_at - issued_at, timedelta(0)) / 2)
        self._token = Secret(token, "IAM")
        self.expires_at = expires_at
        self._renew_at = expires_at - margin
        self.generation += 1


def default_iam_endpoint(region: str | None) -> str | None:
    return f"https://iam.{region}.myhuaweicloud.com" if region else None


def make_auth(
    account: AccountConfig,
    client: httpx.AsyncClient,
    clock: Clock,
    renew_before_seconds: float = DEFAULT_RENEW_BEFORE_SECONDS,
) -> httpx.Auth:
    """The auth for the account's mode. Raises VendorError(kind="client") for an incomplete account."""
    creds = account.credentials

    def missing(what: str) -> VendorError:
        return VendorError(
            client_error(
                VENDOR_HUAWEI,
                "LIVETOP.CONFIG",
                f"no {what} in the config",
                f"Account {account.name!r} uses Huawei {account.auth} auth, which needs {what}.",
                f"Set {what} for account {account.name!r} in the config.",
            )
        )

    if account.auth == AUTH_TOKEN:
        if not creds.token:
            raise missing("token")
        return TokenAuth(creds.token)
    if account.auth == AUTH_AKSK:
        if not creds.access_key:
            raise missing("access_key")
        if not creds.secret_key:
            raise missing("secret_key")
        return AkSkAuth(creds.access_key, creds.secret_key, clock, account.project_id)
    if account.auth == AUTH_PASSWORD:
        for value, what in (
            (creds.username, "username"),
            (creds.password, "password"),
            (creds.domain_name, "domain_name"),
            (account.project_id, "project_id"),
        ):
            if not value:
                raise missing(what)
        iam_endpoint = account.iam_endpoint or default_iam_endpoint(account.region)
        if not iam_endpoint:
            raise missing("iam_endpoint (or region)")
        return PasswordAuth(
            client,
            f"{iam_endpoint.rstrip('/')}/v3/auth/tokens?nocatalog=true",
            creds.username,
            creds.password,
            creds.domain_name,
            account.project_id,
            clock,
            renew_before_seconds,
        )
    raise VendorError(
        client_error(
            VENDOR_HUAWEI,
            "LIVETOP.CONFIG",
            "unknown Huawei auth mode",
            f"Account {account.name!r} has auth = {account.auth!r}; Huawei uses aksk, password or token.",
            f"Set auth = \"aksk\", \"password\" or \"token\" for account {account.name!r}.",
        )
    )
