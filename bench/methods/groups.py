"""Best score per topic over many documents, in numpy: shared by the two baselines."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from methods.base import Ranking


class TopicGroups:
    """Documents grouped by topic, so each topic's best score is one numpy reduceat.

    A Python loop over every document's score would dominate the baselines'
    latency on the 100x pack; this keeps their cost in the libraries measured.
    """

    def __init__(self, labels: Sequence[str]) -> None:
        self.topics = list(dict.fromkeys(labels))
        column = {topic: n for n, topic in enumerate(self.topics)}
        ids = np.array([column[label] for label in labels], dtype=np.int64)
        self.order = np.argsort(ids, kind="stable")  # document positions, grouped by topic
        sizes = np.bincount(ids, minlength=len(self.topics))
        self.starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))

    def ranking(self, grouped_scores: Any) -> Ranking:
        """Topics by their best score, highest first; scores must be in `order`."""
        best = np.maximum.reduceat(grouped_scores, self.starts)
        ranked = np.argsort(-best, kind="stable")
        return [(self.topics[i], float(best[i])) for i in ranked]
