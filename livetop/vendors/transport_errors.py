"""Decoded errors of answers livetop never got usable: no answer at all (timeout, refused connection, TLS
failure, a dropped connection, a bad URL), one that trickled in past its deadline, one in an encoding livetop
did not ask for. Their raw message is livetop's own detail (what httpx said, how far the answer got), never
the vendor's words: `raw_source="livetop"`.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable

import httpx

from livetop.httpread import ACCEPT_ENCODING, AnswerTooSlow, EncodingRefused
from livetop.model import DecodedError
from livetop.vendors.redact import redact
from livetop.vendors.registry import vendor_display

# The account's `timeout` bounds each read (and, at most 5 s, the connect); a whole answer, from sending the
# request to its last byte, gets this many times it (30 s with the default 10 s). A slow but steady answer
# of a large list has room; an endpoint that sends a byte every few seconds is cut off.
ANSWER_DEADLINE_TIMEOUTS = 3


def _chain(exc: BaseException) -> Iterable[BaseException]:
    seen: set[int] = set()
    todo = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        todo += [e.__cause__, e.__context__] + [a for a in e.args if isinstance(a, BaseException)]


def transport_error(vendor: str, exc: BaseException) -> DecodedError:
    """No usable answer at all: timeout, refused connection, TLS failure, dropped connection, bad URL."""
    chain = list(_chain(exc))
    detail = redact(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
    tls = any(isinstance(e, ssl.SSLError) for e in chain) or "CERTIFICATE_VERIFY_FAILED" in str(exc)
    if tls:
        code, title, retryable = "NET.TLS", "TLS verification failed", False
        meaning = "The endpoint's TLS certificate could not be verified (or the TLS handshake failed)."
        action = (
            "Check the account's endpoint URL (host name and https). For a test endpoint with a private "
            "certificate you trust, set verify_tls = false on that account."
        )
    elif isinstance(exc, httpx.TimeoutException):
        code, title, retryable = "NET.TIMEOUT", "timed out", True
        meaning = "The vendor did not answer within the account's timeout."
        action = (
            "livetop retries. If it lasts, check the network, or raise the account's timeout in the config."
        )
    elif isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        code, title, retryable = "NET.URL", "bad endpoint URL", False
        meaning = "The account's endpoint is not a usable http(s) URL."
        action = "Fix the account's endpoint in the config, e.g. https://live.cn-north-4.myhuaweicloud.com."
    elif isinstance(exc, httpx.ConnectError | ConnectionRefusedError | OSError):
        code, title, retryable = "NET.CONNECT", "cannot connect", True
        meaning = "livetop could not open a connection to the endpoint (refused, DNS failure or no route)."
        action = "Check the account's endpoint URL, DNS and network or proxy. livetop retries."
    elif isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        code, title, retryable = "NET.DROPPED", "connection dropped", True
        meaning = "The connection broke before a complete answer arrived."
        action = (
            "Usually transient: livetop retries. If it lasts, check proxies between livetop and the vendor."
        )
    else:
        code, title, retryable = "NET.ERROR", "network error", True
        meaning = "The request failed before the vendor answered."
        action = "livetop retries. If it lasts, check the account's endpoint and the network."
    return DecodedError(
        vendor=vendor,
        code=code,
        http_status=None,
        title=title,
        meaning=meaning,
        action=action,
        retryable=retryable,
        raw_message=detail,
        kind="transport",
        raw_source="livetop",
    )



def too_slow(vendor: str, exc: AnswerTooSlow) -> DecodedError:
    """An answer still arriving at its deadline (livetop closed the connection); how far it got is the raw
    message, so the meaning stays one kind on the error panel."""
    got = f"the answer's head and {exc.read:,} bytes of its body" if exc.status_code else "no answer head"
    return DecodedError(
        vendor=vendor,
        code="NET.SLOW",
        http_status=exc.status_code,
        title="answer too slow",
        meaning=(
            "The answer trickled in too slowly: livetop waits at most "
            f"{ANSWER_DEADLINE_TIMEOUTS} times the account's timeout for a whole answer."
        ),
        action=(
            "livetop closed the connection and retries. If it lasts, check the network and any proxy "
            "between livetop and the vendor, or raise the account's timeout for a slow link."
        ),
        retryable=True,
        raw_message=f"{got} in {exc.seconds:.1f} s (deadline {exc.deadline:g} s), then livetop hung up",
        kind="transport",
        raw_source="livetop",
    )


def unasked_encoding(vendor: str, exc: EncodingRefused) -> DecodedError:
    """An answer compressed in an encoding livetop did not ask for, refused before it was decoded (its
    size once inflated could not be bounded)."""
    return DecodedError(
        vendor=vendor,
        code="NET.ENCODING",
        http_status=exc.status_code,
        title="answer in an unasked-for encoding",
        meaning=(
            f"{vendor_display(vendor)} answered HTTP {exc.status_code} compressed in an encoding livetop did "
            f"not ask for (it asks for {ACCEPT_ENCODING} only), so livetop did not decode it."
        ),
        action=(
            "Usually a proxy between livetop and the vendor recompressing answers: check the account's "
            "endpoint and any proxy. livetop retries."
        ),
        retryable=True,
        raw_message=str(exc),
        kind="transport",
        raw_source="livetop",
    )
