"""livetop: `top` for live-streaming CDN play domains."""

__version__ = "0.1.0"
