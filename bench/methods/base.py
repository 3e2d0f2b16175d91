"""What every compared method provides, and the one decision rule the baselines share.

A method loads (reads and indexes the pack) and ranks topics for a text. The
quality harness also needs to know what the method would *do* at a given
answer threshold and coverage ratio; `Scored` holds exactly what that takes,
so thresholds can be swept without ranking a question twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

# The pseudo-topic a baseline ranks the pack's off_topic examples under.
OFF_TOPIC = "~off-topic"
# Relative cutoffs tried for extra topics: include up to two more topics
# scoring at least r x the main topic's score.
RATIOS: tuple[float, ...] = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
MAX_TOPICS = 3

Ranking = list[tuple[str, float]]


@dataclass(frozen=True, slots=True)
class Scored:
    """One question as a method sees it, before a threshold is chosen.

    confidence: the number the answer threshold is compared with.
    blocked: the method would stay silent whatever the threshold (disputebot:
        ambiguous; a baseline given off_topic examples: they fit best).
    covered: the topics shown, main first, for each coverage ratio.
    """

    confidence: float
    blocked: bool
    covered: dict[float, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Decision:
    """What a method does with one question at fixed settings (an Outcome without labels)."""

    topics: tuple[str, ...]
    answer: bool
    confidence: float
    ambiguous: bool


class Method(Protocol):
    """A matcher under test. `load` is what start-up costs; `rank` what a question costs.

    `score` feeds the threshold sweep; `decide` is the method acting at chosen
    settings, and is what every reported figure comes from.
    """

    name: str

    def load(self, root: Path, platform: str) -> None: ...

    def rank(self, text: str) -> Ranking: ...

    def score(self, text: str, ratios: Sequence[float] = RATIOS) -> Scored: ...

    def decide(self, text: str, threshold: float, ratio: float) -> Decision: ...


def score_ranking(ranking: Ranking, ratios: Sequence[float], use_off_topic: bool) -> Scored:
    """The baselines' shared decision rule.

    Confidence is the main topic's score. With off_topic examples, the method
    stays silent when they score at least as well as the best topic: the same
    evidence disputebot turns into its silence penalty, used in the simplest way.
    """
    silence = next((s for t, s in ranking if t == OFF_TOPIC), None)
    real = [(t, s) for t, s in ranking if t != OFF_TOPIC]
    if not real:
        return Scored(0.0, True, {r: () for r in ratios})
    main_score = real[0][1]
    blocked = use_off_topic and silence is not None and silence >= main_score
    covered = {r: cover(real, r) for r in ratios}
    return Scored(main_score, blocked, covered)


def apply(scored: Scored, threshold: float, ratio: float) -> Decision:
    """A Scored question at one threshold and ratio: the sweep's view of `decide`."""
    confident = scored.confidence >= threshold
    return Decision(
        topics=scored.covered[ratio],
        answer=confident and not scored.blocked,
        confidence=scored.confidence,
        ambiguous=confident and scored.blocked,
    )


def cover(real: Ranking, ratio: float) -> tuple[str, ...]:
    """The main topic and up to two more scoring at least ratio x the main score."""
    main_topic, main_score = real[0]
    topics = [main_topic]
    for topic, value in real[1:]:
        if len(topics) >= MAX_TOPICS or main_score <= 0 or value < ratio * main_score:
            break
        topics.append(topic)
    return tuple(topics)
