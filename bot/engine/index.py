"""The search index built once per knowledge base.

Two views of the same phrasings:
- *Centroids*: every phrasing, title and keyword becomes a TF-IDF vector over
  stems and stem pairs; a topic's centroid is their normalised sum, an entry's
  centroid the same over its own phrasings. The pack's off_topic examples form
  one more centroid, the shape of "not a dispute".
- *Cues*: each phrasing reduced to its distinct content stems, each weighted by
  how few topics use it. Cues say which words of a question carried the match
  and which entry of a topic fits best. not_examples become negative cues.
The raw words of every phrasing form the vocabulary that rapidfuzz corrects
misspelt question words against.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from bot.engine.models import Entry, KnowledgeBase
from bot.engine.normalise import NormalText, normalise, stem
from bot.engine.vectors import Vector, centroid, features, idf_table, weigh

SPELLING_CUTOFF = 88.0
MIN_SPELL_LEN = 6
POSITIVE_KINDS = ("title", "question", "keyword", "alias")


@dataclass(frozen=True, slots=True)
class Cue:
    """One phrasing of one entry, reduced to weighted stems."""

    entry: int
    kind: str
    text: str
    stems: tuple[str, ...]
    total: float


class MatchIndex:
    """Centroids, cues, weights and postings for one knowledge base."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.entries: tuple[Entry, ...] = kb.entries
        self.synonyms = kb.pack.synonyms
        texts = [
            (i, kind, text) for i, entry in enumerate(self.entries) for kind, text in _texts(entry)
        ]
        normal = [(i, kind, text, normalise(text, self.synonyms)) for i, kind, text in texts]
        silence = [normalise(text, self.synonyms) for text in kb.pack.off_topic]
        self.vocabulary = _vocabulary([n for *_, n in normal] + silence)
        self._build_centroids(normal, silence)
        self._build_cues(normal)
        self._by_initial: dict[str, list[str]] = defaultdict(list)
        for token in self.vocabulary:
            if len(token) >= MIN_SPELL_LEN - 1:
                self._by_initial[token[0]].append(token)
        self.correct = lru_cache(maxsize=16384)(self._correct)

    def _build_centroids(self, normal: list, silence: list[NormalText]) -> None:
        positive = [(i, kind, n) for i, kind, _t, n in normal if kind in POSITIVE_KINDS]
        counts = [features([s for s in n.stems if s]) for *_, n in positive]
        silence_counts = [features([s for s in n.stems if s]) for n in silence]
        self.idf = idf_table(counts + silence_counts)
        vectors = [weigh(c, self.idf) for c in counts]
        by_topic: dict[str, list[Vector]] = defaultdict(list)
        by_entry: dict[int, list[Vector]] = defaultdict(list)
        for (i, _kind, _n), vector in zip(positive, vectors, strict=True):
            by_topic[self.entries[i].topic].append(vector)
            by_entry[i].append(vector)
        self.topics: tuple[str, ...] = tuple(dict.fromkeys(e.topic for e in self.entries))
        self.topic_centroids: dict[str, Vector] = {t: centroid(by_topic[t]) for t in self.topics}
        self.entry_centroids: dict[int, Vector] = {i: centroid(v) for i, v in by_entry.items()}
        self.silence_centroid: Vector = centroid(weigh(c, self.idf) for c in silence_counts)
        self.topic_postings: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for topic, vector in self.topic_centroids.items():
            for term, value in vector.items():
                self.topic_postings[term].append((topic, value))

    def _build_cues(self, normal: list) -> None:
        self.weights = _topic_weights(self.entries, normal)
        self.cues: list[Cue] = []
        self.negatives: list[Cue] = []
        for i, kind, text, norm in normal:
            stems = tuple(
                dict.fromkeys(s for s in norm.stems if s and self.weights.get(s, 0.0) > 0)
            )
            if not stems:
                continue
            cue = Cue(i, kind, text, stems, sum(self.weights[s] for s in stems))
            (self.negatives if kind == "not" else self.cues).append(cue)
        self.postings = _postings(self.cues)
        self.negative_postings = _postings(self.negatives)

    def _correct(self, token: str) -> str:
        """Map an unknown word to the stem of the vocabulary word rapidfuzz finds closest."""
        if token in self.vocabulary:
            return self.vocabulary[token]
        if len(token) < MIN_SPELL_LEN or not token.isalpha():
            return ""
        choices = self._by_initial.get(token[0], ())
        best = process.extractOne(token, choices, scorer=fuzz.ratio, score_cutoff=SPELLING_CUTOFF)
        return self.vocabulary[best[0]] if best else ""

    def weight(self, stem_: str) -> float:
        """How telling one stem is: high when few topics use it."""
        return self.weights.get(stem_, 0.0)


def _texts(entry: Entry) -> list[tuple[str, str]]:
    texts = [("title", entry.title)]
    texts += [("question", q) for q in entry.questions]
    texts += [("keyword", k) for k in entry.keywords]
    texts += [("alias", a) for a in entry.aliases]
    texts += [("not", n) for n in entry.not_examples]
    return texts


def _vocabulary(texts: list[NormalText]) -> dict[str, str]:
    vocabulary: dict[str, str] = {}
    for norm in texts:
        for token in norm.tokens:
            if stem(token):
                vocabulary.setdefault(token, stem(token))
    return vocabulary


def _postings(cues: list[Cue]) -> dict[str, list[int]]:
    postings: dict[str, list[int]] = defaultdict(list)
    for cue_id, cue in enumerate(cues):
        for s in cue.stems:
            postings[s].append(cue_id)
    return postings


def _topic_weights(entries: tuple[Entry, ...], normal: list) -> dict[str, float]:
    """Inverse topic frequency over all cues: rare across topics means telling.

    not_examples count too, so a word that only near misses use ("vacation")
    weighs enough for a negative cue to recognise them.
    """
    topics_of: dict[str, set[str]] = defaultdict(set)
    for i, _kind, _text, norm in normal:
        for s in norm.stems:
            if s:
                topics_of[s].add(entries[i].topic)
    n_topics = len({entry.topic for entry in entries}) or 1
    return {s: math.log((n_topics + 1) / (len(t) + 0.5)) for s, t in topics_of.items()}
