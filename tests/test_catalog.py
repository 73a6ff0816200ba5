"""Error catalogs: data validation, decode() of every code and of broken bodies, transport errors, limits,
registry. Redaction: tests/test_redact.py."""

from __future__ import annotations

import json
import socket
import ssl
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest

from livetop.config.schema import AccountConfig, Credentials, Secret
from livetop.model import VENDOR_HUAWEI, VENDOR_JDCLOUD
from livetop.vendors import catalog, transport_errors
from livetop.vendors.catalog import CatalogError, decode, load_catalog, parse_catalog
from livetop.vendors.limits import effective_limits

# Every code vendors.md lists (§A4 Live, §A5 APIGW, §B1 IAM; §C1/§C2 JD): dropping one from a catalog fails.
HUAWEI_DOCUMENTED = """
LIVE.100011001 LIVE.100011004 LIVE.100011006 LIVE.100011008 LIVE.100011009 LIVE.100011011 LIVE.100011012
LIVE.100011013 LIVE.100011022 LIVE.103011018 LIVE.103011020 LIVE.103011021 LIVE.103011022 LIVE.103011024
LIVE.103011025 LIVE.103011026 LIVE.103011027 LIVE.100011002 LIVE.100011003 LIVE.100011014 LIVE.100011015
LIVE.103011016 LIVE.103011019 LIVE.100011000 LIVE.100011005 LIVE.100011007 LIVE.103011017 LIVE.103011023
LIVE.103011028
APIGW.0101 APIGW.0201 APIGW.0301 APIGW.0302 APIGW.0303 APIGW.0304 APIGW.0305 APIGW.0306 APIGW.0307
APIGW.0308 APIGW.0310 APIGW.0401 APIGW.0402 APIGW.0613 APIGW.0801 APIGW.0802
IAM.0007 IAM.0011 IAM.0009 IAM.1109 IAM.0001 IAM.0061 IAM.0062 IAM.0066 IAM.0067 IAM.0002 IAM.0003
IAM.0004 IAM.0012 IAM.0006
""".split()
JD_DOCUMENTED = """
INVALID_ARGUMENT FAILED_PRECONDITION OUT_OF_RANGE UNAUTHENTICATED HTTP_FORBIDDEN NOT_FOUND ABORTED
ALREADY_EXISTS QUOTA_EXCEEDED RATE_LIMIT CANCELLED UNKNOWN INTERNAL SOURCE_UNAVAILABLE UNAVAILABLE
""".split()

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)


def _concrete(code: str) -> str:
    """A real code for a catalog key: families (`APIGW.06*`, `JD.STATUS.*`) get a member not listed alone."""
    return {"APIGW.06*": "APIGW.0604", "JD.STATUS.*": "JD.STATUS.42"}.get(code, code)


def _body(vendor: str, code: str, message: str) -> bytes:
    if vendor == VENDOR_HUAWEI:
        if code.startswith("IAM.") and code[4:].isdigit() and len(code) == 7:  # IAM.401: the token API shape
            return json.dumps(
                {"error": {"code": int(code[4:]), "message": message, "title": "Unauthorized"}}
            ).encode()
        return json.dumps({"error_code": code, "error_msg": message, "request_id": "req-1"}).encode()
    if code.startswith("JD.STATUS."):
        return json.dumps({"status": int(code.rsplit(".", 1)[1]), "msg": message}).encode()
    http = load_catalog(vendor).lookup(code).http[0]
    return json.dumps(
        {"requestId": "req-1", "error": {"code": http, "status": code, "message": message}}
    ).encode()


# --- catalog data -------------------------------------------------------------------------------------------


def test_catalogs_list_every_documented_code():
    assert set(HUAWEI_DOCUMENTED) <= set(load_catalog(VENDOR_HUAWEI).entries)
    assert set(JD_DOCUMENTED) <= set(load_catalog(VENDOR_JDCLOUD).entries)
    # Unknown opencdn statuses and the 06xx gateway family fall back to family entries.
    assert load_catalog(VENDOR_JDCLOUD).lookup("JD.STATUS.77").code == "JD.STATUS.*"
    assert load_catalog(VENDOR_HUAWEI).lookup("APIGW.0613").code == "APIGW.0613"
    assert load_catalog(VENDOR_HUAWEI).lookup("APIGW.0699").code == "APIGW.06*"


@pytest.mark.parametrize("vendor", [VENDOR_HUAWEI, VENDOR_JDCLOUD])
def test_catalog_entries_are_actionable(vendor):
    for code, entry in load_catalog(vendor).entries.items():
        assert entry.title and len(entry.title) <= catalog.TITLE_MAX_CHARS, code
        assert len(entry.meaning) >= 20 and len(entry.action) >= 20, code
        assert entry.title != entry.meaning, code


def test_throttling_codes_are_marked_in_the_data():
    hw, jd = load_catalog(VENDOR_HUAWEI), load_catalog(VENDOR_JDCLOUD)
    assert {c for c, e in hw.entries.items() if e.throttled} == {"APIGW.0308", "LIVE.100011007", "IAM.0012"}
    assert {c for c, e in jd.entries.items() if e.throttled} == {"RATE_LIMIT", "QUOTA_EXCEEDED"}


GOOD_ENTRY = 'http = 400\ntitle = "t"\nmeaning = "m"\naction = "a"\nretryable = false\n'


@pytest.mark.parametrize(
    "text, problem",
    [
        ('["X.1"]\n' + GOOD_ENTRY.replace("http = 400", 'http = "400"'), "'http'"),
        ('["X.1"]\n' + GOOD_ENTRY.replace("http = 400", "http = 999"), "'http'"),
        ('["X.1"]\n' + GOOD_ENTRY.replace("http = 400", "http = []"), "'http'"),
        ('["X.1"]\n' + GOOD_ENTRY.replace("retryable = false", 'retryable = "no"'), "'retryable'"),
        ('["X.1"]\n' + GOOD_ENTRY.replace('title = "t"\n', ""), "missing 'title'"),
        ('["X.1"]\n' + GOOD_ENTRY.replace('action = "a"', 'action = "  "'), "'action' is empty"),
        ('["X.1"]\n' + GOOD_ENTRY + "retriable = true\n", "unknown key 'retriable'"),
        ('["X.1"]\n' + GOOD_ENTRY.replace('title = "t"', 'title = "' + "x" * 60 + '"'), "title longer"),
        ('["x 1"]\n' + GOOD_ENTRY, "not a valid code"),
        ('["X.1"]\n' + GOOD_ENTRY + '[["X.1".variants]]\ntitle = "no match key"\n', "needs a match or an api"),
        ('["X.1"]\n' + GOOD_ENTRY + '[["X.1".variants]]\nmatch = "m"\nhttp = 401\n', "unknown key 'http'"),
        ('["X.1"\n' + GOOD_ENTRY, "not valid TOML"),
        ("", "empty"),
    ],
)
def test_malformed_catalog_is_refused(text, problem):
    with pytest.raises(CatalogError) as info:
        parse_catalog("test", text, "errors.toml")
    assert problem in str(info.value)
    assert "errors.toml" in str(info.value)


def test_catalog_files_are_the_ones_loaded():
    here = Path(catalog.__file__).parent
    for vendor in (VENDOR_HUAWEI, VENDOR_JDCLOUD):
        text = (here / vendor / "errors.toml").read_text(encoding="utf-8")
        assert parse_catalog(vendor, text).entries.keys() == load_catalog(vendor).entries.keys()


# --- decode: every code -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "vendor, key",
    [(VENDOR_HUAWEI, k) for k in load_catalog(VENDOR_HUAWEI).entries]
    + [(VENDOR_JDCLOUD, k) for k in load_catalog(VENDOR_JDCLOUD).entries],
)
def test_decode_every_catalog_code(vendor, key):
    code = _concrete(key)
    entry = load_catalog(vendor).entries[key]
    http = entry.http[0]
    message = f"vendor says {code} happened"
    err = decode(vendor, http, _body(vendor, code, message))
    assert err.kind == "vendor"
    assert err.code == code
    assert err.vendor == vendor
    assert err.http_status == http
    assert (err.title, err.meaning, err.action, err.retryable) == (
        entry.title,
        entry.meaning,
        entry.action,
        entry.retryable,
    )
    assert message in err.raw_message
    assert err.throttled == (entry.throttled or http == 429)


def test_decode_huawei_key_orders_and_nesting():
    e1 = decode(
        VENDOR_HUAWEI, 400, b'{"errorCode":"LIVE.100011001","errorMsg":"Invalid request parameter: step"}'
    )
    e2 = decode(
        VENDOR_HUAWEI, 400, b'{"code":"LIVE.100011001","message":"Invalid request parameter: domain"}'
    )
    e3 = decode(VENDOR_HUAWEI, 400, b'{"error":{"code":"IAM.1109","message":"project not found"}}')
    # error_code wins over code/message when both are present (the SDK's order).
    e4 = decode(
        VENDOR_HUAWEI,
        401,
        b'{"code":"X","message":"y","error_code":"APIGW.0307","error_msg":"The token must be updated."}',
    )
    assert (e1.code, e1.raw_message) == ("LIVE.100011001", "Invalid request parameter: step")
    assert (e2.code, e2.raw_message) == ("LIVE.100011001", "Invalid request parameter: domain")
    assert (e3.code, e3.title) == ("IAM.1109", "project not found")
    assert e4.code == "APIGW.0307" and e4.token_expired and e4.retryable


def test_decode_iam_wrong_password():
    body = b'{"error":{"code":401,"message":"The username or password is wrong.","title":"Unauthorized"}}'
    err = decode(VENDOR_HUAWEI, 401, body)
    assert err.code == "IAM.401" and err.kind == "vendor" and not err.retryable
    assert "password" in err.action and err.raw_message == "The username or password is wrong."


def test_decode_unknown_codes_show_raw_code_and_message():
    err = decode(
        VENDOR_HUAWEI,
        400,
        b'{"error_code":"LIVE.199999999","error_msg":"brand new failure","request_id":"r9"}',
    )
    assert (err.kind, err.code, err.http_status) == ("unknown", "LIVE.199999999", 400)
    assert err.raw_message == "brand new failure (request id r9)"
    assert not err.retryable
    jd = decode(
        VENDOR_JDCLOUD, 500, b'{"requestId":"x","error":{"code":500,"status":"SHINY_NEW","message":"boom"}}'
    )
    assert (jd.kind, jd.code, jd.raw_message, jd.retryable) == (
        "unknown",
        "SHINY_NEW",
        "boom (request id x)",
        True,
    )


def test_decode_jd_status_keeps_msg():
    err = decode(VENDOR_JDCLOUD, 200, '{"status":3,"msg":"domain not belong to user"}'.encode())
    assert (err.code, err.title, err.raw_message) == (
        "JD.STATUS.3",
        "domain not in account",
        "domain not belong to user",
    )
    odd = decode(VENDOR_JDCLOUD, 200, '{"status":"9","msg":"系统繁忙，请稍后再试"}'.encode())
    assert (odd.code, odd.kind, odd.raw_message) == ("JD.STATUS.9", "vendor", "系统繁忙，请稍后再试")


def test_json_without_error_fields_is_unknown_with_status():
    err = decode(VENDOR_HUAWEI, 503, b'{"hello": "world"}')
    assert (err.kind, err.code, err.http_status, err.retryable) == ("unknown", "HTTP 503", 503, True)
    assert "hello" in err.raw_message


# --- decode: bodies that are not JSON -----------------------------------------------------------------------

NGINX_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title><style>body{color:red}</style></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.25.3</center>\r\n"
    + b"<!-- padding -->" * 40
    + b"\r\n</body>\r\n</html>\r\n"
)


@pytest.mark.parametrize("vendor", [VENDOR_HUAWEI, VENDOR_JDCLOUD])
def test_html_gateway_page_is_a_transport_error_with_a_safe_excerpt(vendor):
    err = decode(vendor, 502, NGINX_502)
    assert (err.kind, err.code, err.http_status, err.title) == (
        "transport",
        "HTTP 502",
        502,
        "HTML error page",
    )
    assert err.retryable
    assert "<" not in err.raw_message and "color:red" not in err.raw_message
    assert err.raw_message == "502 Bad Gateway nginx/1.25.3"  # <head> and comments dropped
    assert len(err.raw_message) <= catalog.EXCERPT_CHARS


def test_long_html_excerpt_is_cut_and_redacted():
    page = (
        "<html><body><p>"
        + "Service temporarily unavailable. " * 20
        + "token=MIIDvjCCAqagAwIBAgIJAOFHuVblAXwKMA0GCSqGSIb3DQEBCwUAMHQx</p></body></html>"
    ).encode()
    err = decode(VENDOR_HUAWEI, 503, page)
    assert len(err.raw_message) <= catalog.EXCERPT_CHARS and err.raw_message.endswith("…")
    err = decode(VENDOR_HUAWEI, 503, b"<p>denied for token=MIIDvjCCAqagAwIBAgIJAOFHuVblAXwKMA0GCSq</p>")
    assert "MIID" not in err.raw_message and "***" in err.raw_message


@pytest.mark.parametrize(
    "body, title",
    [
        (b"", "empty answer"),
        (b"   \r\n", "empty answer"),
        (b'{"error_code":"APIGW.0308","error_m', "truncated answer"),
        (b'[{"2018-06-02 17:15": {', "truncated answer"),
        (b"Bad Gateway", "non-JSON answer"),
        (b"\xff\xfe\x00garbage", "non-JSON answer"),
    ],
)
def test_empty_truncated_and_garbage_bodies(body, title):
    err = decode(VENDOR_HUAWEI, 502, body)
    assert (err.kind, err.code, err.title) == ("transport", "HTTP 502", title)
    assert "HTTP 502" in err.meaning
    client_side = decode(VENDOR_JDCLOUD, 404, body)
    assert not client_side.retryable and "endpoint" in client_side.action
    # A success status with a body cut short: the connection dropped mid-body, asking again can help.
    assert decode(VENDOR_JDCLOUD, 200, body).retryable


# --- throttling, Retry-After, token expiry ------------------------------------------------------------------

APIGW_0308 = (
    b'{"error_msg":"The throttling threshold has been reached: policy user over ratelimit,limit:300,'
    b'time:1 minute","error_code":"APIGW.0308","request_id":"6d1e0f"}'
)


def test_throttling_with_retry_after_seconds():
    err = decode(VENDOR_HUAWEI, 429, APIGW_0308, {"Retry-After": "7"})
    assert err.throttled and err.retryable and err.retry_after == 7.0
    assert "limit:300" in err.raw_message
    # httpx.Headers (what a provider passes) are case-insensitive too.
    assert decode(VENDOR_HUAWEI, 429, APIGW_0308, httpx.Headers({"retry-after": "3"})).retry_after == 3.0


def test_retry_after_as_http_date():
    headers = {"retry-after": "Fri, 20 Nov 2026 12:00:30 GMT"}
    err = decode(
        VENDOR_JDCLOUD,
        429,
        b'{"requestId":"r","error":{"code":429,"status":"RATE_LIMIT",'
        b'"message":"Requests rate limit exceeded"}}',
        headers,
        now=NOW,
    )
    assert (err.code, err.throttled, err.retry_after) == ("RATE_LIMIT", True, 30.0)
    assert catalog.parse_retry_after({"Retry-After": "Fri, 20 Nov 2026 11:00:00 GMT"}, NOW) == 0.0
    assert catalog.parse_retry_after({"Retry-After": "soon"}, NOW) is None
    assert catalog.parse_retry_after({"Retry-After": "999999"}, NOW) == catalog.RETRY_AFTER_CAP_SECONDS
    assert catalog.parse_retry_after({}, NOW) is None


def test_other_throttling_signals():
    assert decode(VENDOR_HUAWEI, 500, b'{"error_code":"LIVE.100011007","error_msg":"too many"}').throttled
    assert decode(VENDOR_HUAWEI, 429, b'{"error_code":"IAM.0012","error_msg":"throttled"}').throttled
    quota = decode(VENDOR_JDCLOUD, 429, b'{"error":{"code":429,"status":"QUOTA_EXCEEDED","message":"q"}}')
    assert quota.throttled
    # A 429 is throttling whatever the body says, even an HTML page.
    assert decode(VENDOR_JDCLOUD, 429, b"<html>slow down</html>").throttled
    assert not decode(VENDOR_HUAWEI, 400, b'{"error_code":"LIVE.100011001","error_msg":"x"}').throttled


def test_token_expiry_signals():
    expired = decode(
        VENDOR_HUAWEI, 401, b'{"error_code":"APIGW.0307","error_msg":"The token must be updated."}'
    )
    assert expired.token_expired and expired.retryable
    via_0301 = decode(
        VENDOR_HUAWEI,
        401,
        b'{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information: token expires, '
        b'expires_at:2026-11-20T12:00:00.000000Z"}',
    )
    assert via_0301.token_expired and via_0301.title == "token expired"
    signature = decode(
        VENDOR_HUAWEI,
        401,
        b'{"error_code":"APIGW.0301",'
        b'"error_msg":"Incorrect IAM authentication information: verify aksk signature fail"}',
    )
    assert not signature.token_expired and not signature.retryable
    assert "AK/SK" in signature.action and "15 minutes" in signature.action


def test_apigw_0301_variants_are_told_apart():
    def title(msg: str) -> str:
        body = json.dumps({"error_code": "APIGW.0301", "error_msg": msg}).encode()
        return decode(VENDOR_HUAWEI, 401, body).title

    assert title("the request time is out of range") == "request time out of range"
    assert title("decrypt token fail") == "token invalid"
    assert title("x-auth-token not found") == "no credentials sent"
    assert title("AK access failed to reach the limit,forbidden") == "AK locked for 5 minutes"
    assert title("Get secretKey failed,ak:QTWAOYTTINDUT2QVKYUC,err:ak not exist") == "AK not recognised"
    assert title("something new") == "IAM authentication failed"


# --- transport, malformed, client ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_refused_connection_over_a_real_socket():
    async with httpx.AsyncClient() as client:
        with pytest.raises(httpx.HTTPError) as info:
            await client.get(f"http://127.0.0.1:{_free_port()}/v1/x/stream/bandwidth")
    err = transport_errors.transport_error(VENDOR_HUAWEI, info.value)
    assert (err.kind, err.code, err.http_status, err.retryable) == ("transport", "NET.CONNECT", None, True)
    assert "endpoint" in err.action


def test_transport_error_kinds():
    req = httpx.Request("GET", "https://live.example.com/")
    timeout = transport_errors.transport_error(VENDOR_HUAWEI, httpx.ReadTimeout("timed out", request=req))
    assert (timeout.code, timeout.retryable) == ("NET.TIMEOUT", True) and "timeout" in timeout.action
    try:
        try:
            raise ssl.SSLCertVerificationError(
                1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"
            )
        except ssl.SSLError as inner:
            raise httpx.ConnectError("TLS failed", request=req) from inner
    except httpx.ConnectError as exc:
        tls = transport_errors.transport_error(VENDOR_JDCLOUD, exc)
    assert (tls.code, tls.retryable) == ("NET.TLS", False) and "verify_tls" in tls.action
    url = transport_errors.transport_error(
        VENDOR_JDCLOUD, httpx.UnsupportedProtocol("Request URL has an unsupported protocol")
    )
    assert url.code == "NET.URL" and not url.retryable
    dropped = transport_errors.transport_error(VENDOR_JDCLOUD, httpx.RemoteProtocolError("peer closed", request=req))
    assert dropped.code == "NET.DROPPED" and dropped.retryable


def test_malformed_and_client_errors():
    bad = catalog.malformed(VENDOR_JDCLOUD, 200, "`data` is dict, not a list")
    assert (bad.kind, bad.code, bad.http_status, bad.retryable) == ("malformed", "MALFORMED", 200, True)
    assert bad.raw_message == "`data` is dict, not a list"
    mine = catalog.client_error(VENDOR_HUAWEI, "CLIENT.SPAN", "span too long", "m", "a")
    assert (mine.kind, mine.code, mine.retryable, mine.http_status) == ("client", "CLIENT.SPAN", False, None)


# --- limits and registry ------------------------------------------------------------------------------------


def _account(vendor: str, **kw) -> AccountConfig:
    base = dict(
        name=f"{vendor}-test",
        vendor=vendor,
        endpoint="http://127.0.0.1:9",
        auth="md5" if vendor == VENDOR_JDCLOUD else "token",
        credentials=Credentials(username="ops", secret_key=Secret("sk"), token=Secret("tok")),
        project_id="0123456789abcdef0123456789abcdef",
        region="cn-north-4",
    )
    base.update(kw)
    return AccountConfig(**base)


def test_effective_limits_defaults_and_overrides():
    hw = effective_limits(_account(VENDOR_HUAWEI))
    # 300/min per user: a burst of 20, then 280 more spread over the minute, never more than 300 in any minute.
    assert (hw.concurrency, hw.burst) == (8, 20.0) and hw.burst + 60 * hw.rate_per_second == 300
    jd = effective_limits(_account(VENDOR_JDCLOUD))
    assert (jd.concurrency, jd.rate_per_second) == (8, 10.0)
    mine = effective_limits(_account(VENDOR_JDCLOUD, concurrency=2, rate_per_second=0.5))
    assert (mine.concurrency, mine.rate_per_second, mine.burst) == (2, 0.5, 1.0)


async def test_registry_builds_each_vendors_provider():
    from livetop.clock import ManualClock
    from livetop.vendors.jdcloud.client import JdcloudProvider
    from livetop.vendors.registry import make_provider

    async with httpx.AsyncClient() as client:
        jd = make_provider(_account(VENDOR_JDCLOUD), client, ManualClock())
        assert isinstance(jd, JdcloudProvider) and jd.vendor == VENDOR_JDCLOUD
        hw = make_provider(_account(VENDOR_HUAWEI), client, ManualClock())
        assert hw.vendor == VENDOR_HUAWEI and type(hw).__name__ == "HuaweiProvider"
        with pytest.raises(ValueError):
            make_provider(_account("nope"), client, ManualClock())
