"""What a vendor handler decides about one request, before the server adds latency, logs it and answers."""

from __future__ import annotations

from dataclasses import dataclass, field

from livetop.sim.http11 import Response
from livetop.sim.scenario import FaultKnobs


@dataclass(slots=True)
class Outcome:
    response: Response
    vendor: str
    account: str = ""  # "" until the credentials named an account
    code: str = ""  # the vendor error code answered ("" on success)
    params: dict[str, str] = field(default_factory=dict)  # query / body fields, secrets left out
    knobs: FaultKnobs | None = None  # resolved latency knobs; None = scenario-wide
    hold_seconds: float = 0.0  # extra wait before answering (the "timeout" fault)
