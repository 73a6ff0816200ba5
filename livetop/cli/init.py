"""`livetop init`: write a commented starter config."""

from __future__ import annotations

import argparse
import shlex
import sys

from livetop.cli.common import EXIT_CONFIG, EXIT_FAILED, EXIT_OK

HELP = "write a commented starter config (mode 0600; secrets named by environment variable, never stored)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "path",
        metavar="PATH",
        nargs="?",
        help="where to write it (default: $LIVETOP_CONFIG, else $XDG_CONFIG_HOME/livetop/config.toml)",
    )
    parser.add_argument(
        "--force", action="store_true", help="replace an existing regular file (symlinks: the file they name)"
    )


def run(args: argparse.Namespace) -> int:
    from livetop.config.load import config_path
    from livetop.config.starter import starter_env, write_starter
    from livetop.config.write import WriteRefused

    if args.path == "":
        # config_path("") would mean "the default", silently writing a file the user did not name.
        print(
            "livetop: PATH is empty\n  fix: give a file name, or leave PATH out to write the default "
            f"({config_path(None)})",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    path = config_path(args.path)
    shown = shlex.quote(str(path))
    try:
        write_starter(path, force=args.force)
    except WriteRefused as exc:
        if exc.exists:
            exc.fix = f"pick another PATH, or run `livetop init {shown} --force` to replace it"
        print(f"livetop: {exc.message()}", file=sys.stderr)
        return EXIT_CONFIG
    except OSError as exc:
        print(f"livetop: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED
    run_cmd = "livetop" if path == config_path(None) else f"livetop --config {shown}"
    exports = "\n".join(f"       export {name}='...'" for name in starter_env())
    print(f"""wrote a starter config to {path} (mode 0600)
next:
  1. edit it: your project_id, play domains and JD pin (every REPLACE-WITH-... value), and the accounts
     you do not need
  2. put the secrets in the environment (the config names these variables; it never holds the values):
{exports}
  3. run: {run_cmd}
     (to check one account first: {run_cmd.replace("livetop", "livetop query", 1)} ACCOUNT DOMAIN)""")
    return EXIT_OK
