"""Screens of the livetop UI, one per module."""
