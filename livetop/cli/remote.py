"""`--remote URL` and `--token-env NAME`, shared by the TUI and `snapshot`: where a viewer reads from."""

from __future__ import annotations

import argparse
import os
import sys

DEFAULT_TOKEN_ENV = "LIVETOP_TOKEN"


def remote_target(args: argparse.Namespace):
    """(url, token) when the command reads a collector, () when it reads the vendors, None on an error
    (already printed). The config is read only for `remote`/`remote_token_env` when --remote is not given."""
    from livetop.config.fields import Fields
    from livetop.config.schema import ConfigError, Secret

    url = getattr(args, "remote", None)
    token_env = getattr(args, "token_env", None)
    if url is None:
        from livetop.cli.common import load_config_or_none

        config = load_config_or_none(args)
        if config is None:
            return None
        if config.remote is None:
            return ()
        url, token_env = config.remote, token_env or config.remote_token_env
    else:
        try:
            url = Fields(None).url(url, "--remote")
        except ConfigError as exc:
            print(f"livetop: --remote: {exc.problem}", file=sys.stderr)
            return None
    name = token_env or DEFAULT_TOKEN_ENV
    value = os.environ.get(name, "").strip()
    if token_env and not value:
        print(f"livetop: the collector's token variable {name} is not set or empty", file=sys.stderr)
        return None
    return url, (Secret(value, f"env {name}") if value else None)
