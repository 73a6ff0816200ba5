"""What a vendor declares about itself, as data: the seam the config loader, `livetop init`, `livetop query`,
the limits and the UI's vendor marks read instead of branching on vendor names.

Each vendor subpackage has a light `spec.py` (this module's dataclasses, nothing else: no httpx, no Textual)
defining `SPEC = VendorSpec(...)`; `livetop.vendors.registry` maps the vendor name to that module in one line.
A vendor offers one or more APIs (Huawei "v1"/"v2", JD "opencdn"/"openapi"); an account picks one with its
`api` key, and everything below is declared per API.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AuthMode:
    """One way an account of this API authenticates."""

    name: str  # the config's `auth = "..."`
    secrets: tuple[str, ...]  # secret keys it signs with (each given as `<name>_env` or inline)
    # Plain keys it needs, with what each is for the user ("the JD pin"), shown when one is missing.
    names: tuple[tuple[str, str], ...] = ()
    title: str = ""


@dataclass(frozen=True, slots=True)
class AccountKey:
    """A config key an API accepts beyond the common ones.

    `kind`: "string" | "url" | "region" (a cloud region id) | "int" | "positive_int".
    A key that is also an `AccountConfig` field lands there; any other lands in `AccountConfig.options`.
    `template`: the default derived from other keys, e.g. "https://iam.{region}.myhuaweicloud.com"; with
    `derive_for_auth` set, only for those auth modes (else the key stays None).
    """

    name: str
    kind: str = "string"
    what: str = ""  # how messages name it: "an IAM endpoint" (default: the key)
    required: bool = False
    fix: str = ""  # how to fill it in, for a missing or bad value
    choices: tuple = ()
    default: object = None
    template: str | None = None
    derive_for_auth: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Starter:
    """An account example `livetop init` writes: `account` rendered as TOML under the `comment` lines.

    Inactive examples are written commented out; `env` lists the variables an active one needs.
    """

    account: Mapping[str, object]
    comment: str
    active: bool = False
    env: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ApiSpec:
    """One vendor API: what an account using it may say, how hard livetop may push it, who implements it."""

    name: str  # the account's `api = "..."`
    title: str  # for people: "Live v1 stream statistics (legacy)"
    provider: str  # "package.module:Class", imported only when an account uses this API
    auth_modes: tuple[AuthMode, ...]
    default_auth: str
    keys: tuple[AccountKey, ...] = ()
    # The endpoint when the account gives none; may name keys in braces ("https://live.{region}...").
    default_endpoint: str = ""
    endpoint_fix: str = ""  # shown when the template's keys are missing too
    # step_minutes the API accepts; () = any (the API has a fixed bucket, `fixed_step_minutes`).
    step_minutes: tuple[int, ...] = ()
    fixed_step_minutes: int | None = None
    default_step_minutes: int = 5
    # Documented limits (shared/vendors.md §E). `limit_window_seconds`: the vendor counts requests per
    # this window (Huawei: per minute), so a start-up burst comes off that window's budget.
    rate_per_second: float = 5.0
    burst: float | None = None
    limit_window_seconds: float | None = None
    concurrency: int = 8
    rate_source: str = ""
    # HTTP requests one poll of one domain costs (one per metric unless one call answers both): what an
    # account's domains ask of its rate limit (livetop.engine.capacity).
    requests_per_poll: int = 2
    # How long the vendor keeps changing its newest buckets: incremental polls re-fetch this much, and a
    # bucket younger than this is provisional. `settle_source` says where the figure comes from.
    settle_seconds: int = 600
    settle_source: str = ""
    # How often the vendor's newest (provisional) data can change at most: the engine never asks again before
    # the next such moment (engine/schedule.py). `update_source` says where the figure comes from, and says
    # so when it is an assumption.
    update_seconds: int = 60
    update_source: str = ""
    # How far back the vendor answers (seconds; None: not declared). `lookback_source` says where the figure
    # comes from, and says so when it is livetop's own bound. The history's backfill never asks older
    # (livetop.history.backfill); the vendor's client clamps a range to it with a notice.
    lookback_seconds: int | None = None
    lookback_source: str = ""
    # What one bucket's bandwidth figure is: "peak" or "average" over the bucket, "" when the vendor does not
    # say. The exporter's HELP text states it: a sum or mean across vendors would mix the two.
    bandwidth_figure: str = ""
    # What the figures are, in a line the drilldown shows under them: billing or monitoring data, which
    # bucket size and how longer windows are fetched. Declared here so the UI never branches on a vendor.
    data_note: str = ""
    starters: tuple[Starter, ...] = ()
    # What one bandwidth point is over its bucket, where the vendor states it: "peak" or "average" ("" when
    # it does not say). The same audience reads lower as an average, so the drilldown's caption names it.
    bandwidth_point: str = ""

    def auth(self, name: str) -> AuthMode | None:
        return next((mode for mode in self.auth_modes if mode.name == name), None)

    @property
    def auth_names(self) -> tuple[str, ...]:
        return tuple(mode.name for mode in self.auth_modes)

    def key(self, name: str) -> AccountKey | None:
        return next((k for k in self.keys if k.name == name), None)

    def accepted_keys(self) -> tuple[str, ...]:
        """Keys beyond the common ones: the declared keys and every auth mode's plain names."""
        names = [k.name for k in self.keys]
        for mode in self.auth_modes:
            names += [n for n, _ in mode.names if n not in names]
        return tuple(names)

    def step_problem(self, step: int) -> str | None:
        """Why `step` minutes cannot be asked of this API, or None."""
        if step <= 0:
            return "must be a positive number of minutes"
        if self.step_minutes and step not in self.step_minutes:
            return f"accepts a step of {', '.join(map(str, self.step_minutes))} minutes, not {step}"
        return None


@dataclass(frozen=True, slots=True)
class VendorSpec:
    name: str  # the config's `vendor = "..."`
    short: str  # two-letter mark on screen: "HW"
    display: str  # "Huawei Cloud"
    apis: tuple[ApiSpec, ...]
    # The API of an account without an `api` key (configs written before the vendor had two keep working)
    # and the API `livetop init` offers first.
    default_api: str
    init_api: str
    # "package.module:function" reading (code, message) out of a parsed JSON error body, or None; it may
    # return (code, message, request id) when the id sits where only the vendor knows to look.
    error_reader: str = ""
    catalog: str = "errors.toml"  # in the vendor's package

    def api(self, name: str | None) -> ApiSpec | None:
        name = self.default_api if name is None else name
        return next((a for a in self.apis if a.name == name), None)

    @property
    def api_names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.apis)
