"""The one reading of vendor JSON (livetop/vendors/body.py), and every parser going through it: a body that
is too large, not UTF-8, not JSON, nested too deep or of the wrong type ends as that parser's decoded error."""

from __future__ import annotations

import json
import random
from decimal import Decimal

import pytest
from fuzz_targets import PARSERS
from fuzzgen import SECRET, ParserTarget, RandomChooser, check_target, to_json

from livetop.model import VendorError
from livetop.vendors.body import MAX_BODY_BYTES, BodyError, json_number, json_object, load_json
from livetop.vendors.catalog import answer_object, decode

DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.mark.parametrize(
    "body, detail, unreadable",
    [
        (b"{", "is not JSON", True),
        (b"<html>502</html>", "is not JSON", True),
        (b"", "is not JSON", True),
        (b'{"a": "\xff"}', "not UTF-8", True),
        (b"\xef\xbb\xbf{}", "is not JSON", True),  # RFC 8259 §8.1: no byte order mark
        ('{"a": 1}'.encode("utf-16"), "not UTF-8", True),
        (b'{"a": ' + b"9" * 5000 + b"}", "is not JSON", True),  # more digits than int() reads
        (DEEP, "nested too deep", True),
        (b'{"a": ' * 50_000 + b"1" + b"}" * 50_000, "nested too deep", True),
        (b"[1, 2]", "not a JSON object but an array", False),
        (b"null", "not a JSON object but null", False),
        (b"1.5", "not a JSON object but a number", False),
        (b'"x"', "not a JSON object but a string", False),
        (b" " * MAX_BODY_BYTES + b"{}", "more than any answer", False),
    ],
)
def test_every_way_a_body_is_no_json_object_is_one_error(body, detail, unreadable):
    with pytest.raises(BodyError) as caught:
        json_object(body)
    assert detail in str(caught.value)
    assert caught.value.unreadable is unreadable


def test_a_body_at_the_cap_is_read():
    body = b'{"a": 1}'
    assert json_object(body + b" " * (MAX_BODY_BYTES - len(body))) == {"a": 1}


def test_decimals_keep_fractions_exact_and_ints_stay_ints():
    doc = json_object(b'{"bw": 6.1, "n": 7, "e": 1e999999}', decimals=True)
    assert doc == {"bw": Decimal("6.1"), "n": 7, "e": Decimal("1e999999")}
    assert type(doc["n"]) is int
    assert json_object(b'{"bw": 6.1}') == {"bw": 6.1}


def test_lenient_keys_forgive_bytes_that_are_not_utf8_only_there():
    gbk = '"成功"'.encode("gbk")
    doc = json_object(b'{"msg": ' + gbk + b', "data": [1]}', lenient_keys=("msg",))
    assert doc["data"] == [1] and "\ufffd" in doc["msg"]
    with pytest.raises(BodyError, match="outside the message"):
        json_object(b'{"msg": "ok", "data": [' + gbk + b"]}", lenient_keys=("msg",))
    with pytest.raises(BodyError, match="not UTF-8"):
        json_object(b'{"msg": ' + gbk + b"}")


def test_load_json_takes_any_top_level():
    assert load_json(b"[1]") == [1] and load_json(b"null") is None


def test_answer_object_is_malformed_unless_the_vendor_reads_unreadable_bodies_itself():
    def catalog() -> VendorError:
        raise AssertionError("not for this body")

    with pytest.raises(VendorError) as caught:
        answer_object(b"{", "huawei", 200, "bandwidth")
    error = caught.value.error
    assert (error.code, error.kind) == ("MALFORMED", "malformed")
    assert error.raw_message == "the bandwidth answer is not JSON"
    # A body of another type is a shape error even where the catalog reads unreadable bodies.
    with pytest.raises(VendorError) as caught:
        answer_object(b"[]", "jdcloud", 200, "traffic", unreadable=catalog)
    assert caught.value.error.raw_message == "the traffic answer is not a JSON object but an array"
    sentinel = VendorError(caught.value.error)
    with pytest.raises(VendorError) as caught:
        answer_object(b"<html>", "jdcloud", 200, "traffic", unreadable=lambda: sentinel)
    assert caught.value is sentinel


# --- every parser, through the helper ----------------------------------------------------------------------

HOSTILE = {
    "deep": DEEP,
    "deep object": b'{"a": ' * 50_000 + b"1" + b"}" * 50_000,
    "over the cap": b"[" + b"0," * (MAX_BODY_BYTES // 2) + b"0]",
    "padded past the cap": b" " * MAX_BODY_BYTES + b"{}",
    "utf-16": '{"a": 1}'.encode("utf-16"),
    "bom": b"\xef\xbb\xbf{}",
    "array": b"[]",
    "null": b"null",
    "digits": b'{"a": ' + b"9" * 5000 + b"}",
    "echoed secret": json.dumps({"error": SECRET, SECRET: [SECRET]}).encode(),
}


@pytest.mark.parametrize("target", PARSERS, ids=lambda t: t.name.replace(" ", "-"))
@pytest.mark.parametrize("kind", HOSTILE)
def test_every_parser_turns_a_hostile_body_into_its_decoded_error(target: ParserTarget, kind: str):
    check_target(target, HOSTILE[kind])  # a result it accepts, or its documented error; nothing else
    if target.errors:  # the error decoder never raises: it decodes
        with pytest.raises(target.errors):
            target.parse(HOSTILE[kind])


@pytest.mark.parametrize("vendor", ["huawei", "jdcloud", "tencent", "alibaba"])
def test_an_error_answer_past_the_cap_is_decoded_without_being_parsed(vendor):
    # Parsed, this array held the event loop ~10 s of CPU in the decoder: every domain stopped updating.
    error = decode(vendor, 429, HOSTILE["over the cap"], {"Retry-After": "30"}, secrets=(SECRET,))
    assert (error.kind, error.title, error.code) == ("transport", "oversized answer", "HTTP 429")
    assert error.throttled and error.retry_after == 30.0 and f"{MAX_BODY_BYTES:,}" in error.meaning
    # No excerpt (a cut could split a secret): how large it was, in the one wording (body.oversized_detail).
    size = len(HOSTILE["over the cap"])
    assert error.raw_message == f"the body is {size:,} bytes, more than any answer (cap {MAX_BODY_BYTES:,})"


@pytest.mark.parametrize("target", [t for t in PARSERS if t.errors], ids=lambda t: t.name.replace(" ", "-"))
def test_every_parser_refuses_a_good_answer_padded_past_the_cap(target: ParserTarget):
    good = to_json(target.valid_doc(RandomChooser(random.Random(7)))).encode()
    check_target(target, good)
    target.parse(good)  # read as it stands
    with pytest.raises(target.errors) as caught:
        target.parse(good + b" " * MAX_BODY_BYTES)
    assert "more than any answer" in caught.value.error.raw_message


@pytest.mark.parametrize(
    "value, strings, expected",
    [
        (7, False, Decimal(7)),
        (Decimal("6.1"), False, Decimal("6.1")),
        (Decimal("0"), False, Decimal(0)),
        (Decimal("-0.5"), False, None),
        (Decimal("1e999999"), False, Decimal("1e999999")),  # finite: the caller checks it fits a float
        (True, False, None),
        (float("nan"), False, None),
        (float("inf"), False, None),
        (1.5, False, None),  # a float means the document was not read with decimals=True
        ("12", False, None),
        ("12", True, Decimal(12)),
        (" 6.10 ", True, Decimal("6.10")),
        ("NaN", True, None),
        ("-1", True, None),
        ("1" * 65, True, None),
        ("", True, None),
        ("abc", True, None),
        (None, True, None),
    ],
)
def test_json_number_is_a_non_negative_finite_decimal_or_none(value, strings, expected):
    assert json_number(value, strings=strings) == expected
