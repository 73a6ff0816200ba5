"""The sqlite history: settled buckets per domain kept across restarts (livetop.history.store), packed one row
per series and day (livetop.history.codec). Textual-free; the TUI, `serve` and `export` share it."""
