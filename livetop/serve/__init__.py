"""`livetop serve`: one collector for a team. The engine polls the vendors once; Prometheus scrapes /metrics,
scripts read /api/v1/snapshot, and `livetop --remote` viewers attach to the change feed. Never imports
Textual (tests/test_layering.py)."""
