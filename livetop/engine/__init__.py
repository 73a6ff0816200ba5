"""The engine: polls every watched domain within each vendor's limits and keeps the store fresh.

Never imports Textual: the headless commands and the TUI share it.
"""

from livetop.engine.engine import Engine  # noqa: F401
from livetop.engine.store import (  # noqa: F401
    DomainKey,
    DomainSnapshot,
    Store,
    StoreSnapshot,
    TotalSnapshot,
)
