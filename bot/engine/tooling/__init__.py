"""Tooling: offline work on the knowledge (evaluation, training, gaps, exports, source checks)."""
