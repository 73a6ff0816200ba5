"""Alibaba Live error answers decoded through the error catalog (livetop/vendors/alibaba/errors.toml)."""

from __future__ import annotations

import json

import pytest

from livetop.model import VendorError
from livetop.vendors.alibaba.parse import parse_response
from livetop.vendors.catalog import load_catalog


def test_error_answers_are_decoded_with_request_id_and_retry_hint():
    body = json.dumps({
        "RequestId": "0A7E5641-7096-4A39-94C2-C379714D928C", "HostId": "live.aliyuncs.com",
        "Code": "Throttling", "Message": "Request was denied due to request throttling.",
    }).encode()  # fmt: skip
    with pytest.raises(VendorError) as err:
        parse_response("bandwidth", 400, body, headers={"x-acs-retry-after": "2500"})
    e = err.value.error
    assert (e.code, e.throttled, e.retryable, e.retry_after) == ("Throttling", True, True, 2.5)
    assert "0A7E5641-7096-4A39-94C2-C379714D928C" in e.raw_message
    body = json.dumps(
        {"Code": "InvalidAccessKeyId.NotFound", "Message": "Specified access key is not found."}
    )
    with pytest.raises(VendorError) as err:
        parse_response("traffic", 404, body.encode())
    assert err.value.error.title == "AccessKey ID unknown" and not err.value.error.retryable


def test_secret_echoed_by_a_message_is_masked():
    body = json.dumps(
        {"Code": "SignatureDoesNotMatch", "Message": "server string to sign ... key s3cr3t-value"}
    )
    with pytest.raises(VendorError) as err:
        parse_response("bandwidth", 400, body.encode(), secrets=("s3cr3t-value",))
    assert "s3cr3t-value" not in err.value.error.raw_message


def test_catalog_has_the_documented_codes():
    catalog = load_catalog("alibaba")
    for code in (
        "InvalidStartTime.Malformed", "InvalidEndTime.Mismatch", "InvalidStartTime.ValueNotSupported",
        "InvalidDomain.NotFound", "Throttling", "InternalError", "SignatureDoesNotMatch",
        "InvalidAccessKeyId.NotFound", "InvalidTimeStamp.Expired", "SignatureNonceUsed",
    ):  # fmt: skip
        assert catalog.lookup(code) is not None, code
    assert catalog.lookup("Throttling").throttled and catalog.lookup("Throttling.User").throttled
    assert catalog.lookup("InvalidDomain.NotFound").http == (404,)
