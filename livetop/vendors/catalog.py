"""Vendor error catalogs and decoding: turn any vendor answer into a `DecodedError` a person can act on.

The catalogs are data (`livetop/vendors/<vendor>/errors.toml`, see `catalog_data`), loaded and validated at
first use. `decode` never fails: a known code gets its catalog entry, an unknown code shows the raw code and
message, and a body that is not JSON (a gateway's HTML page, an empty or truncated body) becomes a transport
error with the HTTP status and a short excerpt. Every vendor message shown goes through `redact` first.
"""

from __future__ import annotations

import email.utils
import json
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from functools import cache

import httpx

from livetop.model import DecodedError, VendorError
from livetop.vendors.body import MAX_BODY_BYTES, BodyError, json_object, oversized_detail

# Re-exported: callers need only this module.
from livetop.vendors.catalog_data import (  # noqa: F401
    TITLE_MAX_CHARS,
    Catalog,
    CatalogError,
    Entry,
    Variant,
    load_catalog,
    parse_catalog,
)
from livetop.vendors.redact import EXCERPT_CHARS, RAW_MESSAGE_CHARS, excerpt, redact  # noqa: F401
from livetop.vendors.registry import load_object, vendor_display, vendor_spec

CODE_CHARS = 60  # longer than any catalog code
RETRY_AFTER_CAP_SECONDS = 3600.0  # a broken or hostile Retry-After must not park an account for days


def _no_reader(doc: object) -> None:
    return None


@cache
def error_reader(vendor: str) -> Callable[[object], tuple[str, str] | None]:
    """The vendor's reader of (code, message) in a parsed JSON error body, as its spec declares it."""
    try:
        path = vendor_spec(vendor).error_reader
    except KeyError:
        return _no_reader
    return load_object(path) if path else _no_reader


# --- decoding -----------------------------------------------------------------------------------------------


def http_date(value: str | None) -> datetime | None:
    """An HTTP date (`Date`, `Retry-After`), aware (UTC when it names no zone); None when absent or
    unreadable. Kept in its own zone: at the calendar's edge it may have no UTC equivalent Python can hold."""
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=timezone.utc)


def parse_retry_after(headers: Mapping[str, str] | None, now: datetime | None = None) -> float | None:
    """Retry-After in seconds (delta-seconds or an HTTP date), capped; None when absent or unreadable."""
    if not headers:
        return None
    value = headers.get("retry-after") if isinstance(headers, httpx.Headers) else None
    if value is None:
        value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        when = http_date(value)
        if when is None:
            return None
        seconds = (when - (now or datetime.now(timezone.utc))).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return min(max(0.0, seconds), RETRY_AFTER_CAP_SECONDS)


_REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,79}$")


def _request_id(doc: object, headers: Mapping[str, str] | None, secrets: tuple[str, ...] = ()) -> str | None:
    """The vendor's request id (support tickets need it). Not a secret, so it is added after redaction."""
    candidates = []
    if isinstance(doc, dict):
        candidates += [doc.get("request_id"), doc.get("requestId"), doc.get("RequestId")]
    if headers:
        candidates += [v for k, v in headers.items() if k.lower() in ("x-request-id", "x-jdcloud-request-id")]
    for rid in candidates:
        if (
            isinstance(rid, str)
            and _REQUEST_ID.match(rid.strip())
            and not any(x and x in rid for x in secrets)
        ):
            return rid.strip()
    return None


def _retryable_status(status: int | None) -> bool:
    return status is None or status >= 500 or status in (408, 429)


def decode(
    vendor: str,
    http_status: int | None,
    body: bytes,
    headers: Mapping[str, str] | None = None,
    *,
    now: datetime | None = None,
    secrets: Iterable[str] = (),
    api: str | None = None,
) -> DecodedError:
    """Decode a vendor's error answer. Never raises for any body; `now` resolves an HTTP-date Retry-After;
    `api` (the account's vendor API) picks the catalog's variants written for it."""
    catalog = load_catalog(vendor)
    secrets = tuple(secrets)
    retry_after = parse_retry_after(headers, now)
    if len(body) > MAX_BODY_BYTES:  # parsing it could hold the event loop for seconds (vendors/body.py)
        return _body_transport(
            vendor, http_status, "", retry_after, secrets, oversized=oversized_detail(size=len(body))
        )
    text = body.decode("utf-8", errors="replace") if body else ""
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than Python's stack
        return _body_transport(vendor, http_status, text, retry_after, secrets)
    found = error_reader(vendor)(doc)
    rid = _request_id(doc, headers, secrets)
    throttled = http_status == 429
    if found is None:
        try:
            raw = redact(json.dumps(doc, ensure_ascii=False), secrets, EXCERPT_CHARS)
        except RecursionError:  # nested deeper than Python's stack allows to write back
            raw = excerpt(text, secrets)
        return DecodedError(
            vendor=vendor,
            code=f"HTTP {http_status}" if http_status else "HTTP ?",
            http_status=http_status,
            title="unrecognised error answer",
            meaning=f"{vendor_display(vendor)} answered HTTP {http_status} with JSON that carries no error "
            "code"
            " livetop knows how to read.",
            action=_status_action(http_status),
            retryable=_retryable_status(http_status),
            raw_message=_with_request_id(raw, rid),
            kind="unknown",
            throttled=throttled,
            retry_after=retry_after,
        )
    code, message, *extra = found
    # A reader may also return the request id where only it knows to look (Tencent: Response.RequestId).
    if extra:
        rid = _request_id({"request_id": extra[0]}, None, secrets) or rid
    # The code is shown as is when the catalog does not know it: a vendor (or a proxy) echoing a credential
    # or a page of text in the code field must not put it on screen.
    code = redact(code, secrets, CODE_CHARS) or (f"HTTP {http_status}" if http_status else "HTTP ?")
    raw = _with_request_id(redact(message, secrets), rid)
    entry = catalog.lookup(code)
    if entry is None:
        return DecodedError(
            vendor=vendor,
            code=code,
            http_status=http_status,
            title="unknown error code",
            meaning=f"{vendor_display(vendor)} answered with code {code}, which livetop's catalog does not "
            "list;"
            " the vendor's own message is shown below.",
            action="Read the vendor's message. " + _status_action(http_status),
            retryable=_retryable_status(http_status),
            raw_message=raw,
            kind="unknown",
            throttled=throttled,
            retry_after=retry_after,
        )
    entry = entry.resolve(message, api)
    return DecodedError(
        vendor=vendor,
        code=code,
        http_status=http_status,
        title=entry.title,
        meaning=entry.meaning,
        action=entry.action,
        retryable=entry.retryable,
        raw_message=raw,
        kind="vendor",
        throttled=throttled or entry.throttled,
        retry_after=retry_after,
        token_expired=entry.token_expired,
    )


def _with_request_id(raw: str, rid: str | None) -> str:
    # A vendor whose error reader already quoted the id (Tencent's Response.RequestId) gets it once.
    return f"{raw} (request id {rid})" if rid and rid not in raw else raw


def _status_action(status: int | None) -> str:
    if status == 429:
        return "The vendor is throttling: livetop backs off by itself."
    if _retryable_status(status):
        return "Usually transient: livetop retries. If it lasts, check the status page or file a ticket."
    if status in (401, 403):
        return "Check the account's credentials and permissions in the config."
    if status == 404:
        return "Check the account's endpoint in the config and the play domain's spelling."
    return "Check the account's endpoint and the play domain; if they are right, report it with this message."


def _body_transport(
    vendor: str,
    status: int | None,
    text: str,
    retry_after: float | None,
    secrets: tuple[str, ...],
    oversized: str | None = None,
) -> DecodedError:
    stripped = text.strip()
    name = vendor_display(vendor)
    if oversized is not None:
        # The same meaning whatever the size, so the error panel shows one kind; how far livetop read goes
        # where the vendor's own words would, in place of an excerpt (a cut through a secret would show part).
        title = "oversized answer"
        what = (
            f"a body larger than any answer it sends (livetop reads at most {MAX_BODY_BYTES:,} bytes of one)"
        )
    elif not stripped:
        title, what = "empty answer", "an empty body"
    elif stripped.startswith("<"):
        title, what = (
            "HTML error page",
            "an HTML page instead of JSON (usually a proxy or gateway in between)",
        )
    elif stripped[0] in "{[":
        title, what = "truncated answer", "JSON that is cut off or invalid (the connection may have dropped)"
    else:
        title, what = "non-JSON answer", "a body that is not JSON"
    if oversized is not None:
        action = (
            "livetop retries. If it lasts, check the account's endpoint URL and any proxy between livetop "
            "and the vendor: no answer of this API is that large."
        )
    elif status is not None and 400 <= status < 500 and status not in (408, 429):
        action = "Check the account's endpoint in the config: it may point at the wrong host, port or path."
    else:
        action = (
            "Usually transient: livetop retries. If it lasts, check the endpoint URL and any proxy "
            "between livetop and the vendor."
        )
    return DecodedError(
        vendor=vendor,
        code=f"HTTP {status}" if status else "HTTP ?",
        http_status=status,
        title=title,
        meaning=f"{name} answered HTTP {status} with {what}.",
        action=action,
        # A 2xx that is not JSON is a body cut short or rewritten on the way: asking again can help.
        retryable=_retryable_status(status) or (status is not None and 200 <= status < 300),
        raw_message=f"the body {oversized}" if oversized is not None else excerpt(text, secrets),
        raw_source="livetop" if oversized is not None else "vendor",
        kind="transport",
        throttled=status == 429,
        retry_after=retry_after,
    )


def oversized(
    vendor: str,
    http_status: int | None,
    detail: str,
    headers: Mapping[str, str] | None = None,
    *,
    now: datetime | None = None,
) -> DecodedError:
    """An answer past the cap that was not read whole (`body.oversized_detail` says how far reading got),
    decoded like one read whole: "oversized answer", its status, no excerpt."""
    return _body_transport(vendor, http_status, "", parse_retry_after(headers, now), (), oversized=detail)


def malformed(vendor: str, http_status: int | None, detail: str, secrets: Iterable[str] = ()) -> DecodedError:
    """A success answer (2xx) whose body does not have the documented shape. `detail` may quote the body:
    the account's `secrets` are masked in it."""
    return DecodedError(
        vendor=vendor,
        code="MALFORMED",
        http_status=http_status,
        title="unexpected answer shape",
        meaning=f"{vendor_display(vendor)} answered HTTP {http_status} but the body does not have "
        "the documented shape.",
        action="Usually a proxy rewriting answers or a vendor-side change: livetop retries. If it lasts, "
        "report it with the detail shown.",
        retryable=True,
        raw_message=redact(detail, tuple(secrets)),
        kind="malformed",
        raw_source="livetop",
    )


def answer_object(
    body: bytes,
    vendor: str,
    http_status: int | None,
    what: str,
    *,
    secrets: Iterable[str] = (),
    unreadable: Callable[[], VendorError] | None = None,
    decimals: bool = False,
    lenient_keys: Iterable[str] = (),
) -> dict:
    """The JSON object of a 2xx answer (`body.json_object`), or VendorError: `malformed` with "the {what}
    answer is not JSON" and the like. A vendor whose gateways answer HTML pages or cut bodies short passes
    `unreadable`, its decoding of the whole body, for bytes that are no JSON text at all ("HTML error page",
    "truncated answer"); a body too large, or whose top level is no object, stays a shape error."""
    try:
        return json_object(body, decimals=decimals, lenient_keys=lenient_keys)
    except BodyError as exc:
        if unreadable is not None and exc.unreadable:
            raise unreadable() from None
        raise VendorError(malformed(vendor, http_status, f"the {what} answer {exc}", secrets)) from None


def client_error(vendor: str, code: str, title: str, meaning: str, action: str) -> DecodedError:
    """A rule livetop enforces before sending (the vendor would refuse the request anyway)."""
    return DecodedError(
        vendor=vendor,
        code=code,
        http_status=None,
        title=title,
        meaning=meaning,
        action=action,
        retryable=False,
        kind="client",
    )
