"""One day of one metric packed into bytes: the bucket grid as runs, the values as zig-zag deltas of one
fixed width per row.

A full day of 5-minute buckets is a step, one run, the first value and 287 deltas of the width the largest
needs: ~4 bytes a bucket for a noisy Gbps curve, ~8 bytes a point for bandwidth and traffic together
(operations.md §3c: one row per point costs ~23). Fixed-width deltas decode in C (`array`) and
`itertools.accumulate`, so reading a 24 h window of a thousand domains at start takes a fraction of a second;
per-value varints cost the same bytes on this data but ten times the CPU. Values are whole numbers: bytes
are exact, bandwidth is kept to the bit per second.

Format 2 (format 1, the varint layout, is read by `decode_v1` for the history's migration 2 -> 3):
    0x02, varint count, [varint step, varint base, varint n_runs, n_runs x (varint gap, varint length),
    varint zigzag(first value), varint zigzag(last value), byte width, (count - 1) deltas: low 32 bits ('I' array, when width >= 4)
    then the high part ('B'/'H'/'I' array), or one 'B'/'H' array for widths 1 and 2]
"""

from __future__ import annotations

import sys
from array import array
from bisect import bisect_left
from itertools import accumulate
from math import gcd
from operator import sub

FORMAT = 2
_WIDTHS = (1, 2, 4, 5, 6, 8)
_LOW = {1: "B", 2: "H", 4: "I"}
_HIGH = {5: "B", 6: "H", 8: "I"}
_BIG = sys.byteorder == "big"


class CodecError(ValueError):
    """Bytes that are not a packed day (a damaged or foreign row)."""


def _put(out: bytearray, n: int) -> None:
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)


def _zigzag(n: int) -> int:
    return (n << 1) if n >= 0 else ((-n << 1) - 1)


def _unzigzag(n: int) -> int:
    return (n >> 1) if not n & 1 else -((n + 1) >> 1)


def _arr(code: str, items) -> bytes:
    a = array(code, items)
    if _BIG:
        a.byteswap()
    return a.tobytes()


def _unarr(code: str, data: bytes) -> array:
    a = array(code)
    a.frombytes(data)
    if _BIG:
        a.byteswap()
    return a


def _grid(out: bytearray, offsets: list[int]) -> None:
    diffs = set(map(int.__sub__, offsets[1:], offsets))
    step = gcd(*diffs) if diffs else 1
    base = offsets[0] % step
    if len(diffs) <= 1:  # one unbroken run: the usual day
        for n in (step, base, 1, offsets[0] // step, len(offsets)):
            _put(out, n)
        return
    runs: list[tuple[int, int]] = []
    prev_end = 0
    run_start, length = offsets[0] // step, 1
    for a, b in zip(offsets, offsets[1:]):
        if b - a == step:
            length += 1
        else:
            runs.append((run_start - prev_end, length))
            prev_end = run_start + length
            run_start, length = b // step, 1
    runs.append((run_start - prev_end, length))
    for n in (step, base, len(runs)):
        _put(out, n)
    for gap, n in runs:
        _put(out, gap)
        _put(out, n)


def encode(offsets: list[int], values: list[int]) -> bytes:
    """`offsets`: seconds since the day's start, ascending, unique; `values`: whole numbers, same length."""
    if len(offsets) != len(values):
        raise ValueError("offsets and values differ in length")
    out = bytearray((FORMAT,))
    _put(out, len(offsets))
    if not offsets:
        return bytes(out)
    _grid(out, offsets)
    _put(out, _zigzag(values[0]))
    _put(out, _zigzag(values[-1]))  # lets `append` add buckets without decoding the row
    zz = [(d << 1) if d >= 0 else ((-d << 1) - 1) for d in map(int.__sub__, values[1:], values)]
    top = max(zz, default=0)
    width = next((w for w in _WIDTHS if top < 1 << (8 * w)), None)
    if width is None:
        raise ValueError("a change between two buckets beyond 64 bits")
    out.append(width)
    if width in _LOW:
        out += _arr(_LOW[width], zz)
    else:
        out += _arr("I", [z & 0xFFFFFFFF for z in zz])
        out += _arr(_HIGH[width], [z >> 32 for z in zz])
    return bytes(out)


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    """(value, position after it): a function, not a method, on the hot paths (append, decode)."""
    try:
        byte = data[pos]
        if byte < 0x80:
            return byte, pos + 1
        result, shift = byte & 0x7F, 7
        while True:
            pos += 1
            byte = data[pos]
            result |= (byte & 0x7F) << shift
            if byte < 0x80:
                return result, pos + 1
            shift += 7
            if shift > 70:
                raise CodecError("damaged varint")
    except IndexError:
        raise CodecError("truncated varint") from None


class _Reader:
    __slots__ = ("data", "pos")

    def __init__(self, data: bytes, pos: int = 0) -> None:
        self.data = data
        self.pos = pos

    def varint(self) -> int:
        data, pos, shift, result = self.data, self.pos, 0, 0
        while True:
            if pos >= len(data) or shift > 70:
                raise CodecError("truncated or damaged varint")
            byte = data[pos]
            pos += 1
            result |= (byte & 0x7F) << shift
            if not byte & 0x80:
                self.pos = pos
                return result
            shift += 7

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise CodecError("truncated")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk


def _read_grid(r: _Reader, count: int) -> list[int]:
    if count > 86400:
        raise CodecError("more buckets than seconds in a day")
    step, base, n_runs = r.varint(), r.varint(), r.varint()
    if step == 0 or n_runs > count:
        raise CodecError("bad grid")
    offsets: list[int] = []
    cursor = 0
    for _ in range(n_runs):
        gap, n = r.varint(), r.varint()
        if n > count:
            raise CodecError("bad grid")
        cursor += gap
        offsets.extend(range(base + cursor * step, base + (cursor + n) * step, step))
        cursor += n
    if len(offsets) != count:
        raise CodecError("grid does not match the bucket count")
    return offsets


def _header(data: bytes) -> tuple[int, list[int], int, int, int, int]:
    """(count, offsets, first, last, width, body position) of a format-2 row with count > 0."""
    r = _Reader(data, 1)
    count = r.varint()
    if count == 0:
        return 0, [], 0, 0, 0, r.pos
    offsets = _read_grid(r, count)
    first, pos = _varint(data, r.pos)
    last, pos = _varint(data, pos)
    if pos >= len(data):
        raise CodecError("truncated")
    return count, offsets, _unzigzag(first), _unzigzag(last), data[pos], pos + 1


def _zigzags(data: bytes, body: int, width: int, lo: int, hi: int, n: int):
    """Deltas lo..hi-1 (of n) still zig-zagged, as an array or a list."""
    if width in _LOW:
        end = body + n * width
        if end != len(data):
            raise CodecError("trailing bytes" if end < len(data) else "truncated")
        return _unarr(_LOW[width], data[body + lo * width : body + hi * width])
    if width in _HIGH:
        low_end = body + n * 4
        end = low_end + n * (width - 4)
        if end != len(data):
            raise CodecError("trailing bytes" if end < len(data) else "truncated")
        low = _unarr("I", data[body + lo * 4 : body + hi * 4])
        high = _unarr(_HIGH[width], data[low_end + lo * (width - 4) : low_end + hi * (width - 4)])
        return [a | (b << 32) for a, b in zip(low, high)]
    raise CodecError("bad width")


def decode(data: bytes, lo: int | None = None, hi: int | None = None) -> tuple[list[int], list[int]]:
    """The row's (offsets, values); with `lo`/`hi`, only the buckets with lo <= offset < hi, decoding only
    those deltas: forward from the first value or backward from the last, whichever is shorter (a 24 h window
    takes the tail of one day row and the head of the next)."""
    if not data or data[0] != FORMAT:
        raise CodecError("not a packed day of this format")
    count, offsets, first, last, width, body = _header(data)
    if count == 0:
        if body != len(data):
            raise CodecError("trailing bytes")
        return [], []
    n = count - 1
    i = 0 if lo is None else bisect_left(offsets, lo)
    j = count if hi is None else bisect_left(offsets, hi)
    if i >= j:
        _zigzags(data, body, width, 0, 0, n)  # still checks the row's length
        return [], []
    if j <= count - i:  # forward: values 0..j-1 from the first
        zz = _zigzags(data, body, width, 0, j - 1, n)
        values = list(accumulate([(z >> 1) ^ -(z & 1) for z in zz], initial=first))[i:j]
    else:  # backward: values i..count-1 from the last
        zz = _zigzags(data, body, width, i, n, n)
        back = list(accumulate([(z >> 1) ^ -(z & 1) for z in reversed(zz)], sub, initial=last))
        back.reverse()
        values = back[: j - i]
    return offsets[i:j], values


def append(data: bytes, offsets: list[int], values: list[int]) -> bytes | None:
    """`data` with buckets added after its newest one, without decoding it: the day row of a running livetop
    grows by a bucket every few minutes. None when that does not apply (a bucket not after the newest, off the
    row's grid, or a change wider than the row's width): then decode, merge and encode."""
    if not offsets or not data or data[0] != FORMAT:
        return None
    try:
        count, pos = _varint(data, 1)
        if count < 2:
            return None  # one bucket says nothing of the grid's step: encode afresh
        step, pos = _varint(data, pos)
        base, pos = _varint(data, pos)
        n_runs, pos = _varint(data, pos)
        runs = []
        for _ in range(n_runs):
            gap, pos = _varint(data, pos)
            length, pos = _varint(data, pos)
            runs.append((gap, length))
        first_raw_start = pos
        _, first_raw_end = _varint(data, pos)
        raw_last, pos = _varint(data, first_raw_end)
        width = data[pos]
    except (CodecError, IndexError):
        return None  # damaged: the caller decodes (and replaces what it cannot read)
    cursor = sum(g + n for g, n in runs)
    last_offset = base + (cursor - 1) * step
    last = _unzigzag(raw_last)
    body = pos + 1
    if width not in _LOW and width not in _HIGH:
        return None
    for o in offsets:
        if o <= last_offset or (o - base) % step:
            return None
        last_offset = o
    previous = last
    zz = []
    for v in values:
        d = v - previous
        zz.append((d << 1) if d >= 0 else ((-d << 1) - 1))
        previous = v
    if max(zz) >= 1 << (8 * width):
        return None
    # The runs: extend the last one while buckets follow on, else new runs.
    prev = base + (cursor - 1) * step
    for o in offsets:
        slot = (o - base) // step
        if o - prev == step:
            g, n = runs[-1]
            runs[-1] = (g, n + 1)
        else:
            runs.append((slot - cursor, 1))
        cursor = slot + 1
        prev = o
    out = bytearray((FORMAT,))
    _put(out, count + len(offsets))
    for n in (step, base, len(runs)):
        _put(out, n)
    for g, n in runs:
        _put(out, g)
        _put(out, n)
    out += data[first_raw_start:first_raw_end]  # the first value, as it was
    _put(out, _zigzag(values[-1]))
    out.append(width)
    n_old = count - 1
    if width in _LOW:
        out += data[body:]
        out += _arr(_LOW[width], zz)
    else:
        low_end = body + n_old * 4
        out += data[body:low_end]
        out += _arr("I", [z & 0xFFFFFFFF for z in zz])
        out += data[low_end:]
        out += _arr(_HIGH[width], [z >> 32 for z in zz])
    return bytes(out)


def decode_v1(data: bytes) -> tuple[list[int], list[int]]:
    """Format 1 (varint deltas from zero, no format byte), written by the first history release."""
    r = _Reader(data)
    count = r.varint()
    if count == 0:
        return [], []
    offsets = _read_grid(r, count)
    values: list[int] = []
    previous = 0
    for _ in range(count):
        previous += _unzigzag(r.varint())
        values.append(previous)
    if r.pos != len(data):
        raise CodecError("trailing bytes")
    return offsets, values


def encode_v1(offsets: list[int], values: list[int]) -> bytes:
    """Format 1, kept only so the migration test can write a file as the first release did."""
    out = bytearray()
    _put(out, len(offsets))
    if not offsets:
        return bytes(out)
    _grid(out, offsets)
    previous = 0
    for v in values:
        _put(out, _zigzag(v - previous))
        previous = v
    return bytes(out)
