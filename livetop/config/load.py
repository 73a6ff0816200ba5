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

from livetop.config.alerts import parse_alerts
from livetop.config.fields import Fields, key_path
from livetop.config.history import parse_history
from livetop.config.schema import AccountConfig, Config, Credentials, DomainConfig, ServeConfig, UiConfig
from livetop.config.secrets import (
    SECRET_KEYS,
    SecretRef,
    check_inline_private,
    read_secret_refs,
    resolve_secrets,
)
from livetop.ui.sorts import SORTS
from livetop.vendors import registry
from livetop.vendors.spec import AccountKey, ApiSpec, VendorSpec

ENV_CONFIG = "LIVETOP_CONFIG"

TOP_KEYS = (
    "refresh", "window", "ui", "keys", "accounts", "alerts", "history", "serve", "remote", "remote_token_env",
)
UI_KEYS = tuple(UiConfig.__dataclass_fields__)
# The overview's sort modes, from their one Textual-free home.
SORT_MODES = SORTS

# Keys every account may have; each vendor API declares the rest (livetop.vendors.<vendor>.spec).
COMMON_ACCOUNT_KEYS = (
    "name", "vendor", "api", "endpoint", "auth", "username", *SECRET_KEYS,
    "verify_tls", "timeout", "concurrency", "rate_per_second", "step_minutes", "data_lag",
    "settle_delay", "domains",
)  # fmt: skip
DOMAIN_KEYS = ("name", "label")
_ACCOUNT_FIELDS = frozenset(AccountConfig.__dataclass_fields__)
_CREDENTIAL_NAMES = frozenset(("username", "domain_name"))

PLACEHOLDER = "REPLACE-WITH-"  # what `livetop init` writes where only the user knows the value
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
    except ValueError:  # tomllib lets Python's refusal of an integer of over 4300 digits through
        f.fail(
            None, "not valid TOML: an integer with thousands of digits", "write a number of a sensible size"
        )
    except RecursionError:
        f.fail(None, "not valid TOML: arrays or tables nested too deep", "remove the nesting")


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
    serve = parse_serve(f, data.get("serve", {}))
    remote = f.get(data, "remote", "", f.url, default=None)
    remote_token_env = f.get(data, "remote_token_env", "", lambda v, w: _env_name(f, v, w), default=None)
    pending = _parse_accounts(f, data.get("accounts", []))
    if file is not None and file_mode is None:
        try:
            file_mode = file.stat().st_mode
        except OSError:
            file_mode = None
    check_inline_private(f, (ref for _, refs in pending for ref in refs.values()), file_mode)
    accounts = tuple(_finish_account(f, fields, refs) for fields, refs in pending)
    alerts = parse_alerts(f, data.get("alerts", []))
    history = parse_history(f, data.get("history", True), file)
    return Config(
        path=file, refresh_seconds=refresh, window_seconds=window, accounts=accounts, ui=ui, keys=keys,
        alerts=alerts, history=history,
        serve=serve, remote=remote, remote_token_env=remote_token_env,
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
        alert_bell=f.get(table, "alert_bell", "ui", f.boolean, default=defaults.alert_bell),
    )


_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LISTEN = re.compile(r"^(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<host>[^:\[\]\s]+)):(?P<port>[0-9]{1,5})$")


def split_listen(text: str) -> tuple[str, int] | None:
    """`127.0.0.1:9360`, `[::1]:9360`, `0.0.0.0:9360` -> (host, port); None when it is not that shape."""
    m = _LISTEN.match(text.strip())
    if m is None:
        return None
    port = int(m["port"])
    if not 0 <= port < 65536:  # 0: any free port (the line printed at start says which)
        return None
    return m["v6"] or m["host"], port


def parse_serve(f: Fields, table) -> ServeConfig:
    table = f.table(table, "serve")
    f.check_keys(table, tuple(ServeConfig.__dataclass_fields__), "serve")
    defaults = ServeConfig()
    listen = f.get(table, "listen", "serve", f.string, default=defaults.listen)
    if split_listen(listen) is None:
        f.fail("serve.listen", f'"{listen}" is not HOST:PORT', 'write it like "127.0.0.1:9360" or "[::1]:9360"')
    return ServeConfig(
        listen=listen,
        token_env=f.get(table, "token_env", "serve", lambda v, w: _env_name(f, v, w), default=None),
        metrics_public=f.get(table, "metrics_public", "serve", f.boolean, default=defaults.metrics_public),
    )


def _env_name(f: Fields, value, where: str) -> str:
    name = f.string(value, where)
    if not _ENV_NAME.match(name):
        f.fail(
            where,
            "must name an environment variable (the token itself never goes in the file)",
            'write the variable\'s name, e.g. "LIVETOP_TOKEN", and export the token in it',
        )
    return name


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


def account_keys() -> tuple[str, ...]:
    """Every key an account of some vendor API may have: the common ones, then each API's own."""
    keys = list(COMMON_ACCOUNT_KEYS)
    for vendor in registry.all_specs():
        for api in vendor.apis:
            keys += [k for k in api.accepted_keys() if k not in keys]
    return tuple(keys)


def _owners(key: str) -> str:
    """Who accepts `key`: "jdcloud", or 'huawei api "v2"' when only some of a vendor's APIs do."""
    owners = []
    for vendor in registry.all_specs():
        apis = [api.name for api in vendor.apis if key in api.accepted_keys()]
        if len(apis) == len(vendor.apis):
            owners.append(vendor.name)
        elif apis:
            owners.append(f"{vendor.name} (api {' / '.join(apis)})")
    return " or ".join(owners)


def _api_label(vendor: VendorSpec, api: ApiSpec) -> str:
    return vendor.name if len(vendor.apis) == 1 else f'{vendor.name} (api "{api.name}")'


def _parse_account(f: Fields, t: Mapping, where: str) -> tuple[dict, dict[str, SecretRef]]:
    """Everything but the secrets' values: those are resolved after the file-mode check."""
    f.check_keys(t, account_keys(), where)
    _refuse_placeholders(f, t, where)
    name = f.require(t, "name", where, f.string)
    names = registry.vendor_names()
    vendor_name = f.require(
        t, "vendor", where, f.string, fix="add vendor = " + " or ".join(f'"{v}"' for v in names)
    )
    if vendor_name not in names:
        f.fail(f"{where}.vendor", f'unknown vendor "{vendor_name}"', f"use one of: {', '.join(names)}")
    vendor = registry.vendor_spec(vendor_name)
    api_name = f.get(t, "api", where, f.string, default=vendor.default_api)
    api = vendor.api(api_name)
    if api is None:
        choices = "; ".join(f'"{a.name}": {a.title}' for a in vendor.apis)
        f.fail(f"{where}.api", f'{vendor.name} has no API "{api_name}"', f"use one of: {choices}")
    accepted = api.accepted_keys()
    for key in t:
        if key not in COMMON_ACCOUNT_KEYS and key not in accepted:
            f.fail(
                f"{where}.{key}",
                f"applies only to {_owners(key)} accounts; this one is {_api_label(vendor, api)}",
                "remove it",
            )
    auth = f.get(t, "auth", where, f.string, default=api.default_auth)
    mode = api.auth(auth)
    if mode is None:
        f.fail(
            f"{where}.auth",
            f'unknown auth mode "{auth}" for {_api_label(vendor, api)}',
            f"use one of: {', '.join(api.auth_names)}",
        )
    fields: dict = {"name": name, "vendor": vendor.name, "api": api.name, "auth": auth}
    fields.update(_api_keys(f, t, where, vendor, api, auth))
    fields["verify_tls"] = f.get(t, "verify_tls", where, f.boolean, default=True)
    fields["timeout_seconds"] = f.get(t, "timeout", where, f.duration, default=10.0)
    fields["concurrency"] = f.get(t, "concurrency", where, f.positive_int, default=None)
    fields["rate_per_second"] = f.get(t, "rate_per_second", where, f.positive_number, default=None)
    step = f.get(t, "step_minutes", where, f.positive_int, default=api.default_step_minutes)
    if api.step_problem(step):
        f.fail(
            f"{where}.step_minutes",
            f"{_api_label(vendor, api)} accepts no step of {step} minutes",
            f"use one of: {', '.join(map(str, api.step_minutes))}",
        )
    fields["step_minutes"] = step
    # settle_delay: how long the vendor keeps changing its newest buckets (provisional until then; polls
    # re-read them). `data_lag` is its older name, still read.
    if "settle_delay" in t and "data_lag" in t:
        f.fail(f"{where}.data_lag", "is the old name of settle_delay, which is also given", "remove data_lag")
    lag_key = "settle_delay" if "settle_delay" in t else "data_lag"
    fields["data_lag_seconds"] = f.get(t, lag_key, where, f.data_lag, default=None)
    fields["domains"] = _parse_domains(f, t.get("domains", []), f"{where}.domains")
    fields["username"] = f.get(t, "username", where, f.string, default=None)
    for key, what in mode.names:
        if fields.get(key) is None:
            fields[key] = f.get(t, key, where, f.string, default=None)
        if fields[key] is None:
            f.fail(f"{where}.{key}", f'auth "{auth}" needs {key} ({what})', f'add {key} = "..."')
    for other in api.auth_modes:  # names of the API's other modes are kept, so switching auth is one line
        for key, _ in other.names:
            if key not in fields:
                fields[key] = f.get(t, key, where, f.string, default=None)
    return fields, read_secret_refs(f, t, where, auth, mode.secrets)


_CONVERTERS = {
    "string": "string",
    "url": "url",
    "region": "string",
    "int": "integer",
    "positive_int": "positive_int",
    "bool": "boolean",
    "number": "positive_number",
}


def _read_key(f: Fields, t: Mapping, where: str, key: AccountKey):
    convert = getattr(f, _CONVERTERS[key.kind])
    if key.required:
        value = f.require(t, key.name, where, convert, fix=key.fix or None)
    else:
        value = f.get(t, key.name, where, convert, default=None)
    if value is None:
        return None
    if key.kind == "region" and not _REGION.match(value):
        f.fail(f"{where}.{key.name}", f'"{value}" is not a region id', key.fix or None)
    if key.choices and value not in key.choices:
        shown = " or ".join(map(str, key.choices))
        f.fail(f"{where}.{key.name}", f"must be {shown}, not {value}", key.fix or f"use {shown}")
    return value


def _fill(template: str, values: Mapping[str, object]) -> tuple[str | None, str | None]:
    """(the template filled from `values`, None) or (None, the first key it names that has no value)."""
    for key in re.findall(r"{(\w+)}", template):
        if values.get(key) is None:
            return None, key
    return template.format_map(values), None


def _api_keys(f: Fields, t: Mapping, where: str, vendor: VendorSpec, api: ApiSpec, auth: str) -> dict:
    """The API's own keys, then endpoint and the keys derived from others, with their documented defaults."""
    values = {key.name: _read_key(f, t, where, key) for key in api.keys}
    endpoint = f.get(t, "endpoint", where, f.url, default=None)
    if endpoint is None:
        endpoint, missing = _fill(api.default_endpoint, values)
        if missing is not None:
            f.fail(
                f"{where}.{missing}",
                f"a {vendor.name} account needs a {missing} or an endpoint",
                api.endpoint_fix or f'add {missing} = "...", or endpoint = "https://..."',
            )
    for key in api.keys:
        if values[key.name] is not None:
            continue
        if key.template and (not key.derive_for_auth or auth in key.derive_for_auth):
            values[key.name], missing = _fill(key.template, values)
            if missing is not None:
                f.fail(
                    f"{where}.{key.name}",
                    f"{auth} auth needs {key.what or key.name} or a {missing} to derive it from",
                    key.fix or None,
                )
        elif key.default is not None:
            values[key.name] = key.default
    return {"endpoint": endpoint, **values}


def _finish_account(f: Fields, fields: dict, refs: dict[str, SecretRef]) -> AccountConfig:
    mode = registry.api_spec(fields["vendor"], fields["api"]).auth(fields["auth"])
    secrets = resolve_secrets(f, refs, mode.secrets, fields["name"])
    credentials = Credentials(
        **{key: fields.pop(key) for key in list(fields) if key in _CREDENTIAL_NAMES}, **secrets
    )
    extra = [key for key in fields if key not in _ACCOUNT_FIELDS]
    # An unset key (of another auth mode, say) is left out; the rest are options.
    options = tuple((key, fields[key]) for key in extra if fields[key] is not None)
    for key in extra:
        del fields[key]
    return AccountConfig(credentials=credentials, options=options, **fields)


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
        if not name.isascii() and "://" not in name and "/" not in name:
            # 直播.例子.中国 is asked for as xn--...; shown as written unless a label says otherwise.
            unicode_name, name = name, _ascii_domain(f, name, name_key)
            label = label or unicode_name
        _check_domain_name(f, name, name_key)
        folded = name.lower()
        if folded in seen:
            f.fail(name_key, f'duplicate domain "{name}" (also {seen[folded]})', "list each play domain once")
        seen[folded] = name_key
        out.append(DomainConfig(name=name, label=label))
    return tuple(out)


def _refuse_placeholders(f: Fields, t: Mapping, where: str) -> None:
    """`livetop init` writes REPLACE-WITH-... where only the user knows the value. Left in, it would fail
    later as a DNS error or an auth error far from its cause: name the key now."""
    for key, value in t.items():
        if isinstance(value, str) and PLACEHOLDER in value:
            f.fail(
                f"{where}.{key}",
                f'still holds the placeholder "{value}" from livetop init',
                f"replace it with your own {key}",
            )


def _ascii_domain(f: Fields, name: str, where: str) -> str:
    """A non-ASCII (internationalised) domain name in its ASCII form, as the vendor's API takes it."""
    try:
        return name.encode("idna").decode("ascii")
    except UnicodeError:
        f.fail(where, f'"{name}" is not a domain name', 'write the play domain, e.g. "play.example.com"')
    raise AssertionError("unreachable")  # f.fail raises


def _check_domain_name(f: Fields, name: str, where: str) -> None:
    if "://" in name or "/" in name:
        host = name.split("://", 1)[-1].split("/", 1)[0]
        f.fail(where, f'"{name}" is a URL, not a play domain', f'write the host name only: "{host}"')
    if not _HOST.match(name):
        f.fail(where, f'"{name}" is not a domain name', 'write the play domain, e.g. "play.example.com"')
