"""Reading a vendor's JSON answer, for every parser: bytes in, the JSON document or `BodyError` out.

Each parser used to call `json.loads` with its own list of exceptions, and one list missed RecursionError
(JSON nested thousands deep escaped as a traceback). This is the one list, in the order they are checked:
a body larger than any answer (MAX_BODY_BYTES), bytes that are not UTF-8 (RFC 8259 §8.1: JSON between
systems is UTF-8; no byte order mark), text that is not JSON (also an integer of more digits than Python
reads), JSON nested deeper than Python's stack, and, for `json_object`, a top level that is not an object.

`catalog.answer_object` turns a `BodyError` into the decoded error on the domain's row; `catalog.decode`
refuses an error answer past the same cap before it parses it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

# The largest documented answer is ~2 MB (Huawei v2 detail: 31 days of 1-minute points); a body eight times
# that is no answer. Parsing multiplies a body's size in memory and holds the event loop (a 16 MiB array of
# zeros took ~10 s of CPU in the error decoder), so the cap bounds what a hostile one costs.
MAX_BODY_BYTES = 16 << 20

MAX_NUMBER_CHARS = 64  # a measurement written as a string is a few digits; anything longer is not one

# Top-level types as JSON names them, for a message a person reads.
_JSON_TYPES = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}


class BodyError(ValueError):
    """A body that is no JSON document (or no object). `str()` completes "the bandwidth answer …";
    `unreadable` where the bytes are no JSON text Python can read (not UTF-8, not JSON, too deep), which the
    catalog's decoding of the whole body describes ("HTML error page", "truncated answer")."""

    def __init__(self, detail: str, *, unreadable: bool = False) -> None:
        super().__init__(detail)
        self.unreadable = unreadable


def oversized_detail(
    cap: int = MAX_BODY_BYTES, *, size: int | None = None, read: int = 0, declared: int | None = None
) -> str:
    """The one wording of an answer past the cap, completing "the body …" / "the bandwidth answer …":
    its `size` when it was read whole, its `declared` Content-Length when that alone refused it, else the
    `read` bytes after which reading stopped (livetop.httpread)."""
    if size is not None:
        return f"is {size:,} bytes, more than any answer (cap {cap:,})"
    if declared is not None:
        return f"announced {declared:,} bytes, more than any answer (cap {cap:,}): not read"
    return f"passed {read:,} bytes, more than any answer (cap {cap:,}): reading stopped there"


def load_json(body: bytes, *, decimals: bool = False, lenient_keys: Iterable[str] = ()) -> object:
    """The JSON document in `body`. `decimals`: numbers with a fraction or exponent as Decimal (exact:
    "6.1" Mbps is 6_100_000 bit/s), else float. `lenient_keys`: top-level keys holding only words (JD's
    `msg`), where bytes that are not UTF-8 are replaced rather than refused. Raises BodyError."""
    if len(body) > MAX_BODY_BYTES:
        raise BodyError(oversized_detail(size=len(body)))
    parse_float = Decimal if decimals else float
    lenient = tuple(lenient_keys)
    try:
        try:
            return json.loads(body.decode("utf-8"), parse_float=parse_float)
        except UnicodeDecodeError:
            if not lenient:
                raise BodyError("is not JSON (bytes that are not UTF-8)", unreadable=True) from None
            doc = json.loads(body.decode("utf-8", errors="replace"), parse_float=parse_float)
            rest = {k: v for k, v in doc.items() if k not in lenient} if isinstance(doc, dict) else doc
            if "\ufffd" in repr(rest):
                raise BodyError(
                    "is not JSON (bytes that are not UTF-8 outside the message)", unreadable=True
                ) from None
            return doc
    except RecursionError:
        raise BodyError("is JSON nested too deep to be an answer", unreadable=True) from None
    except BodyError:
        raise
    except ValueError:  # JSONDecodeError, and int() refusing thousands of digits
        raise BodyError("is not JSON", unreadable=True) from None


def json_type(value: object) -> str:
    """A parsed value's type as JSON names it ("an array", "a number")."""
    return _JSON_TYPES.get(type(value), "a number")


def json_object(body: bytes, *, decimals: bool = False, lenient_keys: Iterable[str] = ()) -> dict:
    """`load_json` for an answer whose top level must be an object. Raises BodyError."""
    doc = load_json(body, decimals=decimals, lenient_keys=lenient_keys)
    if not isinstance(doc, dict):
        raise BodyError(f"is not a JSON object but {json_type(doc)}")
    return doc


def json_number(value: object, *, strings: bool = False) -> Decimal | None:
    """A non-negative finite number of a document read with `decimals=True`, else None. Decimal keeps a
    figure exact ("6.1" Mbps is 6_100_000 bit/s); a bool is an int in Python but never a measurement, and
    NaN/Infinity literals (read as floats) are refused. `strings`: a number written as a string of at most
    MAX_NUMBER_CHARS counts too (Alibaba's documented form)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        number = Decimal(value)
    elif strings and isinstance(value, str) and 0 < len(value) <= MAX_NUMBER_CHARS:
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return None
    else:
        return None
    return number if number.is_finite() and number >= 0 else None
