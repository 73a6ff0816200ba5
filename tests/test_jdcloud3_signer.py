"""JDCLOUD3-HMAC-SHA256 signing against the official jdcloud-sdk (a test-only dependency).

The 24 cases are every case of the SDK's own `jdcloud_sdk/core/signer_test.py` (jdcloud-sdk 1.6.354): AK `ak`,
SK `sk`, region `cn-north-1`, service `apigatewaytestproductline`, GET to
`http://apigw-internal-dev.cn-north-1.jcloudcs.com:8000`, headers x-jdcloud-date `20190917T064708Z`,
x-jdcloud-nonce (varied by the header cases), content-type `application/json`, empty body. Each expected
signature was computed by running the official `Signer.signV3` offline, and equals the one the SDK's file
states. A second test re-runs the official signer on each case, so the table cannot drift from it.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timezone

import httpx
import pytest

from livetop.clock import ManualClock
from livetop.config.schema import Secret
from livetop.vendors.jdcloud import jdcloud3

HOST = "http://apigw-internal-dev.cn-north-1.jcloudcs.com:8000"
DATE = "20190917T064708Z"
SERVICE, REGION = "apigatewaytestproductline", "cn-north-1"
DEFAULT_PATH = "/v1/regions/cn-north-1/instances"
SCOPE = f"ak/20190917/{REGION}/{SERVICE}/jdcloud3_request"
SIGNED = "content-type;host;x-jdcloud-date;x-jdcloud-nonce"

# (case, path, query (raw string without `?`, or a dict), x-jdcloud-nonce, signature by the official signer)
VECTORS = [
    ('path_specialCharacters', '/v1/regions/cn-north-1/instances/ /`!@#$%^&*()=+/0123456789/[]\\;\',<>?:"{}|/abcdefghijklmnopqrstuvwxyz/ABCDEFGHIJKLMNOPQRSTUVWXYZ/-_.~:GET', '', 'X-Jdcloud-Nonce', '925b9455228ef23ee7ec2dd3e33f7e645bcbcb3f4732894c17e4a0cf1d41d1e6'),
    ('path_chineseCharacters', '/v1/regions/cn-north-1/instances/中文:GET', '', 'X-Jdcloud-Nonce', '936ed2dcb6fb4271ad640e0f46f1fe61763a0bad8bb4f4eb1224261f969612fa'),
    ('path_null', '', '', 'X-Jdcloud-Nonce', '44c5ec30b6185516986ae171d8276552bc0f37f6a536a44e4f578958fc1c12be'),
    ('path_nullSlashes', 'v1', '', 'X-Jdcloud-Nonce', '92cd3ed582c13af58b4c81ddad150c350e656c6cc9e78ec154d7385e499b91b6'),
    ('path_endSlashes', 'v1/', '', 'X-Jdcloud-Nonce', '035689ae2ce6a3603928ac3d60a6d2fbfb550d33c5da983342a6356419ccd914'),
    ('path_doubleSlashes', '///v1/regions/cn-north-1/instances//// //`!@#$%^&*()=+/0123456789/[]\\;\',<>?:"{}|/////abcdefghijklmnopqrstuvwxyz//ABCDEFGHIJKLMNOPQRSTUVWXYZ/-_.~:GET/', '', 'X-Jdcloud-Nonce', '92e4897d2a74a899399f5443615ddf110978363b9097932e522e079e6eb5f65b'),
    ('path_encode', '/v1/regions/cn-north-1/instances/%20/%60%21%40%23%24%25%5E%26%2A%28%29%3D%2B/0123456789/%5B%5D%5C%5C%3B%27%2C%3C%3E%3F%3A%5C%22%7B%7D%7C/abcdefghijklmnopqrstuvwxyz/ABCDEFGHIJKLMNOPQRSTUVWXYZ/-_.~%3AGET', '', 'X-Jdcloud-Nonce', '027b5bbd35956b84b8773eb450c0405cb4e424eab13f64828926ee41838c48d0'),
    ('path_encodeIncludeEncodedSlashes', '%2Fv1%2Fregions%2F%2F%2Fcn-north-1%2Finstances', '', 'X-Jdcloud-Nonce', '33df199719f9edc6de860e6b53c61d4824e1f389e6030fd37ddc977fda29e467'),
    ('path_partEncode', '/v1%2Fregions/cn-north-1%2F%2F%2Finstances', '', 'X-Jdcloud-Nonce', '33df199719f9edc6de860e6b53c61d4824e1f389e6030fd37ddc977fda29e467'),
    ('path_wrongPercentEncode', '/v1/%2/%2f/%2b%f', '', 'X-Jdcloud-Nonce', '6610271450ea321baab326f8debc51a2e4dd7e73b04200275a1d9b3897045caf'),
    ('path_partEncode_includeSpecialChar', '/v1%2Fregions/cn-north-1%2F%2F%2Finstances/ + /+/ +/+ /%2B%20%2B%2F%2F', '', 'X-Jdcloud-Nonce', '7286237483a7fcc51ff7621c9a5c586a0ec85fd06cbf91c20adde2ec3b5e4d97'),
    ('query_nullKey', '/v1/regions/cn-north-1/instances', '=a&a=a', 'X-Jdcloud-Nonce', '43efb5fb00e86faf35d8bf0bed3b72e84cfc98ee4754065e29c3caa7bcaa12cb'),
    ('query_nullKeyAndValue', '/v1/regions/cn-north-1/instances', '=&a=a', 'X-Jdcloud-Nonce', '43efb5fb00e86faf35d8bf0bed3b72e84cfc98ee4754065e29c3caa7bcaa12cb'),
    ('query_repeatQueryquery', '/v1/regions/cn-north-1/instances', 'aa=aa&aa%3Daa=&aa=aa%3D&aa=&aa=aaa&aaa=aaa&aaa=aa&aaa=a&ab=aa&ab=aa&cc=&cc=&bb=aa&bb=', 'X-Jdcloud-Nonce', '8ccc3c9af11e964b3c5d6020d2af49e97e27fbb23e2b8f57bdc84815e471d54b'),
    ('query_specialCharacters0', '/v1/regions/cn-north-1/instances', 'special key=/ /`!@#$%^*()+/0123456789/[]\\;\',<>?:"{}|/abcdefghijklmnopqrstuvwxyz/ABCDEFGHIJKLMNOPQRSTUVWXYZ/-_.~&/ /`!@#$%^*()+/0123456789/[]\\;\',<>?:"{}|/abcdefghijklmnopqrstuvwxyz/ABCDEFGHIJKLMNOPQRSTUVWXYZ/-_.~=special value', 'X-Jdcloud-Nonce', '684a4397896f81eaefbba29c42be66080b32993dce700e1647608a64595fd655'),
    ('query_specialCharacters2', '/v1/regions/cn-north-1/instances', {'nullValue': '', '': 'nullKey', 'specialValue': '&&==&==&&=&=', '&&==&==&&=&=': 'specialKey'}, 'X-Jdcloud-Nonce', 'cc1b199ef770ffc179b3915b9cefa83024bda9d88638c19fe079292de5b91546'),
    ('query_partEncode', '/v1/regions/cn-north-1/instances', ' =blank&%20=blank&+= 2&%2b= 1&blank= &blank=+&blank=%20', 'X-Jdcloud-Nonce', '78c0a4db84050d773533c78c1a0f73bf974faf5df881e39b18c3e0de8110324e'),
    ('query_wrongPercentEncode', '/v1/regions/cn-north-1/instances', ' =blank&%2=blank&+=jia0&%2b=jia1&%2B=jia2&blank= %2b%2f%2/&blank=+&%2/blank=%0%f', 'X-Jdcloud-Nonce', '972987a6f95be456935cde8be8f106114e2ad27465a507644e61f021a98a7218'),
    ('query_chinese', '/v1/regions/cn-north-1/instances', '中文参数=中文参数值', 'X-Jdcloud-Nonce', '7e3094d23adde49fcc99b7d0de911d7ecaa7767590edd57769d7bdbaca919276'),
    ('head_one_blank', '/v1/regions/cn-north-1/instances', '', ' X-Jdcloud- -Nonce ', '5d955d1de475eac2b4378473ca0adce8fddd13f45d2be53bc2ffb6eee6450ba4'),
    ('head_more_blank', '/v1/regions/cn-north-1/instances', '', '  X-Jdcloud-  -Nonce  ', 'a03bb8d755cb93e4d8846fe5fcad180f319fa50356f63e8afdc749bd1a95695f'),
    ('head_multiValues', '/v1/regions/cn-north-1/instances', '', ['aaa'], '12ed9fbf2f8ebe6afcdd23853c9e58f37642f8a0361765557d2e4915f1e995e4'),
    ('head_special_characters0', '/v1/regions/cn-north-1/instances', '', '/`!@#$%^&*()=+/0123456789/[]\\;\',<>?:"{}|/abcdefghijklmnopqrstuvwxyz/ABCDEFGHIJKLMNOPQRSTUVWXYZ/-_.~', '9046b11889b993a808fccf1322f7f04e7e5a7e0cc22d8b65e9986a8aab986ad7'),
    ('head_special_characters1', '/v1/regions/cn-north-1/instances', '', ' \\n  as\\r\\n \\r df\\r\\n   ', 'b30037126cdc4385e957e24e6d73ea28a8fb66f71ee68b8f60de12d3292d19c6'),
]


def _headers(nonce):
    return {"x-jdcloud-date": DATE, "x-jdcloud-nonce": nonce, "content-type": "application/json"}


def test_all_24_cases_of_the_sdk_file_are_here():
    assert len(VECTORS) == 24
    assert len({case for case, *_ in VECTORS}) == 24


@pytest.mark.parametrize(("case", "path", "query", "nonce", "expected"), VECTORS, ids=[v[0] for v in VECTORS])
def test_official_vector(case, path, query, nonce, expected):
    signed = jdcloud3.sign(
        access_key="ak",
        secret_key="sk",
        method="GET",
        host=HOST,
        path=path,
        query=query,
        headers=_headers(nonce),
        jdcloud_date=DATE,
        region=REGION,
        service=SERVICE,
        body="",
    )
    assert signed.signature == expected
    # The whole header, byte for byte as the SDK file states it.
    assert signed.authorization == (
        f"JDCLOUD3-HMAC-SHA256 Credential={SCOPE}, SignedHeaders={SIGNED}, Signature={expected}"
    )


@pytest.mark.parametrize(("case", "path", "query", "nonce", "expected"), VECTORS, ids=[v[0] for v in VECTORS])
def test_official_signer_still_computes_the_table(case, path, query, nonce, expected):
    from jdcloud_sdk.core.credential import Credential
    from jdcloud_sdk.core.logger import Logger
    from jdcloud_sdk.core.signer import Signer

    headers = _headers(nonce)
    Signer(Logger(0)).signV3(
        method="GET", service=SERVICE, region=REGION, host=HOST, path=path, query=query, headers=headers,
        data="", credential=Credential("ak", "sk"), security_token="",
    )  # fmt: skip
    assert headers["Authorization"].endswith("Signature=" + expected)


def test_a_wrong_secret_or_a_changed_byte_changes_the_signature():
    base = dict(access_key="ak", method="GET", host=HOST, path=DEFAULT_PATH, query="a=1",
                headers=_headers("n"), jdcloud_date=DATE, region=REGION, service=SERVICE)  # fmt: skip
    good = jdcloud3.sign(secret_key="sk", **base).signature
    assert jdcloud3.sign(secret_key="sk2", **base).signature != good
    assert jdcloud3.sign(secret_key="sk", **{**base, "query": "a=2"}).signature != good
    assert jdcloud3.sign(secret_key="sk", **{**base, "jdcloud_date": "20190917T064709Z"}).signature != good
    assert jdcloud3.sign(secret_key="sk", **{**base, "service": "live"}).signature != good


def test_parse_authorization_round_trip():
    signed = jdcloud3.sign(
        access_key="AKX", secret_key="sk", method="GET", host="live.jdcloud-api.com", path="/v1/x",
        query="", headers={"content-type": "application/json"}, jdcloud_date=DATE, region="jdcloud-api",
        service="live",
    )  # fmt: skip
    auth = jdcloud3.parse_authorization(signed.authorization)
    assert auth == jdcloud3.Authorization(
        "AKX", "20190917", "jdcloud-api", "live", ("content-type", "host"), signed.signature
    )
    for bad in ("", "JDCLOUD2-HMAC-SHA256 " + signed.authorization[21:], signed.authorization[:-1],
                signed.authorization.replace("jdcloud3_request", "jdcloud2_request"),
                signed.authorization.replace("Credential=AKX/", "Credential=/")):  # fmt: skip
        assert jdcloud3.parse_authorization(bad) is None, bad


# --- what the SDK really sends, and Jdcloud3Auth's wire form ---------------------------------------------------

WHEN = datetime(2026, 11, 20, 12, 0, 7, tzinfo=timezone.utc)
NONCE = "3f1e0c8a-5b7d-4c2e-9a61-0d4b8e2f7c11"


def _sdk_wire_request(monkeypatch, endpoint: str = "live.jdcloud-api.com"):
    """What `LiveClient.send` passes to `requests.request` for a bandwidth query, captured, not sent."""
    import requests
    from jdcloud_sdk.core import signer as sdk_signer
    from jdcloud_sdk.core.credential import Credential
    from jdcloud_sdk.services.live.apis.DescribeLiveStreamBandwidthDataRequest import (
        DescribeLiveStreamBandwidthDataParameters,
        DescribeLiveStreamBandwidthDataRequest,
    )
    from jdcloud_sdk.services.live.client.LiveClient import LiveClient

    monkeypatch.setattr(sdk_signer.time, "time", lambda: WHEN.timestamp())
    monkeypatch.setattr(sdk_signer.uuid, "uuid4", lambda: uuid.UUID(NONCE))
    captured = {}

    class Stop(Exception):
        pass

    def capture(method, url, data=None, headers=None, timeout=None):
        captured.update(method=method, url=url, body=data, headers=dict(headers))
        raise Stop

    monkeypatch.setattr(requests, "request", capture)
    params = DescribeLiveStreamBandwidthDataParameters("2026-11-20T11:00:00Z")
    params.setDomainName("play.example.com")
    params.setPeriod("fiveMin")
    params.setEndTime("2026-11-20T12:00:00Z")
    client = LiveClient(Credential("AKSDK", "sk-sdk"))
    with pytest.raises(Stop):
        client.send(DescribeLiveStreamBandwidthDataRequest(params))
    return captured


def test_what_the_sdk_sends_for_a_live_request(monkeypatch):
    sent = _sdk_wire_request(monkeypatch)
    headers = sent["headers"]
    assert sent["method"] == "GET"
    assert sent["url"].startswith("https://live.jdcloud-api.com/v1/describeLiveStreamBandwidthData?")
    assert "startTime=2026-11-20T11%3A00%3A00Z" in sent["url"]
    assert headers["x-jdcloud-date"] == "20261120T120007Z"
    assert headers["x-jdcloud-nonce"] == NONCE
    auth = jdcloud3.parse_authorization(headers["Authorization"])
    # Only content-type and host are signed; the scope is region jdcloud-api, service live.
    assert auth.signed_headers == ("content-type", "host")
    assert (auth.region, auth.service, auth.date) == ("jdcloud-api", "live", "20261120")
    assert headers["x-jdcloud-content-sha256"] == jdcloud3.payload_hash(b"")
    # And livetop's verifier accepts it as sent.
    path, _, query = sent["url"].removeprefix("https://live.jdcloud-api.com").partition("?")
    lowered = {k.lower(): v for k, v in headers.items()} | {"host": "live.jdcloud-api.com"}
    assert jdcloud3.verify(secret_key="sk-sdk", auth=auth, method="GET", raw_path=path, raw_query=query,
                           headers=lowered, body=b"")  # fmt: skip
    assert not jdcloud3.verify(secret_key="sk-other", auth=auth, method="GET", raw_path=path,
                               raw_query=query, headers=lowered, body=b"")  # fmt: skip


def test_jdcloud3_auth_sends_what_the_sdk_sends(monkeypatch):
    sent = _sdk_wire_request(monkeypatch)
    auth = jdcloud3.Jdcloud3Auth(
        Secret("AKSDK"), Secret("sk-sdk"), ManualClock(WHEN), nonce=lambda: NONCE
    )
    request = httpx.Request("GET", sent["url"])
    flow = auth.sync_auth_flow(request)
    signed = next(flow)
    for name in ("Authorization", "x-jdcloud-date", "x-jdcloud-nonce", "x-jdcloud-content-sha256",
                 "Content-Type", "JDCLOUD3-HMAC-SHA256"):  # fmt: skip
        assert signed.headers[name] == sent["headers"][name], name
    assert "sk-sdk" not in repr(auth) and "AKSDK" not in repr(auth)


def test_vector_form_signing_date_and_nonce_verifies_too():
    headers = {"content-type": "application/json", "x-jdcloud-date": DATE, "x-jdcloud-nonce": "n-1"}
    signed = jdcloud3.sign(access_key="ak", secret_key="sk", method="GET", host="127.0.0.1:8080",
                           path="/v1/describeLiveStreamTrafficData", query="domainName=a.example.com",
                           headers=headers, jdcloud_date=DATE, region="jdcloud-api", service="live")  # fmt: skip
    auth = jdcloud3.parse_authorization(signed.authorization)
    wire = headers | {"host": "127.0.0.1:8080"}
    ok = dict(secret_key="sk", auth=auth, method="GET", raw_path="/v1/describeLiveStreamTrafficData",
              raw_query="domainName=a.example.com", body=b"")  # fmt: skip
    assert jdcloud3.verify(headers=wire, **ok)
    # The nonce is signed in this form: a replayed signature with another nonce fails.
    assert not jdcloud3.verify(headers=wire | {"x-jdcloud-nonce": "n-2"}, **ok)
    # A signed header that did not arrive fails.
    assert not jdcloud3.verify(headers={k: v for k, v in wire.items() if k != "x-jdcloud-nonce"}, **ok)


def test_a_query_key_without_equals_is_left_out_as_the_sdk_does():
    # Found by the property test against the SDK (tests/test_fuzz_jdcloud_openapi.py).
    assert jdcloud3.canonical_query("flag&b=2&a=1&=x") == "a=1&b=2"
    assert jdcloud3.canonical_query("startTime=2026-11-20T11:00:00Z") == "startTime=2026-11-20T11%3A00%3A00Z"
