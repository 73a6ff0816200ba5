"""Benchmarks: bench/tty.py (terminal cost of livetop, btop, htop) and bench/poll.py (polling)."""
