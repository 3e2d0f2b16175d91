"""Sparse TF-IDF vectors over word stems and adjacent stem pairs.

Long forum posts are classified best by everything they say, not by one lucky
phrase; a topic's centroid (the normalised sum of its phrasings' vectors) gives
exactly that. Pairs of adjacent stems ("dislike logo", "cancel request") keep
some word order. Written out in plain Python because the vectors are tiny and a
matrix library would cost more to import than it saves.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain, pairwise
from typing import Any

Vector = dict[str, float]


Counts = dict[str, int]


def features(stems: Sequence[str]) -> Counts:
    """Unigrams and bigrams of a sequence of content stems, with their counts."""
    terms = [*stems, *map(" ".join, pairwise(stems))]
    counts = dict.fromkeys(terms, 1)  # a short text rarely repeats a term: no counting needed
    return counts if len(counts) == len(terms) else dict(Counter(terms))


def idf_table(documents: Iterable[Counts]) -> dict[str, float]:
    """Smoothed inverse document frequency, as in the usual TF-IDF definition."""
    docs = list(documents)
    df: Counter[str] = Counter(chain.from_iterable(docs))
    # Most terms share one of a few document counts, so each logarithm is taken once.
    n = len(docs)
    by_count = {count: math.log((1 + n) / (1 + count)) + 1.0 for count in set(df.values())}
    return dict(zip(df, map(by_count.__getitem__, df.values()), strict=True))


def weigh(counts: Counts, idf: dict[str, float]) -> Vector:
    """Sublinear term frequency times idf, L2-normalised; unknown terms are dropped."""
    weights = [
        (term, idf[term] if count == 1 else (1.0 + math.log(count)) * idf[term])
        for term, count in counts.items()
        if term in idf and count > 0
    ]
    norm = math.sqrt(sum(w * w for _, w in weights))
    if not norm:
        return {}
    scale = 1.0 / norm
    return {term: w * scale for term, w in weights}


def normalised(vector: Vector) -> Vector:
    norm = math.sqrt(sum(v * v for v in vector.values()))
    if not norm:
        return {}
    scale = 1.0 / norm
    return {t: v * scale for t, v in vector.items()}


def add_into(total: dict[str, float], vector: Vector) -> None:
    """total += vector, in place (centroids are normalised sums)."""
    get = total.get
    for term, value in vector.items():
        total[term] = get(term, 0.0) + value


# A posting list is kept flat: (row, weight, row, weight, ...), one tuple per term
# rather than a list of (row, weight) pairs. The pairs were most of the objects a
# build leaves for the cycle collector, the index cache and memory to deal with;
# read them back with pairs().
Postings = dict[str, tuple[Any, ...]]


def pairs(flat: tuple[Any, ...]) -> Iterator[tuple[Any, Any]]:
    """(key, weight) pairs of a flat posting list, in order."""
    items = iter(flat)
    return zip(items, items, strict=False)


def flat_postings(lists: dict[str, list[Any]]) -> Postings:
    return {term: tuple(flat) for term, flat in lists.items()}


def scores_by_key(query: Vector, postings: Postings) -> dict[Any, float]:
    """The dot product of the query with every key that shares a term with it."""
    found: dict[Any, float] = {}
    get = found.get
    posting = postings.get
    for term, weight in query.items():
        flat = posting(term)
        if flat is not None:
            for key, value in pairs(flat):
                found[key] = get(key, 0.0) + weight * value
    return found


class SparseRows:
    """Many sparse vectors, scored against one query in a single pass over its terms.

    Cheaper than one dot product per row when rows are short and share few terms
    with the query, which is the case for phrasings and near misses.
    """

    def __init__(self, rows: Iterable[tuple[int, str, Vector]]) -> None:
        self.groups: list[int] = []
        self.labels: list[str] = []
        lists: defaultdict[str, list[Any]] = defaultdict(list)
        for row, (group, label, vector) in enumerate(rows):
            self.groups.append(group)
            self.labels.append(label)
            for term, value in vector.items():
                lists[term].extend((row, value))
        self.postings: Postings = flat_postings(lists)

    def state(self) -> tuple[list[int], list[str], Postings]:
        """The rows as plain containers, for the on-disk index cache."""
        return self.groups, self.labels, self.postings

    @classmethod
    def from_state(cls, state: tuple[list[int], list[str], Postings]) -> SparseRows:
        rows = cls(())
        rows.groups, rows.labels, rows.postings = state
        return rows

    def scores(self, query: Vector) -> dict[int, float]:
        """Dot product of the query with every row that shares a term with it."""
        return scores_by_key(query, self.postings)

    def best(self, query: Vector) -> tuple[float, int]:
        """The highest dot product and its row (0.0, -1 when nothing is shared)."""
        return best_row(self.scores(query))


def best_row(scores: dict[int, float]) -> tuple[float, int]:
    """The highest of SparseRows.scores() and its row (0.0, -1 when there are none)."""
    if not scores:
        return 0.0, -1
    row = max(scores, key=scores.__getitem__)
    return scores[row], row
