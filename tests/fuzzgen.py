"""Hostile-input generators and the one property every reader of outside input must keep.

Shared by the hypothesis tests (tests/test_fuzz_*.py, a modest number of examples in CI) and by
`bench/fuzz.py` (>= 100,000 bodies per target, seeded `random`). The generators draw every choice from a
`Chooser`, so the same code is driven by hypothesis (which shrinks a failure to a small body) or by a plain
`random.Random` (fast enough for the long run).

A body is a valid document with one thing wrong: one node replaced by a wild value (wrong type, huge,
negative, NaN/Infinity, a number no float can hold, odd strings, edge dates, deep nesting), a key deleted,
duplicated or renamed; then possibly truncated, salted with stray bytes or written in another encoding.
Some bodies stay valid, so the success path is checked too.

The property (`check_target`): the call returns what `target.check` accepts as normalised data, or raises
one of `target.errors` (the documented error type); never anything else; no secret appears in any message;
the call takes well under `SLOW_SECONDS`.

ADDING A PARSER (a new vendor or API): in tests/fuzz_targets.py write

    def _valid_alibaba_bandwidth(ch: Chooser) -> dict:
        return {"RequestId": "r", "BandwidthDataInfos": [...points built with ch.integer(...)...]}

    ALIBABA_BANDWIDTH = ParserTarget(
        name="alibaba bandwidth",
        valid_doc=_valid_alibaba_bandwidth,
        parse=lambda body: parse_bandwidth(200, body, "play.example.com", secrets=SECRETS),
        errors=(VendorError,),
        check=check_samples,  # sorted, aware UTC, on the grid, finite and >= 0
    )

and add it to `TARGETS` there. tests/test_fuzz_parsers.py then runs it in CI and `python bench/fuzz.py`
runs it 100,000 times; nothing else to edit. Put a secret of the account (`SECRET`) in the valid document
wherever the vendor might echo one (a message), and pass it to the parser as `secrets=`.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol, TypeVar

T = TypeVar("T")

# A secret of "the account" in every target: the property fails if it shows up in any message.
SECRET = "Fz9SECRETkq7W3vN0pLx"
SECRETS = (SECRET,)
# Generous on purpose (a healthy call takes well under 10 ms of CPU): this catches a call that goes
# quadratic or loops, not noise. Measured in this thread's CPU time, so a loaded machine (2 cores, many
# test runs at once) cannot fail it by descheduling the process.
SLOW_SECONDS = 2.0


class Chooser(Protocol):
    def integer(self, lo: int, hi: int) -> int: ...

    def choice(self, options: Sequence[T]) -> T: ...

    def text(self, max_size: int) -> str: ...


class RandomChooser:
    """Choices from a seeded `random.Random` (bench/fuzz.py)."""

    ALPHABET = 'az09 -_.:/"\\{}[],\x00\x7f\u00e9\u6210\u529f\ud800\U0001f600\u202e\ufeff\n\t'

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def integer(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def choice(self, options: Sequence[T]) -> T:
        return options[self.rng.randrange(len(options))]

    def text(self, max_size: int) -> str:
        return "".join(self.rng.choice(self.ALPHABET) for _ in range(self.rng.randint(0, max_size)))


class DrawChooser:
    """Choices drawn from hypothesis' `st.data()`, so a failure shrinks to a small example."""

    def __init__(self, data: Any) -> None:
        from hypothesis import strategies as st

        self._data, self._st = data, st

    def integer(self, lo: int, hi: int) -> int:
        return self._data.draw(self._st.integers(lo, hi))

    def choice(self, options: Sequence[T]) -> T:
        return options[self._data.draw(self._st.integers(0, len(options) - 1))]

    def text(self, max_size: int) -> str:
        return self._data.draw(self._st.text(max_size=max_size))


# --- the document tree --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Raw:
    """JSON text written as is: literals Python's json cannot produce (1e999999, -0, deep nesting)."""

    text: str


@dataclass
class Pairs:
    """A JSON object that may repeat a key (a dict cannot)."""

    items: list[tuple[str, Any]]


def to_json(node: Any) -> str:
    if isinstance(node, Raw):
        return node.text
    if isinstance(node, dict):
        node = Pairs(list(node.items()))
    if isinstance(node, Pairs):
        return "{" + ",".join(f"{json.dumps(str(k))}:{to_json(v)}" for k, v in node.items) + "}"
    if isinstance(node, list):
        return "[" + ",".join(to_json(v) for v in node) + "]"
    return json.dumps(node, ensure_ascii=False)


def paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every node's path (keys and indices), the root's being ()."""
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out += paths(value, prefix + (index,))
    return out


def _get(node: Any, path: tuple) -> Any:
    for step in path:
        node = node[step]
    return node


def _copy(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _copy(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_copy(v) for v in node]
    return node


EDGE_TIMES = (
    "0001-01-01 00:00", "0001-01-01 00:04", "9999-12-31 23:59", "9999-12-31 23:55", "0000-00-00 00:00",
    "2026-02-30 10:00", "2026-11-20 24:00", "2026-11-20 10:60", "2026-11-20 10:05:61", " 2026-11-20 10:05 ",
    "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "9999-12-31T23:55:00Z", "2026-11-20T10:05:15Z",
    "2026-11-20T10:05:00+08:00", "2026-11-20T10:05:00.5Z", "1970-01-01T00:00:00Z", "2026-11-20",
    "١٢٣٤-11-20 10:05", "2026-11-20 10:05\x00",
)  # fmt: skip
WILD_LITERALS = (
    "1e999999", "-1e999999", "1e-999999", "NaN", "-NaN", "Infinity", "-Infinity", "-0", "0e0", "1E400",
    "123456789012345678901234567890123456789012345678901234567890", "-1", "0.1e-400", "99999999999999999999.5",
    "[" * 3000 + "]" * 3000, '{"a":' * 3000 + "1" + "}" * 3000,
)  # fmt: skip
WILD_VALUES: tuple = (
    None, True, False, 0, -1, 1, 2**63, 2**64 + 1, 10**400, -(10**400), 0.0, -0.0, 1e308, -1e308, 5e-324,
    "", " ", "0", "-1", "1e999", "NaN", "null", "true", "成功", "\u202e", "\ufeff", "\x00", "\ud800",
    "\U0001f600" * 50, "x" * 20000, [], {}, [None], {"": None}, [[[[[[]]]]]],
    f"your key is {SECRET}", SECRET, {"secret": SECRET}, [SECRET],
)  # fmt: skip
ENCODINGS = ("utf-16", "utf-16-be", "utf-32", "gbk", "gb18030", "latin-1", "cp1252", "shift_jis")
STRAY = (b"\x00", b"\xff", b"\xfe", b"\xc3", b"\x80", b"\xed\xa0\x80", b"\xef\xbb\xbf", b"\r\n", b"}", b'"',
         b",", b"\\", b"\xe6\x88", b"\x1b[2J")  # fmt: skip


def wild_value(ch: Chooser, doc: Any = None) -> Any:
    kind = ch.integer(0, 7)
    if kind == 0:
        return ch.choice(WILD_VALUES)
    if kind == 1:
        return Raw(ch.choice(WILD_LITERALS))
    if kind == 2:
        return ch.choice(EDGE_TIMES)
    if kind == 3:
        return ch.integer(-(2**70), 2**70)
    if kind == 4:
        return ch.integer(-(10**6), 10**6) / ch.choice((1, 3, 7, 1000, 1e-300, 1e300))
    if kind == 5:
        return ch.text(40)
    if kind == 6 and doc is not None:
        # Another node of the same document: the right kind of thing in the wrong place.
        return _copy(_get(doc, ch.choice(paths(doc))))
    return ch.choice((SECRET + ch.text(3), ch.text(3) + " " + SECRET, ch.choice(EDGE_TIMES) + ch.text(2)))


MUTATIONS = ("none", "replace", "replace", "replace", "delete", "duplicate", "rename", "swap_root")


def mutate(ch: Chooser, doc: Any) -> Any:
    """`doc` with one thing wrong (or nothing, sometimes). `doc` is not modified."""
    doc = _copy(doc)
    kind = ch.choice(MUTATIONS)
    if kind == "none":
        return doc
    if kind == "swap_root":
        return wild_value(ch, doc)
    every = paths(doc)
    if kind == "replace":
        path = ch.choice(every)
        if not path:
            return wild_value(ch, doc)
        _get(doc, path[:-1])[path[-1]] = wild_value(ch, doc)
        return doc
    containers = [p for p in every if isinstance(_get(doc, p), dict | list) and _get(doc, p)]
    if not containers:
        return wild_value(ch, doc)
    path = ch.choice(containers)
    parent = _get(doc, path)
    if kind == "delete":
        key = ch.choice(list(parent.keys()) if isinstance(parent, dict) else range(len(parent)))
        del parent[key]
    elif kind == "duplicate":
        if isinstance(parent, list):
            parent.append(_copy(ch.choice(parent)))
        else:
            items = list(parent.items())
            key, value = ch.choice(items)
            items.append((key, ch.choice((value, wild_value(ch, doc)))))
            replacement = Pairs(items)
            if not path:
                return replacement
            _get(doc, path[:-1])[path[-1]] = replacement
    elif kind == "rename" and isinstance(parent, dict):
        items = list(parent.items())
        index = ch.integer(0, len(items) - 1)
        new_key = ch.choice((ch.text(12), ch.choice(EDGE_TIMES), items[index][0].upper(), " " + items[index][0],
                             SECRET))  # fmt: skip
        items[index] = (new_key, items[index][1])
        replacement = Pairs(items)
        if not path:
            return replacement
        _get(doc, path[:-1])[path[-1]] = replacement
    return doc


BYTE_MUTATIONS = ("utf8", "utf8", "utf8", "truncate", "stray", "encode", "bom", "empty")


def to_body(ch: Chooser, node: Any) -> bytes:
    """Serialise, then possibly damage the bytes."""
    text = to_json(node)
    body = text.encode("utf-8", errors="surrogatepass")
    kind = ch.choice(BYTE_MUTATIONS)
    if kind == "truncate":
        return body[: ch.integer(0, max(0, len(body) - 1))]
    if kind == "stray":
        at = ch.integer(0, len(body))
        return body[:at] + ch.choice(STRAY) + body[at:]
    if kind == "encode":
        return text.encode(ch.choice(ENCODINGS), errors="replace")
    if kind == "bom":
        return b"\xef\xbb\xbf" + body
    if kind == "empty":
        return ch.choice((b"", b" ", b"\n", b"null", b"0", b'""'))
    return body


def body_for(ch: Chooser, valid_doc: Callable[[Chooser], Any]) -> bytes:
    return to_body(ch, mutate(ch, valid_doc(ch)))


# --- the property -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParserTarget:
    """One function that reads outside bytes. `parse(body)` -> result, or raises one of `errors`."""

    name: str
    valid_doc: Callable[[Chooser], Any]
    parse: Callable[[bytes], Any]
    errors: tuple[type[BaseException], ...]
    check: Callable[[Any], None] = lambda result: None
    secrets: tuple[str, ...] = SECRETS
    # Text of a raised error to search for secrets, when str(exc) is not where the message lives.
    messages: Callable[[BaseException], list[str]] = field(default=lambda exc: error_texts(exc))
    body: Callable[[Chooser, Callable[[Chooser], Any]], bytes] = body_for


class PropertyBroken(AssertionError):
    """The property does not hold for one body."""


def error_texts(exc: BaseException) -> list[str]:
    """Every string an error carries: its text and, for a VendorError, each field of the decoded error."""
    texts = [str(exc)]
    error = getattr(exc, "error", None)
    if error is not None:
        texts += strings_of(error)
    return texts


def strings_of(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if is_dataclass(value) and not isinstance(value, type):
        return [s for f in fields(value) for s in strings_of(getattr(value, f.name))]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in strings_of(k) + strings_of(v)]
    if isinstance(value, list | tuple | set | frozenset):
        return [s for v in value for s in strings_of(v)]
    return []


def assert_no_secret(texts: list[str], secrets: Sequence[str], where: str) -> None:
    for text in texts:
        for secret in secrets:
            if secret and secret in text:
                raise PropertyBroken(f"{where}: a secret appears in {text[:200]!r}")


def check_target(target: ParserTarget, body: bytes) -> float:
    """Run the property on one body; raise PropertyBroken (with the body) when it fails. Returns the call's
    CPU seconds."""
    began = time.thread_time()
    try:
        result = target.parse(body)
    except target.errors as exc:
        elapsed = time.thread_time() - began
        assert_no_secret(target.messages(exc), target.secrets, f"{target.name}: error for {body[:300]!r}")
    except Exception as exc:  # noqa: BLE001 - the point: nothing else may escape
        raise PropertyBroken(f"{target.name}: {type(exc).__name__}: {exc} for body {body[:300]!r}") from exc
    else:
        elapsed = time.thread_time() - began
        try:
            target.check(result)
        except AssertionError as exc:
            raise PropertyBroken(f"{target.name}: not normalised ({exc}) for body {body[:300]!r}") from exc
        assert_no_secret(strings_of(result), target.secrets, f"{target.name}: result for {body[:300]!r}")
    if elapsed > SLOW_SECONDS:
        raise PropertyBroken(f"{target.name}: took {elapsed:.2f} s of CPU for a {len(body)}-byte body")
    return elapsed


def fuzz_settings(**overrides: Any):
    """hypothesis settings for a fuzz property: `ci_examples()` examples, no hypothesis deadline
    (`check_target` times the call itself, not the generation), no example database (CI starts clean)."""
    from hypothesis import HealthCheck, settings

    return settings(
        max_examples=ci_examples(),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        database=None,
        **overrides,
    )


def ci_examples() -> int:
    """Examples per property in the test suite: modest by default (2 cores, the whole suite must stay fast);
    LIVETOP_FUZZ_EXAMPLES raises it for a longer local run."""
    import os

    try:
        return max(1, int(os.environ.get("LIVETOP_FUZZ_EXAMPLES", "100")))
    except ValueError:
        return 100


# --- checks of normalised data ------------------------------------------------------------------------------


def check_instant(when: datetime, grid_seconds: int | None = None) -> None:
    assert isinstance(when, datetime), f"{when!r} is not a datetime"
    assert when.tzinfo is not None and when.utcoffset() == timedelta(0), f"{when!r} is not aware UTC"
    if grid_seconds:
        assert int(when.timestamp()) % grid_seconds == 0 and when.microsecond == 0, f"{when} is off the grid"


def check_measure(value: Any, integral: bool = False) -> None:
    if integral:
        assert isinstance(value, int) and not isinstance(value, bool), f"{value!r} is not an int"
        assert value >= 0 and math.isfinite(float(value)), f"{value!r} is not a finite count"
    else:
        assert isinstance(value, float), f"{value!r} is not a float"
        assert math.isfinite(value) and value >= 0, f"{value!r} is not finite and >= 0"


def check_samples(samples: Any, grid_seconds: int | None = 300) -> None:
    """A list of Sample: strictly increasing aware-UTC bucket starts on the grid, finite values >= 0."""
    assert isinstance(samples, list), f"{type(samples).__name__} is not a list"
    starts = [s.bucket_start for s in samples]
    assert starts == sorted(set(starts)), "bucket starts are not strictly increasing"
    for sample in samples:
        check_instant(sample.bucket_start, grid_seconds)
        check_measure(sample.value)


def near(ch: Chooser, anchor: datetime, step_seconds: int = 300, spread: int = 48) -> datetime:
    """A bucket start within `spread` buckets of `anchor` (which is on the grid)."""
    return anchor + timedelta(seconds=step_seconds * ch.integer(-spread, spread))


ANCHOR = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
