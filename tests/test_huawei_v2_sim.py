"""Huawei Live v2 over real HTTP: livetop's provider against the simulator in the three auth modes, the
per-domain lists, the simulator's rules answered with the vendor's codes, and a v1 account meeting a domain
on the new platform."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import httpx
import pytest

from conftest import SIM_START, TEST_CLIENT_TIMEOUT, load_sim_config
from livetop.model import VendorError
from livetop.vendors.base import make_client
from livetop.vendors.huawei import signer
from livetop.vendors.huawei.client import HuaweiProvider
from livetop.vendors.huawei.v2_client import HuaweiV2Provider
from livetop.vendors.registry import make_provider

SK = "sim-hw-v2-secret-key-0a1b2c3d4e5f6a7b8c9d"
V2_SCENARIO = {
    "seed": "huawei-v2-tests",
    "throttle_retry_after": 7,
    "accounts": [
        {
            "name": "hw2-aksk",
            "vendor": "huawei",
            "api": "v2",
            "auth": "aksk",
            "secret_key": SK,
            "rate_per_second": 1000.0,
            "burst": 1000.0,
            "domains": [
                {"name": "play.v2.example.com", "base_mbps": 800},
                {"name": "hls.v2.example.com", "base_mbps": 200},
                {"name": "play.v2gone.example.com", "fault": "not_owned"},
                {"name": "play.v2busy.example.com", "fault": "concurrency_500"},
            ],
        },
        {
            "name": "hw2-pw",
            "vendor": "huawei",
            "api": "v2",
            "auth": "password",
            "username": "v2-ops",
            "password": "sim-pw-v2",
            "domain_name": "v2-group",
            "rate_per_second": 1000.0,
            "burst": 1000.0,
            "domains": [{"name": "play.pw2.example.cn", "base_mbps": 300}],
        },
        {
            "name": "hw2-token",
            "vendor": "huawei",
            "api": "v2",
            "auth": "token",
            "username": "v2-token-ops",
            "domain_name": "v2-token-group",
            "rate_per_second": 1000.0,
            "burst": 1000.0,
            "domains": [{"name": "play.tok2.example.cn", "base_mbps": 100}],
        },
    ],
}
START, END = SIM_START - timedelta(hours=1), SIM_START


@pytest.fixture
def v2_sim(make_sim):
    return make_sim(V2_SCENARIO)


@pytest.fixture
def accounts(v2_sim, tmp_path):
    config = load_sim_config(v2_sim.sim.write_config(tmp_path / "v2.toml", timeout=TEST_CLIENT_TIMEOUT))
    return {acc.name: acc for acc in config.accounts}


def stats_log(sim):
    return [e for e in sim.log if "/stats/" in e.path]


@pytest.mark.parametrize(("name", "domain"), [("hw2-aksk", "play.v2.example.com"),
                                              ("hw2-pw", "play.pw2.example.cn"),
                                              ("hw2-token", "play.tok2.example.cn")])  # fmt: skip
async def test_each_auth_mode_fetches_one_domain_per_call_with_aligned_times(
    v2_sim, accounts, sim_clock, name, domain
):
    account = accounts[name]
    assert account.api == "v2"
    async with make_client(account) as client:
        provider = make_provider(account, client, sim_clock)
        assert isinstance(provider, HuaweiV2Provider)
        result = await provider.fetch(domain, START, END)
    assert len(result.bandwidth) == len(result.traffic) == 12  # 11:00 .. 11:55, five-minute bucket starts
    assert result.bandwidth[0].bucket_start == START and result.bandwidth[-1].bucket_start == END - timedelta(minutes=5)
    assert all(s.value > 0 for s in result.bandwidth + result.traffic)
    calls = stats_log(v2_sim.sim)
    assert {e.path.rsplit("/stats/", 1)[1] for e in calls} == {"bandwidth/detail", "traffic/detail"}
    for entry in calls:
        assert entry.status == 200 and entry.code == ""  # not MISALIGNED: start on a boundary, end at :59
        assert entry.params["play_domains"] == domain and entry.params["interval"] == "300"
        assert entry.params["start_time"] == "2026-11-20T11:00:00Z"
        assert entry.params["end_time"] == "2026-11-20T11:59:59Z"


async def test_a_v2_series_is_the_one_domain_asked_for_not_the_tenant_sum(v2_sim, accounts, sim_clock):
    from livetop.sim.data import buckets

    async with make_client(accounts["hw2-aksk"]) as client:
        provider = HuaweiV2Provider(accounts["hw2-aksk"], client, sim_clock)
        for domain in ("play.v2.example.com", "hls.v2.example.com"):
            got = await provider.fetch(domain, START, END, frozenset({"traffic"}))
            rate = v2_sim.sim.curve(domain).rate_bps
            want = buckets(rate, int(START.timestamp()), int(END.timestamp()), 300, SIM_START.timestamp())
            assert [s.value for s in got.traffic] == [round(b.traffic_bytes) for b in want]


async def test_peaks_and_totals_cover_many_domains_in_one_call_each(v2_sim, accounts, sim_clock):
    domains = ["play.v2.example.com", "hls.v2.example.com"]
    async with make_client(accounts["hw2-aksk"]) as client:
        provider = HuaweiV2Provider(accounts["hw2-aksk"], client, sim_clock)
        peaks, sent_peak = await provider.bandwidth_peaks(domains, START, END)
        totals, sent_total = await provider.traffic_totals(domains, START, END)
        detail = await provider.fetch("play.v2.example.com", START, END)
    assert sent_peak == sent_total == 1 and set(peaks) == set(totals) == set(domains)
    assert peaks["play.v2.example.com"] == max(s.value for s in detail.bandwidth)
    assert totals["play.v2.example.com"] == pytest.approx(sum(s.value for s in detail.traffic), rel=1e-6)
    lists = [e for e in stats_log(v2_sim.sim) if e.path.endswith(("/peak", "/summary"))]
    assert [e.params["play_domains"] for e in lists] == ["hls.v2.example.com,play.v2.example.com"] * 2


async def test_a_hundred_and_one_domains_take_two_list_calls(v2_sim, accounts, sim_clock):
    domains = [f"d{i}.example.com" for i in range(101)]
    async with make_client(accounts["hw2-aksk"]) as client:
        provider = HuaweiV2Provider(accounts["hw2-aksk"], client, sim_clock)
        with pytest.raises(VendorError) as info:  # the simulated tenant owns none of them
            await provider.bandwidth_peaks(domains, START, END)
    assert info.value.error.code == "LIVE.100011001" and "play domain" in info.value.error.title
    sizes = sorted(len(e.params["play_domains"].split(",")) for e in stats_log(v2_sim.sim))
    assert sizes == [1, 100]


async def test_unknown_domain_and_backend_faults_decode(v2_sim, accounts, sim_clock):
    async with make_client(accounts["hw2-aksk"]) as client:
        provider = HuaweiV2Provider(accounts["hw2-aksk"], client, sim_clock)
        with pytest.raises(VendorError) as gone:
            await provider.fetch("play.v2gone.example.com", START, END)
        with pytest.raises(VendorError) as busy:
            await provider.fetch("play.v2busy.example.com", START, END)
    assert gone.value.error.code == "LIVE.100011001" and gone.value.error.title == "play domain not in this project"
    assert busy.value.error.code == "LIVE.100011007" and busy.value.error.retryable


async def test_a_v1_account_on_the_new_platform_is_told_to_set_api_v2(v2_sim, accounts, sim_clock):
    legacy = replace(accounts["hw2-aksk"], api="v1")
    async with make_client(legacy) as client:
        provider = make_provider(legacy, client, sim_clock)
        assert type(provider) is HuaweiProvider
        with pytest.raises(VendorError) as info:
            await provider.fetch("play.v2.example.com", START, END)
    error = info.value.error
    assert error.code == "LIVE.100011006" and error.title == "v1 API retired for this domain"
    assert 'set api = "v2"' in error.action and not error.retryable


# --- the simulator's rules, as a client sending anything would meet them ---------------------------------


def signed_get(sim, account, path, params):
    """GET signed like livetop's AK/SK auth, with exactly `params` (repeated keys allowed)."""
    headers = {
        "Content-Type": "application/json",
        "Host": httpx.URL(sim.url).netloc.decode(),
        "X-Project-Id": account.project_id,
        "X-Sdk-Date": SIM_START.strftime("%Y%m%dT%H%M%SZ"),
    }
    auth, _ = signer.sign(account.access_key, account.secret_key, "GET", path, params, headers)
    query = signer.canonical_query(params)
    return httpx.get(f"{sim.url}{path}?{query}", headers={**headers, "Authorization": auth})


GOOD = [("play_domains", "play.v2.example.com"), ("interval", "300"),
        ("start_time", "2026-11-20T11:00:00Z"), ("end_time", "2026-11-20T11:59:59Z")]  # fmt: skip


def with_param(name, value):
    return [(k, v) for k, v in GOOD if k != name] + ([(name, value)] if value is not None else [])


@pytest.mark.parametrize(
    ("params", "named"),
    [
        (with_param("interval", "600"), "interval"),
        (with_param("start_time", "2026-11-20 11:00:00"), "start_time"),
        (with_param("end_time", "2026-11-20T10:00:00Z"), "end_time"),  # before the start
        (with_param("start_time", "2026-10-01T00:00:00Z"), "end_time"),  # span over 31 days
        (with_param("play_domains", "nobody.example.com"), "play_domains"),
        (with_param("service_type", "VOD"), "service_type"),
        (GOOD + [("isp", "XX")], "isp"),
        (GOOD + [("play_domains", f"d{i}.example.com") for i in range(100)], "play_domains"),  # 101 domains
    ],
)
def test_every_parameter_rule_answers_live_100011001_naming_it(v2_sim, params, named):
    account = v2_sim.sim.scenario.account("hw2-aksk")
    path = f"/v2/{account.project_id}/stats/bandwidth/detail"
    response = signed_get(v2_sim, account, path, params)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error_code"] == "LIVE.100011001" and named in body["error_msg"]


def test_a_start_older_than_a_year_is_refused(v2_sim, sim_clock):
    account = v2_sim.sim.scenario.account("hw2-aksk")
    params = with_param("start_time", "2025-11-01T00:00:00Z")
    params = [(k, v) for k, v in params if k != "end_time"] + [("end_time", "2025-11-20T23:59:59Z")]
    response = signed_get(v2_sim, account, f"/v2/{account.project_id}/stats/traffic/detail", params)
    assert response.status_code == 400 and "start_time" in response.json()["error_msg"]


def test_comma_separated_and_repeated_domains_sum_the_same(v2_sim):
    account = v2_sim.sim.scenario.account("hw2-aksk")
    path = f"/v2/{account.project_id}/stats/traffic/detail"
    both = "play.v2.example.com,hls.v2.example.com"
    comma = signed_get(v2_sim, account, path, with_param("play_domains", both)).json()
    repeated = signed_get(v2_sim, account, path, GOOD + [("play_domains", "hls.v2.example.com")]).json()
    one = signed_get(v2_sim, account, path, GOOD).json()
    assert comma == repeated and comma["data_list"][0]["value"] > one["data_list"][0]["value"]


def test_a_misaligned_range_is_answered_but_logged(v2_sim):
    account = v2_sim.sim.scenario.account("hw2-aksk")
    path = f"/v2/{account.project_id}/stats/bandwidth/detail"
    response = signed_get(v2_sim, account, path, with_param("end_time", "2026-11-20T12:00:00Z"))
    assert response.status_code == 200 and v2_sim.sim.log[-1].code == "MISALIGNED"


def test_each_api_has_its_own_per_user_limit(make_sim):
    scenario = {"accounts": [{"name": "hw2", "vendor": "huawei", "api": "v2", "rate_per_second": 0.01,
                              "burst": 2, "domains": ["play.v2.example.com"]}]}  # fmt: skip
    sim = make_sim(scenario)
    account = sim.sim.scenario.account("hw2")
    traffic = f"/v2/{account.project_id}/stats/traffic/detail"
    bandwidth = f"/v2/{account.project_id}/stats/bandwidth/detail"
    assert [signed_get(sim, account, traffic, GOOD).status_code for _ in range(3)] == [200, 200, 429]
    # bandwidth/detail allows five times traffic/detail's rate and burst (100/s vs 20/s per user).
    assert [signed_get(sim, account, bandwidth, GOOD).status_code for _ in range(11)] == [200] * 10 + [429]
    throttled = signed_get(sim, account, traffic, GOOD)
    assert throttled.json()["error_code"] == "APIGW.0308" and int(throttled.headers["Retry-After"]) >= 1
