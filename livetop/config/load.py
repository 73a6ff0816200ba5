"""Find, read and validate the TOML config into `livetop.config.schema.Config`.

Every problem becomes one `ConfigError` naming the file, the key path (`accounts[1].domains[3].name`) and the
fix. Secrets are read here and wrapped in `Secret` at once; no message ever carries a secret value.
"""

from __future__ import annotations

import os
import re
import shlex
import tomllib
from collections.abc import Mapping
from pathlib import Path

from livetop.config.fields import Fields, key_path
from livetop.config.schema import (
    AUTH_AKSK,
    AUTH_MD5,
    AUTH_MODES,
    AUTH_PASSWORD,
    AccountConfig,
    Config,
    Credentials,
    DomainConfig,
    UiConfig,
)
from livetop.config.secrets import (
    SECRET_KEYS,
    SecretRef,
    check_inline_private,
    read_secret_refs,
    resolve_secrets,
)
from livetop.model import VENDOR_HUAWEI, VENDOR_JDCLOUD, VENDORS
from livetop.ui.sorts import SORTS

ENV_CONFIG = "LIVETOP_CONFIG"

TOP_KEYS = ("refresh", "window", "ui", "keys", "accounts")
UI_KEYS = tuple(UiConfig.__dataclass_fields__)
# The overview's sort modes, from their one Textual-free home.
SORT_MODES = SORTS

HUAWEI_ONLY = ("region", "project_id", "iam_endpoint", "domain_name")
JDCLOUD_ONLY = ("unit_base",)
ACCOUNT_KEYS = (
    "name", "vendor", "endpoint", "auth", "username", *HUAWEI_ONLY, *SECRET_KEYS,
    "verify_tls", "timeout", "concurrency", "rate_per_second", "step_minutes", *JDCLOUD_ONLY, "data_lag",
    "domains",
)  # fmt: skip
DOMAIN_KEYS = ("name", "label")

DEFAULT_AUTH = {VENDOR_HUAWEI: AUTH_AKSK, VENDOR_JDCLOUD: AUTH_MD5}
# Plain (non-secret) names each auth mode needs; the secrets are in `livetop.config.secrets.AUTH_SECRETS`.
AUTH_NAMES = {AUTH_PASSWORD: ("username", "domain_name"), AUTH_MD5: ("username",)}
NAME_MEANING = {
    (VENDOR_HUAWEI, "username"): "the IAM user's name",
    (VENDOR_HUAWEI, "domain_name"): "the account name that owns the IAM user",
    (VENDOR_JDCLOUD, "username"): "the JD pin",
}
JDCLOUD_ENDPOINT = "https://opencdn.jcloud.com"
# Steps the Huawei v1 statistics API accepts (anything else is 400 LIVE.100011001).
HUAWEI_STEP_MINUTES = (1, 5, 15, 30, 60, 240, 1440)

_REGION = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)+$")
_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9])?"
_HOST = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*$")


# --- where the file is -------------------------------------------------------------------------------------


def default_config_path() -> Path:
    """The XDG location: `$XDG_CONFIG_HOME/livetop/config.toml`, else `~/.config/livetop/config.toml`."""
    xdg = os.environ.get("XDG_CONFIG_HOME", "")
    # The XDG spec says a relative value is invalid and must be ignored.
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".config"
    return base / "livetop" / "config.toml"


def config_path(path: str | os.PathLike | None = None) -> Path:
    """The file livetop reads: `path` (--config), else `$LIVETOP_CONFIG`, else `default_config_path()`."""
    if path is not None and str(path) != "":
        return Path(path).expanduser()
    from_env = os.environ.get(ENV_CONFIG, "")
    if from_env:
        return Path(from_env).expanduser()
    return default_config_path()


def load_config(path: str | os.PathLike | None = None) -> Config:
    """Read and validate the config. Raises `ConfigError` (never anything else) on any problem."""
    file = config_path(path)
    given = path is not None and str(path) != ""
    return parse_config(_read_toml(file, given), file)


def _missing_fix(file: Path, given: bool) -> str:
    quoted = shlex.quote(str(file))
    if given:
        return f"check the path, or write a starter config there: livetop init {quoted}"
    if os.environ.get(ENV_CONFIG):
        return f"write a starter config there (livetop init {quoted}), or point ${ENV_CONFIG} at your config"
    return (
        "write a starter config there (livetop init), or pass --config FILE; livetop demo shows livetop first"
    )


def _read_toml(file: Path, given: bool) -> dict:
    f = Fields(file)
    ls = f"ls -l {shlex.quote(str(file))}"
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        f.fail(None, "config file not found", _missing_fix(file, given))
    except IsADirectoryError:
        f.fail(None, "is a directory, not a config file", "pass the config file itself: --config FILE")
    except PermissionError:
        f.fail(None, "cannot read the file: permission denied", f"check its owner and mode: {ls}")
    except OSError as exc:
        f.fail(None, f"cannot read the file: {exc.strerror or exc}", f"check the path and the disk: {ls}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        f.fail(None, f"is not UTF-8 text (bad byte on line {line})", "save the file as UTF-8")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib ends its message with "(at line L, column C)"; keep that, it points at the mistake.
        f.fail(None, f"not valid TOML: {exc}", "correct the TOML syntax at the line and column shown")


# --- what the file says ---------------------------------------------------------------------------------


def parse_config(
    data: Mapping, path: str | os.PathLike | None = None, *, file_mode: int | None = None
) -> Config:
    """Validate a parsed TOML document into a `Config`.

    `path` names the file in messages; its mode (or `file_mode`) decides whether inline secrets are allowed.
    A dict that never was a file (the simulator's `config_dict()`) passes `path=None` and skips that check.
    """
    file = Path(path) if path is not None else None
    f = Fields(file)
    if not isinstance(data, Mapping):
        f.fail(None, "the document must be a TOML table", "start from `livetop init PATH`")
    f.check_keys(data, TOP_KEYS, "")
    refresh = f.get(data, "refresh", "", f.refresh, default=30.0)
    window = f.get(data, "window", "", f.window, default=3600)
    ui = _parse_ui(f, data.get("ui", {}))
    keys = _parse_keys(f, data.get("keys", {}))
    pending = _parse_accounts(f, data.get("accounts", []))
    if file is not None and file_mode is None:
        try:
            file_mode = file.stat().st_mode
        except OSError:
            file_mode = None
    check_inline_private(f, (ref for _, refs in pending for ref in refs.values()), file_mode)
    accounts = tuple(_finish_account(f, fields, refs) for fields, refs in pending)
    return Config(
        path=file, refresh_seconds=refresh, window_seconds=window, accounts=accounts, ui=ui, keys=keys
    )


def _parse_ui(f: Fields, table) -> UiConfig:
    table = f.table(table, "ui")
    f.check_keys(table, UI_KEYS, "ui")
    defaults = UiConfig()
    sort = f.get(table, "sort", "ui", f.string, default=defaults.sort)
    if sort not in SORT_MODES:
        f.fail("ui.sort", f'unknown sort "{sort}"', f"use one of: {', '.join(SORT_MODES)}")
    return UiConfig(
        theme=f.get(table, "theme", "ui", f.string, default=defaults.theme),
        ascii_sparklines=f.get(table, "ascii_sparklines", "ui", f.boolean, default=defaults.ascii_sparklines),
        sparkline_from_zero=f.get(
            table, "sparkline_from_zero", "ui", f.boolean, default=defaults.sparkline_from_zero
        ),
        error_panel_auto_open=f.get(
            table, "error_panel_auto_open", "ui", f.boolean, default=defaults.error_panel_auto_open
        ),
        sort=sort,
    )


def _parse_keys(f: Fields, table) -> dict[str, str]:
    table = f.table(table, "keys")
    keys: dict[str, str] = {}
    for binding, value in table.items():
        where = key_path("keys", binding)
        if isinstance(value, list):
            value = ",".join(f.string(v, f"{where}[{i}]") for i, v in enumerate(value))
        keys[binding] = f.string(value, where)
    return keys


def _parse_accounts(f: Fields, accounts) -> list[tuple[dict, dict[str, SecretRef]]]:
    if isinstance(accounts, Mapping):
        f.fail(
            "accounts", "must be an array of tables", "write each account under its own [[accounts]] header"
        )
    accounts = f.array(accounts, "accounts")
    seen: dict[str, str] = {}
    out = []
    for i, table in enumerate(accounts):
        where = f"accounts[{i}]"
        table = f.table(table, where)
        fields, secrets = _parse_account(f, table, where)
        name = fields["name"]
        if name in seen:
            f.fail(
                f"{where}.name",
                f'duplicate account name "{name}" (also {seen[name]})',
                "give every account a unique name",
            )
        seen[name] = where
        out.append((fields, secrets))
    return out


def _parse_account(f: Fields, t: Mapping, where: str) -> tuple[dict, dict[str, SecretRef]]:
    """Everything but the secrets' values: those are resolved after the file-mode check."""
    f.check_keys(t, ACCOUNT_KEYS, where)
    name = f.require(t, "name", where, f.string)
    vendor = f.require(t, "vendor", where, f.string, fix=f'add vendor = "{VENDORS[0]}" or "{VENDORS[1]}"')
    if vendor not in VENDORS:
        f.fail(f"{where}.vendor", f'unknown vendor "{vendor}"', f"use one of: {', '.join(VENDORS)}")
    wrong_vendor = JDCLOUD_ONLY if vendor == VENDOR_HUAWEI else HUAWEI_ONLY
    other = VENDOR_JDCLOUD if vendor == VENDOR_HUAWEI else VENDOR_HUAWEI
    for key in wrong_vendor:
        if key in t:
            f.fail(f"{where}.{key}", f"applies only to {other} accounts; this one is {vendor}", "remove it")
    auth = f.get(t, "auth", where, f.string, default=DEFAULT_AUTH[vendor])
    if auth not in AUTH_MODES[vendor]:
        f.fail(
            f"{where}.auth",
            f'unknown auth mode "{auth}" for {vendor}',
            f"use one of: {', '.join(AUTH_MODES[vendor])}",
        )
    fields: dict = {"name": name, "vendor": vendor, "auth": auth, **_where_to_call(f, t, where, vendor, auth)}
    fields["verify_tls"] = f.get(t, "verify_tls", where, f.boolean, default=True)
    fields["timeout_seconds"] = f.get(t, "timeout", where, f.duration, default=10.0)
    fields["concurrency"] = f.get(t, "concurrency", where, f.positive_int, default=None)
    fields["rate_per_second"] = f.get(t, "rate_per_second", where, f.positive_number, default=None)
    step = f.get(t, "step_minutes", where, f.positive_int, default=5)
    if vendor == VENDOR_HUAWEI and step not in HUAWEI_STEP_MINUTES:
        f.fail(
            f"{where}.step_minutes",
            f"huawei accepts no step of {step} minutes",
            f"use one of: {', '.join(map(str, HUAWEI_STEP_MINUTES))}",
        )
    fields["step_minutes"] = step
    unit_base = f.get(t, "unit_base", where, f.integer, default=1000)
    if unit_base not in (1000, 1024):
        f.fail(
            f"{where}.unit_base",
            f"must be 1000 or 1024, not {unit_base}",
            "use 1000 (the default, as JD bills) or 1024",
        )
    fields["unit_base"] = unit_base
    fields["data_lag_seconds"] = f.get(t, "data_lag", where, f.data_lag, default=None)
    fields["domains"] = _parse_domains(f, t.get("domains", []), f"{where}.domains")

    for key in ("username", "domain_name"):
        fields[key] = f.get(t, key, where, f.string, default=None)
    for key in AUTH_NAMES.get(auth, ()):
        if fields[key] is None:
            what = NAME_MEANING[vendor, key]
            f.fail(f"{where}.{key}", f'auth "{auth}" needs {key} ({what})', f'add {key} = "..."')
    return fields, read_secret_refs(f, t, where, auth)


def _where_to_call(f: Fields, t: Mapping, where: str, vendor: str, auth: str) -> dict:
    """endpoint, and for Huawei region, project_id and iam_endpoint, with the documented defaults."""
    endpoint = f.get(t, "endpoint", where, f.url, default=None)
    if vendor == VENDOR_JDCLOUD:
        return {"endpoint": endpoint or JDCLOUD_ENDPOINT}
    region = f.get(t, "region", where, f.string, default=None)
    if region is not None and not _REGION.match(region):
        f.fail(
            f"{where}.region",
            f'"{region}" is not a region id',
            'use the id from the console, e.g. "cn-north-4"',
        )
    if endpoint is None and region is None:
        f.fail(
            f"{where}.region",
            "a huawei account needs a region or an endpoint",
            'add region = "cn-north-4" (yours), or endpoint = "https://live.REGION.myhuaweicloud.com"',
        )
    project_id = f.require(
        t,
        "project_id",
        where,
        f.string,
        fix="add project_id: the console's My Credentials page lists it per region",
    )
    iam = f.get(t, "iam_endpoint", where, f.url, default=None)
    if iam is None and auth == AUTH_PASSWORD:
        if region is None:
            f.fail(
                f"{where}.iam_endpoint",
                "password auth needs an IAM endpoint or a region to derive it from",
                'add region = "cn-north-4", or iam_endpoint = "https://iam.REGION.myhuaweicloud.com"',
            )
        iam = f"https://iam.{region}.myhuaweicloud.com"
    return {
        "endpoint": endpoint or f"https://live.{region}.myhuaweicloud.com",
        "region": region,
        "project_id": project_id,
        "iam_endpoint": iam,
    }


def _finish_account(f: Fields, fields: dict, refs: dict[str, SecretRef]) -> AccountConfig:
    secrets = resolve_secrets(f, refs, fields["auth"], fields["name"])
    credentials = Credentials(
        username=fields.pop("username"), domain_name=fields.pop("domain_name"), **secrets
    )
    return AccountConfig(credentials=credentials, **fields)


def _parse_domains(f: Fields, domains, where: str) -> tuple[DomainConfig, ...]:
    domains = f.array(domains, where)
    out: list[DomainConfig] = []
    seen: dict[str, str] = {}
    for i, item in enumerate(domains):
        here = f"{where}[{i}]"
        if isinstance(item, Mapping):
            f.check_keys(item, DOMAIN_KEYS, here)
            name_key = f"{here}.name"
            name = f.require(item, "name", here, f.string)
            label = f.get(item, "label", here, f.string, default=None)
        else:
            name_key, name, label = here, f.string(item, here), None
        _check_domain_name(f, name, name_key)
        folded = name.lower()
        if folded in seen:
            f.fail(name_key, f'duplicate domain "{name}" (also {seen[folded]})', "list each play domain once")
        seen[folded] = name_key
        out.append(DomainConfig(name=name, label=label))
    return tuple(out)


def _check_domain_name(f: Fields, name: str, where: str) -> None:
    if "://" in name or "/" in name:
        host = name.split("://", 1)[-1].split("/", 1)[0]
        f.fail(where, f'"{name}" is a URL, not a play domain', f'write the host name only: "{host}"')
    if not _HOST.match(name):
        f.fail(where, f'"{name}" is not a domain name', 'write the play domain, e.g. "play.example.com"')
