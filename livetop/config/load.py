"""Placeholder: the loader lands with the config work."""

from __future__ import annotations

from pathlib import Path


def default_config_path() -> Path:
    raise NotImplementedError


def load_config(path=None):
    raise NotImplementedError


def parse_config(data, path=None):
    raise NotImplementedError
