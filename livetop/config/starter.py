"""The commented starter config `livetop init` writes.

The data parts are rendered with tomli-w (so they are valid TOML by construction) and the comments are put
around them. Secrets are named by environment variable only: the starter never holds a secret.
"""

from __future__ import annotations

import os
from pathlib import Path

import tomli_w

from livetop.config.write import write_private
from livetop.vendors.registry import all_specs
from livetop.vendors.spec import ApiSpec, Starter, VendorSpec

_GLOBAL = {"refresh": "30s", "window": "1h"}
_UI = {
    "ui": {
        "theme": "livetop-dark",
        "ascii_sparklines": False,
        "error_panel_auto_open": True,
        "sort": "bandwidth",
    }
}


def _toml(data: dict) -> str:
    return tomli_w.dumps(data).strip("\n") + "\n"


def _commented(text: str) -> str:
    return "".join(f"# {line}\n" if line else "#\n" for line in text.splitlines())


def _examples() -> list[tuple[VendorSpec, ApiSpec, Starter]]:
    """Every vendor's examples in registry order; per vendor, the API `init` offers first."""
    out = []
    for vendor in all_specs():
        apis = sorted(vendor.apis, key=lambda api: api.name != vendor.init_api)
        out += [(vendor, api, starter) for api in apis for starter in api.starters]
    return out


def starter_env(active_only: bool = True) -> tuple[str, ...]:
    """The environment variables the starter's accounts name (only the active ones by default)."""
    names: list[str] = []
    for _, _, starter in _examples():
        if starter.active or not active_only:
            names += [n for n in starter.env if n not in names]
    return tuple(names)


def _account_block(vendor: VendorSpec, api: ApiSpec, starter: Starter) -> str:
    account = dict(starter.account)
    # The API is written out, so the account keeps it when the vendor's default changes.
    ordered = {k: account[k] for k in ("name", "vendor") if k in account}
    ordered["api"] = api.name
    ordered.update({k: v for k, v in account.items() if k not in ordered})
    text = _toml({"accounts": [ordered]})
    lines = _commented(starter.comment)
    if starter.env:
        lines += f"# Needs: export {' '.join(f'{name}=...' for name in starter.env)}\n"
    return lines + (text if starter.active else _commented(text))


def starter_text() -> str:
    """The starter config as TOML text with comments."""
    accounts = "\n".join(_account_block(*example) for example in _examples())
    vendors = " | ".join(vendor.name for vendor in all_specs())
    return f"""\
# livetop config: the accounts and play domains livetop watches. Keys are optional unless marked required.
# Secrets never sit in this file: each *_env key names the environment variable that holds one.
# (An inline secret, e.g. secret_key = "...", is accepted only while the file is chmod 600.)
# Config location: --config FILE, else $LIVETOP_CONFIG, else $XDG_CONFIG_HOME/livetop/config.toml.

# refresh: the longest a domain goes unasked while its newest figure can still change (it is never asked
# more often than its data changes: about once a minute). window: how much history the screen shows.
# Durations are a number of seconds or a string like "30s", "5m", "1h".
{_toml(_GLOBAL)}
# Look and feel. sort: bandwidth | change | name | vendor | errors. The `t` key cycles themes and saves here.
{_toml(_UI)}
# Remap keys by binding id (shown in the help screen, `?`), e.g.:
# [keys]
# "overview.select" = "enter,o"

# ---- Accounts -------------------------------------------------------------------------------------------
# One [[accounts]] table per vendor account. Required: name (unique), vendor ({vendors}), and the
# credentials the auth mode needs. api picks the vendor's API (see each example). Optional on any account:
# endpoint, verify_tls (default true; false must be written out and is shown on screen), timeout ("10s"),
# concurrency, rate_per_second, settle_delay (how long the vendor keeps changing its newest buckets, shown
# as provisional until then; default: the vendor API's documented lag, or 10m where none is published).
# Domains are play domains, as strings or {{ name = "...", label = "..." }}.

{accounts}"""


def write_starter(path: str | os.PathLike, force: bool = False) -> Path:
    """Write the starter config at `path` (mode 0600, parent directories created).

    Raises `livetop.config.write.WriteRefused` (empty path, not a regular file, exists without `force`);
    OSError for anything the OS refuses.
    """
    return write_private(path, starter_text(), force=force)
