"""Make vendor text safe to show, log and export: no token, signature, key or password survives."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

EXCERPT_CHARS = 120  # excerpt of a non-JSON body
RAW_MESSAGE_CHARS = 300  # a vendor's own message

_MASK = "***"
_SECRET_NAMES = (
    r"password|passwd|pwd|secret(?:[_-]?key)?|secretkey|sk|access[_-]?key(?:[_-]?id)?|ak|"
    r"x-auth-token|x-subject-token|x-security-token|token|signature|authorization"
)
_REDACTIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    # APIGW.0301 may embed the server's canonical request (or string to sign); none of it is needed to act.
    (re.compile(r"(?is)\b(canonical[\s_-]*request|string[\s_-]*to[\s_-]*sign)\b.*$"), r"\1: [removed]"),
    # Authorization header values run to the end of the line or the closing quote.
    (re.compile(r"(?i)\b(authorization[\"']?\s*[:=]\s*)([\"']?)[^\"'\r\n]*"), r"\1\2" + _MASK),
    # Quoted JSON-ish values of secret-named keys: "password": "..." / 'sk'='...'.
    (
        re.compile(rf"(?i)([\"']?\b(?:{_SECRET_NAMES})[\"']?\s*[:=]\s*)([\"'])(?:\\.|(?!\2).)*\2"),
        r"\1\2" + _MASK + r"\2",
    ),
    # Unquoted key=value / key: value of secret-named keys (Access=AK, Signature=hex, ak:AK).
    (
        re.compile(rf"(?i)\b(access|credential|{_SECRET_NAMES})(\s*[:=]\s*)(?![\"'\s])[^\s,;&\"'}}\])]+"),
        r"\1\2" + _MASK,
    ),
    # IAM tokens (PKI, base64 starting MII...) and other long base64/url-safe runs.
    (re.compile(r"MII[A-Za-z0-9+/=_-]{16,}"), _MASK),
    (
        re.compile(
            r"(?<![A-Za-z0-9+_-])(?=[A-Za-z0-9+_-]*\d)(?=[A-Za-z0-9+_-]*[A-Za-z])[A-Za-z0-9+_-]{40,}={0,2}"
        ),
        _MASK,
    ),
    # Hex runs of 32+ characters: MD5/SHA signatures, secret keys, project-scoped ids.
    (re.compile(r"(?<![0-9A-Fa-f])[0-9A-Fa-f]{32,}(?![0-9A-Fa-f])"), _MASK),
)


def redact(text: str, secrets: Iterable[str] = (), limit: int = RAW_MESSAGE_CHARS) -> str:
    """Text safe to show, log and export: tokens, signatures, AK values, passwords, Authorization values and
    embedded canonical requests removed; each of `secrets` (the account's own values) masked wherever it
    appears; whitespace collapsed; cut to `limit` characters."""
    text = str(text)
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, _MASK)
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: max(0, limit - 1)].rstrip() + "…"
    return text


_DROP_BLOCKS = re.compile(r"(?is)<(script|style|head)\b.*?</\1\s*>")
_TAG = re.compile(r"(?s)<[^>]*>")


def excerpt(text: str, secrets: Iterable[str] = (), limit: int = EXCERPT_CHARS) -> str:
    """A short, safe excerpt of a body that is not JSON: HTML tags stripped, entities decoded, redacted."""
    text = _TAG.sub(" ", _DROP_BLOCKS.sub(" ", text))
    return redact(html.unescape(text), secrets, limit)
