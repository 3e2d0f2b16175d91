"""Matching: normalise a question, score it against the index, re-rank, and decide."""
