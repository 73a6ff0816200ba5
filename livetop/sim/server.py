"""The simulator: routes each request to the vendor it imitates, adds the scenario's latency, logs it.

`Simulator` runs on the caller's event loop; `SimulatorThread` runs one on its own loop in a daemon thread
(pytest fixtures, `livetop demo`). Time decisions (token expiry, X-Sdk-Date skew, data, "now") use the
injected clock, so a test shares one ManualClock between the simulator and the client.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections import deque
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, NamedTuple

from livetop.clock import SYSTEM_CLOCK, Clock
from livetop.model import floor_to
from livetop.sim.apis import not_found, sim_api, sim_apis
from livetop.sim.context import Route, SimContext
from livetop.sim.data import DomainCurve, total_rate
from livetop.sim.faults import FAULT_NOT_OWNED, FaultDice
from livetop.sim.http11 import HttpServer, Request, Response
from livetop.sim.outcome import Outcome
from livetop.sim.ratelimit import TokenBucket
from livetop.sim.scenario import Scenario, SimAccount

LOG_LIMIT = 20000  # entries kept; a demo left running for days must not grow without bound
EVENT_ANCHOR_SECONDS = 300  # events are placed relative to the start time floored to 5 minutes


class RequestLog(NamedTuple):
    mono: float  # the simulator clock's monotonic() when the request arrived
    account: str  # "" when the credentials named no account
    vendor: str
    path: str
    params: dict
    status: int
    code: str  # vendor error code answered; "" on success


class RequestLogBook(deque):
    """A bounded log that still slices like a list (`sim.log[-3:]`)."""

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return list(self)[index]
        return super().__getitem__(index)


class Simulator:
    def __init__(
        self, scenario: Scenario, clock: Clock = SYSTEM_CLOCK, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.scenario = scenario
        self.clock = clock
        self.dice = FaultDice(scenario)
        self.log: RequestLogBook = RequestLogBook(maxlen=LOG_LIMIT)
        self._limiters = {a.name: TokenBucket(a.rate_per_second, a.burst) for a in scenario.accounts}
        anchor_ts = int(floor_to(clock.now(), EVENT_ANCHOR_SECONDS).timestamp())
        self._curves: dict[str, DomainCurve] = {}
        self._totals: dict[str, Callable[[int], float]] = {}
        for acc in scenario.accounts:
            for dom in acc.domains:
                if dom.name not in self._curves:
                    self._curves[dom.name] = DomainCurve(
                        dom, scenario.seed, anchor_ts, scenario.event_period_seconds
                    )
            owned = [self._curves[d.name] for d in acc.domains if d.fault != FAULT_NOT_OWNED]
            self._totals[acc.name] = total_rate(owned)
        self.context = SimContext(
            scenario=scenario,
            clock=clock,
            dice=self.dice,
            log=self.log,
            limiter=self.limiter,
            curve=self.curve,
            total_rate=self.total_rate,
        )
        # The one table (livetop.sim.apis): every module's routes, in table order.
        self._routes: list[Route] = [route for api in sim_apis() for route in api.routes(self.context)]
        self._http = HttpServer(self._handle, host, port)

    # --- lifecycle ----------------------------------------------------------------------------------------

    async def start(self) -> None:
        await self._http.start()

    async def stop(self) -> None:
        await self._http.stop()

    @property
    def host(self) -> str:
        return self._http.host

    @property
    def port(self) -> int:
        return self._http.port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # --- observability ------------------------------------------------------------------------------------

    @property
    def iam(self):
        """Huawei's simulated IAM (a test convenience: tokens issued, token lookup)."""
        from livetop.sim.iam import iam_service

        return iam_service(self.context)

    @property
    def huge(self):
        """What the huge-answer faults have sent (livetop.sim.huge)."""
        from livetop.sim.huge import huge_answers

        return huge_answers(self.context)

    @property
    def iam_calls(self) -> int:
        return self.iam.calls

    def reset(self) -> None:
        """Forget the request log and the IAM count, refill the rate limits, replay the fault dice."""
        self.log.clear()
        self.iam.calls = 0
        for limiter in self._limiters.values():
            limiter.reset()
        for service in self.context.services.values():
            if callable(getattr(service, "reset", None)):
                service.reset()  # e.g. per-API rate limits
        self.dice.reset()

    def issue_token(self, account_name: str, lifetime_seconds: float | None = None) -> str:
        """A token as IAM would issue it for a password account (for configs using `auth = "token"`)."""
        account = self._account(account_name)
        lifetime = timedelta(seconds=lifetime_seconds) if lifetime_seconds is not None else None
        return self.iam.issue(account, lifetime)[0]

    # --- used by the vendor handlers ----------------------------------------------------------------------

    def limiter(self, account_name: str) -> TokenBucket:
        return self._limiters[account_name]

    def curve(self, domain_name: str) -> DomainCurve:
        return self._curves[domain_name]

    def total_rate(self, account_name: str) -> Callable[[int], float]:
        return self._totals[account_name]

    def _account(self, name: str) -> SimAccount:
        account = self.scenario.account(name)
        if account is None:
            raise KeyError(f"no account {name!r} in the scenario")
        return account

    # --- HTTP -----------------------------------------------------------------------------------------------

    async def _handle(self, request: Request) -> Response:
        request_id = uuid.uuid4().hex
        outcome = self._route(request, request_id)
        response = outcome.response
        response.headers.append(("X-Request-Id", request_id))
        self.log.append(
            RequestLog(
                self.clock.monotonic(),
                outcome.account,
                outcome.vendor,
                request.path,
                outcome.params,
                response.status,
                outcome.code,
            )
        )
        delay = self.dice.latency_seconds(outcome.account, outcome.knobs or self.scenario.knobs)
        delay += outcome.hold_seconds
        if delay > 0:
            await asyncio.sleep(delay)
        return response

    def _route(self, request: Request, request_id: str) -> Outcome:
        for route in self._routes:
            match = route.match(request)
            if match is not None:
                return route.handler(request, request_id, match)
        return not_found(request_id)

    # --- a livetop config pointing here -------------------------------------------------------------------

    def config_dict(self, timeout: str | None = None) -> dict[str, Any]:
        """A livetop config (contract format) whose accounts point at this simulator, secrets inline."""
        accounts = []
        for acc in self.scenario.accounts:
            api = sim_api(acc.vendor, acc.api)
            entry: dict[str, Any] = {"name": acc.name, "vendor": acc.vendor, "api": acc.api}
            entry["endpoint"] = self.url
            entry.update(api.config_entry(acc, self.context, self.url))
            # The config states the limit the simulator enforces, as a user would for their own account,
            # unless it is the API's documented one: then livetop's default (with its burst) applies.
            if acc.rate_per_second != api.default_rate:
                entry["rate_per_second"] = acc.rate_per_second
            if timeout is not None:
                entry["timeout"] = timeout
            entry["domains"] = [
                {"name": d.name, "label": d.label} if d.label else d.name for d in acc.domains
            ]
            accounts.append(entry)
        return {"refresh": "30s", "window": "1h", "accounts": accounts}

    def write_config(self, path: str | Path, timeout: str | None = None, *, force: bool = True) -> Path:
        """Write `config_dict()` as TOML, mode 0600 (it holds inline secrets), by `livetop.config.write`.

        Only a regular file (or a symlink to one) is written. `force` (the default, for tests and scripts that
        own the path) replaces an existing one; `livetop simulate` passes its --force flag.
        Raises `livetop.config.write.WriteRefused`.
        """
        import tomli_w

        from livetop.config.write import write_private

        text = "# livetop config written by `livetop simulate`: accounts point at the simulator.\n"
        text += tomli_w.dumps(self.config_dict(timeout=timeout))
        return write_private(path, text, force=force)


class SimulatorThread:
    """A Simulator on its own event loop in a daemon thread; a context manager."""

    def __init__(
        self, scenario: Scenario, clock: Clock = SYSTEM_CLOCK, port: int = 0, host: str = "127.0.0.1"
    ) -> None:
        self.sim = Simulator(scenario, clock=clock, host=host, port=port)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return self.sim.url

    def start(self) -> SimulatorThread:
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.sim.start())
            except BaseException as exc:  # reported to the starting thread
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(self.sim.stop())
                # Connections accepted while stopping have tasks the server never saw: end them too.
                leftovers = asyncio.all_tasks(loop)
                for task in leftovers:
                    task.cancel()
                loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
                loop.close()

        self._thread = threading.Thread(target=run, name="livetop-sim", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            self._thread.join()
            raise failure[0]
        return self

    def stop(self) -> None:
        if self._thread is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._thread = None

    def __enter__(self) -> SimulatorThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
