"""TC3-HMAC-SHA256: livetop's signer against the official tencentcloud-sdk-python (a test-only dependency).

The fixed vectors were computed with tencentcloud-sdk-python-common/-live 3.1.195 (`LiveClient`,
`_build_req_inter`, time.time patched); the live cross-check runs the installed SDK on the same inputs, so
a drift in either side fails here.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from unittest import mock

import httpx
import pytest
import tencentcloud.common.abstract_client as sdk_abstract_client
from hypothesis import given, settings
from hypothesis import strategies as st
from tencentcloud.common import credential
from tencentcloud.common.http.request import RequestInternal
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.live.v20180801 import live_client

from livetop.clock import ManualClock
from livetop.config.schema import Secret
from livetop.vendors.tencent import signer
from livetop.vendors.tencent.auth import Tc3Auth

# (secret_id, secret_key, timestamp, method, host, content_type, data as sent, expected Authorization)
VECTORS = [
    (
        "AKIDlivetopTEST0000000000000000000001", "livetopTestSecretKey0000000000001", 1795176000, "POST",
        "live.tencentcloudapi.com", "application/json",
        '{"StartTime": "2026-11-20T11:00:00Z", "EndTime": "2026-11-20T11:55:00Z", '
        '"PlayDomains": ["play.example.com"], "Granularity": 5}',
        "TC3-HMAC-SHA256 Credential=AKIDlivetopTEST0000000000000000000001/2026-11-20/live/tc3_request, "
        "SignedHeaders=content-type;host, "
        "Signature=41b525596bbddcbd9f7adbdd1d9ed81b0612b047c624d85740d55e4c1804a055",
    ),
    # 16:30 UTC is already the next day in Beijing: the scope date is the UTC one. Non-ASCII secret.
    (
        "AKIDsim", "s3cr3t/+=with symbols&é", 1795192200, "POST", "live.tencentcloudapi.com",
        "application/json",
        '{"StartTime": "2026-11-20 23:00:00", "EndTime": "2026-11-21 00:25:00", '
        '"PlayDomains": ["xn--fiqs8s.example.cn"], "Granularity": 5, "ServiceName": "LVB"}',
        "TC3-HMAC-SHA256 Credential=AKIDsim/2026-11-20/live/tc3_request, SignedHeaders=content-type;host, "
        "Signature=7504b799d2467dc4b37a7eec226a2b4dfc6ad86ba1d8ca90dcd748c6a5a50dcb",
    ),
    # An endpoint with a port (the simulator): Host carries it.
    (
        "AKIDsim", "sk", 1795176000, "POST", "127.0.0.1:8080", "application/json",
        '{"StartTime": "2026-11-20T11:00:00Z", "EndTime": "2026-11-20T11:55:00Z", '
        '"PlayDomains": ["play.example.com"], "Granularity": 5}',
        "TC3-HMAC-SHA256 Credential=AKIDsim/2026-11-20/live/tc3_request, SignedHeaders=content-type;host, "
        "Signature=b4e7c531ce1b1431c8d9f1465178ee4bbd0fc05e17c0080ba38ed40e1ae4a040",
    ),
    # GET: lists flattened as PlayDomains.0, the query signed, the payload empty.
    (
        "AKIDsim", "sk", 1795176000, "GET", "live.tencentcloudapi.com", "application/x-www-form-urlencoded",
        "StartTime=2026-11-20T11%3A00%3A00Z&EndTime=2026-11-20T11%3A55%3A00Z&PlayDomains.0=play.example.com"
        "&PlayDomains.1=hls.example.com&Granularity=5",
        "TC3-HMAC-SHA256 Credential=AKIDsim/2026-11-20/live/tc3_request, SignedHeaders=content-type;host, "
        "Signature=ed9f9dfd2915ca96edd858ccff9a66a2344e34f7347bd5a45b3aa3be6799e0da",
    ),
]  # fmt: skip


@pytest.mark.parametrize("sid, sk, ts, method, host, ctype, data, expected", VECTORS)
def test_signer_reproduces_the_official_vectors(sid, sk, ts, method, host, ctype, data, expected):
    is_get = method == "GET"
    authorization, sig = signer.sign(
        sid, sk, service="live", method=method, host=host, content_type=ctype, timestamp=ts,
        payload=b"" if is_get else data.encode(), query=data if is_get else "",
    )  # fmt: skip
    assert authorization == expected
    assert expected.endswith(sig)


def official_request(secret_id, secret_key, timestamp, params, endpoint="live.tencentcloudapi.com",
                     region="", method="POST") -> RequestInternal:  # fmt: skip
    """What the official SDK builds (and would send) for DescribeBillBandwidthAndFluxList."""
    profile = ClientProfile(httpProfile=HttpProfile(endpoint=endpoint, reqMethod=method))
    client = live_client.LiveClient(credential.Credential(secret_id, secret_key), region, profile)
    request = RequestInternal(endpoint, method, "/", header={})
    with mock.patch.object(sdk_abstract_client.time, "time", return_value=timestamp):
        client._build_req_inter("DescribeBillBandwidthAndFluxList", params, request)
    return request


def test_the_vectors_are_what_the_installed_sdk_computes():
    params = json.loads(VECTORS[0][6])
    request = official_request(VECTORS[0][0], VECTORS[0][1], VECTORS[0][2], params)
    assert request.data == VECTORS[0][6]
    assert request.header["Authorization"] == VECTORS[0][7]


# The SDK refuses a key with surrounding whitespace; any other text is a key.
_text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1, max_size=40
)


@settings(max_examples=60, deadline=None)
@given(
    secret_id=st.from_regex(r"AKID[A-Za-z0-9]{8,36}", fullmatch=True),
    secret_key=_text,
    timestamp=st.integers(min_value=0, max_value=4102444800),
    domain=st.from_regex(r"[a-z0-9]{1,20}(\.[a-z0-9-]{1,20}){1,3}", fullmatch=True),
    region=st.sampled_from(["", "ap-guangzhou", "ap-singapore"]),
)
def test_auth_signs_like_the_sdk_for_any_input(secret_id, secret_key, timestamp, domain, region):
    """Tc3Auth on a real httpx request equals the SDK's Authorization for the same body and time."""
    params = {"StartTime": "2026-11-20T11:00:00Z", "EndTime": "2026-11-20T11:55:00Z",
              "PlayDomains": [domain], "Granularity": 5}  # fmt: skip
    official = official_request(secret_id, secret_key, timestamp, params, region=region)
    clock = ManualClock(datetime.fromtimestamp(timestamp, timezone.utc))
    auth = Tc3Auth(Secret(secret_id), Secret(secret_key), clock, region=region or None)
    request = httpx.Request(
        "POST", "https://live.tencentcloudapi.com/", content=official.data.encode(),
        headers={"Content-Type": "application/json", "X-TC-Action": "DescribeBillBandwidthAndFluxList",
                 "X-TC-Version": "2018-08-01"},
    )  # fmt: skip
    signed = next(auth.sync_auth_flow(request))
    assert signed.headers["Authorization"] == official.header["Authorization"]
    assert signed.headers["X-TC-Timestamp"] == official.header["X-TC-Timestamp"]
    assert signed.headers.get("X-TC-Region") == official.header.get("X-TC-Region")


def test_auth_never_shows_its_secrets():
    auth = Tc3Auth(Secret("AKIDvisible-not"), Secret("hidden-key"), ManualClock(datetime.now(timezone.utc)))
    assert "AKIDvisible-not" not in repr(auth) and "hidden-key" not in repr(auth)


def test_parse_authorization_splits_the_scope():
    parts = signer.parse_authorization(VECTORS[0][7])
    assert parts["SecretId"] == "AKIDlivetopTEST0000000000000000000001"
    assert (parts["Date"], parts["Service"], parts["SignedHeaders"]) == (
        "2026-11-20",
        "live",
        "content-type;host",
    )
    for bad in ("", "TC3-HMAC-SHA256", "TC3-HMAC-SHA256 Credential=a/b/c, SignedHeaders=x, Signature=y",
                "HMAC Credential=a/b/c/tc3_request, SignedHeaders=x, Signature=y"):  # fmt: skip
        assert signer.parse_authorization(bad) is None
