"""Huawei SDK-HMAC-SHA256 request signing (vendors.md §B2), shared by the client and the simulator.

Pure functions: no I/O, no clock. The caller supplies the X-Sdk-Date value.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import quote, unquote

ALGORITHM = "SDK-HMAC-SHA256"
EMPTY_BODY_SHA256 = hashlib.sha256(b"").hexdigest()


def _encode(text: str) -> str:
    # RFC 3986 unreserved characters stay; everything else percent-encoded (Huawei keeps only `~` extra).
    return quote(text, safe="~")


def canonical_uri(path: str) -> str:
    segments = [_encode(unquote(seg)) for seg in path.split("/")]
    uri = "/".join(segments)
    if not uri.endswith("/"):
        uri += "/"
    return uri


def canonical_query(params: list[tuple[str, str]]) -> str:
    """Sorted by key then value, both percent-encoded; `k=` for empty values."""
    encoded = sorted((_encode(k), _encode(v)) for k, v in params)
    return "&".join(f"{k}={v}" for k, v in encoded)


def canonical_headers(headers: dict[str, str], signed: list[str]) -> str:
    lowered = {k.lower(): v for k, v in headers.items()}
    return "".join(f"{name}:{lowered[name].strip()}\n" for name in signed)


def signed_header_names(headers: dict[str, str]) -> list[str]:
    """The SDK signs every header whose name has no underscore."""
    return sorted({k.lower() for k in headers if "_" not in k})


def canonical_request(
    method: str,
    path: str,
    query: list[tuple[str, str]],
    headers: dict[str, str],
    signed: list[str],
    body: bytes = b"",
) -> str:
    return "\n".join(
        [
            method.upper(),
            canonical_uri(path),
            canonical_query(query),
            canonical_headers(headers, signed),
            ";".join(signed),
            hashlib.sha256(body).hexdigest(),
        ]
    )


def string_to_sign(canonical: str, sdk_date: str) -> str:
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{sdk_date}\n{digest}"


def signature(secret_key: str, to_sign: str) -> str:
    return hmac.new(secret_key.encode("utf-8"), to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def sign(
    access_key: str,
    secret_key: str,
    method: str,
    path: str,
    query: list[tuple[str, str]],
    headers: dict[str, str],
    body: bytes = b"",
) -> tuple[str, str]:
    """Return (Authorization header value, signature hex). `headers` must already hold Host and X-Sdk-Date."""
    lowered = {k.lower(): v for k, v in headers.items()}
    if "x-sdk-date" not in lowered or "host" not in lowered:
        raise ValueError("AK/SK signing needs Host and X-Sdk-Date headers")
    signed = signed_header_names(headers)
    canonical = canonical_request(method, path, query, headers, signed, body)
    sig = signature(secret_key, string_to_sign(canonical, lowered["x-sdk-date"]))
    auth = f"{ALGORITHM} Access={access_key}, SignedHeaders={';'.join(signed)}, Signature={sig}"
    return auth, sig


def parse_authorization(value: str) -> dict[str, str] | None:
    """Split `SDK-HMAC-SHA256 Access=.., SignedHeaders=.., Signature=..` (simulator side)."""
    if not value.startswith(ALGORITHM + " "):
        return None
    parts: dict[str, str] = {}
    for item in value[len(ALGORITHM) + 1 :].split(","):
        key, sep, val = item.strip().partition("=")
        if not sep:
            return None
        parts[key] = val
    if not {"Access", "SignedHeaders", "Signature"} <= parts.keys():
        return None
    return parts
