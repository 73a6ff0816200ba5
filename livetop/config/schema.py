"""The typed config livetop runs on. Loading and validation live in `livetop.config.load`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


class Secret:
    """A credential. Its repr and str never show the value; call `reveal()` at the one place that signs."""

    __slots__ = ("_value", "source")

    def __init__(self, value: str, source: str = "") -> None:
        self._value = value
        # Where it came from, safe to show: "env HW_SK" or "config file".
        self.source = source

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __bool__(self) -> bool:
        return bool(self._value)


# Names of auth modes the vendors declare (livetop.vendors.<vendor>.spec says which API takes which).
AUTH_TOKEN = "token"  # Huawei: X-Auth-Token given in the config
AUTH_PASSWORD = "password"  # Huawei: IAM password -> project-scoped token
AUTH_AKSK = "aksk"  # Huawei: SDK-HMAC-SHA256 signing
AUTH_MD5 = "md5"  # JD opencdn: MD5(yyyymmdd + username + secret) in the body


@dataclass(frozen=True, slots=True)
class DomainConfig:
    name: str
    label: str | None = None

    @property
    def display(self) -> str:
        return self.label or self.name


@dataclass(frozen=True, slots=True)
class Credentials:
    """Whatever the account's auth mode needs; unused fields stay None."""

    token: Secret | None = None  # huawei token
    username: str | None = None  # huawei IAM user name / JD pin
    password: Secret | None = None  # huawei IAM password
    domain_name: str | None = None  # huawei account (domain) name owning the IAM user
    access_key: Secret | None = None  # huawei AK
    secret_key: Secret | None = None  # huawei SK / JD SecretKey


@dataclass(frozen=True, slots=True)
class AccountConfig:
    name: str
    vendor: str
    endpoint: str  # base URL, e.g. https://live.cn-north-4.myhuaweicloud.com or http://127.0.0.1:8080
    auth: str
    credentials: Credentials
    domains: tuple[DomainConfig, ...] = ()
    region: str | None = None  # huawei
    project_id: str | None = None  # huawei
    iam_endpoint: str | None = None  # huawei password auth; default https://iam.{region}.myhuaweicloud.com
    verify_tls: bool = True
    timeout_seconds: float = 10.0
    # None = the vendor's documented default (vendors.md §E), see livetop.vendors.limits.
    concurrency: int | None = None
    rate_per_second: float | None = None
    step_minutes: int = 5
    unit_base: int = 1000  # JD: 1000 or 1024 for Mbps/MB conversion
    # Seconds the vendor's newest buckets keep changing; incremental polls re-fetch this much.
    data_lag_seconds: int | None = None
    # The vendor API the account speaks ("v1", "v2", "opencdn"); "" = the vendor's default API.
    api: str = ""
    # Keys the API declares that have no field here, as (key, value) pairs: `option(key)` reads one.
    options: tuple[tuple[str, object], ...] = ()

    def option(self, key: str, default: object = None) -> object:
        return next((value for name, value in self.options if name == key), default)


@dataclass(frozen=True, slots=True)
class UiConfig:
    theme: str = "livetop-dark"
    ascii_sparklines: bool = False
    sparkline_from_zero: bool = False
    error_panel_auto_open: bool = True
    sort: str = "bandwidth"
    alert_bell: bool = False  # ring the terminal bell when an alert fires


DEFAULT_LISTEN = "127.0.0.1:9360"


@dataclass(frozen=True, slots=True)
class ServeConfig:
    """`livetop serve`: where it listens and who may ask (the token is read from `token_env` at start)."""

    listen: str = DEFAULT_LISTEN
    token_env: str | None = None
    metrics_public: bool = False  # /metrics answers without the token (the rest still needs it)


@dataclass(frozen=True, slots=True)
class HistoryConfig:
    """The sqlite history (livetop.history). `path` None: `$XDG_STATE_HOME/livetop/history.sqlite`."""

    enabled: bool = True
    path: Path | None = None
    retention_seconds: int = 90 * 86400


@dataclass(frozen=True, slots=True)
class Config:
    path: Path | None
    refresh_seconds: float = 30.0
    window_seconds: int = 3600
    accounts: tuple[AccountConfig, ...] = ()
    ui: UiConfig = field(default_factory=UiConfig)
    keys: dict[str, str] = field(default_factory=dict)  # binding id -> key(s)
    alerts: tuple = ()  # AlertRule (livetop.config.alerts)
    history: HistoryConfig = field(default_factory=HistoryConfig)
    serve: ServeConfig = field(default_factory=ServeConfig)
    remote: str | None = None  # a collector's URL: the TUI and snapshot read it instead of the vendors
    remote_token_env: str | None = None  # the variable holding the collector's token

    def account(self, name: str) -> AccountConfig | None:
        for acc in self.accounts:
            if acc.name == name:
                return acc
        return None


def empty_accounts(config: "Config") -> list[str]:
    """Warnings for accounts that watch no domain (kept, but nothing of them would show anywhere)."""
    return [
        f'{config.path or "<config>"}: account "{a.name}" watches no domain; list its play domains '
        '(domains = ["play.example.com"]) or remove the account'
        for a in config.accounts
        if not a.domains
    ]


class ConfigError(Exception):
    """A config problem a person can fix: names the file, the key path and the fix."""

    def __init__(self, path: Path | str | None, key: str | None, problem: str, fix: str | None = None) -> None:
        self.path = str(path) if path is not None else None
        self.key = key
        self.problem = problem
        self.fix = fix
        super().__init__(self.message())

    def message(self) -> str:
        where = self.path or "<config>"
        if self.key:
            where += f": {self.key}"
        text = f"{where}: {self.problem}"
        if self.fix:
            text += f"\n  fix: {self.fix}"
        return text
