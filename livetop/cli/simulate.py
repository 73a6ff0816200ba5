"""`livetop simulate`: the vendor simulator alone, for trying configs and scripts offline.

The first line on stdout is `listening on http://HOST:PORT` (scripts read it); everything else goes to
stderr. Runs until SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import sys

HELP = "run the vendor simulator (Huawei Cloud Live + JD Cloud) on 127.0.0.1"
LIST_DOMAINS_UP_TO = 40  # beyond this the summary counts domains instead of naming them
# A bound on --domains: far past any real account, and a typo of a few zeros gets a message, not a machine
# that swaps while it generates a hundred million domains.
MAX_DOMAINS = 20_000

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: 0 = any free port)")
    parser.add_argument("--scenario", metavar="FILE", help="scenario TOML file (default: the built-in demo)")
    parser.add_argument(
        "--domains", type=int, metavar="N", help="serve N play domains spread over the scenario's accounts"
    )
    parser.add_argument(
        "--write-config",
        metavar="FILE",
        help="write a livetop config whose accounts point at this simulator (file mode 0600)",
    )
    parser.add_argument(
        "--force", action="store_true", help="let --write-config replace an existing regular file"
    )


def run(args: argparse.Namespace) -> int:
    from livetop.sim.scenario import ScenarioError, load_scenario

    if args.domains is not None and not 1 <= args.domains <= MAX_DOMAINS:
        # One line: `livetop demo` passes --domains through and shows the simulator's last line.
        print(
            f"livetop simulate: --domains {args.domains} is out of range; "
            f"use a number from 1 to {MAX_DOMAINS}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if args.write_config == "":
        print("livetop simulate: --write-config is empty\n  fix: give a file name", file=sys.stderr)
        return EXIT_USAGE
    if not 0 <= args.port <= 65535:
        print("livetop simulate: --port must be between 0 and 65535", file=sys.stderr)
        return EXIT_USAGE
    try:
        scenario = load_scenario(args.scenario)
    except ScenarioError as exc:
        print(f"livetop simulate: scenario error: {exc.message()}", file=sys.stderr)
        return EXIT_USAGE
    if args.domains is not None:
        scenario = scenario.scaled(args.domains)

    import asyncio

    return asyncio.run(_serve(scenario, args))


async def _serve(scenario, args: argparse.Namespace) -> int:
    import asyncio
    import signal

    from livetop.sim.server import Simulator

    # Handlers first: a script may signal us as soon as it has read the "listening on" line.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    sim = Simulator(scenario, host=args.host, port=args.port)
    try:
        await sim.start()
    except OSError as exc:
        print(
            f"livetop simulate: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    path = None
    try:
        if args.write_config is not None:
            from livetop.config.write import WriteRefused

            try:
                path = sim.write_config(args.write_config, force=args.force)
            except WriteRefused as exc:
                if exc.exists:
                    exc.fix = "pick another FILE, or add --force to replace it"
                print(f"livetop simulate: {exc.message()}", file=sys.stderr)
                return EXIT_USAGE
            except OSError as exc:
                print(
                    f"livetop simulate: cannot write {args.write_config}: {exc.strerror or exc}",
                    file=sys.stderr,
                )
                return EXIT_USAGE
        print(f"listening on {sim.url}", flush=True)
        _describe(scenario, path, sys.stderr)
        await stop.wait()
        print("livetop simulate: stopped", file=sys.stderr)
        return EXIT_OK
    finally:
        await sim.stop()


def _describe(scenario, config_path, out) -> None:
    """What is being served, and how to point livetop at it."""
    print(f"scenario: {scenario.source}", file=out)
    listed = scenario.domain_count <= LIST_DOMAINS_UP_TO
    for acc in scenario.accounts:
        print(
            f"  {acc.name} ({acc.vendor} {acc.api}, auth {acc.auth}, {acc.rate_per_second:.4g} req/s): "
            f"{len(acc.domains)} domains",
            file=out,
        )
        for dom in acc.domains:
            if listed or dom.fault:
                note = f"  [answers {dom.fault}]" if dom.fault else ""
                label = f"  ({dom.label})" if dom.label else ""
                print(f"    {dom.name}{label}{note}", file=out)
    if config_path:
        first = scenario.accounts[0]
        example = first.domains[0].name if first.domains else "DOMAIN"
        print(f"config written to {config_path} (mode 0600); try:", file=out)
        print(f"  livetop query --config {config_path} {first.name} {example}", file=out)
        print(f"  livetop snapshot --config {config_path}", file=out)
    print("Ctrl-C stops the simulator.", file=out, flush=True)
