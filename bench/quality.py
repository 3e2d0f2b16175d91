"""Answer quality of disputebot and the baselines, tuned the same way, measured the same way.

Every method scores every labelled question once; tuning.choose picks its
threshold and coverage ratio on the tune split; the figures for tune, holdout
and the full set then come from the method's own `decide` at those settings,
summarised by bot.engine.tooling.evaluate.summarise like `disputebot eval` does.
The sweep's prediction is checked against `decide` on every question, so a
change in the matcher's semantics cannot silently skew the tuning.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from methods.base import Decision, Method, apply
from methods.bm25 import Bm25Method
from methods.disputebot import DisputebotMethod, shipped_settings
from methods.embeddings import EmbeddingMethod
from tuning import choose, choose_matched, outcome, shown_per_question

from bot.engine.tooling.evaluate import LabelledQuestion, split, summarise

SPLITS = ("tune", "holdout", "full")
SEES = {
    "disputebot (shipped)": "phrasings, not_examples, off_topic, synonyms, risk rules",
    "disputebot (tuned)": "phrasings, not_examples, off_topic, synonyms, risk rules",
    "BM25 + off-topic": "phrasings (one document per entry), off_topic",
    "BM25": "phrasings (one document per entry)",
    "MiniLM + off-topic": "phrasings (one vector each), off_topic, pretrained model",
    "MiniLM": "phrasings (one vector each), pretrained model",
    "BM25 + off-topic @ same answer rate": (
        "as BM25 + off-topic; threshold set to disputebot's answer rate"
    ),
    "MiniLM + off-topic @ same answer rate": (
        "as MiniLM + off-topic; threshold set to disputebot's answer rate"
    ),
    "disputebot @ BM25's answer rate": (
        "as disputebot; threshold set to tuned BM25 + off-topic's answer rate"
    ),
    "disputebot @ MiniLM's answer rate": (
        "as disputebot; threshold set to tuned MiniLM + off-topic's answer rate"
    ),
}


@dataclass
class MethodQuality:
    """One method's settings and its metrics on each split."""

    name: str
    sees: str
    threshold: float
    ratio: float
    constrained: bool | None  # None: shipped settings, not tuned here
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    shown: dict[str, float] = field(default_factory=dict)
    answered: dict[str, int] = field(default_factory=dict)
    mismatches: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def run_quality(root: Path, platform: str, items: list[LabelledQuestion]) -> list[MethodQuality]:
    parts = _parts(items)
    disputebot = DisputebotMethod()
    disputebot.load(root, platform)
    shipped = shipped_settings()
    rows = [
        _measure(disputebot, "disputebot (shipped)", parts, shipped.threshold, shipped.extra_ratio)[
            0
        ]
    ]
    rows.append(_tuned(disputebot, "disputebot (tuned)", parts))
    target = rows[0].answered["tune"]
    for use_off_topic in (True, False):
        bm25 = Bm25Method(use_off_topic)
        bm25.load(root, platform)
        rows.append(_tuned(bm25, bm25.name, parts))
        if use_off_topic:
            rows.append(_tuned(bm25, f"{bm25.name} @ same answer rate", parts, target))
            # The other way round: disputebot as cautious as tuned BM25 chose to be.
            bm25_rate = rows[-2].answered["tune"]
            rows.append(_tuned(disputebot, "disputebot @ BM25's answer rate", parts, bm25_rate))
    minilm = EmbeddingMethod(use_off_topic=True, remember_questions=True)
    minilm.load(root, platform)
    rows.append(_tuned(minilm, minilm.name, parts))
    minilm_rate = rows[-1].answered["tune"]
    rows.append(_tuned(minilm, f"{minilm.name} @ same answer rate", parts, target))
    rows.append(_tuned(disputebot, "disputebot @ MiniLM's answer rate", parts, minilm_rate))
    rows.append(_tuned(minilm.without_off_topic(), "MiniLM", parts))
    return rows


def _parts(items: list[LabelledQuestion]) -> dict[str, list[LabelledQuestion]]:
    return {"tune": split(items, "tune"), "holdout": split(items, "holdout"), "full": items}


def _tuned(
    method: Method,
    name: str,
    parts: dict[str, list[LabelledQuestion]],
    answered: int | None = None,
) -> MethodQuality:
    """Tune on the tune split (to `answered` answers when given), then measure; count
    where the sweep and `decide` disagree."""
    scored = {i: method.score(i.text) for i in parts["full"]}
    tune = [scored[i] for i in parts["tune"]]
    if answered is None:
        choice = choose(parts["tune"], tune)
    else:
        choice = choose_matched(parts["tune"], tune, answered)
    row, decided = _measure(method, name, parts, choice.threshold, choice.ratio)
    row.constrained = choice.constrained
    row.mismatches = sum(
        apply(scored[key], choice.threshold, choice.ratio) != decision
        for key, decision in decided.items()
    )
    return row


def _measure(
    method: Method,
    name: str,
    parts: dict[str, list[LabelledQuestion]],
    threshold: float,
    ratio: float,
) -> tuple[MethodQuality, dict[LabelledQuestion, Decision]]:
    decided = {i: method.decide(i.text, threshold, ratio) for i in parts["full"]}
    row = MethodQuality(name, SEES.get(name, ""), threshold, ratio, None)
    for part in SPLITS:
        outcomes = [outcome(i, decided[i]) for i in parts[part]]
        report = summarise(outcomes)
        row.metrics[part] = report.metrics
        row.shown[part] = shown_per_question(outcomes)
        row.answered[part] = report.counts["answered"]
    return row, decided
