"""What the simulator hands each vendor API module, and what a module declares back.

A module (one per vendor API, listed in `livetop.sim.apis.SIM_APIS`) defines `SIM = SimApi(...)`: the routes
it answers (built from a `SimContext`, which carries everything shared: clock, scenario and its accounts,
rate limiters, fault dice, data curves, the request log, shared services such as Huawei's IAM) and what a
scenario account of its API may say (auth modes, fault kinds, default rate). Modules never import the server.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from livetop.clock import Clock
from livetop.sim.data import DomainCurve
from livetop.sim.faults import FaultDice
from livetop.sim.http11 import Request
from livetop.sim.outcome import Outcome
from livetop.sim.ratelimit import TokenBucket
from livetop.sim.scenario import Scenario, SimAccount

# (request, request id, the path's match) -> what to answer
Handler = Callable[[Request, str, re.Match], Outcome]


@dataclass(frozen=True, slots=True)
class Route:
    """`method` and a full match of `path` (a regex), and `accepts(request)` if given (RPC-style APIs that
    share one path tell their requests apart by a query key or a header)."""

    method: str
    path: str
    handler: Handler
    accepts: Callable[[Request], bool] | None = None

    def match(self, request: Request) -> re.Match | None:
        if request.method != self.method:
            return None
        found = re.fullmatch(self.path, request.path)
        if found is None or (self.accepts is not None and not self.accepts(request)):
            return None
        return found


@dataclass(slots=True)
class SimContext:
    scenario: Scenario
    clock: Clock
    dice: FaultDice
    log: Any  # the server's RequestLogBook (read-only for modules)
    limiter: Callable[[str], TokenBucket]  # account name -> its rate limit
    curve: Callable[[str], DomainCurve]  # play domain -> its traffic curve
    total_rate: Callable[[str], Callable[[int], float]]  # account name -> the sum over its owned domains
    services: dict[str, Any] = field(default_factory=dict)

    def accounts(self, vendor: str, api: str | None = None) -> list[SimAccount]:
        """The scenario's accounts of `vendor` (and `api`, when given)."""
        return [
            a for a in self.scenario.accounts if a.vendor == vendor and (api is None or a.api == api)
        ]

    def service(self, name: str, make: Callable[[], Any]) -> Any:
        """A service several modules share (Huawei's IAM and gateway), made once on first use."""
        if name not in self.services:
            self.services[name] = make()
        return self.services[name]


@dataclass(frozen=True, slots=True)
class SimApi:
    """One simulated vendor API (or, with `api=None`, a service all of the vendor's APIs share, e.g. IAM)."""

    vendor: str
    api: str | None
    routes: Callable[[SimContext], Sequence[Route]]
    # What a scenario account of this API may say:
    auth_modes: tuple[str, ...] = ()  # the first is the default
    faults: tuple[str, ...] = ()
    default_rate: float = 5.0  # requests/s the simulator allows an account without rate_per_second
    username_suffix: str = "-user"  # a derived username is the account's slug plus this
    # Credentials that identify an account in a request: [((kind, value), scenario key)]; no two accounts
    # may share one.
    identities: Callable[[SimAccount], list[tuple[tuple[str, str], str]]] | None = None
    # The livetop config keys (beyond name, vendor, api, endpoint, rate, timeout, domains) of an account
    # pointing at this simulator: (account, context, simulator URL) -> keys.
    config_entry: Callable[[SimAccount, SimContext, str], dict] | None = None
