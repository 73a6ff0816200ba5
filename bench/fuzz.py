"""Long fuzz run: at least 100,000 generated bodies through every reader of outside input (issue 9).

The same generators and property as the CI tests (tests/fuzzgen.py, targets in tests/fuzz_targets.py),
driven by a seeded `random.Random` instead of hypothesis so a hundred thousand bodies take minutes, not
hours. A crash is a body for which the property fails: an exception other than the documented one, data
that is not normalised, a secret in a message, or a call slower than fuzzgen.SLOW_SECONDS.

    .venv/bin/python bench/fuzz.py                    # 100,000 bodies for each target
    .venv/bin/python bench/fuzz.py --bodies 5000 --targets 'jdcloud*' --seed 7

Prints one line per target (bodies, crashes, bodies/s, slowest call, how the bodies were damaged) and the
first crashes in full; exit status 1 when any target crashed.
"""

from __future__ import annotations

import argparse
import fnmatch
import random
import sys
import time
from collections import Counter
from pathlib import Path

if __name__ == "__main__":
    # Run as a script, this folder is sys.path[0], where bench/tty.py would shadow the standard `tty` module.
    root = Path(__file__).resolve().parent.parent
    sys.path[0] = str(root)
    sys.path.insert(1, str(root / "tests"))

import fuzzgen  # noqa: E402
from fuzz_targets import TARGETS  # noqa: E402


class CountingChooser(fuzzgen.RandomChooser):
    """Remembers which mutation each body got, for the summary."""

    def __init__(self, rng: random.Random) -> None:
        super().__init__(rng)
        self.picked: list[str] = []

    def choice(self, options):
        picked = super().choice(options)
        if options is fuzzgen.MUTATIONS or options is fuzzgen.BYTE_MUTATIONS:
            self.picked.append(picked)
        return picked


def run_target(
    target: fuzzgen.ParserTarget, bodies: int, seed: int, show: int
) -> tuple[int, list[str], dict]:
    rng = random.Random(f"{seed}/{target.name}")
    crashes: list[str] = []
    kinds: Counter = Counter()
    slowest = 0.0
    began = time.perf_counter()
    for _ in range(bodies):
        ch = CountingChooser(rng)
        body = target.body(ch, target.valid_doc)
        kinds.update(ch.picked)
        try:
            slowest = max(slowest, fuzzgen.check_target(target, body))
        except fuzzgen.PropertyBroken as exc:
            crashes.append(str(exc))
            if len(crashes) <= show:
                print(f"  CRASH {target.name}: {str(exc)[:600]}", file=sys.stderr)
    took = time.perf_counter() - began
    return len(crashes), crashes, {"seconds": took, "slowest": slowest, "kinds": kinds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bodies", type=int, default=100_000, help="bodies per target (default 100000)")
    parser.add_argument("--seed", type=int, default=9, help="seed of the generator (default 9)")
    parser.add_argument("--targets", default="*", help="glob over target names (default: all)")
    parser.add_argument("--show", type=int, default=5, help="crashes printed in full per target")
    parser.add_argument("--list", action="store_true", help="list the targets and exit")
    args = parser.parse_args(argv)
    chosen = [t for t in TARGETS if fnmatch.fnmatch(t.name, args.targets)]
    if args.list or not chosen:
        print("\n".join(t.name for t in TARGETS))
        return 0 if args.list else 2
    print(
        "| target | bodies | crashes | bodies/s | slowest call (CPU) | tree untouched / tree damaged / bytes damaged |"
    )
    print("|---|---|---|---|---|---|")
    total_crashes = 0
    for target in chosen:
        count, _, stats = run_target(target, args.bodies, args.seed, args.show)
        total_crashes += count
        kinds = stats["kinds"]
        tree = sum(kinds[k] for k in set(fuzzgen.MUTATIONS) - {"none"})
        damaged = sum(kinds[k] for k in set(fuzzgen.BYTE_MUTATIONS) - {"utf8"})
        print(
            f"| {target.name} | {args.bodies:,} | {count} | {args.bodies / stats['seconds']:,.0f} | "
            f"{stats['slowest'] * 1000:.1f} ms | {kinds['none']:,} / {tree:,} / {damaged:,} |",
            flush=True,
        )
    print(f"\nseed {args.seed}; {len(chosen)} targets; {total_crashes} crashes in all")
    return 1 if total_crashes else 0


if __name__ == "__main__":
    sys.exit(main())
