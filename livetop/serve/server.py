"""The collector: the engine, headless, behind a small HTTP server.

Endpoints (all GET unless said):
- `/metrics`: Prometheus text exposition (livetop.serve.metrics), read from the store, never a vendor call.
- `/api/v1/snapshot`: the `livetop snapshot --format json` document, same schema.
- `/api/v1/events`: the change feed for viewers, server-sent events (livetop.serve.feed).
- `/api/v1/state`: the feed's starting state as one JSON document (`livetop snapshot --remote`).
- `/api/v1/alerts`: the alert rules' state (livetop.alerts.wire): pending and firing, recent, failed hooks.
- `POST /api/v1/refresh`: poll one domain (`{"account": A, "domain": D}`) or all (`{}`) now: a viewer's `r`.
- `/healthz`: 200 and a few counts while the engine runs.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from livetop import __version__, report
from livetop.config.schema import Config, Secret
from livetop.engine import Engine
from livetop.engine.store import DomainKey
from livetop.http11 import HttpServer, Request, Response, json_response
from livetop.serve.auth import authorized
from livetop.serve.feed import Broadcaster
from livetop.serve.metrics import CONTENT_TYPE, AccountFacts, StoreCollector

API = "/api/v1"


def account_facts(engine: Engine) -> dict[str, AccountFacts]:
    from livetop.vendors.registry import account_api

    out = {}
    for name, runtime in engine.accounts.items():
        provider = runtime.provider
        spec = account_api(runtime.account)
        auth = getattr(provider, "auth", None)
        renewals = getattr(auth, "generation", None)  # Huawei PasswordAuth counts the tokens it obtained
        out[name] = AccountFacts(
            vendor=runtime.account.vendor,
            api=spec.name,
            bandwidth_figure=spec.bandwidth_figure,
            bucket_seconds=provider.bucket_seconds,
            settle_seconds=provider.data_lag_seconds,
            token_renewals=renewals if isinstance(renewals, int) else None,
            list_batch=runtime.list_batch,
        )
    return out


class Collector:
    def __init__(
        self,
        config: Config,
        engine: Engine,
        host: str = "127.0.0.1",
        port: int = 0,
        token: Secret | None = None,
        *,
        feed_interval: float = 0.25,
    ) -> None:
        self.config = config
        self.engine = engine
        self.token = token
        self.metrics_public = config.serve.metrics_public
        self.http = HttpServer(self.handle, host, port, server_name=f"livetop/{__version__}")
        self.feed = Broadcaster(engine.store, self._header, min_interval=feed_interval)
        from prometheus_client.registry import CollectorRegistry

        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(StoreCollector(engine.store, lambda: account_facts(self.engine)))
        self.requests_served = 0
        self.alerts = None  # livetop.alerts.running.AlertService, once attach_alerts is called

    def attach_alerts(self, service) -> None:
        """Run `service`'s rules for the viewers too: its state goes out on the feed after every evaluation."""
        self.alerts = service
        service.watchers.append(self.publish_alerts)
        self.publish_alerts()

    def publish_alerts(self) -> None:
        from livetop.alerts.wire import service_to_wire

        if self.alerts is not None:
            self.feed.publish_alerts(service_to_wire(self.alerts))

    @property
    def url(self) -> str:
        host = self.http.host
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.http.port}"

    async def start(self) -> None:
        """Bind first (a taken port fails before any vendor is called), then start polling."""
        await self.http.start()
        self.feed.start()
        await self.engine.start()

    async def stop(self) -> None:
        self.feed.stop()
        await self.http.stop()
        await self.engine.stop()

    def _header(self) -> dict[str, Any]:
        store = self.engine.store
        return {
            "collector": __version__,
            "refresh_seconds": self.engine.refresh_seconds,
            "window_seconds": store.window_seconds,
            "stale_after_seconds": store.stale_after_seconds,
            "insecure_accounts": [a.name for a in self.engine.config.accounts if not a.verify_tls],
            "account_apis": store.account_apis(),
            # Each account's rate limit against its domains: a viewer says what the collector's screen says.
            "account_capacity": {name: cap.as_dict() for name, cap in store.capacities().items()},
        }

    # --- requests ----------------------------------------------------------------------------------------

    async def handle(self, request: Request) -> Response:
        self.requests_served += 1
        path = request.path
        public = path == "/metrics" and self.metrics_public
        if not public and not authorized(self.token, request.headers.get("authorization")):
            return Response(401, b"", "text/plain", [("WWW-Authenticate", 'Bearer realm="livetop"')])
        route = ROUTES.get(path)
        if route is None:
            return json_response(404, {"error": f"no such endpoint: {path[:100]}", "endpoints": list(ROUTES)})
        method, name = route
        if request.method != method:
            return json_response(405, {"error": f"{path} takes {method}"}, [("Allow", method)])
        return await getattr(self, name)(request)

    async def _metrics(self, request: Request) -> Response:
        from prometheus_client.exposition import generate_latest

        return Response(200, generate_latest(self.registry), CONTENT_TYPE)

    async def _snapshot(self, request: Request) -> Response:
        body = report.to_json(self.engine.store.snapshot()).encode("utf-8")
        return Response(200, body)

    async def _state(self, request: Request) -> Response:
        return json_response(200, self.feed.state())

    async def _alerts(self, request: Request) -> Response:
        from livetop.alerts.wire import service_to_wire

        if self.alerts is None:
            return json_response(404, {"error": "this collector runs no alerts"})
        return json_response(200, service_to_wire(self.alerts))

    async def _events(self, request: Request) -> Response:
        return Response(
            200, b"", "text/event-stream; charset=utf-8", [("X-Accel-Buffering", "no")], stream=self.feed.stream()
        )

    async def _refresh(self, request: Request) -> Response:
        try:
            body = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            return json_response(400, {"error": "the body must be JSON: {} or {\"account\": A, \"domain\": D}"})
        if not isinstance(body, dict):
            return json_response(400, {"error": "the body must be a JSON object"})
        account, domain = body.get("account"), body.get("domain")
        if account is None and domain is None:
            self.engine.refresh(None)
            return json_response(202, {"refreshing": len(self.engine.store.keys())})
        key = DomainKey(str(account), str(domain))
        if key not in self.engine.store.keys():
            return json_response(404, {"error": "this collector does not watch that domain"})
        self.engine.refresh(key)
        return json_response(202, {"refreshing": 1})

    async def _healthz(self, request: Request) -> Response:
        snap = self.engine.store.snapshot()
        counts: dict[str, int] = {}
        for d in snap.domains:
            counts[d.status] = counts.get(d.status, 0) + 1
        return json_response(
            200, {"status": "ok", "version": __version__, "domains": counts, "viewers": self.feed.viewers}
        )


ROUTES = {
    "/metrics": ("GET", "_metrics"),
    "/healthz": ("GET", "_healthz"),
    f"{API}/snapshot": ("GET", "_snapshot"),
    f"{API}/state": ("GET", "_state"),
    f"{API}/events": ("GET", "_events"),
    f"{API}/alerts": ("GET", "_alerts"),
    f"{API}/refresh": ("POST", "_refresh"),
}


def log(message: str) -> None:
    print(f"livetop serve: {message}", file=sys.stderr, flush=True)
