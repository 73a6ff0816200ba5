"""Where an account's secrets come from: an environment variable named by `<name>_env`, or the file itself.

Inline secrets are wrapped in `Secret` as soon as they are read, and a file holding one must be private to
its owner. Messages name keys and variables, never values.
"""

from __future__ import annotations

import os
import re
import shlex
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from livetop.config.fields import Fields
from livetop.config.schema import Secret

SECRET_NAMES = ("token", "password", "access_key", "secret_key")
SECRET_KEYS = (*SECRET_NAMES, *(f"{name}_env" for name in SECRET_NAMES))
SECRET_WORDS = {
    "token": "token",
    "password": "IAM password",
    "access_key": "access key",
    "secret_key": "secret key",
}

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class SecretRef:
    """One secret key of an account: `env` names a variable, or `inline` holds the value from the file."""

    name: str  # "secret_key"
    key: str  # key path, e.g. "accounts[0].secret_key_env"
    env: str | None = None
    inline: Secret | None = None


def looks_like_secret(text: str) -> bool:
    """True for a value shaped like an access key or secret key rather than a variable name.

    Variable names are short and use underscores; AK/SK values are long runs of letters and digits.
    """
    has_digit = any(c.isdigit() for c in text)
    has_alpha = any(c.isalpha() for c in text)
    return len(text) > 64 or (len(text) >= 16 and "_" not in text and has_digit and has_alpha)


def read_secret_refs(
    f: Fields, table: Mapping, where: str, auth: str, needed: tuple[str, ...]
) -> dict[str, SecretRef]:
    """Every secret the account table holds; fails if one the auth mode needs (`needed`, as the vendor's
    spec declares it) is missing."""
    refs: dict[str, SecretRef] = {}
    for name in SECRET_NAMES:
        env_key = f"{name}_env"
        if name in table and env_key in table:
            f.fail(
                f"{where}.{name}",
                f"both {name} and {env_key} are set",
                f"keep one: {env_key} (the value comes from the environment) or {name}",
            )
        if env_key in table:
            key = f"{where}.{env_key}"
            var = f.string(table[env_key], key, secret=True)
            # A value pasted into `*_env` by mistake is the secret itself: say so without echoing it.
            if looks_like_secret(var) or not _ENV_NAME.match(var):
                f.fail(
                    key,
                    "is not an environment variable name (it may be the secret itself, so it is not shown)",
                    f'put the variable\'s name here, e.g. {env_key} = "LIVETOP_{name.upper()}", and export '
                    f"that variable in the shell; rotate the {SECRET_WORDS[name]} if this file was shared",
                )
            refs[name] = SecretRef(name, key, env=var)
        elif name in table:
            key = f"{where}.{name}"
            refs[name] = SecretRef(
                name, key, inline=Secret(f.string(table[name], key, secret=True), "config file")
            )
    for name in needed:
        if name not in refs:
            f.fail(
                f"{where}.{name}_env",
                f'auth "{auth}" needs the {SECRET_WORDS[name]}, and none is given',
                f'add {name}_env = "VARIABLE" and export VARIABLE in the shell '
                f'(or {name} = "..." in a file only you can read)',
            )
    return refs


def check_inline_private(f: Fields, refs: Iterable[SecretRef], file_mode: int | None) -> None:
    """An inline secret (used or not) in a file that group or others can read is refused."""
    if file_mode is None or os.name != "posix" or not (file_mode & 0o077):
        return
    for ref in refs:
        if ref.inline is not None:
            f.fail(
                ref.key,
                f"holds a secret, but the file is readable by group or others "
                f"(mode {stat.S_IMODE(file_mode):04o})",
                f"chmod 600 {shlex.quote(str(f.path))}  (or move the secret to the environment: "
                f"{ref.name}_env)",
            )


def resolve_secrets(
    f: Fields, refs: Mapping[str, SecretRef], needed: tuple[str, ...], account: str
) -> dict[str, Secret]:
    """The secrets the auth mode uses (`needed`), read from the environment or the file.

    Secrets for other modes stay unread, so switching `auth` is a one-line change that needs no new variable.
    """
    values: dict[str, Secret] = {}
    for name in needed:
        ref = refs[name]
        if ref.inline is not None:
            values[name] = ref.inline
            continue
        value = os.environ.get(ref.env)
        if not value:
            state = "is empty" if value is not None else "is not set"
            f.fail(
                ref.key,
                f'environment variable {ref.env} {state} (the {SECRET_WORDS[name]} of account "{account}")',
                f"export {ref.env}='<{SECRET_WORDS[name]}>' in the shell that runs livetop",
            )
        values[name] = Secret(value, f"env {ref.env}")
    return values
