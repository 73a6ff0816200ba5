"""Widgets of the livetop UI, one per module."""

from livetop.ui.widgets.overview import Overview

__all__ = ["Overview"]
