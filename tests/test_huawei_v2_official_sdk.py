"""The simulator accepts what Huawei's official SDK signs, and refuses a wrong signature the way the gateway
does (huaweicloudsdkcore / huaweicloudsdklive, test-only dependencies). The SDK signs every header it sends
whose name has no underscore (user-agent and x-project-id included), so the simulator must verify the
headers SignedHeaders lists, not a fixed set. The SDK stamps X-Sdk-Date from the real clock, so this
simulator runs on the system clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from livetop.clock import SYSTEM_CLOCK

pytest.importorskip("huaweicloudsdklive")  # a test dependency; .ci/run installs it

from huaweicloudsdkcore.auth.credentials import BasicCredentials  # noqa: E402
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException  # noqa: E402
from huaweicloudsdkcore.http.http_config import HttpConfig  # noqa: E402
from huaweicloudsdkcore.http.http_handler import HttpHandler  # noqa: E402
from huaweicloudsdklive.v2 import (  # noqa: E402
    ListBandwidthDetailRequest,
    ListDomainBandwidthPeakRequest,
    ListDomainTrafficDetailRequest,
    ListDomainTrafficSummaryRequest,
    LiveClient,
)

DOMAINS = ["play.sdk-a.example.com", "play.sdk-b.example.com"]
SCENARIO = {"accounts": [{"name": "hw-sdk", "vendor": "huawei", "api": "v2", "domains": DOMAINS}]}


@pytest.fixture
def sdk_sim(make_sim):
    return make_sim(SCENARIO, clock=SYSTEM_CLOCK)


def sdk_client(sim, secret_key=None, sent=None):
    account = sim.sim.scenario.account("hw-sdk")
    config = HttpConfig.get_default_config()
    config.timeout = (5, 10)
    handler = HttpHandler()
    if sent is not None:
        handler.add_response_handler(lambda **kw: sent.append(dict(kw["response"].request.headers)))
    credentials = BasicCredentials(account.access_key, secret_key or account.secret_key, account.project_id)
    return (
        LiveClient.new_builder()
        .with_credentials(credentials)
        .with_endpoints([sim.url])
        .with_http_config(config)
        .with_http_handler(handler)
        .build()
    )


def aligned_hour():
    end = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    end -= timedelta(minutes=end.minute % 5)
    start = end - timedelta(hours=1)
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    return start.strftime(fmt), (end - timedelta(seconds=1)).strftime(fmt)


def test_the_simulator_accepts_every_v2_call_the_official_sdk_signs(sdk_sim):
    sent: list[dict] = []
    client = sdk_client(sdk_sim, sent=sent)
    start, end = aligned_hour()
    bandwidth = client.list_bandwidth_detail(
        ListBandwidthDetailRequest(play_domains=DOMAINS, interval=300, start_time=start, end_time=end)
    )
    traffic = client.list_domain_traffic_detail(
        ListDomainTrafficDetailRequest(play_domains=DOMAINS[:1], interval=300, start_time=start, end_time=end)
    )
    peak = client.list_domain_bandwidth_peak(
        ListDomainBandwidthPeakRequest(play_domains=DOMAINS, start_time=start, end_time=end)
    )
    summary = client.list_domain_traffic_summary(
        ListDomainTrafficSummaryRequest(play_domains=DOMAINS, start_time=start, end_time=end)
    )
    assert len(bandwidth.data_list) == len(traffic.data_list) == 12
    assert {p.domain for p in peak.bandwidth_list} == {s.domain for s in summary.traffic_list} == set(DOMAINS)
    # What the SDK really signed: more than livetop signs, and the simulator checked all of it.
    signed = sent[0]["Authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")
    assert {"host", "x-sdk-date", "x-project-id", "user-agent", "content-type"} <= set(signed)
    stats = [e for e in sdk_sim.sim.log if "/stats/" in e.path]
    assert [e.status for e in stats] == [200] * 4 and all(e.code == "" for e in stats)
    # The arrays went out as repeated keys and were read as two domains.
    assert stats[0].params["play_domains"] == ",".join(DOMAINS)


def test_a_wrong_secret_key_is_refused_as_the_gateway_refuses_it(sdk_sim):
    start, end = aligned_hour()
    request = ListBandwidthDetailRequest(play_domains=DOMAINS[:1], interval=300, start_time=start, end_time=end)
    with pytest.raises(ClientRequestException) as info:
        sdk_client(sdk_sim, secret_key="not-the-secret-key").list_bandwidth_detail(request)
    assert info.value.status_code == 401 and info.value.error_code == "APIGW.0301"
    assert "signature" in info.value.error_msg


def test_a_parameter_the_vendor_refuses_reaches_the_sdk_as_live_100011001(sdk_sim):
    start, end = aligned_hour()
    request = ListBandwidthDetailRequest(play_domains=DOMAINS[:1], interval=600, start_time=start, end_time=end)
    with pytest.raises(ClientRequestException) as info:
        sdk_client(sdk_sim).list_bandwidth_detail(request)
    assert info.value.status_code == 400 and info.value.error_code == "LIVE.100011001"
    assert "interval" in info.value.error_msg
