"""Simulator scenarios: which accounts and play domains the simulator serves, and how badly it behaves.

A scenario is a TOML file (the shipped ones live in `livetop/sim/scenarios/`). Credentials the file leaves
out are derived from the account name, so a test scenario can be a few lines. Every problem is a
`ScenarioError` naming the file and the key path.
"""

from __future__ import annotations

import difflib
import hashlib
import math
import tomllib
from dataclasses import dataclass, field, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any

from livetop.model import parse_duration

DEMO_SCENARIO = "demo.toml"

EVENT_KICKOFF = "kickoff"  # audience arrives: ramp to a peak, hold, decay
EVENT_DROP = "drop"  # the stream breaks: bandwidth falls to near zero, then recovers
EVENT_NONE = "none"
EVENTS = (EVENT_KICKOFF, EVENT_DROP, EVENT_NONE)

# Auth modes, fault kinds and default rates are declared per vendor API by its simulator module
# (`SIM` in each module of `livetop.sim.apis.SIM_APIS`).
DEFAULT_BURST = 20.0


class ScenarioError(Exception):
    """A scenario problem, naming the file and the key path."""

    def __init__(self, source: str | None, key: str | None, problem: str) -> None:
        self.source = source or "<scenario>"
        self.key = key
        self.problem = problem
        super().__init__(self.message())

    def message(self) -> str:
        where = self.source + (f": {self.key}" if self.key else "")
        return f"{where}: {self.problem}"


@dataclass(frozen=True, slots=True)
class FaultKnobs:
    """Misbehaviour knobs; None = inherit (domain -> account -> scenario)."""

    latency_ms: float | None = None
    latency_jitter_ms: float | None = None
    error_rate: float | None = None
    malformed_rate: float | None = None

    def over(self, base: FaultKnobs) -> FaultKnobs:
        """These knobs, with the unset ones taken from `base`."""
        mine = {f.name: getattr(self, f.name) for f in fields(self)}
        return FaultKnobs(**{k: getattr(base, k) if v is None else v for k, v in mine.items()})


NO_FAULTS = FaultKnobs(latency_ms=0.0, latency_jitter_ms=0.0, error_rate=0.0, malformed_rate=0.0)


@dataclass(frozen=True, slots=True)
class SimDomain:
    name: str
    label: str | None = None
    base_mbps: float | None = None  # evening-peak bandwidth; None = derived from the name
    event: str | None = None  # kickoff | drop | none; None = derived from the name
    event_offset_minutes: float | None = None  # event start relative to the simulator's start (repeats)
    fault: str | None = None
    knobs: FaultKnobs = field(default_factory=FaultKnobs)


@dataclass(frozen=True, slots=True)
class SimAccount:
    name: str
    vendor: str
    auth: str
    domains: tuple[SimDomain, ...]
    api: str = ""  # the vendor API it answers on ("v1", "opencdn", ...)
    region: str = "cn-north-4"
    project_id: str = ""
    access_key: str = ""
    secret_key: str = ""  # Huawei SK / JD SecretKey
    username: str = ""  # Huawei IAM user / JD pin
    password: str = ""
    domain_name: str = ""  # Huawei account name owning the IAM user
    rate_per_second: float = 5.0
    burst: float = DEFAULT_BURST
    knobs: FaultKnobs = field(default_factory=FaultKnobs)

    def domain(self, name: str) -> SimDomain | None:
        for dom in self.domains:
            if dom.name == name:
                return dom
        return None


@dataclass(frozen=True, slots=True)
class Scenario:
    accounts: tuple[SimAccount, ...]
    source: str | None = None
    seed: str = "livetop"
    token_lifetime_seconds: int = 86400
    event_period_seconds: int = 7200  # broadcast events repeat with this period
    timeout_hold_seconds: float = 120.0  # how long a "timeout" domain holds a request before a 504
    throttle_retry_after: int = 5  # Retry-After of a "throttle" domain's 429
    huge_bytes: int = 4 << 30  # the size of a huge-answer fault's body (livetop.sim.huge)
    trickle_seconds: float = 1.0  # a "trickle" fault's pace: one byte of its answer every this many seconds
    knobs: FaultKnobs = NO_FAULTS

    @property
    def domain_count(self) -> int:
        return sum(len(acc.domains) for acc in self.accounts)

    def account(self, name: str) -> SimAccount | None:
        for acc in self.accounts:
            if acc.name == name:
                return acc
        return None

    def with_knobs(self, **knobs: float) -> Scenario:
        """The same scenario with scenario-wide knobs replaced (e.g. `latency_ms=0` for tests)."""
        return replace(self, knobs=replace(self.knobs, **knobs))

    def scaled(self, n_domains: int, keep_faults: bool = True) -> Scenario:
        """`n_domains` play domains spread round-robin over the same accounts.

        Fault domains are kept (unless `keep_faults` is false) and count toward n; the healthy ones are
        generated. Each account's rate limit grows with its share of domains, so a benchmark measures
        livetop rather than the throttle.
        """
        if n_domains < 1:
            raise ValueError("a scaled scenario needs at least one domain")
        kept = {
            acc.name: [d for d in acc.domains if d.fault is not None] if keep_faults else []
            for acc in self.accounts
        }
        healthy_needed = max(0, n_domains - sum(len(v) for v in kept.values()))
        generated: dict[str, list[SimDomain]] = {acc.name: [] for acc in self.accounts}
        for i in range(healthy_needed):
            acc = self.accounts[i % len(self.accounts)]
            generated[acc.name].append(SimDomain(name=f"play{i:04d}.{_slug(acc.name)}.example.com"))
        accounts = []
        for acc in self.accounts:
            domains = tuple(kept[acc.name] + generated[acc.name])
            factor = max(1.0, len(domains) / max(1, len(acc.domains)))
            accounts.append(
                replace(
                    acc,
                    domains=domains,
                    rate_per_second=acc.rate_per_second * factor,
                    burst=acc.burst * factor,
                )
            )
        return replace(
            self, accounts=tuple(accounts), source=f"{self.source} (scaled to {n_domains} domains)"
        )


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text.lower()).strip("-") or "acct"


def _derived(kind: str, account_name: str, length: int) -> str:
    return hashlib.sha256(f"livetop-sim/{kind}/{account_name}".encode()).hexdigest()[:length]


# --- loading ----------------------------------------------------------------------------------------------


def load_scenario(path: str | Path | None = None) -> Scenario:
    """Load a scenario file; None = the shipped demo scenario."""
    if path is None:
        text = resources.files("livetop.sim").joinpath("scenarios", DEMO_SCENARIO).read_text("utf-8")
        return parse_scenario(tomllib.loads(text), source=f"livetop/sim/scenarios/{DEMO_SCENARIO}")
    source = str(path)
    try:
        text = Path(path).read_text("utf-8")
    except OSError as exc:
        raise ScenarioError(source, None, f"cannot read the file ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise ScenarioError(source, None, "not UTF-8 text") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(source, None, f"not valid TOML ({exc})") from None
    return parse_scenario(data, source=source)


_TOP_KEYS = {
    "seed",
    "token_lifetime",
    "event_period",
    "timeout_hold",
    "throttle_retry_after",
    "latency_ms",
    "latency_jitter_ms",
    "error_rate",
    "malformed_rate",
    "huge_bytes",
    "trickle_every",
    "accounts",
}
_KNOB_KEYS = {"latency_ms", "latency_jitter_ms", "error_rate", "malformed_rate"}
_ACCOUNT_KEYS = {
    "name",
    "vendor",
    "api",
    "auth",
    "region",
    "project_id",
    "access_key",
    "secret_key",
    "username",
    "password",
    "domain_name",
    "rate_per_second",
    "burst",
    "domains",
} | _KNOB_KEYS
_DOMAIN_KEYS = {"name", "label", "base_mbps", "event", "event_offset_minutes", "fault"} | _KNOB_KEYS


class _Reader:
    """Typed access to one TOML table, with errors naming the file and key path."""

    def __init__(self, source: str | None, table: Any, path: str, allowed: set[str]) -> None:
        self.source, self.path = source, path
        if not isinstance(table, dict):
            raise ScenarioError(source, path or None, "must be a table")
        for key in table:
            if key not in allowed:
                near = difflib.get_close_matches(key, sorted(allowed), n=1)
                hint = (
                    f" (did you mean `{near[0]}`?)" if near else f"; known keys: {', '.join(sorted(allowed))}"
                )
                raise ScenarioError(source, self.key(key), f"unknown key{hint}")
        self.table = table

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def error(self, name: str, problem: str) -> ScenarioError:
        return ScenarioError(self.source, self.key(name), problem)

    def text(
        self, name: str, default: str | None = None, choices: tuple[str, ...] | None = None
    ) -> str | None:
        value = self.table.get(name, default)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.error(name, "must be a non-empty string")
        if choices is not None and value not in choices:
            raise self.error(name, f"{value!r} is not one of: {', '.join(choices)}")
        return value.strip()

    def number(self, name: str, default: float | None = None, low: float = 0.0, high: float = math.inf):
        value = self.table.get(name, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise self.error(name, "must be a number")
        if not low <= value <= high:
            bound = f"between {low:g} and {high:g}" if math.isfinite(high) else f"at least {low:g}"
            raise self.error(name, f"must be {bound} (got {value!r})")
        return float(value)

    def duration(self, name: str, default: float) -> float:
        value = self.table.get(name, default)
        if isinstance(value, str):
            try:
                return float(parse_duration(value))
            except ValueError:
                raise self.error(name, f'{value!r} is not a duration such as "30s", "15m" or "24h"') from None
        return self.number(name, default, low=0.001)

    def knobs(self) -> FaultKnobs:
        return FaultKnobs(
            latency_ms=self.number("latency_ms"),
            latency_jitter_ms=self.number("latency_jitter_ms"),
            error_rate=self.number("error_rate", low=0.0, high=1.0),
            malformed_rate=self.number("malformed_rate", low=0.0, high=1.0),
        )


def parse_scenario(data: dict[str, Any], source: str | None = None) -> Scenario:
    """Validate a scenario already read from TOML (or built as a dict in a test)."""
    top = _Reader(source, data, "", _TOP_KEYS)
    raw_accounts = data.get("accounts")
    if not isinstance(raw_accounts, list) or not raw_accounts:
        raise ScenarioError(source, "accounts", "at least one [[accounts]] table is needed")
    accounts = tuple(_parse_account(source, raw, i) for i, raw in enumerate(raw_accounts))
    names = [acc.name for acc in accounts]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise ScenarioError(source, f"accounts[{i}].name", f"duplicate account name {name!r}")
    _check_unique_credentials(source, accounts)
    knobs = top.knobs().over(NO_FAULTS)
    return Scenario(
        accounts=accounts,
        source=source,
        seed=top.text("seed", "livetop") or "livetop",
        token_lifetime_seconds=int(top.duration("token_lifetime", 86400)),
        event_period_seconds=int(top.duration("event_period", 7200)),
        timeout_hold_seconds=top.duration("timeout_hold", 120.0),
        throttle_retry_after=int(top.number("throttle_retry_after", 5, low=1, high=3600)),
        huge_bytes=int(top.number("huge_bytes", 4 << 30, low=1, high=1 << 50)),
        trickle_seconds=top.duration("trickle_every", 1.0),
        knobs=knobs,
    )


def _parse_account(source: str | None, raw: Any, index: int) -> SimAccount:
    r = _Reader(source, raw, f"accounts[{index}]", _ACCOUNT_KEYS)
    name = r.text("name")
    if name is None:
        raise r.error("name", "is required")
    from livetop.sim.apis import sim_api, sim_vendors, vendor_sim_apis

    vendors = sim_vendors()
    vendor = r.text("vendor", choices=vendors)
    if vendor is None:
        raise r.error("vendor", f"is required ({' or '.join(vendors)})")
    apis = vendor_sim_apis(vendor)
    api = r.text("api", _default_api(vendor, apis), choices=apis)
    sim = sim_api(vendor, api)
    auth = r.text("auth", sim.auth_modes[0], choices=sim.auth_modes)
    raw_domains = r.table.get("domains", [])
    if not isinstance(raw_domains, list):
        raise r.error("domains", "must be a list of domain names or tables")
    domains = tuple(_parse_domain(r, sim.faults, raw_dom, j) for j, raw_dom in enumerate(raw_domains))
    seen: set[str] = set()
    for j, dom in enumerate(domains):
        if dom.name in seen:
            raise ScenarioError(source, f"{r.path}.domains[{j}]", f"duplicate domain {dom.name!r}")
        seen.add(dom.name)
    return SimAccount(
        name=name,
        vendor=vendor,
        api=api,
        auth=auth,
        domains=domains,
        region=r.text("region", "cn-north-4"),
        project_id=r.text("project_id") or _derived("project", name, 32),
        access_key=r.text("access_key") or "SIMAK" + _derived("ak", name, 15).upper(),
        secret_key=r.text("secret_key") or _derived("sk", name, 40),
        username=r.text("username") or _slug(name) + sim.username_suffix,
        password=r.text("password") or "pw-" + _derived("pw", name, 16),
        domain_name=r.text("domain_name") or _slug(name) + "-account",
        rate_per_second=r.number("rate_per_second", sim.default_rate, low=0.001),
        burst=r.number("burst", DEFAULT_BURST, low=1.0),
        knobs=r.knobs(),
    )


def _default_api(vendor: str, simulated: tuple[str, ...]) -> str:
    """The vendor's default API (as livetop's config has it) when simulated, else its first simulated one."""
    from livetop.vendors.registry import VENDOR_SPECS, vendor_spec

    default = vendor_spec(vendor).default_api if vendor in VENDOR_SPECS else None
    return default if default in simulated else simulated[0]


def _parse_domain(account: _Reader, faults: tuple[str, ...], raw: Any, index: int) -> SimDomain:
    path = f"{account.path}.domains[{index}]"
    if isinstance(raw, str):
        raw = {"name": raw}
    r = _Reader(account.source, raw, path, _DOMAIN_KEYS)
    name = r.text("name")
    if name is None:
        raise r.error("name", "is required")
    return SimDomain(
        name=name,
        label=r.text("label"),
        base_mbps=r.number("base_mbps", low=0.001),
        event=r.text("event", choices=EVENTS),
        event_offset_minutes=r.number("event_offset_minutes", low=-100000.0, high=100000.0),
        fault=r.text("fault", choices=faults),
        knobs=r.knobs(),
    )


def _check_unique_credentials(source: str | None, accounts: tuple[SimAccount, ...]) -> None:
    """Requests are matched to accounts by credential, so two accounts may not share one."""
    from livetop.sim.apis import sim_api

    seen: dict[tuple[str, str], str] = {}
    for i, acc in enumerate(accounts):
        declared = sim_api(acc.vendor, acc.api).identities
        for ident, key in declared(acc) if declared else []:
            ident = (acc.vendor, *ident)
            if ident in seen:
                raise ScenarioError(
                    source, f"accounts[{i}].{key}", f"already used by account {seen[ident]!r}"
                )
            seen[ident] = acc.name
