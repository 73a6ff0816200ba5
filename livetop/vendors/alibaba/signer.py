"""ACS3-HMAC-SHA256, the request signature of Alibaba Cloud's current SDKs (signature method V3).

Which signature the official SDK uses by default (vendors.md §F9): ACS3-HMAC-SHA256 in the `Authorization`
header, not the old HMAC-SHA1 `Signature` query parameter. Read from alibabacloud-tea-openapi 0.4.6, on
which alibabacloud-live20161101 3.0.2 is built: `Client.call_api` goes to `do_request` unless the config sets
`signature_version = "v4"` or `signature_algorithm = "v2"` (both unset by default); `do_request` signs with
`self._signature_algorithm or 'ACS3-HMAC-SHA256'` (alibabacloud_tea_openapi/client.py, `call_api` and
`do_request`). The HMAC-SHA1 query signature is only in `do_rpcrequest`, reached with `signature_algorithm =
"v2"`.

The rules, from `alibabacloud_tea_openapi/utils.py` (`get_authorization`, `get_canonical_query_string`,
`get_canonicalized_headers`) and the V3 page https://help.aliyun.com/zh/sdk/product-overview/v3-request-structure-and-signature :

    CanonicalRequest = METHOD \\n CanonicalURI \\n CanonicalQuery \\n CanonicalHeaders \\n SignedHeaders \\n
                       HashedPayload
    - CanonicalURI: the path, "/" for RPC-style APIs.
    - CanonicalQuery: parameters sorted by name, `name=value` joined by `&`, the value percent-encoded with
      only `A-Za-z0-9-_.~` left as is (Python's `quote(v, safe="~")`: space is %20, `*` is %2A).
    - CanonicalHeaders: every signed header as `lowercase-name:trimmed-value\\n`, sorted by name.
    - SignedHeaders: the same names joined by `;`.
    - HashedPayload: lowercase hex SHA-256 of the body (of b"" for these APIs), also sent as
      `x-acs-content-sha256`.
    StringToSign = "ACS3-HMAC-SHA256\\n" + hex(sha256(CanonicalRequest))
    Signature = hex(hmac_sha256(AccessKeySecret, StringToSign))
    Authorization: ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<names>,Signature=<hex>

Pure: the auth (auth.py) and the simulator both use these functions.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from urllib.parse import quote

ALGORITHM = "ACS3-HMAC-SHA256"
EMPTY_PAYLOAD_SHA256 = hashlib.sha256(b"").hexdigest()
DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"  # x-acs-date: ISO 8601 UTC, whole seconds (the SDK's get_timestamp)


def percent_encode(text: str) -> str:
    """RFC 3986 encoding as the SDK does it: UTF-8, only unreserved characters kept."""
    return quote(text, safe="~", encoding="utf-8")


def canonical_query(params: Mapping[str, str] | Iterable[tuple[str, str]]) -> str:
    """Sorted `name=value` pairs joined by `&`, values (and names) percent-encoded.

    The SDK encodes only values (its parameter names are ASCII identifiers, which encoding leaves alone);
    the V3 page encodes both, so names are encoded here too, which is the same for every real name.
    """
    pairs = list(params.items()) if isinstance(params, Mapping) else list(params)
    encoded = sorted((percent_encode(k), percent_encode(v)) for k, v in pairs if v is not None)
    return "&".join(f"{k}={v}" for k, v in encoded)


def canonical_headers(headers: Mapping[str, str], signed: Iterable[str]) -> tuple[str, str]:
    """(CanonicalHeaders, SignedHeaders) for the headers named in `signed` (any case)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    names = sorted({name.lower() for name in signed})
    lines = "".join(f"{name}:{str(lowered.get(name, '')).strip()}\n" for name in names)
    return lines, ";".join(names)


def canonical_request(
    method: str,
    path: str,
    params: Mapping[str, str] | Iterable[tuple[str, str]],
    headers: Mapping[str, str],
    signed: Iterable[str],
    payload_sha256: str = EMPTY_PAYLOAD_SHA256,
) -> str:
    lines, signed_names = canonical_headers(headers, signed)
    return "\n".join(
        [method.upper(), path or "/", canonical_query(params), lines, signed_names, payload_sha256]
    )


def string_to_sign(canonical: str) -> str:
    return f"{ALGORITHM}\n{hashlib.sha256(canonical.encode('utf-8')).hexdigest()}"


def signature(secret: str, to_sign: str) -> str:
    return hmac.new(secret.encode("utf-8"), to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def authorization(access_key_id: str, signed_names: str, sig: str) -> str:
    return f"{ALGORITHM} Credential={access_key_id},SignedHeaders={signed_names},Signature={sig}"


_AUTH_RE = re.compile(
    rf"^{ALGORITHM} Credential=(?P<Credential>[^,\s]+),SignedHeaders=(?P<SignedHeaders>[^,\s]+),"
    r"Signature=(?P<Signature>[0-9a-f]{64})$"
)


def parse_authorization(value: str) -> dict[str, str] | None:
    """The parts of an ACS3-HMAC-SHA256 Authorization header, or None when it is not one."""
    match = _AUTH_RE.match(value.strip()) if isinstance(value, str) else None
    return match.groupdict() if match else None
