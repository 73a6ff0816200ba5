"""Misbehaviour on demand: resolved knobs, seeded dice, and the vendor-neutral broken answers.

Dice are one seeded `random.Random` per account, so a scenario replays the same faults for the same
sequence of requests.
"""

from __future__ import annotations

import random

from livetop.sim.http11 import Response
from livetop.sim.scenario import FaultKnobs, Scenario, SimAccount, SimDomain

FAULT_NOT_OWNED = "not_owned"
FAULT_MALFORMED = "malformed"
FAULT_HTML_502 = "html_502"
FAULT_INTERNAL_500 = "internal_500"
FAULT_THROTTLE = "throttle"
FAULT_TIMEOUT = "timeout"
FAULT_JD_STATUS = "jd_status"
FAULT_CONCURRENCY_500 = "concurrency_500"

# What an nginx-fronted gateway sends when its backend is gone: HTML, not the vendor's JSON.
HTML_502_BODY = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


def html_502() -> Response:
    return Response(502, HTML_502_BODY, content_type="text/html")


class FaultDice:
    def __init__(self, scenario: Scenario) -> None:
        self._scenario = scenario
        self._rngs: dict[str, random.Random] = {}

    def _rng(self, account_name: str) -> random.Random:
        rng = self._rngs.get(account_name)
        if rng is None:
            rng = self._rngs[account_name] = random.Random(f"{self._scenario.seed}/faults/{account_name}")
        return rng

    def reset(self) -> None:
        self._rngs.clear()

    def knobs(self, account: SimAccount | None, domain: SimDomain | None) -> FaultKnobs:
        knobs = self._scenario.knobs
        if account is not None:
            knobs = account.knobs.over(knobs)
        if domain is not None:
            knobs = domain.knobs.over(knobs)
        return knobs

    def latency_seconds(self, account_name: str, knobs: FaultKnobs) -> float:
        base = knobs.latency_ms or 0.0
        jitter = knobs.latency_jitter_ms or 0.0
        if base <= 0 and jitter <= 0:
            return 0.0
        return (base + (self._rng(account_name).random() * jitter if jitter > 0 else 0.0)) / 1000.0

    def roll(self, account_name: str, probability: float | None) -> bool:
        """True with the given probability (never for 0 or None, always for 1)."""
        if not probability:
            return False
        return self._rng(account_name).random() < probability

    def malformed(self, account_name: str, good_body: bytes, wrong_shape: bytes) -> bytes:
        """Half the time the good body cut short (a connection dropped mid-body), half a wrong-shaped one."""
        if self._rng(account_name).random() < 0.5:
            return truncated(good_body)
        return wrong_shape


def truncated(body: bytes) -> bytes:
    """A JSON body cut off before it closes."""
    return body[: max(1, len(body) // 2)]
