"""The commented starter config `livetop init` writes.

The data parts are rendered with tomli-w (so they are valid TOML by construction) and the comments are put
around them. Secrets are named by environment variable only: the starter never holds a secret.
"""

from __future__ import annotations

import os
from pathlib import Path

import tomli_w

from livetop.config.write import write_private

# Huawei's own SDKs read the AK/SK from these variables, so users who have them set need nothing new.
HUAWEI_AK_ENV = "HUAWEICLOUD_SDK_AK"
HUAWEI_SK_ENV = "HUAWEICLOUD_SDK_SK"
HUAWEI_PASSWORD_ENV = "HUAWEICLOUD_IAM_PASSWORD"
JDCLOUD_SECRET_ENV = "JDCLOUD_OPENCDN_SECRET_KEY"
# The variables the starter's active accounts need (the password account is commented out).
STARTER_ENV = (HUAWEI_AK_ENV, HUAWEI_SK_ENV, JDCLOUD_SECRET_ENV)

_GLOBAL = {"refresh": "30s", "window": "1h"}
_UI = {
    "ui": {
        "theme": "livetop-dark",
        "ascii_sparklines": False,
        "error_panel_auto_open": True,
        "sort": "bandwidth",
    }
}
_HUAWEI_AKSK = {
    "name": "hw-prod",
    "vendor": "huawei",
    "region": "cn-north-4",
    "project_id": "REPLACE-WITH-PROJECT-ID",
    "auth": "aksk",
    "access_key_env": HUAWEI_AK_ENV,
    "secret_key_env": HUAWEI_SK_ENV,
    "step_minutes": 5,
    "domains": ["play.example.com", {"name": "live.example.com", "label": "Main event"}],
}
_HUAWEI_PASSWORD = {
    "name": "hw-intl",
    "vendor": "huawei",
    "region": "ap-southeast-3",
    "project_id": "REPLACE-WITH-PROJECT-ID",
    "auth": "password",
    "username": "REPLACE-WITH-IAM-USER",
    "domain_name": "REPLACE-WITH-ACCOUNT-NAME",
    "password_env": HUAWEI_PASSWORD_ENV,
    "domains": ["play-sg.example.com"],
}
_JDCLOUD = {
    "name": "jd-main",
    "vendor": "jdcloud",
    "username": "REPLACE-WITH-JD-PIN",
    "secret_key_env": JDCLOUD_SECRET_ENV,
    "domains": ["play.example.net"],
}


def _toml(data: dict) -> str:
    return tomli_w.dumps(data).strip("\n") + "\n"


def _commented(text: str) -> str:
    return "".join(f"# {line}\n" if line else "#\n" for line in text.splitlines())


def starter_text() -> str:
    """The starter config as TOML text with comments."""
    return f"""\
# livetop config: the accounts and play domains livetop watches. Keys are optional unless marked required.
# Secrets never sit in this file: each *_env key names the environment variable that holds one.
# (An inline secret, e.g. secret_key = "...", is accepted only while the file is chmod 600.)
# Config location: --config FILE, else $LIVETOP_CONFIG, else $XDG_CONFIG_HOME/livetop/config.toml.

# refresh: how often each domain is polled. window: how much history the screen shows.
# Durations are a number of seconds or a string like "30s", "5m", "1h".
{_toml(_GLOBAL)}
# Look and feel. sort: bandwidth | change | name | vendor | errors. The `t` key cycles themes and saves here.
{_toml(_UI)}
# Remap keys by binding id (shown in the help screen, `?`), e.g.:
# [keys]
# "overview.select" = "enter,o"

# ---- Accounts -------------------------------------------------------------------------------------------
# One [[accounts]] table per vendor account. Required: name (unique), vendor (huawei | jdcloud), and the
# credentials the auth mode needs. Optional on any account: endpoint, verify_tls (default true; false must
# be written out and is shown on screen), timeout ("10s"), concurrency, rate_per_second, data_lag ("10m").
# Domains are play domains, as strings or {{ name = "...", label = "..." }}.

# Huawei Cloud Live, AK/SK signing. Required: project_id (console > My Credentials > Projects, per region).
# endpoint defaults to https://live.REGION.myhuaweicloud.com. step_minutes: 1, 5, 15, 30, 60, 240 or 1440.
# Needs: export {HUAWEI_AK_ENV}=... {HUAWEI_SK_ENV}=...
{_toml({"accounts": [_HUAWEI_AKSK]})}
# Huawei Cloud Live with an IAM user's password (livetop fetches and renews the token itself).
# iam_endpoint defaults to https://iam.REGION.myhuaweicloud.com. auth = "token" with token_env also works.
# Needs: export {HUAWEI_PASSWORD_ENV}=...
{_commented(_toml({"accounts": [_HUAWEI_PASSWORD]}))}
# JD Cloud live CDN (opencdn API). username is the JD pin; the secret is the opencdn SecretKey.
# endpoint defaults to https://opencdn.jcloud.com. unit_base: 1000 (default) or 1024 for Mbps/MB.
# Needs: export {JDCLOUD_SECRET_ENV}=...
{_toml({"accounts": [_JDCLOUD]})}"""


def write_starter(path: str | os.PathLike, force: bool = False) -> Path:
    """Write the starter config at `path` (mode 0600, parent directories created).

    Raises `livetop.config.write.WriteRefused` (empty path, not a regular file, exists without `force`);
    OSError for anything the OS refuses.
    """
    return write_private(path, starter_text(), force=force)
