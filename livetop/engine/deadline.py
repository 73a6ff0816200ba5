"""The hard deadline of a one-shot poll (`snapshot`, a Nagios-style `check`): the error a domain gets when
the deadline comes first, and why it was still awaited. See `Engine.poll_all_once(timeout=...)`."""

from __future__ import annotations

from contextvars import ContextVar
from datetime import timedelta, timezone
from typing import TYPE_CHECKING

from livetop.engine.store import RequestRecord
from livetop.model import DecodedError, VendorError

if TYPE_CHECKING:
    from livetop.clock import Clock
    from livetop.engine.runtime import AccountRuntime, LoopState
    from livetop.engine.store import Store

# True while a one-shot poll asks a domain for the first time: a throttle gate that opens only after the
# deadline holds retries, not first questions, so one domain's long Retry-After does not leave its healthy
# neighbours unasked (issue 9); a gate that opens in time is waited out. The
# token bucket, slowed by the throttling answer, still paces them.
FIRST_ASK: ContextVar[bool] = ContextVar("livetop_first_ask", default=False)

DEADLINE_CODE = "LIVETOP.DEADLINE"


def until_text(clock, seconds: float) -> str:
    """`seconds` from now on `clock`, as a person reads it: `HH:MM UTC`."""
    return (clock.now() + timedelta(seconds=seconds)).astimezone(timezone.utc).strftime("%H:%M UTC")


def deadline_error(
    vendor: str, budget_seconds: float, why: str, last: DecodedError | None = None
) -> DecodedError:
    """A domain a one-shot poll (snapshot, check) gave up on at its hard deadline, and why; `last` is the
    vendor's last answer (shown as the raw message)."""
    raw = ""
    if last is not None:
        status = f"HTTP {last.http_status}, " if last.http_status else ""
        raw = f"last answer: {last.code} {last.title} ({status}{last.vendor})"
        raw += f": {last.raw_message}" if last.raw_message else ""
    return DecodedError(
        vendor=vendor,
        code=DEADLINE_CODE,
        http_status=None,
        title="not answered within the deadline",
        meaning=f"Not answered within the deadline of this run ({budget_seconds:g} s): {why}.",
        action="The other domains are reported. Run again later, or give the run more time (--timeout).",
        retryable=True,
        raw_message=raw,
        kind="deadline",
        raw_source="livetop",
    )


class DeadlineReached(VendorError):
    """Raised by the pacer when the account's throttle gate opens only after the one-shot deadline: waiting
    for it could only end in the deadline, so the domain is reported now."""


def late_reason(store: Store, runtime: AccountRuntime, lp: LoopState) -> str:
    """Why a domain was still awaited when the deadline came."""
    if runtime.gate.remaining > 0:
        return f"throttled by the vendor until {runtime.gate_until_text()}"
    if lp.in_flight:
        return "waiting for a slow answer"
    last = store.domain(lp.key)
    code = last.error.code if last is not None and last.error is not None else "an error"
    return f"waiting to retry after {code}"


def record_deadline(
    store: Store,
    clock: Clock,
    runtime: AccountRuntime,
    lp: LoopState,
    budget: float,
    why: str,
    waited: float,
    last: DecodedError | None = None,
) -> None:
    """Put a LIVETOP.DEADLINE error on the domain's row (the vendor's last answer, if any, as its raw text)."""
    if last is None and (known := store.domain(lp.key)) is not None:
        last = known.error
    error = deadline_error(runtime.account.vendor, budget, why, last)
    now = clock.now()
    start, end = lp.last_range or (now, now)
    record = RequestRecord(now, False, None, error.code, waited * 1000, 0, start, end)
    store.record_failure(lp.key, error, record, False)
