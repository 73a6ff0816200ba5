"""AccessKey signing for Alibaba Cloud as an `httpx.Auth` (ACS3-HMAC-SHA256, see signer.py).

The headers are the ones the official SDK sends on an RPC call (alibabacloud_tea_openapi/client.py
`do_request`): host, x-acs-version, x-acs-action, user-agent, x-acs-date, x-acs-signature-nonce,
accept: application/json, x-acs-content-sha256; all of them signed. The SDK also sends
`x-acs-credentials-provider: static_ak`, which names the SDK's own credentials-chain class; livetop has no
such chain and leaves it out (the gateway checks the headers a request lists as signed, whichever they are).
The query holds only the API's own parameters (Action and Version travel in the x-acs-* headers).

Secrets stay inside `Secret` until the one line that signs; no repr, message or log shows them.
"""

from __future__ import annotations

import secrets as _secrets
from collections.abc import Callable, Generator
from datetime import timezone
from urllib.parse import parse_qsl

import httpx

from livetop.clock import Clock
from livetop.config.schema import Secret
from livetop.vendors.alibaba import signer

API_VERSION = "2016-11-01"


def random_nonce() -> str:
    """A fresh x-acs-signature-nonce: 32 hex digits, like the SDK's (an MD5 hex of time and randomness).
    The gateway refuses a nonce it has seen within 15 minutes (SignatureNonceUsed)."""
    return _secrets.token_hex(16)


def signed_header_names(headers: httpx.Headers) -> list[str]:
    """host, accept, user-agent and every x-acs-* header: what the SDK signs, as the request carries them."""
    names = {"host", "accept", "user-agent"}
    names.update(name.lower() for name in headers if name.lower().startswith("x-acs-"))
    return sorted(names)


class Acs3Auth(httpx.Auth):
    """Signs each request with the clock's time and a fresh nonce, exactly as it goes on the wire."""

    def __init__(
        self,
        access_key_id: Secret,
        access_key_secret: Secret,
        clock: Clock,
        nonce: Callable[[], str] = random_nonce,
    ) -> None:
        self._access_key_id = access_key_id
        self._access_key_secret = access_key_secret
        self._clock = clock
        self._nonce = nonce

    def sign(self, request: httpx.Request, action: str) -> None:
        """Add the x-acs-* headers and the Authorization header to `request` (for `action`)."""
        headers = request.headers
        headers["x-acs-action"] = action
        headers["x-acs-version"] = API_VERSION
        headers["x-acs-date"] = self._clock.now().astimezone(timezone.utc).strftime(signer.DATE_FORMAT)
        headers["x-acs-signature-nonce"] = self._nonce()
        headers["accept"] = "application/json"
        # The body is empty (parameters go in the query), so its hash is that of b"".
        headers["x-acs-content-sha256"] = signer.EMPTY_PAYLOAD_SHA256
        headers.setdefault("user-agent", "livetop")
        raw_path, _, raw_query = request.url.raw_path.partition(b"?")
        params = parse_qsl(raw_query.decode("ascii"), keep_blank_values=True)
        names = signed_header_names(headers)
        canonical = signer.canonical_request(
            request.method, raw_path.decode("ascii") or "/", params, headers, names
        )
        sig = signer.signature(self._access_key_secret.reveal(), signer.string_to_sign(canonical))
        headers["Authorization"] = signer.authorization(self._access_key_id.reveal(), ";".join(names), sig)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        action = request.headers.get("x-acs-action")
        if not action:
            raise ValueError("an Alibaba request needs its API action (x-acs-action)")
        self.sign(request, action)
        yield request

    def secrets(self) -> tuple[str, ...]:
        """Values to mask in any vendor message shown to the user."""
        return (self._access_key_secret.reveal(), self._access_key_id.reveal())

    def __repr__(self) -> str:
        return "Acs3Auth(access_key_id=***, access_key_secret=***)"
