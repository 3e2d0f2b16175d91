"""BM25 over the knowledge phrasings: a second, independent lexical view for the ranker.

Stage 1 compares a question with each topic's centroid (the sum of its phrasings),
which rewards a question that says a bit of everything a topic says. BM25 scores
each phrasing on its own, saturating repeated words and discounting long texts, so
it rewards a question that contains one phrasing's words. The two disagree on
exactly the long, many-issue posts the ranker finds hardest, and the ranker learns
how far to trust each; the scores are features, never a decision on their own.

Documents are the texts the centroids are built from (titles, questions, keywords,
aliases) and the pack's off_topic examples, over the normaliser's stems (synonyms,
shorthand and spelling already resolved). A topic scores as its best document; the
off_topic examples score under OFF_TOPIC. Scoring is a few numpy additions per query
word: a long post costs about a tenth of a millisecond.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

K1 = 1.5  # how fast a repeated word stops adding (the usual Lucene default)
B = 0.75  # how much a long document's words are discounted (the usual default)
OFF_TOPIC = "~off-topic"  # not a topic id: topic ids are lowercase words and hyphens


class Bm25Index:
    """Per-word postings with each (word, document) BM25 weight precomputed.

    With the Lucene formula a query word's contribution to a document does not depend
    on the query, so a score is the sum of stored weights over the query's distinct
    words, and each topic's score is its best document's.
    """

    def __init__(
        self,
        topics: Sequence[str],
        starts: Sequence[int],
        postings: dict[str, tuple[Sequence[int], Sequence[float]]],
        documents: int,
    ) -> None:
        """topics[i] owns documents starts[i] .. starts[i+1]-1 (documents grouped by topic)."""
        self.topics = tuple(topics)
        self._starts = np.array(starts, dtype=np.int64)
        self._documents = documents
        self._postings = {
            word: (np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float64))
            for word, (ids, weights) in postings.items()
        }

    @classmethod
    def build(cls, documents: Iterable[tuple[str, Sequence[str]]]) -> Bm25Index:
        """Index (topic or OFF_TOPIC, stems) documents; empty ones are left out."""
        by_topic: dict[str, list[Counter[str]]] = {}
        for topic, stems in documents:
            counts = Counter(s for s in stems if s)
            if counts:
                by_topic.setdefault(topic, []).append(counts)
        topics = sorted(by_topic)
        docs = [counts for topic in topics for counts in by_topic[topic]]
        starts, position = [], 0
        for topic in topics:
            starts.append(position)
            position += len(by_topic[topic])
        if not docs:
            return cls(topics, starts, {}, 0)
        lengths = [sum(c.values()) for c in docs]
        average = sum(lengths) / len(docs)
        frequency: Counter[str] = Counter(word for counts in docs for word in counts)
        ids: dict[str, list[int]] = {}
        weights: dict[str, list[float]] = {}
        for n, (counts, length) in enumerate(zip(docs, lengths, strict=True)):
            norm = K1 * (1 - B + B * length / average)
            for word, tf in counts.items():
                df = frequency[word]
                idf = math.log(1 + (len(docs) - df + 0.5) / (df + 0.5))
                ids.setdefault(word, []).append(n)
                weights.setdefault(word, []).append(idf * tf * (K1 + 1) / (tf + norm))
        postings: dict[str, tuple[Sequence[int], Sequence[float]]] = {
            word: (ids[word], weights[word]) for word in ids
        }
        return cls(topics, starts, postings, len(docs))

    def scores(self, stems: Iterable[str]) -> dict[str, float]:
        """Each topic's best document score for these query stems (OFF_TOPIC included);
        empty when no query word is known."""
        words = [w for w in dict.fromkeys(stems) if w in self._postings]
        if not words or not self._documents:
            return {}
        total = np.zeros(self._documents, dtype=np.float64)
        for word in words:
            ids, weights = self._postings[word]
            total[ids] += weights
        best = np.maximum.reduceat(total, self._starts)
        return {topic: float(score) for topic, score in zip(self.topics, best, strict=True)}

    def state(self) -> dict[str, Any]:
        """Plain containers for the index cache."""
        return {
            "topics": list(self.topics),
            "starts": self._starts.tolist(),
            "documents": self._documents,
            "postings": {
                word: (ids.tolist(), weights.tolist())
                for word, (ids, weights) in self._postings.items()
            },
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Bm25Index:
        return cls(state["topics"], state["starts"], state["postings"], state["documents"])
