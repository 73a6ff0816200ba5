"""Viewers of a collector (`livetop --remote URL`, `livetop snapshot --remote URL`): the collector's feed
mirrored into a store the screens and the snapshot renderers read as they read the engine's. No Textual."""
