"""TC3-HMAC-SHA256, exactly as the official tencentcloud-sdk-python signs (shared by client and simulator).

Source: tencentcloud-sdk-python-common 3.1.195, `tencentcloud/common/abstract_client.py`
(`_build_req_with_tc3_signature`, `_get_tc3_signature`) and `tencentcloud/common/sign.py` (`sign_tc3`):

    CanonicalRequest = Method \n "/" \n CanonicalQuery \n "content-type:<ct>\nhost:<host>\n" \n
                       "content-type;host" \n hex(SHA256(payload))
    StringToSign     = "TC3-HMAC-SHA256" \n X-TC-Timestamp \n "<UTC date>/<service>/tc3_request" \n
                       hex(SHA256(CanonicalRequest))
    key              = HMAC("TC3" + SecretKey, date) -> HMAC(., service) -> HMAC(., "tc3_request")
    Authorization    = "TC3-HMAC-SHA256 Credential=<SecretId>/<date>/<service>/tc3_request,
                        SignedHeaders=content-type;host, Signature=<hex HMAC(key, StringToSign)>"

The SDK signs only content-type and host (the X-TC-* headers are not signed; the timestamp is inside the
string to sign). A POST's canonical query is empty and its payload is the JSON body; a GET's canonical query
is the urlencoded query as sent and its payload is empty. The date is the UTC date of the timestamp.
Pure functions: no clock, no I/O.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timezone

ALGORITHM = "TC3-HMAC-SHA256"
SIGNED_HEADERS = "content-type;host"
TERMINATOR = "tc3_request"


def sign_date(timestamp: int) -> str:
    """The credential-scope date: the UTC calendar date of the X-TC-Timestamp."""
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%d")


def canonical_request(method: str, uri: str, query: str, content_type: str, host: str, payload: bytes) -> str:
    return "\n".join(
        [
            method.upper(),
            uri,
            query,
            f"content-type:{content_type}\nhost:{host}\n",
            SIGNED_HEADERS,
            hashlib.sha256(payload).hexdigest(),
        ]
    )


def string_to_sign(timestamp: int, service: str, canonical: str) -> str:
    scope = f"{sign_date(timestamp)}/{service}/{TERMINATOR}"
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{timestamp}\n{scope}\n{digest}"


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def signature(secret_key: str, date: str, service: str, to_sign: str) -> str:
    key = _hmac(_hmac(_hmac(("TC3" + secret_key).encode("utf-8"), date), service), TERMINATOR)
    return hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def authorization(secret_id: str, date: str, service: str, sig: str) -> str:
    return (
        f"{ALGORITHM} Credential={secret_id}/{date}/{service}/{TERMINATOR}, "
        f"SignedHeaders={SIGNED_HEADERS}, Signature={sig}"
    )


def sign(
    secret_id: str,
    secret_key: str,
    *,
    service: str,
    method: str,
    host: str,
    content_type: str,
    timestamp: int,
    payload: bytes = b"",
    query: str = "",
    uri: str = "/",
) -> tuple[str, str]:
    """(Authorization header value, signature hex) for one request."""
    canonical = canonical_request(method, uri, query, content_type, host, payload)
    date = sign_date(timestamp)
    sig = signature(secret_key, date, service, string_to_sign(timestamp, service, canonical))
    return authorization(secret_id, date, service, sig), sig


def parse_authorization(value: str) -> dict[str, str] | None:
    """Split an Authorization header (simulator side): SecretId, date, service, SignedHeaders, Signature.
    None when it is not a well-formed TC3 header."""
    if not value.startswith(ALGORITHM + " "):
        return None
    parts: dict[str, str] = {}
    for item in value[len(ALGORITHM) + 1 :].split(","):
        key, sep, val = item.strip().partition("=")
        if not sep:
            return None
        parts[key] = val.strip()
    if not {"Credential", "SignedHeaders", "Signature"} <= parts.keys():
        return None
    scope = parts["Credential"].split("/")
    if len(scope) != 4 or scope[3] != TERMINATOR or not scope[0]:
        return None
    parts["SecretId"], parts["Date"], parts["Service"] = scope[0], scope[1], scope[2]
    return parts
