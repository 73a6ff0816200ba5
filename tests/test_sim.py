"""The vendor simulator over real HTTP, with plain httpx (not livetop's clients): each endpoint, each auth
failure, each documented parameter rule, determinism, growing buckets, throttling and every fault kind."""

from __future__ import annotations

import json
import socket
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from conftest import SIM_START, load_sim_config
from livetop.sim.scenario import ScenarioError, load_scenario, parse_scenario
from livetop.sim.server import SimulatorThread
from livetop.vendors.huawei import signer
from livetop.vendors.jdcloud.signature import BEIJING, beijing_date, md5_signature

HOUR_AGO = "2026-11-20T11:00:00Z"
NOW = "2026-11-20T12:00:00Z"


# --- request helpers (what a correct client sends) ----------------------------------------------------------


def hw_signed(
    sim, account_name, metric, params, *, sk=None, sdk_date=None, project_header=None, path_project=None
):
    """GET a Huawei v1 stats API signed with AK/SK exactly as signer.py does."""
    acc = sim.sim.scenario.account(account_name)
    url = httpx.URL(sim.url)
    path = f"/v1/{path_project or acc.project_id}/stream/{metric}"
    query = list(params.items())
    headers = {
        "Content-Type": "application/json",
        "Host": f"{url.host}:{url.port}",
        "X-Project-Id": project_header or acc.project_id,
        "X-Sdk-Date": sdk_date or sim.sim.clock.now().strftime("%Y%m%dT%H%M%SZ"),
    }
    headers["Authorization"], _ = signer.sign(
        acc.access_key, sk or acc.secret_key, "GET", path, query, headers
    )
    return httpx.get(f"{sim.url}{path}?{signer.canonical_query(query)}", headers=headers)


def iam_body(acc, password=None, scope=None):
    user = {"name": acc.username, "password": password or acc.password, "domain": {"name": acc.domain_name}}
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": user}}}}
    body["auth"]["scope"] = scope if scope is not None else {"project": {"id": acc.project_id}}
    return body


def iam_token(sim, account_name="hw-media"):
    acc = sim.sim.scenario.account(account_name)
    response = httpx.post(f"{sim.url}/v3/auth/tokens?nocatalog=true", json=iam_body(acc))
    assert response.status_code == 201
    return response.headers["X-Subject-Token"]


def hw_token_get(sim, token, metric, params, account_name="hw-media", path_project=None):
    acc = sim.sim.scenario.account(account_name)
    path = f"/v1/{path_project or acc.project_id}/stream/{metric}"
    return httpx.get(sim.url + path, params=params, headers={"X-Auth-Token": token})


def jd_post(sim, body_overrides=None, *, sign_date=None, secret=None):
    acc = sim.sim.scenario.account("jd-live")
    date = sign_date or beijing_date(sim.sim.clock.now())
    body = {
        "username": acc.username,
        "signature": md5_signature(date, acc.username, secret or acc.secret_key),
        "domain": "live.shop.example.com",
        "start_time": "2026-11-20 19:00",  # Beijing: 11:00 UTC
        "end_time": "2026-11-20 20:00",
    }
    body.update(body_overrides or {})
    return httpx.post(f"{sim.url}/api/live/bandwidth_flow", json=body)


def window(domain, start=HOUR_AGO, end=NOW, **extra):
    return {"domain": domain, "start_time": start, "end_time": end, **extra}


def assert_gateway_error(response, status, code, message=None):
    assert response.status_code == status
    body = response.json()
    assert body["error_code"] == code
    assert body["request_id"] == response.headers["X-Request-Id"]
    if message is not None:
        assert body["error_msg"] == message
    return body


# --- happy paths --------------------------------------------------------------------------------------------


def test_huawei_bandwidth_aksk_shape(sim):
    response = hw_signed(sim, "hw-sports", "bandwidth", window("play.sports-live.example.com"))
    assert response.status_code == 200
    body = response.json()
    stamps = [row["timestamp"] for row in body["bandwidth_info"]]
    assert body["total"] == 12 == len(stamps)
    assert stamps[0] == HOUR_AGO and stamps[-1] == "2026-11-20T11:55:00Z"
    assert all(isinstance(row["bw_bps"], int) and row["bw_bps"] > 0 for row in body["bandwidth_info"])
    assert sim.sim.log[-1][1:] == (
        "hw-sports",
        "huawei",
        "/v1/5f2c7a0e8b9d4c61a3e0f1b2c3d4e5f6/stream/bandwidth",
        window("play.sports-live.example.com"),
        200,
        "",
    )


def test_huawei_traffic_with_iam_token_and_steps(sim):
    token = iam_token(sim)
    body = hw_token_get(sim, token, "traffic", window("play.news.example.cn", step="15")).json()
    assert [row["timestamp"][11:16] for row in body["traffic_info"]] == ["11:00", "11:15", "11:30", "11:45"]
    assert all(isinstance(row["traffic"], int) and row["traffic"] > 0 for row in body["traffic_info"])
    five = hw_token_get(sim, token, "traffic", window("play.news.example.cn", step="5")).json()[
        "traffic_info"
    ]
    # A 15-minute bucket holds exactly the bytes of its three 5-minute buckets (up to rounding).
    assert abs(body["traffic_info"][0]["traffic"] - sum(r["traffic"] for r in five[:3])) <= 2


def test_huawei_domain_omitted_is_the_tenant_total(sim):
    token = iam_token(sim)
    total = hw_token_get(sim, token, "traffic", {"start_time": HOUR_AGO, "end_time": NOW}).json()[
        "traffic_info"
    ]
    owned = [
        "play.news.example.cn",
        "play.concert.example.cn",
        "play.vod-mirror.example.cn",
        "play.edge-old.example.cn",
        "play.slow-origin.example.cn",
    ]
    per_domain = [sim.sim.curve(d) for d in owned]
    expected = sum(
        sum(c.rate_bps(m) for c in per_domain) * 60 / 8
        for m in range(int(SIM_START.timestamp()) // 60 - 60, int(SIM_START.timestamp()) // 60)
    )
    assert abs(sum(row["traffic"] for row in total) - expected) < 12


def test_huawei_latest_period_and_start_only(sim):
    token = iam_token(sim)
    sim.sim.clock.advance(150)  # 12:02:30
    latest = hw_token_get(sim, token, "bandwidth", {"domain": "play.news.example.cn"}).json()
    assert [r["timestamp"] for r in latest["bandwidth_info"]] == ["2026-11-20T12:00:00Z"]
    start_only = hw_token_get(
        sim, token, "traffic", {"domain": "play.news.example.cn", "start_time": "2026-11-20T11:50:00Z"}
    )
    assert [r["timestamp"][11:16] for r in start_only.json()["traffic_info"]] == ["11:50", "11:55", "12:00"]


def test_iam_token_issue(sim):
    acc = sim.sim.scenario.account("hw-media")
    with_catalog = httpx.post(f"{sim.url}/v3/auth/tokens", json=iam_body(acc))
    assert with_catalog.status_code == 201 and "catalog" in with_catalog.json()["token"]
    by_region = httpx.post(
        f"{sim.url}/v3/auth/tokens?nocatalog=true",
        json=iam_body(acc, scope={"project": {"name": "cn-north-4"}}),
    )
    token = by_region.json()["token"]
    assert "catalog" not in token
    assert token["issued_at"] == "2026-11-20T12:00:00.000000Z"
    assert token["expires_at"] == "2026-11-21T12:00:00.000000Z"
    assert token["project"]["id"] == acc.project_id
    assert by_region.headers["X-Subject-Token"] != with_catalog.headers["X-Subject-Token"]
    assert sim.sim.iam_calls == 2


def test_iam_refusals(sim):
    acc = sim.sim.scenario.account("hw-media")
    wrong = httpx.post(f"{sim.url}/v3/auth/tokens", json=iam_body(acc, password="nope"))
    assert wrong.status_code == 401
    assert wrong.json() == {
        "error": {"code": 401, "message": "The username or password is wrong.", "title": "Unauthorized"}
    }
    other_project = httpx.post(
        f"{sim.url}/v3/auth/tokens", json=iam_body(acc, scope={"project": {"id": "0" * 32}})
    )
    assert other_project.status_code == 400 and other_project.json()["error_code"] == "IAM.1109"
    no_scope = httpx.post(f"{sim.url}/v3/auth/tokens", json=iam_body(acc, scope={}))
    assert no_scope.status_code == 400 and no_scope.json()["error_code"] == "IAM.0011"
    garbage = httpx.post(f"{sim.url}/v3/auth/tokens", content=b"{not json")
    assert garbage.status_code == 400
    assert sim.sim.iam_calls == 0


def test_jd_bandwidth_flow_shape(sim):
    body = jd_post(sim).json()
    assert body["status"] == 0 and body["msg"] == "成功"
    labels = [next(iter(point)) for point in body["data"]]
    # Labelled by the END of each 5-minute bucket; labels in [start, end] that have begun by "now" (20:00).
    assert labels[0] == "2026-11-20 19:00" and labels[-1] == "2026-11-20 20:00" and len(labels) == 13
    values = body["data"][1]["2026-11-20 19:05"][" live.shop.example.com "]
    assert set(values) == {"bandwidth", "flow"}
    assert values["bandwidth"] == round(values["bandwidth"], 2) and values["flow"] == round(values["flow"], 2)
    # flow (MB) over 5 minutes cannot exceed the bucket's peak (Mbps) times 300 s / 8.
    assert 0 < values["flow"] <= values["bandwidth"] * 300 / 8 + 0.01


def test_jd_time_point_start_relabels_the_same_buckets(sim):
    by_end = jd_post(sim).json()["data"]
    by_start = jd_post(sim, {"time_point": "startTime"}).json()["data"]
    end_values = {k: v for point in by_end for k, v in point.items()}
    start_values = {k: v for point in by_start for k, v in point.items()}
    assert start_values["2026-11-20 19:00"] == end_values["2026-11-20 19:05"]
    assert "2026-11-20 20:00" not in start_values  # that bucket starts at "now": nothing elapsed yet


def test_jd_matches_huawei_units():
    """JD reports the same curve in Mbps/MB with 2 decimals that Huawei reports in bit/s and bytes."""
    scenario = parse_scenario(
        {
            "accounts": [
                {"name": "hw", "vendor": "huawei", "domains": ["same.example.com"]},
                {"name": "jd", "vendor": "jdcloud", "domains": ["same.example.com"]},
            ]
        }
    )
    from livetop.clock import ManualClock

    with SimulatorThread(scenario, clock=ManualClock(SIM_START)) as thread:
        hw = hw_signed(thread, "hw", "bandwidth", window("same.example.com")).json()["bandwidth_info"]
        acc = scenario.account("jd")
        jd = httpx.post(
            f"{thread.url}/api/live/bandwidth_flow",
            json={
                "username": acc.username,
                "signature": md5_signature("20261120", acc.username, acc.secret_key),
                "domain": "same.example.com",
                "start_time": "2026-11-20 19:00",
                "end_time": "2026-11-20 19:55",
                "time_point": "startTime",
            },
        ).json()["data"]
    assert [round(row["bw_bps"] / 1e6, 2) for row in hw] == [
        v[" same.example.com "]["bandwidth"] for point in jd for v in point.values()
    ]


# --- auth failures ------------------------------------------------------------------------------------------


def test_missing_auth(sim):
    response = httpx.get(f"{sim.url}/v1/{'a' * 32}/stream/bandwidth", params=window("x"))
    assert_gateway_error(response, 401, "APIGW.0301", "x-auth-token not found")


def test_token_not_issued_here(sim):
    response = hw_token_get(sim, "MIIforged-token", "bandwidth", window("play.news.example.cn"))
    assert_gateway_error(response, 401, "APIGW.0301", "decrypt token fail")


def test_expired_token(sim):
    token = iam_token(sim)
    assert hw_token_get(sim, token, "bandwidth", window("play.news.example.cn")).status_code == 200
    sim.sim.clock.advance(24 * 3600)
    response = hw_token_get(sim, token, "bandwidth", window("play.news.example.cn"))
    assert_gateway_error(response, 401, "APIGW.0307", "The token must be updated.")
    assert sim.sim.log[-1].code == "APIGW.0307"


def test_a_token_mode_account_gets_a_ready_token_in_the_written_config(sim):
    entry = next(a for a in sim.sim.config_dict()["accounts"] if a["name"] == "hw-partner")
    assert entry["auth"] == "token" and sim.sim.iam_calls == 0  # handed out of band, not a client's IAM call
    response = hw_token_get(sim, entry["token"], "bandwidth", window("play.partner.example.com"), "hw-partner")
    assert response.status_code == 200 and response.json()["bandwidth_info"]


def test_issue_token_for_token_mode_configs(sim):
    token = sim.sim.issue_token("hw-media", lifetime_seconds=600)
    assert sim.sim.iam_calls == 1
    assert hw_token_get(sim, token, "traffic", window("play.news.example.cn")).status_code == 200
    sim.sim.clock.advance(600)
    assert_gateway_error(hw_token_get(sim, token, "traffic", window("play.news.example.cn")), 401, "APIGW.0307")


def test_token_for_another_project(sim):
    token = iam_token(sim)
    other = sim.sim.scenario.account("hw-sports").project_id
    response = hw_token_get(sim, token, "bandwidth", window("play.news.example.cn"), path_project=other)
    assert_gateway_error(response, 401, "LIVE.100011015")


def test_aksk_wrong_secret(sim):
    response = hw_signed(
        sim, "hw-sports", "bandwidth", window("play.sports-live.example.com"), sk="not-the-secret"
    )
    assert_gateway_error(response, 401, "APIGW.0301", "verify aksk signature fail")


def test_aksk_query_changed_after_signing(sim):
    acc = sim.sim.scenario.account("hw-sports")
    url = httpx.URL(sim.url)
    path = f"/v1/{acc.project_id}/stream/bandwidth"
    signed_query = [("domain", "play.sports-live.example.com"), ("start_time", HOUR_AGO)]
    headers = {
        "Host": f"{url.host}:{url.port}",
        "X-Project-Id": acc.project_id,
        "X-Sdk-Date": "20261120T120000Z",
    }
    headers["Authorization"], _ = signer.sign(
        acc.access_key, acc.secret_key, "GET", path, signed_query, headers
    )
    sent = signer.canonical_query(signed_query + [("step", "60")])
    response = httpx.get(f"{sim.url}{path}?{sent}", headers=headers)
    assert_gateway_error(response, 401, "APIGW.0301", "verify aksk signature fail")


def test_aksk_unknown_access_key(sim):
    acc = sim.sim.scenario.account("hw-sports")
    headers = {"Host": "x", "X-Sdk-Date": "20261120T120000Z", "X-Project-Id": acc.project_id}
    headers["Authorization"], _ = signer.sign("NOSUCHAK", "x", "GET", "/v1/p/stream/bandwidth", [], headers)
    response = httpx.get(f"{sim.url}/v1/{acc.project_id}/stream/bandwidth", headers=headers)
    assert_gateway_error(response, 401, "APIGW.0301")


@pytest.mark.parametrize("skew_minutes, status", [(-16, 401), (16, 401), (-14, 200), (14, 200)])
def test_aksk_sdk_date_skew(sim, skew_minutes, status):
    sdk_date = (SIM_START + timedelta(minutes=skew_minutes)).strftime("%Y%m%dT%H%M%SZ")
    response = hw_signed(
        sim, "hw-sports", "bandwidth", window("play.sports-live.example.com"), sdk_date=sdk_date
    )
    assert response.status_code == status
    if status == 401:
        assert_gateway_error(response, 401, "APIGW.0301", "the request time is out of range")


def test_aksk_project_header_must_match_path(sim):
    response = hw_signed(
        sim, "hw-sports", "bandwidth", window("play.sports-live.example.com"), project_header="f" * 32
    )
    assert_gateway_error(response, 401, "LIVE.100011015")


# --- documented parameter rules -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, parameter",
    [
        (window("play.sports-live.example.com", start="2026-11-20 11:00:00"), "start_time"),
        (window("play.sports-live.example.com", end="2026-11-20T12:00Z"), "end_time"),
        ({"domain": "play.sports-live.example.com", "end_time": NOW}, "start_time"),
        (window("play.sports-live.example.com", start="2026-10-20T11:00:00Z"), "end_time"),  # span > 30 days
        (
            window("play.sports-live.example.com", start="2026-08-20T00:00:00Z", end="2026-08-21T00:00:00Z"),
            "start_time",
        ),
        (window("play.sports-live.example.com", step="7"), "step"),
        (window("play.sports-live.example.com", step="five"), "step"),
        (window("play.not-ours.example.com"), "domain"),
        (window("play.legacy-event.example.com"), "domain"),  # listed in the config, not owned by the project
    ],
)
def test_live_parameter_rules(sim, params, parameter):
    body = assert_gateway_error(hw_signed(sim, "hw-sports", "traffic", params), 400, "LIVE.100011001")
    assert body["error_msg"].startswith(f"Invalid request parameter: {parameter}")


def test_span_of_exactly_30_days_and_89_days_back_are_allowed(sim):
    params = window(
        "play.sports-live.example.com", start="2026-08-23T12:00:00Z", end="2026-09-22T12:00:00Z", step="1440"
    )
    response = hw_signed(sim, "hw-sports", "traffic", params)
    assert response.status_code == 200 and response.json()["total"] == 30


@pytest.mark.parametrize(
    "overrides, status, msg",
    [
        ({"start_time": "2026/11/20 19:00"}, 2, "start_time format error"),
        ({"start_time": None}, 2, "start_time format error"),
        ({"end_time": "tomorrow"}, 2, "end_time format error"),
        ({"start_time": "2026-10-01 00:00"}, 2, "time span exceeds 30 days"),
        ({"time_point": "middle"}, 2, "time_point must be startTime or endTime"),
        ({"domain": "play.news.example.cn"}, 3, "domain not belong to user"),
        ({"username": "someone_else"}, 1, "signature error"),
    ],
)
def test_jd_failures_are_status_codes(sim, overrides, status, msg):
    response = jd_post(sim, overrides)
    assert response.status_code == 200
    assert response.json() == {"status": status, "msg": msg}


def test_jd_signature_checked_against_secret_and_beijing_date(sim):
    assert jd_post(sim, secret="wrong").json()["status"] == 1
    # 12:00 UTC is 20:00 in Beijing, same date; 16:30 UTC is already the next day there.
    assert jd_post(sim, sign_date="20261119").json()["status"] == 1
    sim.sim.clock.set(datetime(2026, 11, 20, 16, 30, tzinfo=timezone.utc))
    assert jd_post(sim, sign_date="20261120").json() == {"status": 1, "msg": "signature error"}
    assert jd_post(sim, sign_date="20261121").json()["status"] == 0


def test_unknown_path_and_method(sim):
    assert_gateway_error(httpx.get(f"{sim.url}/v2/x/stats/bandwidth/nowhere"), 404, "APIGW.0101")
    assert_gateway_error(httpx.post(f"{sim.url}/v2/x/stats/bandwidth/detail"), 404, "APIGW.0101")
    assert_gateway_error(httpx.post(f"{sim.url}/v1/x/stream/bandwidth"), 404, "APIGW.0101")
    assert_gateway_error(httpx.get(f"{sim.url}/api/live/bandwidth_flow"), 404, "APIGW.0101")


# --- data ---------------------------------------------------------------------------------------------------


def test_same_query_same_answer(sim, make_sim):
    params = window("play.esports.example.com", step="1")
    first = hw_signed(sim, "hw-sports", "bandwidth", params).content
    assert hw_signed(sim, "hw-sports", "bandwidth", params).content == first
    # A second simulator started at the same time serves the same data.
    other = make_sim()
    assert hw_signed(other, "hw-sports", "bandwidth", params).content == first


def test_demo_shows_a_drop_and_a_spike_in_the_first_hour(sim):
    def series(domain):
        rows = hw_signed(sim, "hw-sports", "bandwidth", window(domain, step="1")).json()["bandwidth_info"]
        return [row["bw_bps"] for row in rows]

    esports = series("play.esports.example.com")  # drop 20 minutes before start
    assert min(esports) < 0.1 * max(esports)
    assert esports[-1] > 0.5 * max(esports)  # and back
    football = series("play.sports-live.example.com")  # kickoff 40 minutes before start
    assert max(football) > 2.2 * football[0]


def test_newest_bucket_grows_with_the_clock(sim):
    params = window("play.sports-live.example.com", end="2026-11-20T13:00:00Z")
    first = hw_signed(sim, "hw-sports", "traffic", params).json()["traffic_info"]
    assert first[-1]["timestamp"] == "2026-11-20T11:55:00Z"
    sim.sim.clock.advance(90)
    grown = hw_signed(sim, "hw-sports", "traffic", params).json()["traffic_info"]
    assert grown[:-1] == first  # complete buckets never change
    assert grown[-1]["timestamp"] == "2026-11-20T12:00:00Z"
    sim.sim.clock.advance(60)
    later = hw_signed(sim, "hw-sports", "traffic", params).json()["traffic_info"]
    assert later[-1]["timestamp"] == "2026-11-20T12:00:00Z"
    assert later[-1]["traffic"] > grown[-1]["traffic"] > 0
    peak_then = hw_signed(sim, "hw-sports", "bandwidth", params).json()["bandwidth_info"][-1]["bw_bps"]
    sim.sim.clock.advance(150)
    assert (
        hw_signed(sim, "hw-sports", "bandwidth", params).json()["bandwidth_info"][-1]["bw_bps"] >= peak_then
    )


# --- throttling and faults ----------------------------------------------------------------------------------


def tight_limits(vendor):
    return {
        "accounts": [
            {
                "name": "acct",
                "vendor": vendor,
                "rate_per_second": 0.01,
                "burst": 2,
                "domains": ["d.example.com"],
            }
        ]
    }


def test_huawei_rate_limit(make_sim):
    thread = make_sim(tight_limits("huawei"))
    statuses = [hw_signed(thread, "acct", "bandwidth", window("d.example.com")) for _ in range(3)]
    assert [r.status_code for r in statuses] == [200, 200, 429]
    throttled = statuses[-1]
    body = assert_gateway_error(throttled, 429, "APIGW.0308")
    assert body["error_msg"] == (
        "The throttling threshold has been reached: policy user over ratelimit,limit:1,time:1 minute"
    )
    assert 1 <= int(throttled.headers["Retry-After"]) <= 100


def test_jd_rate_limit(make_sim):
    thread = make_sim(tight_limits("jdcloud"))
    acc = thread.sim.scenario.account("acct")
    body = {
        "username": acc.username,
        "signature": md5_signature("20261120", acc.username, acc.secret_key),
        "domain": "d.example.com",
        "start_time": "2026-11-20 19:00",
    }
    responses = [httpx.post(f"{thread.url}/api/live/bandwidth_flow", json=body) for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 429]
    assert responses[-1].json() == {
        "requestId": responses[-1].headers["X-Request-Id"],
        "error": {"code": 429, "status": "RATE_LIMIT", "message": "Requests rate limit exceeded"},
    }
    assert int(responses[-1].headers["Retry-After"]) >= 1
    thread.sim.reset()
    assert len(thread.sim.log) == 0
    assert httpx.post(f"{thread.url}/api/live/bandwidth_flow", json=body).status_code == 200


def test_throttle_domain(sim):
    token = sim.sim.issue_token("hw-partner")
    response = hw_token_get(sim, token, "bandwidth", window("play.busy-event.example.com"), "hw-partner")
    assert_gateway_error(response, 429, "APIGW.0308")
    assert response.headers["Retry-After"] == "5"


def test_concurrency_500_domain(sim):
    assert_gateway_error(
        hw_signed(sim, "hw-sports", "bandwidth", window("play.flash-sale.example.com")), 500, "LIVE.100011007"
    )


def test_html_502_domain(sim):
    token = iam_token(sim)
    response = hw_token_get(sim, token, "bandwidth", window("play.edge-old.example.cn"))
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")
    assert b"502 Bad Gateway" in response.content


def test_malformed_domain(sim):
    token = iam_token(sim)
    for _ in range(4):
        response = hw_token_get(sim, token, "bandwidth", window("play.vod-mirror.example.cn"))
        assert response.status_code == 200
        try:
            body = json.loads(response.content)
        except ValueError:
            continue  # truncated
        assert not isinstance(body.get("bandwidth_info"), list)  # wrong shape


def test_timeout_domain_holds_then_504(make_sim):
    scenario = load_scenario(None).with_knobs(latency_ms=0.0, latency_jitter_ms=0.0)
    from dataclasses import replace

    thread = make_sim(replace(scenario, timeout_hold_seconds=0.5))
    token = iam_token(thread)
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(
            f"{thread.url}/v1/{scenario.account('hw-media').project_id}/stream/bandwidth",
            params=window("play.slow-origin.example.cn"),
            headers={"X-Auth-Token": token},
            timeout=0.05,
        )
    response = hw_token_get(thread, token, "bandwidth", window("play.slow-origin.example.cn"))
    assert_gateway_error(response, 504, "APIGW.0201")


def test_jd_fault_domains(sim):
    assert jd_post(sim, {"domain": "live.maintenance.example.com"}).json() == {
        "status": 5,
        "msg": "system busy, please try again later",
    }
    broken = jd_post(sim, {"domain": "live.broken.example.com"})
    assert broken.status_code == 500 and broken.json()["error"]["status"] == "INTERNAL"


def test_error_and_malformed_rates(make_sim):
    always_500 = make_sim(
        {"error_rate": 1.0, "accounts": [{"name": "a", "vendor": "huawei", "domains": ["d.example.com"]}]}
    )
    assert_gateway_error(
        hw_signed(always_500, "a", "traffic", window("d.example.com")), 500, "LIVE.100011005"
    )
    never = make_sim(
        {"accounts": [{"name": "a", "vendor": "huawei", "error_rate": 0.0, "domains": ["d.example.com"]}]}
    )
    assert hw_signed(never, "a", "traffic", window("d.example.com")).status_code == 200
    garbled = make_sim(
        {
            "accounts": [
                {
                    "name": "a",
                    "vendor": "huawei",
                    "domains": [{"name": "d.example.com", "malformed_rate": 1.0}],
                }
            ]
        }
    )
    response = hw_signed(garbled, "a", "traffic", window("d.example.com"))
    assert response.status_code == 200 and garbled.sim.log[-1].code == "MALFORMED"


def test_error_rate_is_seeded():
    def codes():
        scenario = parse_scenario(
            {"error_rate": 0.5, "accounts": [{"name": "a", "vendor": "huawei", "domains": ["d.x"]}]}
        )
        from livetop.clock import ManualClock

        with SimulatorThread(scenario, clock=ManualClock(SIM_START)) as thread:
            return [hw_signed(thread, "a", "traffic", window("d.x")).status_code for _ in range(12)]

    first = codes()
    assert first == codes() and {200, 500} == set(first)


def test_latency_knob_resolution():
    scenario = parse_scenario(
        {
            "latency_ms": 100,
            "latency_jitter_ms": 0,
            "accounts": [
                {
                    "name": "a",
                    "vendor": "huawei",
                    "latency_ms": 7,
                    "domains": [{"name": "d.x", "latency_ms": 3}, "e.x"],
                }
            ],
        }
    )
    from livetop.sim.faults import FaultDice

    dice = FaultDice(scenario)
    acc = scenario.account("a")
    assert dice.latency_seconds("a", dice.knobs(acc, acc.domain("d.x"))) == 0.003
    assert dice.latency_seconds("a", dice.knobs(acc, acc.domain("e.x"))) == 0.007
    assert dice.latency_seconds("", dice.knobs(None, None)) == 0.1


# --- server, scenarios, config ------------------------------------------------------------------------------


def test_keep_alive_serves_several_requests_on_one_connection(sim):
    url = httpx.URL(sim.url)
    request = f"GET /nope HTTP/1.1\r\nHost: {url.host}\r\n\r\n".encode()
    with socket.create_connection((url.host, url.port)) as conn:
        conn.sendall(request * 3)
        received = b""
        while received.count(b"APIGW.0101") < 3:
            chunk = conn.recv(65536)
            assert chunk, "server closed a keep-alive connection"
            received += chunk
    assert received.count(b"HTTP/1.1 404") == 3


def test_scaled_scenario():
    demo = load_scenario(None)
    big = demo.scaled(1000)
    assert big.domain_count == 1000
    assert [a.name for a in big.accounts] == [a.name for a in demo.accounts]
    faults = sorted(d.fault for a in big.accounts for d in a.domains if d.fault)
    assert faults == sorted(d.fault for a in demo.accounts for d in a.domains if d.fault)
    assert big.account("hw-sports").rate_per_second > demo.account("hw-sports").rate_per_second
    assert demo.scaled(20, keep_faults=False).domain_count == 20
    assert all(d.fault is None for a in demo.scaled(20, keep_faults=False).accounts for d in a.domains)


def test_scaled_sim_serves_generated_domains(make_sim):
    thread = make_sim(load_scenario(None).with_knobs(latency_ms=0.0, latency_jitter_ms=0.0).scaled(50))
    generated = thread.sim.scenario.account("hw-sports").domains[-1].name
    assert hw_signed(thread, "hw-sports", "bandwidth", window(generated)).json()["total"] == 12


def test_write_config(sim, tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("old")
    path.chmod(0o644)
    sim.sim.write_config(path)
    assert path.stat().st_mode & 0o777 == 0o600
    config = load_sim_config(path)
    assert config.refresh_seconds == 30 and config.window_seconds == 3600
    assert [a.name for a in config.accounts] == [a.name for a in sim.sim.scenario.accounts]
    assert [a.name for a in config.accounts][:6] == [
        "hw-sports", "hw-media", "hw-partner", "hw-cloud", "jd-live", "jd-openapi"
    ]
    assert {a.endpoint for a in config.accounts} == {sim.url}
    media = config.account("hw-media")
    assert media.auth == "password" and media.iam_endpoint == sim.url and media.region == "cn-north-4"
    assert config.account("hw-sports").domains[0].label == "Football final"
    partner = config.account("hw-partner")
    assert partner.auth == "token" and partner.credentials.token.reveal().startswith("MII")


@pytest.mark.parametrize(
    "data, key, problem",
    [
        (
            {"accounts": [{"name": "a", "vendor": "huawei", "rate_per_secnd": 1}]},
            "accounts[0].rate_per_secnd",
            "rate_per_second",
        ),
        ({"accounts": [{"name": "a", "vendor": "aliyun"}]}, "accounts[0].vendor", "not one of"),
        (
            {
                "accounts": [
                    {"name": "a", "vendor": "huawei", "domains": [{"name": "d", "fault": "jd_status"}]}
                ]
            },
            "accounts[0].domains[0].fault",
            "not one of",
        ),
        ({"error_rate": 2, "accounts": [{"name": "a", "vendor": "huawei"}]}, "error_rate", "between 0 and 1"),
        (
            {"accounts": [{"name": "a", "vendor": "jdcloud", "burst": "lots"}]},
            "accounts[0].burst",
            "must be a number",
        ),
        (
            {"accounts": [{"name": "a", "vendor": "jdcloud"}, {"name": "a", "vendor": "huawei"}]},
            "accounts[1].name",
            "duplicate",
        ),
        ({"accounts": []}, "accounts", "at least one"),
    ],
)
def test_scenario_errors_name_the_key(data, key, problem):
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(data, source="s.toml")
    assert caught.value.message().startswith(f"s.toml: {key}: ")
    assert problem in caught.value.message()


def test_scenario_file_errors(tmp_path):
    with pytest.raises(ScenarioError, match="missing.toml: cannot read"):
        load_scenario(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("accounts = [\n")
    with pytest.raises(ScenarioError, match="bad.toml: not valid TOML"):
        load_scenario(bad)


def test_beijing_labels_in_jd_request_are_local_time(sim):
    # Asking 19:00-19:10 Beijing returns labels for 11:00-11:10 UTC buckets, not 19:00 UTC ones.
    data = jd_post(sim, {"end_time": "2026-11-20 19:10"}).json()["data"]
    assert [next(iter(p)) for p in data] == ["2026-11-20 19:00", "2026-11-20 19:05", "2026-11-20 19:10"]
    assert datetime(2026, 11, 20, 19, 0, tzinfo=BEIJING) == datetime(2026, 11, 20, 11, 0, tzinfo=timezone.utc)
