"""One day of one metric packed into bytes: the bucket grid as runs, the values as zig-zag varint deltas.

A full day of 5-minute buckets is a step, one run and 288 small deltas: ~8 bytes a point for bandwidth and
traffic together (operations.md §3c: a row per point costs ~23). Values are whole numbers: bytes are exact,
bandwidth is kept to the bit per second.
"""

from __future__ import annotations

from math import gcd


def _put(out: bytearray, n: int) -> None:
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)


def _zigzag(n: int) -> int:
    return (n << 1) if n >= 0 else ((-n << 1) - 1)


def _unzigzag(n: int) -> int:
    return (n >> 1) if not n & 1 else -((n + 1) >> 1)


class CodecError(ValueError):
    """Bytes that are not a packed day (a damaged or foreign row)."""


def encode(offsets: list[int], values: list[int]) -> bytes:
    """`offsets`: seconds since the day's start, ascending, unique; `values`: whole numbers, same length."""
    if len(offsets) != len(values):
        raise ValueError("offsets and values differ in length")
    out = bytearray()
    if not offsets:
        _put(out, 0)
        return bytes(out)
    step = 0
    for a, b in zip(offsets, offsets[1:]):
        step = gcd(step, b - a)
    step = step or 1
    # The grid as runs of consecutive buckets: (gap in steps since the previous run's end, run length).
    runs: list[tuple[int, int]] = []
    prev_end = 0
    run_start = offsets[0] // step
    base = offsets[0] % step
    length = 1
    for a, b in zip(offsets, offsets[1:]):
        if b - a == step:
            length += 1
        else:
            runs.append((run_start - prev_end, length))
            prev_end = run_start + length
            run_start, length = b // step, 1
    runs.append((run_start - prev_end, length))
    _put(out, len(offsets))
    _put(out, step)
    _put(out, base)
    _put(out, len(runs))
    for gap, n in runs:
        _put(out, gap)
        _put(out, n)
    previous = 0
    for v in values:
        _put(out, _zigzag(v - previous))
        previous = v
    return bytes(out)


def decode(data: bytes) -> tuple[list[int], list[int]]:
    pos = 0
    size = len(data)

    def get() -> int:
        nonlocal pos
        shift = result = 0
        while True:
            if pos >= size or shift > 70:
                raise CodecError("truncated or damaged varint")
            byte = data[pos]
            pos += 1
            result |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return result
            shift += 7

    count = get()
    if count == 0:
        return [], []
    if count > 86400:
        raise CodecError("more buckets than seconds in a day")
    step, base, n_runs = get(), get(), get()
    if step == 0 or n_runs > count:
        raise CodecError("bad grid")
    offsets: list[int] = []
    cursor = 0
    for _ in range(n_runs):
        gap, n = get(), get()
        cursor += gap
        offsets.extend(base + (cursor + k) * step for k in range(n))
        cursor += n
    if len(offsets) != count:
        raise CodecError("grid does not match the bucket count")
    values: list[int] = []
    previous = 0
    for _ in range(count):
        previous += _unzigzag(get())
        values.append(previous)
    if pos != size:
        raise CodecError("trailing bytes")
    return offsets, values
