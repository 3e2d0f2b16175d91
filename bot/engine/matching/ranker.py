"""The learned second stage: re-rank the matcher's candidates, then decide whether to answer.

The matcher (stage 1) is good at recall: the right topic is almost always among
its first six. Hand-set weights rank them worse on questions nobody tuned them
on, so the order and the decision to speak up come from models trained on
labelled examples (training.py):

- the text model's probability for each topic (text_model.py);
- a logistic ranker over (question, candidate topic) features that generalise:
  stage-1 similarity and rank, the text model's probability and rank, BM25 over
  the topic's phrasings (lexical.py), a risk rule pointing at the topic, question
  length;
- a logistic gate over the leading candidate: the calibrated probability that
  the main topic is right. The bot answers unprompted when it reaches the
  threshold chosen at training time on out-of-fold predictions.

The model file is plain arrays (numpy .npz, loaded with allow_pickle=False) and
a JSON header, so loading a damaged or hostile file can fail but never run code.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.engine.knowledge.models import KnowledgeBase
from bot.engine.matching.index import index_texts
from bot.engine.matching.lexical import OFF_TOPIC
from bot.engine.matching.normalise import NormalText
from bot.engine.matching.text_model import NONE_CLASS, TextModel

MODEL_FILE = "ranker.npz"
MODEL_FORMAT = 1
MAX_MODEL_BYTES = 64 * 1024 * 1024
TEXT_CANDIDATES = 3
MAX_TOPICS = 3
_FLOOR = 1e-4

CANDIDATE_FEATURES = (
    "similarity",
    "similarity_share",
    "stage1_first",
    "stage1_rank",
    "text_log_p",
    "text_p",
    "text_first",
    "text_rank",
    "risk",
    "stage1_covered",
    "text_log_none",
    "log_words",
    "similarity_share_x_log_words",
    "text_log_p_x_log_words",
    "stage1_rank_x_log_words",
    "similarity_x_log_words",
    "lexical_share",
    "lexical_first",
    "lexical_log_score",
)
GATE_FEATURES = (
    "ranker_log_p",
    "ranker_p",
    "ranker_margin",
    "text_log_none",
    "text_log_p_main",
    "stage1_confidence",
    "log_words",
    "ranker_log_p_x_log_words",
    "text_log_p_main_x_log_words",
    "text_log_none_x_log_words",
    "lexical_share_main",
    "lexical_share_off_topic",
)


class ModelFileError(ValueError):
    """The ranker model file is missing, damaged, or for another format."""


@dataclass(frozen=True, slots=True)
class Stage1:
    """What the matcher saw in one question: the inputs of the ranker's features."""

    similarities: tuple[tuple[str, float], ...]  # candidate topics in stage-1 order
    covered: frozenset[str]
    risk_topics: frozenset[str]
    confidence: float
    words: int
    # BM25 (lexical.py): each topic's best phrasing score, OFF_TOPIC's too; () when none fit
    lexical: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True, slots=True)
class Ranking:
    """The ranker's verdict: topics best first with P(topic is asked about), and the gate."""

    topics: tuple[tuple[str, float], ...]
    p_correct: float
    text: dict[str, float]


@dataclass(frozen=True, slots=True)
class Logistic:
    """A fitted binary logistic regression: weights in feature order, and the intercept."""

    weights: tuple[float, ...]
    intercept: float

    def probability(self, features: Sequence[float]) -> float:
        z = self.intercept + sum(w * x for w, x in zip(self.weights, features, strict=True))
        return 1.0 / (1.0 + math.exp(-z)) if z > -500 else 0.0


def candidate_rows(stage1: Stage1, text: dict[str, float]) -> list[tuple[str, list[float]]]:
    """Features of every candidate topic: stage 1's six, plus the text model's best three.

    The products with question length let the ranker learn how far to trust each
    stage on a long story versus a one-liner, instead of one weight for both.
    """
    similarities = dict(stage1.similarities)
    by_text = sorted((t for t in text if t != NONE_CLASS), key=lambda t: (-text[t], t))
    text_rank = {topic: n for n, topic in enumerate(by_text)}
    stage1_rank = {topic: n for n, (topic, _) in enumerate(stage1.similarities)}
    topics = dict.fromkeys([t for t, _ in stage1.similarities] + by_text[:TEXT_CANDIDATES])
    best = max(similarities.values(), default=0.0) or 1e-9
    log_none = math.log(text.get(NONE_CLASS, 0.0) + _FLOOR)
    log_words = math.log1p(stage1.words)
    lexical, lexical_best = _lexical(stage1)
    lexical_first = max(lexical, key=lambda t: (lexical[t], t)) if lexical else None
    rows = []
    for topic in topics:
        similarity = similarities.get(topic, 0.0)
        p = text.get(topic, 0.0)
        rank = stage1_rank.get(topic)
        share = similarity / best
        log_p = math.log(p + _FLOOR)
        inverse_rank = 1.0 / (2 + rank) if rank is not None else 0.0
        features = [
            similarity,
            share,
            1.0 if rank == 0 else 0.0,
            inverse_rank,
            log_p,
            p,
            1.0 if text_rank.get(topic) == 0 else 0.0,
            1.0 / (1 + text_rank.get(topic, 99)),
            1.0 if topic in stage1.risk_topics else 0.0,
            1.0 if topic in stage1.covered else 0.0,
            log_none,
            log_words,
            share * log_words,
            log_p * log_words,
            inverse_rank * log_words,
            similarity * log_words,
            lexical.get(topic, 0.0) / lexical_best,
            1.0 if topic == lexical_first else 0.0,
            math.log1p(lexical.get(topic, 0.0)),
        ]
        rows.append((topic, features))
    return rows


def gate_row(
    stage1: Stage1, text: dict[str, float], ranked: Sequence[tuple[str, float]]
) -> list[float]:
    """Features of the decision to answer: how sure the ranker and the text model are,
    and the same against question length, so the gate can learn that a clear cue in a
    short question means more than the same probability for a long story."""
    top, first = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    log_p = math.log(first + _FLOOR)
    log_p_main = math.log(text.get(top, 0.0) + _FLOOR)
    log_none = math.log(text.get(NONE_CLASS, 0.0) + _FLOOR)
    log_words = math.log1p(stage1.words)
    lexical, lexical_best = _lexical(stage1)
    return [
        log_p,
        first,
        first - second,
        log_none,
        log_p_main,
        stage1.confidence,
        log_words,
        log_p * log_words,
        log_p_main * log_words,
        log_none * log_words,
        lexical.get(top, 0.0) / lexical_best,
        lexical.get(OFF_TOPIC, 0.0) / lexical_best,
    ]


def _lexical(stage1: Stage1) -> tuple[dict[str, float], float]:
    """BM25 scores by topic, and the best of them as the divisor of every share (never 0,
    so a question no phrasing shares a word with gets shares of 0)."""
    scores = dict(stage1.lexical)
    return scores, max(scores.values(), default=0.0) or 1e-9


def rank_rows(rows: list[tuple[str, list[float]]], ranker: Logistic) -> list[tuple[str, float]]:
    """Candidates best first by the ranker's probability (ties by topic id, for stability)."""
    scored = [(topic, ranker.probability(features)) for topic, features in rows]
    scored.sort(key=lambda pair: (-pair[1], pair[0]))
    return scored


class Ranker:
    """A trained second stage for one knowledge pack."""

    def __init__(
        self,
        text_model: TextModel,
        ranker: Logistic,
        gate: Logistic,
        threshold: float,
        meta: dict[str, object],
        extra_cut: float = 0.5,
    ) -> None:
        """extra_cut: the ranker probability at which a further topic is covered too."""
        self.text_model = text_model
        self.ranker = ranker
        self.gate = gate
        self.threshold = threshold
        self.extra_cut = extra_cut
        self.meta = meta

    def rank(self, normal: NormalText, stage1: Stage1) -> Ranking:
        text = self.text_model.probabilities(normal)
        rows = candidate_rows(stage1, text)
        if not rows:
            return Ranking((), 0.0, text)
        ranked = rank_rows(rows, self.ranker)
        p_correct = self.gate.probability(gate_row(stage1, text, ranked))
        return Ranking(tuple(ranked), p_correct, text)

    def save(self, path: Path) -> None:
        """Write arrays and a JSON header (no pickle), replacing the file atomically."""
        model = self.text_model
        features = sorted(model.vocabulary, key=model.vocabulary.__getitem__)
        header = dict(self.meta)
        header.update(
            format=MODEL_FORMAT,
            classes=list(model.classes),
            candidate_features=list(CANDIDATE_FEATURES),
            gate_features=list(GATE_FEATURES),
            ranker=[list(self.ranker.weights), self.ranker.intercept],
            gate=[list(self.gate.weights), self.gate.intercept],
            threshold=self.threshold,
            extra_cut=self.extra_cut,
        )
        path = Path(path)
        temp = path.with_name(f".{path.name}.tmp")
        with temp.open("wb") as handle:
            np.savez_compressed(
                handle,
                header=np.array(json.dumps(header, sort_keys=True)),
                features=np.array(features),
                idf=model.idf.astype(np.float32),
                coef=model.coef.astype(np.float32),
                intercept=model.intercept.astype(np.float64),
            )
        temp.replace(path)

    @classmethod
    def load(cls, path: Path) -> Ranker:
        """Read a model file; ModelFileError says what is wrong with it."""
        path = Path(path)
        try:
            if not path.is_file():
                raise ModelFileError(f"{path.name}: no model file (run `disputebot kb train`)")
            if path.stat().st_size > MAX_MODEL_BYTES:
                raise ModelFileError(f"{path.name}: larger than {MAX_MODEL_BYTES} bytes")
            with path.open("rb") as handle, np.load(handle, allow_pickle=False) as data:
                header = json.loads(str(data["header"]))
                features = data["features"].tolist()
                idf, coef = data["idf"], data["coef"]
                intercept = data["intercept"]
        except ModelFileError:
            raise
        except Exception as exc:  # a damaged file in any way: say which and keep stage 1
            raise ModelFileError(
                f"{path.name}: unreadable model ({exc.__class__.__name__})"
            ) from None
        if header.get("format") != MODEL_FORMAT:
            raise ModelFileError(
                f"{path.name}: model format {header.get('format')!r}, "
                f"this version reads {MODEL_FORMAT}; run `disputebot kb train`"
            )
        if header.get("candidate_features") != list(CANDIDATE_FEATURES) or header.get(
            "gate_features"
        ) != list(GATE_FEATURES):
            raise ModelFileError(
                f"{path.name}: trained with other features; run `disputebot kb train`"
            )
        try:
            text_model = TextModel(features, idf, coef, intercept, header["classes"])
            ranker = Logistic(tuple(header["ranker"][0]), float(header["ranker"][1]))
            gate = Logistic(tuple(header["gate"][0]), float(header["gate"][1]))
            threshold = float(header["threshold"])
            extra_cut = float(header["extra_cut"])
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise ModelFileError(f"{path.name}: inconsistent model ({exc})") from None
        if len(ranker.weights) != len(CANDIDATE_FEATURES) or len(gate.weights) != len(
            GATE_FEATURES
        ):
            raise ModelFileError(f"{path.name}: weights do not fit the features")
        return cls(text_model, ranker, gate, threshold, header, extra_cut)


def knowledge_fingerprint(kb: KnowledgeBase) -> str:
    """A hash of everything in the knowledge that the ranker's inputs depend on.

    Advice, quotes and caveats are left out: editing them changes no match, so it
    needs no retraining.
    """
    digest = hashlib.sha256()
    pack = kb.pack
    digest.update(repr((pack.synonyms, pack.off_topic)).encode())
    digest.update(repr([(r.id, r.entry, r.terms, r.detectors) for r in pack.risks]).encode())
    for entry in kb.entries:
        digest.update(repr((entry.id, entry.topic, index_texts(entry))).encode())
    return digest.hexdigest()[:16]


def labelled_fingerprint(
    items: Iterable[tuple[str, str, Sequence[str], Sequence[str], bool]],
) -> str:
    """A hash of the labelled questions a model was trained on: (id, text, topics, also,
    calibrates), as LabelledQuestion.fingerprint_row gives them."""
    digest = hashlib.sha256()
    for item_id, text, topics, also, calibrates in sorted(items):
        digest.update(repr((item_id, text, tuple(topics), tuple(also), calibrates)).encode())
    return digest.hexdigest()[:16]
