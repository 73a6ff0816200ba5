"""Who may ask the collector anything: the bind policy and the bearer token.

It binds 127.0.0.1 unless told otherwise; any other address needs a token (`serve.token_env` names the
environment variable holding it), or `serve` refuses to start. With a token, every request must carry
`Authorization: Bearer TOKEN`, except `/metrics` when `serve.metrics_public = true`.
"""

from __future__ import annotations

import hmac
import ipaddress
import os

from livetop.config.schema import Config, Secret

MIN_TOKEN_LENGTH = 16
TOKEN_FIX = 'export a long random token, e.g. export {env}="$(openssl rand -hex 32)"'


class ServeRefused(Exception):
    """`serve` must not start as configured; the message names the key and the fix."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def read_token(config: Config, host: str) -> Secret | None:
    """The token this collector demands, or None (loopback, no token configured). Raises ServeRefused."""
    where = f"{config.path}: " if config.path else ""
    env = config.serve.token_env
    if env is None:
        if is_loopback(host):
            return None
        raise ServeRefused(
            f"{where}serve.token_env: binding {host} (not loopback) needs a token, and none is configured\n"
            f'  fix: add token_env = "LIVETOP_TOKEN" under [serve] and {TOKEN_FIX.format(env="LIVETOP_TOKEN")}'
            f"; or listen on 127.0.0.1 behind a reverse proxy"
        )
    value = os.environ.get(env, "")
    if not value.strip():
        raise ServeRefused(
            f"{where}serve.token_env: the environment variable {env} is not set or empty\n"
            f"  fix: {TOKEN_FIX.format(env=env)}"
        )
    if len(value.strip()) < MIN_TOKEN_LENGTH:
        raise ServeRefused(
            f"{where}serve.token_env: the token in {env} is shorter than {MIN_TOKEN_LENGTH} characters\n"
            f"  fix: {TOKEN_FIX.format(env=env)}"
        )
    return Secret(value.strip(), f"env {env}")


def authorized(token: Secret | None, header: str | None) -> bool:
    if token is None:
        return True
    if not header:
        return False
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.reveal().encode())
