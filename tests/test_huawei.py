"""Huawei Live v1 unit tests: parsing the seed pages' bodies, the time rules, query encoding, and the
auth modes run as httpx.Auth flows (AK/SK against vendors.md §B3's test vectors). No network here; the
integration tests in test_huawei_integration.py go over real HTTP to the simulator."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from livetop.clock import ManualClock
from livetop.config.schema import AUTH_AKSK, AUTH_PASSWORD, AUTH_TOKEN, AccountConfig, Credentials, Secret
from livetop.model import Sample, VendorError, ceil_to, floor_to, iso_utc
from livetop.vendors.huawei import signer
from livetop.vendors.huawei.auth import (
    AkSkAuth,
    PasswordAuth,
    TokenAuth,
    iam_token_request_body,
    make_auth,
    split_raw_query,
)
from livetop.vendors.huawei.client import HuaweiProvider, stats_path, stats_query
from livetop.vendors.huawei.parse import parse_response, parse_samples
from livetop.vendors.huawei.timerules import parse_time, plan_range

UTC = timezone.utc


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# --- parsing the seed pages ---------------------------------------------------------------------------------

SEED_BANDWIDTH = b"""{
  "total" : 1,
  "bandwidth_info" : [ {
    "bw_bps" : 1024,
    "timestamp" : "2018-05-19T21:10:15Z"
  } ]
}"""

SEED_TRAFFIC = b"""{
  "total": 1,
  "traffic_info": [
    {
      "traffic": 1024,
      "timestamp": "2018-05-19T21:10:15Z"
    }
  ]
}"""

SEED_ERROR = b"""{
  "error_code" : "LIVE.100011001",
  "error_msg" : "Request Illegal"
}"""


def test_seed_bandwidth_body_parses_to_exact_values():
    samples = parse_samples("bandwidth", SEED_BANDWIDTH)
    assert samples == [Sample(datetime(2018, 5, 19, 21, 10, 15, tzinfo=UTC), 1024.0)]
    assert samples[0].bucket_start.tzinfo is not None


def test_seed_traffic_body_parses_to_exact_values():
    expected = [Sample(datetime(2018, 5, 19, 21, 10, 15, tzinfo=UTC), 1024.0)]
    assert parse_samples("traffic", SEED_TRAFFIC) == expected


def test_seed_error_body_is_decoded_not_parsed():
    with pytest.raises(VendorError) as info:
        parse_response("bandwidth", 400, SEED_ERROR, {})
    error = info.value.error
    assert error.code == "LIVE.100011001"
    assert error.http_status == 400
    assert error.kind == "vendor"
    assert "Request Illegal" in error.raw_message


def test_non_json_error_page_is_a_transport_error_with_the_status():
    with pytest.raises(VendorError) as info:
        parse_response("traffic", 502, b"<html><body>Bad Gateway</body></html>", {})
    assert info.value.error.kind == "transport"
    assert info.value.error.http_status == 502


def test_samples_come_back_sorted_with_a_repeated_bucket_kept_once():
    body = json.dumps(
        {
            "total": 3,
            "bandwidth_info": [
                {"bw_bps": 30, "timestamp": "2026-11-20T10:10:00Z"},
                {"bw_bps": 10, "timestamp": "2026-11-20T10:00:00Z"},
                {"bw_bps": 20, "timestamp": "2026-11-20T10:05:00Z"},
                {"bw_bps": 25, "timestamp": "2026-11-20T10:05:00Z"},
            ],
        }
    ).encode()
    samples = parse_samples("bandwidth", body)
    assert [(s.bucket_start.minute, s.value) for s in samples] == [(0, 10.0), (5, 25.0), (10, 30.0)]


def test_empty_list_is_no_data_not_an_error():
    assert parse_samples("traffic", b'{"total": 0, "traffic_info": []}') == []


def test_only_the_metric_asked_is_read():
    # A bandwidth body is not a traffic answer.
    with pytest.raises(VendorError) as info:
        parse_samples("traffic", SEED_BANDWIDTH)
    assert "traffic_info" in info.value.error.raw_message + info.value.error.meaning


MALFORMED = {
    "not json": b"{\"total\": 1, \"bandwidth_info\": [",
    "empty": b"",
    "html": b"<html>oops</html>",
    "top-level list": b"[1, 2]",
    "missing key": b'{"total": 1}',
    "key not a list": b'{"bandwidth_info": {"bw_bps": 1}}',
    "item not an object": b'{"bandwidth_info": [1024]}',
    "value missing": b'{"bandwidth_info": [{"timestamp": "2018-05-19T21:10:15Z"}]}',
    "value a string": b'{"bandwidth_info": [{"bw_bps": "1024", "timestamp": "2018-05-19T21:10:15Z"}]}',
    "value a bool": b'{"bandwidth_info": [{"bw_bps": true, "timestamp": "2018-05-19T21:10:15Z"}]}',
    "value negative": b'{"bandwidth_info": [{"bw_bps": -5, "timestamp": "2018-05-19T21:10:15Z"}]}',
    "value NaN": b'{"bandwidth_info": [{"bw_bps": NaN, "timestamp": "2018-05-19T21:10:15Z"}]}',
    "value Infinity": b'{"bandwidth_info": [{"bw_bps": Infinity, "timestamp": "2018-05-19T21:10:15Z"}]}',
    "value 1e400": b'{"bandwidth_info": [{"bw_bps": 1e400, "timestamp": "2018-05-19T21:10:15Z"}]}',
    # An int no float can hold: float() of it raises OverflowError, which must not escape the parser.
    "value 10**400": b'{"bandwidth_info": [{"bw_bps": %d, "timestamp": "2018-05-19T21:10:15Z"}]}' % 10**400,
    "timestamp missing": b'{"bandwidth_info": [{"bw_bps": 1}]}',
    "timestamp a number": b'{"bandwidth_info": [{"bw_bps": 1, "timestamp": 1526764215}]}',
    "timestamp with offset": b'{"bandwidth_info": [{"bw_bps": 1, "timestamp": "2018-05-19T21:10:15+08:00"}]}',
    "timestamp without Z": b'{"bandwidth_info": [{"bw_bps": 1, "timestamp": "2018-05-19T21:10:15"}]}',
    "timestamp impossible": b'{"bandwidth_info": [{"bw_bps": 1, "timestamp": "2018-02-30T21:10:15Z"}]}',
    "timestamp Beijing style": b'{"bandwidth_info": [{"bw_bps": 1, "timestamp": "2018-05-19 21:10"}]}',
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_wrong_shapes_are_malformed_errors(name):
    with pytest.raises(VendorError) as info:
        parse_response("bandwidth", 200, MALFORMED[name], {})
    assert info.value.error.kind == "malformed", name
    assert info.value.error.http_status == 200


def test_parser_fuzz_only_samples_or_vendor_errors():
    """Random byte and structure mutations of valid bodies: the parser either returns samples in order or
    raises VendorError, never anything else."""
    rng = random.Random(20261120)
    base = json.dumps(
        {
            "total": 2,
            "bandwidth_info": [
                {"bw_bps": 1024, "timestamp": "2018-05-19T21:10:15Z"},
                {"bw_bps": 2048.5, "timestamp": "2018-05-19T21:15:15Z"},
            ],
        }
    ).encode()
    replacements = [b"null", b"[]", b"{}", b'"x"', b"-1", b"1e400", b"true", b"\xff", b"", b"0"]
    outcomes = {"samples": 0, "error": 0}
    for _ in range(2000):
        body = bytearray(base)
        for _ in range(rng.randint(1, 4)):
            op = rng.random()
            pos = rng.randrange(len(body) + 1)
            if op < 0.4 and body:
                del body[pos : pos + rng.randint(1, 8)]
            elif op < 0.7:
                body[pos:pos] = rng.choice(replacements)
            elif body:
                body[min(pos, len(body) - 1)] = rng.randrange(256)
        try:
            samples = parse_samples("bandwidth", bytes(body))
        except VendorError as exc:
            assert exc.error.kind == "malformed"
            outcomes["error"] += 1
        else:
            assert all(isinstance(s, Sample) and s.value >= 0 for s in samples)
            assert [s.bucket_start for s in samples] == sorted(s.bucket_start for s in samples)
            outcomes["samples"] += 1
    assert outcomes["error"] > 0 and outcomes["samples"] > 0


# --- time rules ------------------------------------------------------------------------------------------

NOW = at("2026-11-20T12:00:00Z")


def test_wire_time_format_is_utc_with_z():
    beijing = timezone(timedelta(hours=8))
    assert iso_utc(datetime(2026, 11, 20, 20, 30, 5, 999999, tzinfo=beijing)) == "2026-11-20T12:30:05Z"
    assert parse_time("2026-11-20T12:30:05Z") == datetime(2026, 11, 20, 12, 30, 5, tzinfo=UTC)
    for bad in ("2026-11-20T12:30:05", "2026-11-20 12:30:05Z", "2026-11-20T12:30:05.000Z", "", None):
        with pytest.raises(ValueError):
            parse_time(bad)


def test_shared_time_helpers():
    # model.iso_utc is the one UTC ISO writer (the Huawei wire, exports, query); ceil_to pairs with floor_to.
    assert iso_utc(datetime(2026, 11, 21, 0, 5, 1, 500, tzinfo=timezone(timedelta(hours=8)))) == (
        "2026-11-20T16:05:01Z"
    )
    assert ceil_to(at("2026-11-20T12:00:00Z"), 300) == at("2026-11-20T12:00:00Z")
    assert ceil_to(at("2026-11-20T12:00:00Z") + timedelta(microseconds=1), 300) == at("2026-11-20T12:05:00Z")
    assert ceil_to(at("2026-11-20T12:04:59Z"), 300) == at("2026-11-20T12:05:00Z")
    assert floor_to(at("2026-11-20T12:04:59Z"), 300) == at("2026-11-20T12:00:00Z")


def test_naive_times_are_refused():
    with pytest.raises(ValueError):
        iso_utc(datetime(2026, 11, 20, 12, 0))


def test_end_without_start_is_refused_before_sending():
    with pytest.raises(VendorError) as info:
        plan_range(None, NOW, NOW)
    error = info.value.error
    assert error.kind == "client"
    assert "start" in error.title


@pytest.mark.parametrize("start, end", [(NOW, NOW), (NOW, NOW - timedelta(hours=1))])
def test_empty_or_reversed_range_asks_nothing_and_says_so(start, end):
    # As JD does: no sample lies in it, and an engine whose wall clock stepped back must not halt a domain.
    plan = plan_range(start, end, NOW)
    assert plan.windows == ()
    assert plan.notices == (f"nothing to fetch: the range {iso_utc(start)} .. {iso_utc(end)} is empty",)


def test_a_short_range_is_one_request_as_asked():
    plan = plan_range(at("2026-11-20T11:00:00Z"), at("2026-11-20T12:00:00Z"), NOW)
    assert plan.params() == [("2026-11-20T11:00:00Z", "2026-11-20T12:00:00Z")]
    assert plan.notices == ()


def test_exactly_30_days_is_one_request():
    plan = plan_range(NOW - timedelta(days=30), NOW, NOW)
    assert plan.params() == [("2026-10-21T12:00:00Z", "2026-11-20T12:00:00Z")]


def test_31_day_span_is_split_into_two_back_to_back_requests():
    plan = plan_range(NOW - timedelta(days=31), NOW, NOW)
    assert plan.params() == [
        ("2026-10-20T12:00:00Z", "2026-11-19T12:00:00Z"),
        ("2026-11-19T12:00:00Z", "2026-11-20T12:00:00Z"),
    ]
    for start, end in plan.windows:
        assert end - start <= timedelta(days=30)


def test_start_older_than_three_months_is_clamped_with_a_notice():
    plan = plan_range(NOW - timedelta(days=100), NOW - timedelta(days=80), NOW)
    # 90 days back is 2026-08-22T12:00:00Z; the clamp lands inside it, on the next 5-minute bucket.
    assert plan.params() == [("2026-08-22T12:05:00Z", "2026-09-01T12:00:00Z")]
    assert plan.notices == ("start clamped to 2026-08-22T12:05:00Z: Huawei keeps 3 months of statistics",)


def test_clamp_then_split():
    plan = plan_range(NOW - timedelta(days=100), NOW, NOW, bucket_seconds=3600)
    starts = [s for s, _ in plan.params()]
    assert starts == ["2026-08-22T13:00:00Z", "2026-09-21T13:00:00Z", "2026-10-21T13:00:00Z"]
    assert plan.windows[-1][1] == NOW
    assert len(plan.notices) == 1


def test_range_entirely_older_than_three_months_is_refused_without_sending():
    with pytest.raises(VendorError) as info:
        plan_range(NOW - timedelta(days=120), NOW - timedelta(days=95), NOW)
    error = info.value.error
    assert error.kind == "client"
    assert "3 months" in error.title


def test_future_end_is_clamped_to_now():
    plan = plan_range(NOW - timedelta(hours=1), NOW + timedelta(days=2), NOW)
    assert plan.params() == [("2026-11-20T11:00:00Z", "2026-11-20T12:00:00Z")]


def test_future_start_asks_nothing():
    plan = plan_range(NOW + timedelta(hours=1), NOW + timedelta(hours=2), NOW)
    assert plan.windows == ()
    assert plan.notices and "not in the past" in plan.notices[0]


def test_sub_second_times_never_ask_for_the_future():
    now = NOW + timedelta(microseconds=700_000)
    plan = plan_range(NOW - timedelta(minutes=10, microseconds=-300_000), now, now)
    assert plan.params() == [("2026-11-20T11:50:00Z", "2026-11-20T12:00:00Z")]


# --- query encoding -----------------------------------------------------------------------------------------


def test_query_is_encoded_as_signer_canonical_query():
    start, end = at("2026-11-20T11:00:00Z"), at("2026-11-20T12:00:00Z")
    query = stats_query("play.example.com", start, end, 5)
    assert query == (
        "domain=play.example.com&end_time=2026-11-20T12%3A00%3A00Z&start_time=2026-11-20T11%3A00%3A00Z&step=5"
    )
    assert query == signer.canonical_query(split_raw_query(query))


def test_query_survives_httpx_unchanged():
    """httpx must put on the wire exactly the query we signed (it would otherwise re-encode `:`)."""
    start, end = at("2026-11-20T11:00:00Z"), at("2026-11-20T12:00:00Z")
    query = stats_query("play ü.example.com", start, end, 5)
    client = httpx.AsyncClient(base_url="http://127.0.0.1:9")
    request = client.build_request("GET", f"{stats_path('pid01', 'traffic')}?{query}")
    assert request.url.raw_path == f"/v1/pid01/stream/traffic?{query}".encode()
    assert "play%20%C3%BC.example.com" in query


# --- AK/SK through the httpx.Auth ---------------------------------------------------------------------------


def run_auth(auth: httpx.Auth, request: httpx.Request) -> httpx.Request:
    flow = auth.sync_auth_flow(request)
    return next(flow)


def test_aksk_official_vector_through_auth():
    clock = ManualClock(datetime(2019, 11, 15, 3, 36, 55, tzinfo=UTC))
    auth = AkSkAuth(Secret("QTWAOYTTINDUT2QVKYUC"), Secret("MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc"), clock)
    request = httpx.Request(
        "GET",
        "https://service.region.example.com/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs"
        "?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0",
    )
    signed = run_auth(auth, request)
    assert signed.headers["X-Sdk-Date"] == "20191115T033655Z"
    assert signed.headers["Authorization"] == (
        "SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;x-sdk-date, "
        "Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe"
    )


def test_aksk_live_v2_vector_through_auth():
    pid = "0123456789abcdef0123456789abcdef"
    clock = ManualClock(datetime(2024, 1, 1, 0, 10, 0, tzinfo=UTC))
    auth = AkSkAuth(Secret("TESTAK"), Secret("TESTSK"), clock, project_id=pid)
    request = httpx.Request(
        "GET",
        f"https://live.cn-north-4.myhuaweicloud.com/v2/{pid}/stats/bandwidth/detail"
        "?end_time=2024-01-01T00%3A04%3A59Z&interval=300&play_domains=play.a.com"
        "&start_time=2024-01-01T00%3A00%3A00Z",
        headers={"User-Agent": "livetop/0.1"},
    )
    signed = run_auth(auth, request)
    assert signed.headers["X-Project-Id"] == pid
    assert signed.headers["Content-Type"] == "application/json"
    assert signed.headers["Authorization"] == (
        "SDK-HMAC-SHA256 Access=TESTAK, SignedHeaders=content-type;host;x-project-id;x-sdk-date, "
        "Signature=7d7959855cdc1e8800702dbeccdb764ed0f1055526b5173f71f0e998cc50da3e"
    )
    # User-Agent is sent but not signed.
    assert signed.headers["User-Agent"] == "livetop/0.1"


def test_aksk_signs_host_with_port_and_the_clock_moves_the_date():
    clock = ManualClock(datetime(2026, 11, 20, 12, 0, 0, tzinfo=UTC))
    auth = AkSkAuth(Secret("AK1"), Secret("SK1"), clock, project_id="pid01")
    client = httpx.AsyncClient(base_url="http://127.0.0.1:8123")
    query = stats_query("play.example.com", NOW - timedelta(hours=1), NOW, 5)
    request = client.build_request("GET", f"/v1/pid01/stream/bandwidth?{query}")
    first = run_auth(auth, request).headers["Authorization"]
    assert request.headers["Host"] == "127.0.0.1:8123"
    headers = {k: request.headers[k] for k in ("Content-Type", "Host", "X-Project-Id", "X-Sdk-Date")}
    expected, _ = signer.sign(
        "AK1", "SK1", "GET", "/v1/pid01/stream/bandwidth", split_raw_query(query), headers
    )
    assert first == expected
    clock.advance(60)
    request2 = client.build_request("GET", f"/v1/pid01/stream/bandwidth?{query}")
    second = run_auth(auth, request2)
    assert second.headers["X-Sdk-Date"] == "20261120T120100Z"
    assert second.headers["Authorization"] != first


def test_token_auth_sets_the_header():
    request = run_auth(TokenAuth(Secret("tok-123")), httpx.Request("GET", "https://live.example.com/v1/p"))
    assert request.headers["X-Auth-Token"] == "tok-123"


def test_split_raw_query_keeps_plus_and_empty_values():
    assert split_raw_query("a=1+2&b=&c=x%20y") == [("a", "1+2"), ("b", ""), ("c", "x y")]
    assert split_raw_query("") == []


# --- account -> auth ----------------------------------------------------------------------------------------


def account(auth: str, **creds) -> AccountConfig:
    return AccountConfig(
        name="hw-test",
        vendor="huawei",
        endpoint="https://live.cn-north-4.myhuaweicloud.com",
        auth=auth,
        credentials=Credentials(**creds),
        region="cn-north-4",
        project_id="pid01",
    )


def test_make_auth_picks_the_mode_and_hides_secrets():
    client = httpx.AsyncClient()
    clock = ManualClock()
    token = make_auth(account(AUTH_TOKEN, token=Secret("tok-secret")), client, clock)
    aksk_account = account(AUTH_AKSK, access_key=Secret("ak-secret"), secret_key=Secret("sk-secret"))
    aksk = make_auth(aksk_account, client, clock)
    password_account = account(
        AUTH_PASSWORD, username="ops", password=Secret("pw-secret"), domain_name="acme"
    )
    password = make_auth(password_account, client, clock)
    assert isinstance(token, TokenAuth)
    assert isinstance(aksk, AkSkAuth)
    assert isinstance(password, PasswordAuth)
    # default IAM endpoint from the region, without the catalog
    assert password._iam_url == "https://iam.cn-north-4.myhuaweicloud.com/v3/auth/tokens?nocatalog=true"
    for auth in (token, aksk, password):
        text = repr(auth) + str(auth) + repr(vars(auth) if hasattr(auth, "__dict__") else "")
        for secret in ("tok-secret", "ak-secret", "sk-secret", "pw-secret"):
            assert secret not in text


@pytest.mark.parametrize(
    "auth, creds, missing",
    [
        (AUTH_TOKEN, {}, "token"),
        (AUTH_AKSK, {"access_key": Secret("a")}, "secret_key"),
        (AUTH_PASSWORD, {"username": "ops", "password": Secret("p")}, "domain_name"),
    ],
)
def test_incomplete_account_is_a_decoded_error_on_fetch(auth, creds, missing):
    provider = HuaweiProvider(account(auth, **creds), httpx.AsyncClient(), ManualClock())
    import asyncio

    with pytest.raises(VendorError) as info:
        asyncio.run(provider.fetch("play.example.com", NOW - timedelta(hours=1), NOW))
    assert info.value.error.kind == "client"
    assert missing in info.value.error.title


def test_iam_body_is_project_scoped_by_id():
    body = iam_token_request_body("ops", "pw", "acme", "pid01")
    assert body == {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {"user": {"name": "ops", "password": "pw", "domain": {"name": "acme"}}},
            },
            "scope": {"project": {"id": "pid01"}},
        }
    }


def iam_answer(status=201, token="MIIsimTOKEN", body=None):
    if body is None:
        body = {
            "token": {"expires_at": "2026-11-21T12:00:00.000000Z", "issued_at": "2026-11-20T12:00:00.000000Z"}
        }
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"X-Subject-Token": token} if token else {}
    return httpx.Response(status, headers=headers, content=content)


def password_auth(clock, renew_before_seconds=300.0):
    return PasswordAuth(
        httpx.AsyncClient(), "http://127.0.0.1:9/v3/auth/tokens?nocatalog=true", "ops", Secret("pw-secret"),
        "acme", "pid01", clock, renew_before_seconds,
    )


def test_iam_answer_sets_token_expiry_and_renewal_time():
    clock = ManualClock(NOW)
    auth = password_auth(clock)
    auth._store(iam_answer())
    assert auth.expires_at == at("2026-11-21T12:00:00Z")
    assert auth.generation == 1
    clock.set(at("2026-11-21T11:54:59Z"))
    assert auth._fresh()
    clock.advance(1)
    assert not auth._fresh()  # 5 minutes before expiry
    assert "MIIsimTOKEN" not in repr(auth) and "pw-secret" not in repr(auth)


def test_short_lived_token_keeps_half_its_life_usable():
    clock = ManualClock(NOW)
    auth = password_auth(clock)
    body = {"token": {"expires_at": "2026-11-20T12:04:00Z", "issued_at": "2026-11-20T12:00:00Z"}}
    auth._store(iam_answer(body=body))
    clock.advance(119)
    assert auth._fresh()
    clock.advance(1)
    assert not auth._fresh()


@pytest.mark.parametrize(
    "answer, detail",
    [
        (iam_answer(token=""), "X-Subject-Token"),
        (iam_answer(body=b"<html>ok</html>"), "not JSON"),
        (iam_answer(body={"token": {}}), "expires_at"),
        (iam_answer(body={"token": {"expires_at": "tomorrow"}}), "expires_at"),
        (iam_answer(body={"token": {"expires_at": "2026-11-21T12:00:00"}}), "expires_at"),
        (iam_answer(body=[1]), "expires_at"),
    ],
)
def test_iam_success_without_a_usable_token_is_malformed(answer, detail):
    auth = password_auth(ManualClock(NOW))
    with pytest.raises(VendorError) as info:
        auth._store(answer)
    assert info.value.error.kind == "malformed"
    assert detail in info.value.error.meaning + info.value.error.raw_message + info.value.error.title
    assert auth.generation == 0

