"""livetop's own alert rules on /metrics, in the shape of Prometheus' ALERTS and ALERTS_FOR_STATE: a TSDB
that scrapes the collector can graph and route them like its own rules' alerts."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from livetop.serve.metrics import DOMAIN_LABELS

ALERT_LABELS = ("alertname", "alertstate", "severity", *DOMAIN_LABELS)


class AlertsCollector(Collector):
    def __init__(self, service) -> None:
        self.service = service  # livetop.alerts.running.AlertService

    def collect(self) -> Iterator[Metric]:
        alerts = GaugeMetricFamily(
            "livetop_alerts",
            "1 for each pending or firing livetop alert rule and domain, like Prometheus' ALERTS: alertname is the "
            "rule's name, alertstate pending (holding, its `for` not yet over) or firing, severity its level.",
            labels=ALERT_LABELS,
        )
        since = GaugeMetricFamily(
            "livetop_alerts_for_state_timestamp_seconds",
            "When the alert's condition began to hold, Unix seconds, like Prometheus' ALERTS_FOR_STATE.",
            labels=ALERT_LABELS,
        )
        store = self.service.engine.store
        for alert in self.service.evaluator.active:
            domain = store.domain(alert.key)
            vendor = domain.vendor if domain is not None else ""
            labels = (alert.rule.name, alert.state, alert.rule.level, vendor, alert.key.account,
                      alert.key.domain, alert.label or "")
            alerts.add_metric(labels, 1.0)
            since.add_metric(labels, alert.active_since.timestamp())
        hooks = CounterMetricFamily(
            "livetop_alert_hook_failures",
            "Alert hooks (on_fire, on_resolve) that failed, timed out or could not start, since the collector began.",
            labels=("alertname",),
        )
        for name, count in sorted(self.service.hooks.failed_total.items()):
            hooks.add_metric((name,), float(count))
        yield from (alerts, since, hooks)
