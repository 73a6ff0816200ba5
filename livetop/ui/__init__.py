"""The Textual UI: reads store snapshots, never makes an HTTP call."""
