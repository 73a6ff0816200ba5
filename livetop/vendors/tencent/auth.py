"""TC3-HMAC-SHA256 as an `httpx.Auth`: the official SDK's headers, signed as the request goes on the wire.

The official client (tencentcloud-sdk-python-common 3.1.195, `abstract_client.py`,
`_build_req_with_tc3_signature`) sends, for its default POST with a JSON body:
`Content-Type: application/json`, `Host`, `X-TC-Action`, `X-TC-Version`, `X-TC-Timestamp` (Unix seconds),
`X-TC-Region` (when a region is set), `X-TC-RequestClient` and `Authorization`. Only content-type and host are
signed; the timestamp enters the string to sign. Tencent refuses a timestamp more than 5 minutes from its
clock (AuthFailure.SignatureExpire), so the timestamp comes from the injected clock at the moment of sending.

The SecretId and SecretKey stay inside `Secret` until the one call that signs.
"""

from __future__ import annotations

from collections.abc import Generator

import httpx

from livetop.clock import Clock
from livetop.config.schema import Secret
from livetop.vendors.tencent import signer

SERVICE = "live"
JSON_CONTENT_TYPE = "application/json"
REQUEST_CLIENT = "livetop/0.1"


class Tc3Auth(httpx.Auth):
    """Signs each request; the caller sets X-TC-Action and X-TC-Version (they name the API, not the auth)."""

    requires_request_body = True  # the body's hash is signed

    def __init__(
        self,
        secret_id: Secret,
        secret_key: Secret,
        clock: Clock,
        region: str | None = None,
        service: str = SERVICE,
    ) -> None:
        self._secret_id = secret_id
        self._secret_key = secret_key
        self._clock = clock
        self._region = region
        self._service = service

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        timestamp = int(self._clock.now().timestamp())
        content_type = request.headers.get("Content-Type", JSON_CONTENT_TYPE)
        request.headers["Content-Type"] = content_type
        # What httpx sends as Host (host[:port], default port omitted) is what Tencent recomputes with.
        host = request.headers["Host"]
        raw_path, _, raw_query = request.url.raw_path.partition(b"?")
        method = request.method.upper()
        request.headers["X-TC-Timestamp"] = str(timestamp)
        request.headers.setdefault("X-TC-RequestClient", REQUEST_CLIENT)
        if self._region:
            request.headers["X-TC-Region"] = self._region
        authorization, _ = signer.sign(
            self._secret_id.reveal(),
            self._secret_key.reveal(),
            service=self._service,
            method=method,
            host=host,
            content_type=content_type,
            timestamp=timestamp,
            # The SDK: a GET signs its query and an empty payload; a POST an empty query and its body.
            payload=b"" if method == "GET" else request.content,
            query=raw_query.decode("ascii") if method == "GET" else "",
            uri=raw_path.decode("ascii") or "/",
        )
        request.headers["Authorization"] = authorization
        yield request

    def secrets(self) -> tuple[str, ...]:
        """Values to mask wherever a vendor message might echo them."""
        return (self._secret_id.reveal(), self._secret_key.reveal())

    def __repr__(self) -> str:
        return f"Tc3Auth(secret_id=***, secret_key=***, region={self._region!r})"
