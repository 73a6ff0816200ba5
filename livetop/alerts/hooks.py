"""`on_fire` / `on_resolve` hooks: an argv list run without a shell, the alert's facts in LIVETOP_*
environment variables, a timeout, and the outcome kept for the screen. A hook that fails, hangs or does not
exist is shown, never fatal.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from livetop.alerts.evaluate import FIRING, AlertEvent, plain_number
from livetop.model import iso_utc

OUTPUT_LIMIT = 400  # characters of a failing hook's output kept for the screen
KEPT = 50


@dataclass(frozen=True, slots=True)
class HookResult:
    alert: str
    key: str  # account/domain
    state: str  # firing | resolved
    argv0: str
    ok: bool
    detail: str  # "exit 0", "exit 3: <stderr>", "timed out after 10s", "not found"
    at: datetime


def hook_env(event: AlertEvent, base: Mapping[str, str]) -> dict[str, str]:
    alert = event.alert
    value = alert.value
    rule = alert.rule
    env = dict(base)
    env.update(
        LIVETOP_ALERT=rule.name,
        LIVETOP_LEVEL=rule.level,
        LIVETOP_STATE=event.state,
        LIVETOP_KIND=rule.kind,
        LIVETOP_ACCOUNT=alert.key.account,
        LIVETOP_DOMAIN=alert.key.domain,
        LIVETOP_LABEL=alert.label or "",
        LIVETOP_VALUE="" if value is None else value if isinstance(value, str) else plain_number(value),
        LIVETOP_THRESHOLD="" if rule.threshold is None else plain_number(rule.threshold),
        LIVETOP_THRESHOLD_TEXT=rule.threshold_text,
        LIVETOP_SINCE=iso_utc(alert.active_since),
        LIVETOP_SUMMARY=f"{rule.name} {event.state}: {alert.key.domain}: {alert.text}",
    )
    return env


class HookRunner:
    """Runs hooks as asyncio subprocesses; `results` keeps the newest outcomes, `failures` the failed ones."""

    def __init__(self, clock, hidden_env: Iterable[str] = ()) -> None:
        self.clock = clock
        # Environment variables holding vendor secrets: a hook has no business with them.
        self.hidden_env = frozenset(hidden_env)
        self.results: deque[HookResult] = deque(maxlen=KEPT)
        self.failed_total: Counter[str] = Counter()  # failures per rule since start (serve's counter)
        self._tasks: set[asyncio.Task] = set()
        self.listeners: list[Callable[[HookResult], None]] = []  # told of each failed hook (the screen's toast)

    @property
    def failures(self) -> list[HookResult]:
        return [r for r in self.results if not r.ok]

    def dispatch(self, events: Iterable[AlertEvent]) -> list[asyncio.Task]:
        """Start the hooks of these events (on the running loop); return their tasks."""
        started = []
        for event in events:
            rule = event.alert.rule
            argv = rule.on_fire if event.state == FIRING else rule.on_resolve
            if argv:
                task = asyncio.create_task(self.run(event, argv))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
                started.append(task)
        return started

    async def drain(self) -> None:
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def run(self, event: AlertEvent, argv: tuple[str, ...]) -> HookResult:
        rule = event.alert.rule
        base = {k: v for k, v in os.environ.items() if k not in self.hidden_env}
        env = hook_env(event, base)
        timeout = rule.hook_timeout_seconds
        ok, detail = False, ""
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv, env=env, stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, start_new_session=True,
            )
        except FileNotFoundError:
            detail = "command not found"
        except PermissionError:
            detail = "permission denied (not executable?)"
        except OSError as exc:
            detail = f"cannot start: {exc.strerror or exc}"
        else:
            try:
                out, _ = await asyncio.wait_for(proc.communicate(), timeout)
            except TimeoutError:
                proc.kill()
                await proc.wait()
                detail = f"timed out after {plain_number(timeout)}s (killed)"
            else:
                ok = proc.returncode == 0
                detail = f"exit {proc.returncode}"
                text = out.decode("utf-8", "replace").strip()
                if not ok and text:
                    detail += ": " + text[-OUTPUT_LIMIT:]
        result = HookResult(rule.name, str(event.alert.key), event.state, argv[0], ok, detail, self.clock.now())
        self.results.append(result)
        if not ok:
            self.failed_total[rule.name] += 1
            for listener in list(self.listeners):
                listener(result)
        return result


def secret_env_names(config) -> set[str]:
    """The environment variables the config reads secrets from (Secret.source = "env NAME")."""
    names = set()
    for account in getattr(config, "accounts", ()):
        creds = account.credentials
        for slot in ("token", "password", "access_key", "secret_key"):
            secret = getattr(creds, slot, None)
            source = getattr(secret, "source", "") or ""
            if source.startswith("env "):
                names.add(source[4:].strip())
    return names
