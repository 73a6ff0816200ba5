from datetime import datetime, timezone

from livetop.vendors.huawei import signer
from livetop.vendors.jdcloud.signature import beijing_date, md5_signature


def test_huawei_official_vector():
    headers = {
        "Content-Type": "application/json",
        "Host": "service.region.example.com",
        "X-Sdk-Date": "20191115T033655Z",
    }
    query = [("limit", "2"), ("marker", "13551d6b-755d-4757-b956-536f674975c0")]
    path = "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs"
    signed = signer.signed_header_names(headers)
    canonical = signer.canonical_request("GET", path, query, headers, signed)
    import hashlib

    assert hashlib.sha256(canonical.encode()).hexdigest() == (
        "b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a"
    )
    auth, sig = signer.sign(
        "QTWAOYTTINDUT2QVKYUC", "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc", "GET", path, query, headers
    )
    assert sig == "7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe"
    assert auth == (
        "SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;x-sdk-date, "
        "Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe"
    )


def test_huawei_live_v2_vector():
    pid = "0123456789abcdef0123456789abcdef"
    headers = {
        "Content-Type": "application/json",
        "Host": "live.cn-north-4.myhuaweicloud.com",
        "X-Project-Id": pid,
        "X-Sdk-Date": "20240101T001000Z",
    }
    query = [
        ("end_time", "2024-01-01T00:04:59Z"),
        ("interval", "300"),
        ("play_domains", "play.a.com"),
        ("start_time", "2024-01-01T00:00:00Z"),
    ]
    _, sig = signer.sign("TESTAK", "TESTSK", "GET", f"/v2/{pid}/stats/bandwidth/detail", query, headers)
    assert sig == "7d7959855cdc1e8800702dbeccdb764ed0f1055526b5173f71f0e998cc50da3e"


def test_canonical_query_encodes_and_sorts():
    assert signer.canonical_query([("b", "x y"), ("a", "2"), ("a", "1"), ("c", "")]) == "a=1&a=2&b=x%20y&c="
    assert signer.canonical_query([("t", "2024-01-01T00:00:00Z")]) == "t=2024-01-01T00%3A00%3A00Z"


def test_parse_authorization_round_trip():
    parts = signer.parse_authorization("SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=ab")
    assert parts == {"Access": "AK", "SignedHeaders": "host;x-sdk-date", "Signature": "ab"}
    assert signer.parse_authorization("Bearer x") is None


def test_jd_md5_seed_example():
    # vendors.md §C1 / the JD seed page: MD5(20161023jcloud_00e7a31b1c5ea0efa9aa2f29c6559f7d61)
    assert md5_signature("20161023", "jcloud_00", "e7a31b1c5ea0efa9aa2f29c6559f7d61") == (
        "a35685491fd80a80b40a718c3a5c5c56"
    )


def test_jd_date_is_beijing():
    # 2016-10-22 17:00 UTC is already 2016-10-23 01:00 in Beijing.
    assert beijing_date(datetime(2016, 10, 22, 17, 0, tzinfo=timezone.utc)) == "20161023"
    assert beijing_date(datetime(2016, 10, 22, 15, 59, tzinfo=timezone.utc)) == "20161022"
