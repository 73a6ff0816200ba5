"""Alert rules evaluated on settled buckets (livetop.alerts.evaluate), their hooks (livetop.alerts.hooks).
Textual-free: the TUI, `serve` and `check` all use it."""

from livetop.alerts.evaluate import Alert, AlertEvent, Evaluator
from livetop.alerts.settled import Settled, settled

__all__ = ["Alert", "AlertEvent", "Evaluator", "Settled", "settled"]
