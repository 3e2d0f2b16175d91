"""The search index built once per knowledge base.

Every phrasing, title and keyword becomes a TF-IDF vector over stems and stem
pairs (vectors.py). From those the index keeps:
- a centroid per topic and per entry (their normalised sums), which rank topics
  by everything a question says, with posting lists that score a question against
  all of them in one pass;
- the individual phrasing vectors per topic, plus each entry's not_examples and
  the pack's off_topic examples, which say whether a question sits nearer to a
  real phrasing or to a known near miss;
- BM25 postings over the same phrasings and off_topic examples (lexical.py), a
  second lexical view the ranker weighs;
The raw words of every text form the vocabulary that rapidfuzz corrects misspelt
question words against.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from typing import Any

from rapidfuzz import fuzz, process

from bot.engine.knowledge.models import Entry, KnowledgeBase
from bot.engine.matching.lexical import OFF_TOPIC, Bm25Index
from bot.engine.matching.normalise import NormalText, normalise_known
from bot.engine.matching.vectors import (
    Postings,
    SparseRows,
    Vector,
    add_into,
    features,
    flat_postings,
    idf_table,
    normalised,
    weigh,
)

SPELLING_CUTOFF = 88.0
MIN_SPELL_LEN = 6
CENTROID_KINDS = frozenset({"title", "question", "keyword", "alias"})
EXAMPLE_KINDS = frozenset({"title", "question"})

# A built index as plain dicts, lists, tuples, strings and numbers (see MatchIndex.state).
IndexState = dict[str, Any]


@dataclass(frozen=True, slots=True)
class _Text:
    entry: int
    kind: str
    text: str
    normal: NormalText

    @property
    def stems(self) -> list[str]:
        return list(filter(None, self.normal.stems))


class MatchIndex:
    """Centroids, example vectors, cues and the spelling vocabulary of one knowledge base."""

    def __init__(self, kb: KnowledgeBase, state: IndexState | None = None) -> None:
        """Build the index from kb, or restore it from state (a cached build of the same texts)."""
        self.kb = kb
        self.entries: tuple[Entry, ...] = kb.entries
        self.synonyms = kb.pack.synonyms
        if state is None:
            self._build(kb)
        else:
            self._restore(state)
        self.correct = lru_cache(maxsize=16384)(self._correct)

    def _build(self, kb: KnowledgeBase) -> None:
        texts = [
            _Text(i, kind, text, normalise_known(text, self.synonyms))
            for i, entry in enumerate(self.entries)
            for kind, text in index_texts(entry)
        ]
        silence = [normalise_known(text, self.synonyms) for text in kb.pack.off_topic]
        self.vocabulary = _vocabulary([t.normal for t in texts] + silence)
        self.topics: tuple[str, ...] = tuple(dict.fromkeys(e.topic for e in self.entries))
        self._build_vectors(texts, silence, kb.pack.off_topic)
        self.lexical = Bm25Index.build(
            [(self.entries[t.entry].topic, t.stems) for t in texts if t.kind in CENTROID_KINDS]
            + [(OFF_TOPIC, list(n.stems)) for n in silence]
        )
        by_initial: dict[str, list[str]] = defaultdict(list)
        shortest = MIN_SPELL_LEN - 1
        for token in self.vocabulary:
            if len(token) >= shortest:
                by_initial[token[0]].append(token)
        self._by_initial = by_initial

    def _build_vectors(
        self, texts: list[_Text], silence: list[NormalText], kb_off_topic: tuple[str, ...]
    ) -> None:
        counts = [features(t.stems) for t in texts]
        silence_counts = [features([s for s in n.stems if s]) for n in silence]
        positive = [c for t, c in zip(texts, counts, strict=True) if t.kind in CENTROID_KINDS]
        self.idf = idf_table(positive + silence_counts)
        entry_sums: dict[int, dict[str, float]] = defaultdict(dict)
        entry_examples: dict[int, list[tuple[str, Vector]]] = defaultdict(list)
        near_misses: dict[int, list[tuple[str, Vector]]] = defaultdict(list)
        for text, count in zip(texts, counts, strict=True):
            vector = weigh(count, self.idf)
            if text.kind == "not":
                near_misses[text.entry].append((text.text, vector))
                continue
            add_into(entry_sums[text.entry], vector)
            if text.kind in EXAMPLE_KINDS:
                entry_examples[text.entry].append((text.text, vector))
        topic_sums: dict[str, dict[str, float]] = defaultdict(dict)
        for index, total in entry_sums.items():
            add_into(topic_sums[self.entries[index].topic], total)
        self.topic_centroids: dict[str, Vector] = {
            t: normalised(topic_sums[t]) for t in self.topics
        }
        self.entry_centroids: dict[int, Vector] = {i: normalised(v) for i, v in entry_sums.items()}
        off_topic = [
            (text, vector)
            for text, vector in zip(
                kb_off_topic, (weigh(c, self.idf) for c in silence_counts), strict=True
            )
            if vector
        ]
        self.topic_postings: Postings = centroid_postings(self.topic_centroids)
        self.entry_postings: Postings = centroid_postings(self.entry_centroids)
        self.topic_examples: dict[str, SparseRows] = {
            topic: SparseRows(
                (index, text, vector)
                for index, pairs in entry_examples.items()
                if self.entries[index].topic == topic
                for text, vector in pairs
            )
            for topic in self.topics
        }
        self.entry_misses: dict[int, SparseRows] = {
            index: SparseRows((index, text, vector) for text, vector in pairs)
            for index, pairs in near_misses.items()
        }
        self.off_topic_rows = SparseRows((-1, text, vector) for text, vector in off_topic)

    def state(self) -> IndexState:
        """Everything a query needs, as plain containers (what index_cache stores)."""
        return {
            "vocabulary": self.vocabulary,
            "topics": self.topics,
            "idf": self.idf,
            "topic_centroids": self.topic_centroids,
            "entry_centroids": self.entry_centroids,
            "topic_postings": self.topic_postings,
            "entry_postings": self.entry_postings,
            "topic_examples": {t: r.state() for t, r in self.topic_examples.items()},
            "entry_misses": {i: r.state() for i, r in self.entry_misses.items()},
            "off_topic_rows": self.off_topic_rows.state(),
            "by_initial": dict(self._by_initial),
            "lexical": self.lexical.state(),
        }

    def _restore(self, state: IndexState) -> None:
        self.vocabulary = state["vocabulary"]
        self.topics = state["topics"]
        self.idf = state["idf"]
        self.topic_centroids = state["topic_centroids"]
        self.entry_centroids = state["entry_centroids"]
        self.topic_postings = state["topic_postings"]
        self.entry_postings = state["entry_postings"]
        self.topic_examples = {
            t: SparseRows.from_state(r) for t, r in state["topic_examples"].items()
        }
        self.entry_misses = {i: SparseRows.from_state(r) for i, r in state["entry_misses"].items()}
        self.off_topic_rows = SparseRows.from_state(state["off_topic_rows"])
        self._by_initial = state["by_initial"]
        self.lexical = Bm25Index.from_state(state["lexical"])

    def _correct(self, token: str) -> str:
        """Map an unknown word to the stem of the vocabulary word rapidfuzz finds closest."""
        if token in self.vocabulary:
            return self.vocabulary[token]
        if len(token) < MIN_SPELL_LEN or not token.isalpha():
            return ""
        choices = self._by_initial.get(token[0], ())
        best = process.extractOne(token, choices, scorer=fuzz.ratio, score_cutoff=SPELLING_CUTOFF)
        return self.vocabulary[best[0]] if best else ""


def centroid_postings(centroids: dict[Any, Vector]) -> Postings:
    """Term -> (key, weight, ...) over the centroids, so one pass over a question's terms
    scores it against all of them (vectors.scores_by_key)."""
    lists: dict[str, list[Any]] = defaultdict(list)
    for key, vector in centroids.items():
        for term, value in vector.items():
            lists[term].extend((key, value))
    return flat_postings(lists)


def index_texts(entry: Entry) -> list[tuple[str, str]]:
    """Every text of an entry the index is built from, with its kind."""
    texts = [("title", entry.title)]
    texts += [("question", q) for q in entry.questions]
    texts += [("keyword", k) for k in entry.keywords]
    texts += [("alias", a) for a in entry.aliases]
    texts += [("not", n) for n in entry.not_examples]
    return texts


def _vocabulary(texts: list[NormalText]) -> dict[str, str]:
    """Every word that has a stem, mapped to it, in order of first appearance.

    A token's stem never depends on where it appears, so pairing all tokens with
    all stems at once gives the same table as checking each pair in turn.
    """
    vocabulary = dict(
        zip(
            chain.from_iterable(n.tokens for n in texts),
            chain.from_iterable(n.stems for n in texts),
            strict=True,
        )
    )
    for token in [token for token, stemmed in vocabulary.items() if not stemmed]:
        del vocabulary[token]
    return vocabulary
