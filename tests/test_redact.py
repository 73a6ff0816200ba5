"""Redaction: no token, signature, key or password survives into anything shown, logged or exported."""

from __future__ import annotations

import json

import pytest

from livetop.model import VENDOR_HUAWEI, VENDOR_JDCLOUD
from livetop.vendors import catalog
from livetop.vendors.catalog import decode, redact

AK = "QTWAOYTTINDUT2QVKYUC"
SIG = "7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe"
TOKEN = "MIIYXQYJKoZIhvcNAQcCoIIYTjCCGEoCAQExDTALBglghkgBZQMEAgEwgharBgkqhkiG9w0BBwGggharBIIWmHsidG9rZW4i"


@pytest.mark.parametrize(
    "text, secret",
    [
        (f"Authorization: SDK-HMAC-SHA256 Access={AK}, SignedHeaders=host;x-sdk-date, Signature={SIG}", AK),
        (f"Authorization: SDK-HMAC-SHA256 Access={AK}, SignedHeaders=host;x-sdk-date, Signature={SIG}", SIG),
        (f"SDK-HMAC-SHA256 Access={AK}, SignedHeaders=host, Signature={SIG}", AK),
        (f"bad header X-Auth-Token: {TOKEN}", TOKEN[:20]),
        (f'{{"X-Subject-Token": "{TOKEN}"}}', TOKEN[:20]),
        (f"token {TOKEN} rejected", TOKEN[:20]),
        (
            '{"auth":{"identity":{"password":{"user":{"name":"ops","password":"Hunter2!pass"}}}}}',
            "Hunter2!pass",
        ),
        ("{'secret_key': 'e7a31b1c5ea0efa9', 'username': 'jcloud_00'}", "e7a31b1c5ea0efa9"),
        ("password=Hunter2!pass&user=ops", "Hunter2!pass"),
        (
            '{"signature":"f7e472560b470a8d1892ea57626390d6","username":" test_user "}',
            "f7e472560b470a8d1892ea57626390d6",
        ),
        ("md5 e7a31b1c5ea0efa9aa2f29c6559f7d61 mismatch", "e7a31b1c5ea0efa9aa2f29c6559f7d61"),
        (f"Get secretKey failed,ak:{AK},err:ak not exist", AK),
        (
            "verify aksk signature fail, canonicalRequest: GET|/v1/0123/stream/bandwidth/|domain=a.com|"
            "host:live.example.com|x-sdk-date:20261120T120000Z|SECRETISH",
            "SECRETISH",
        ),
        ("StringToSign: SDK-HMAC-SHA256\n20261120T120000Z\nabcdef", "abcdef"),
    ],
)
def test_redact_removes_secrets(text, secret):
    out = redact(text)
    assert secret not in out
    assert "***" in out or "[removed]" in out


def test_redact_keeps_what_a_person_needs_and_masks_account_secrets():
    msg = "Invalid request parameter: domain play.example.com, limit:300,time:1 minute"
    assert redact(msg) == msg
    assert redact("user ops-bot signed with s3cr3t-value badly", secrets=["s3cr3t-value"]) == (
        "user ops-bot signed with *** badly"
    )
    assert redact("a  \n\t b") == "a b"
    assert len(redact("x" * 1000)) == catalog.RAW_MESSAGE_CHARS


def test_decoded_messages_are_redacted_everywhere():
    body = json.dumps(
        {"error_code": "APIGW.0301", "error_msg": f"verify aksk signature fail Access={AK} Signature={SIG}"}
    )
    err = decode(VENDOR_HUAWEI, 401, body.encode(), secrets=["not-in-body"])
    assert AK not in err.raw_message and SIG not in err.raw_message
    err = decode(
        VENDOR_JDCLOUD,
        200,
        json.dumps({"status": 1, "msg": "bad signature for secret mysecretvalue"}).encode(),
        secrets=["mysecretvalue"],
    )
    assert "mysecretvalue" not in err.raw_message
    assert "mysecretvalue" not in repr(err) and "mysecretvalue" not in json.dumps(err.as_dict())
