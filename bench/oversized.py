"""What a hostile, oversized vendor answer costs: CPU of one call of each reader (the error decoder of every
vendor, and each success parser) on a body just past `vendors.body.MAX_BODY_BYTES`, beside the anchors in the
same run, which are what the readers did before the cap: `json.loads` of the body (every parser's first
step), and each vendor's error decoder with the cap lifted.

    .venv/bin/python bench/oversized.py            # about a minute, most of it the anchors

One markdown table to stdout. The time is this thread's CPU time, so a loaded machine does not inflate it.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

if __name__ == "__main__":
    # Run as a script, this folder is sys.path[0], where bench/tty.py would shadow the standard `tty` module.
    root = Path(__file__).resolve().parent.parent
    sys.path[0] = str(root)
    sys.path.insert(1, str(root / "tests"))

from livetop.vendors.body import MAX_BODY_BYTES


def _cpu(call) -> tuple[float, str]:
    began = time.thread_time()
    try:
        outcome = call()
        what = (
            f"{type(outcome).__name__}: {outcome.title}"
            if hasattr(outcome, "title")
            else type(outcome).__name__
        )
    except Exception as exc:  # noqa: BLE001 - a reader's documented error is an outcome here
        error = getattr(exc, "error", None)
        what = f"{type(exc).__name__}: {error.title}" if error is not None else type(exc).__name__
    return time.thread_time() - began, what


def main() -> int:
    from fuzz_targets import PARSERS

    from livetop.vendors import catalog

    # An array of zeros: cheap to send, and the most objects per byte a parser has to build.
    body = b"[" + b"0," * (MAX_BODY_BYTES // 2) + b"0]"
    vendors = ("huawei", "jdcloud", "tencent", "alibaba")
    rows = [("anchor: json.loads of the body", *_cpu(lambda: json.loads(body)))]
    catalog.MAX_BODY_BYTES = 1 << 62  # the decoder as it was: it parsed, re-serialised and redacted the body
    try:
        for vendor in vendors:
            rows.append((f"anchor: {vendor} error decoder without the cap", *_cpu(
                lambda v=vendor: catalog.decode(v, 429, body))))  # fmt: skip
    finally:
        catalog.MAX_BODY_BYTES = MAX_BODY_BYTES
    for vendor in vendors:
        rows.append(
            (f"{vendor} error decoder, HTTP 429", *_cpu(lambda v=vendor: catalog.decode(v, 429, body)))
        )
    for target in PARSERS:
        if target.errors:
            rows.append((f"{target.name} parser, HTTP 200", *_cpu(lambda t=target: t.parse(body))))
    print(f"body: {len(body):,} bytes (cap {MAX_BODY_BYTES:,})\n")
    print("| reader | CPU s | outcome |\n|---|---|---|")
    for name, seconds, what in rows:
        print(f"| {name} | {seconds:.3f} | {what} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
