"""Answers larger than any a vendor sends, streamed as they are written and never built in memory.

A broken proxy, a misrouted endpoint or a hostile server can answer with gigabytes; these faults let the
simulator do so, so livetop's refusal is tested over real HTTP (livetop.httpread):

- `huge_length`: a Content-Length of `huge_bytes` declared up front, then that many bytes.
- `huge_chunked`: chunked transfer, no length, `huge_bytes` bytes (the default is endless for any client).
- `huge_gzip`: `Content-Encoding: gzip`, a valid gzip stream that inflates to `huge_bytes` (rounded up to a
  MiB) from about a thousandth of that on the wire: a gzip bomb.
- `encoding_br`: a small JSON body labelled `Content-Encoding: br`, whatever the request's Accept-Encoding
  (as a proxy recompressing answers might): a client must refuse it, not decode it.
- `trickle`: a small answer that never finishes in time: the head at once, then one byte of the body every
  `trickle_every` seconds (`huge_bytes` of them), so no single read waits long enough to time out.

Every variant answers HTTP 200, as a gateway in between would, and starts like a JSON answer. The body is a
fixed block written again and again (the gzip one is precompressed once: after a full flush, deflate
compresses each equal block to equal bytes), so serving one costs the server next to nothing. `HugeAnswers`
counts what the server got written (`sent`: bytes on the wire; `inflated`: what the gzip bytes written
inflate to), so a test asserts what a client could have read.
"""

from __future__ import annotations

import asyncio
import struct
import zlib
from collections import Counter
from collections.abc import AsyncIterator
from functools import cache
from typing import TYPE_CHECKING

from livetop.sim.http11 import Response

if TYPE_CHECKING:
    from livetop.sim.context import SimContext

FAULT_HUGE_LENGTH = "huge_length"
FAULT_HUGE_CHUNKED = "huge_chunked"
FAULT_HUGE_GZIP = "huge_gzip"
FAULT_TRICKLE = "trickle"
FAULT_ENCODING_BR = "encoding_br"
HUGE_FAULTS = (FAULT_HUGE_LENGTH, FAULT_HUGE_CHUNKED, FAULT_HUGE_GZIP, FAULT_TRICKLE, FAULT_ENCODING_BR)

_PREFIX = b'{"data": ['
_BLOCK = b"0," * (32 << 10)  # 64 KiB a write
_GZIP_BLOCK = b" " * (1 << 20)  # one MiB of JSON whitespace a write, ~1 KB compressed
# The gzip trailer's last block: a final, empty fixed-Huffman block (byte-aligned after a full flush).
_DEFLATE_END = b"\x03\x00"


class HugeAnswers:
    """The simulator's huge answers, and what the server has written of them so far."""

    def __init__(self) -> None:
        self.answers: Counter[str] = Counter()  # fault -> answers begun
        self.sent: Counter[str] = Counter()  # fault -> body bytes the server got written (gzip: compressed)
        self.inflated = 0  # what the gzip bytes written inflate to

    def reset(self) -> None:
        self.answers.clear()
        self.sent.clear()
        self.inflated = 0

    def response(self, fault: str, size: int, status: int = 200, every: float = 1.0) -> Response:
        """The answer of a huge fault, `size` bytes (inflated, for the gzip bomb; a trickle's one byte
        every `every` seconds)."""
        self.answers[fault] += 1
        if fault == FAULT_ENCODING_BR:
            return Response(status, b'{"data": []}', headers=[("Content-Encoding", "br")])
        if fault == FAULT_TRICKLE:
            return Response(status, stream=self._trickle(size, every))
        if fault == FAULT_HUGE_GZIP:
            blocks = max(1, -(-size // len(_GZIP_BLOCK)))
            return Response(status, headers=[("Content-Encoding", "gzip")], stream=self._gzip(blocks))
        if fault == FAULT_HUGE_LENGTH:
            return Response(status, stream=self._plain(fault, size), length=size)
        if fault == FAULT_HUGE_CHUNKED:
            return Response(status, stream=self._plain(fault, size))
        raise ValueError(f"not a huge-answer fault: {fault!r}")

    async def _plain(self, fault: str, size: int) -> AsyncIterator[bytes]:
        left = size
        chunk = _PREFIX[:left]
        while chunk:
            yield chunk
            self.sent[fault] += len(chunk)  # resumed: the server wrote it
            left -= len(chunk)
            chunk = _BLOCK[:left]

    async def _trickle(self, size: int, every: float) -> AsyncIterator[bytes]:
        for i in range(size):
            yield b"{" if i == 0 else b" "  # JSON that never ends
            self.sent[FAULT_TRICKLE] += 1
            await asyncio.sleep(every)  # wall-clock on purpose: the slowness is what is being tested

    async def _gzip(self, blocks: int) -> AsyncIterator[bytes]:
        first, again = _gzip_blocks()
        crc = 0
        for i in range(blocks):
            chunk = first if i == 0 else again
            crc = zlib.crc32(_GZIP_BLOCK, crc)
            yield chunk
            self.sent[FAULT_HUGE_GZIP] += len(chunk)
            self.inflated += len(_GZIP_BLOCK)
        trailer = _DEFLATE_END + struct.pack("<II", crc, (blocks * len(_GZIP_BLOCK)) & 0xFFFFFFFF)
        yield trailer
        self.sent[FAULT_HUGE_GZIP] += len(trailer)


@cache
def _gzip_blocks() -> tuple[bytes, bytes]:
    """(gzip header + the first block, every later block), compressed once."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    first = compressor.compress(_GZIP_BLOCK) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(_GZIP_BLOCK) + compressor.flush(zlib.Z_FULL_FLUSH)
    if compressor.compress(_GZIP_BLOCK) + compressor.flush(zlib.Z_FULL_FLUSH) != again:
        raise RuntimeError("zlib does not compress equal blocks equally after a full flush")
    return first, again


def huge_answers(ctx: SimContext) -> HugeAnswers:
    """The simulator's one HugeAnswers (what its huge answers have sent so far)."""
    return ctx.service("huge", HugeAnswers)


def huge_answer(ctx: SimContext, fault: str | None) -> Response | None:
    """The answer of a huge-answer fault (any vendor API: a gateway in between sends it), else None."""
    if fault not in HUGE_FAULTS:
        return None
    return huge_answers(ctx).response(fault, ctx.scenario.huge_bytes, every=ctx.scenario.trickle_seconds)
