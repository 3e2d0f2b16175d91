"""BM25 over the same phrasings disputebot indexes: the textbook lexical baseline.

Documents: every title, question, keyword and alias of every entry on its own,
the same phrasings the MiniLM baseline embeds; a topic scores as its best
document, and the confidence is that raw BM25 score. With off_topic examples,
each is one more document under a pseudo-topic.

Tokens: bm25s's word pattern, its English stopwords and the Snowball English
stemmer disputebot also uses (PyStemmer); no synonyms, shorthand or spelling
correction (those are disputebot's own work, not BM25's).

Choices tried on the tune split only (docs/benchmarks.md): one document per
entry or per topic instead of per phrasing, and the score divided by the most
the question's terms could earn. Per phrasing with raw scores gave the best
auto recall under the precision and false-answer constraints, and it mirrors
the embedding baseline, so it is the one kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import bm25s
import Stemmer

from methods.base import (
    OFF_TOPIC,
    RATIOS,
    Decision,
    Ranking,
    Scored,
    apply,
    score_ranking,
)
from methods.corpus import read_corpus
from methods.groups import TopicGroups

K1 = 1.5
B = 0.75


class Bm25Method:
    """bm25s (Lucene variant, k1=1.5, b=0.75) over one document per phrasing."""

    def __init__(self, use_off_topic: bool = True) -> None:
        self.use_off_topic = use_off_topic
        self.name = "BM25 + off-topic" if use_off_topic else "BM25"
        self._stemmer = Stemmer.Stemmer("english")

    def load(self, root: Path, platform: str) -> None:
        corpus = read_corpus(root, platform)
        docs = [p.text for p in corpus.phrasings]
        labels = [p.topic for p in corpus.phrasings]
        if self.use_off_topic:
            docs += list(corpus.off_topic)
            labels += [OFF_TOPIC] * len(corpus.off_topic)
        self._groups = TopicGroups(labels)
        self._retriever = bm25s.BM25(k1=K1, b=B)
        self._retriever.index(
            self._tokens([docs[i] for i in self._groups.order]), show_progress=False
        )
        self._vocab = self._retriever.vocab_dict

    def rank(self, text: str) -> Ranking:
        query = [t for t in dict.fromkeys(self._tokens([text])[0]) if t in self._vocab]
        if not query:
            return []
        return self._groups.ranking(self._retriever.get_scores(query))

    def score(self, text: str, ratios: Sequence[float] = RATIOS) -> Scored:
        return score_ranking(self.rank(text), ratios, self.use_off_topic)

    def decide(self, text: str, threshold: float, ratio: float) -> Decision:
        return apply(self.score(text, (ratio,)), threshold, ratio)

    def _tokens(self, texts: list[str]) -> list[list[str]]:
        return bm25s.tokenize(
            texts, stopwords="en", stemmer=self._stemmer, return_ids=False, show_progress=False
        )
