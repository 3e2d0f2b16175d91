"""Group the questions the bot could not answer, so moderators see needs, not noise.

The unanswered log repeats itself: ten sellers ask "buyer wants refund after 3
revisions" in ten different ways. Listing them one by one buries the rare
question under the common one, so questions are grouped greedily: each question
joins the first group whose example it resembles (rapidfuzz token_set_ratio on
the stems the matcher itself would see), otherwise it starts a new group. The
groups are ranked by size, so the biggest gap comes first.

Greedy grouping depends on order; questions are taken oldest first, so a group's
example is the first way the question was asked and stays stable as new
questions arrive.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.engine.matching.normalise import normalise

# token_set_ratio on stems: 100 when one question's words contain the other's.
DEFAULT_SIMILARITY = 70.0


@dataclass(frozen=True, slots=True)
class GapQuestion:
    """One question as the unanswered log holds it."""

    id: int
    text: str
    best_entry_id: str | None
    confidence: float
    created_at: float


@dataclass(frozen=True, slots=True)
class GapGroup:
    """Questions that ask about the same thing, with the first one as their example."""

    example: GapQuestion
    questions: tuple[GapQuestion, ...]
    best_entry_id: str | None

    @property
    def count(self) -> int:
        return len(self.questions)

    @property
    def mean_confidence(self) -> float:
        return sum(q.confidence for q in self.questions) / len(self.questions)

    @property
    def last_asked(self) -> float:
        return max(q.created_at for q in self.questions)


def comparable(text: str, synonyms: tuple[tuple[str, str], ...] = ()) -> str:
    """The question's meaningful stems, so "refunds" and "refund" agree and "the" is ignored.

    synonyms: the pack's (`kb.pack.synonyms`), so shorthand reads as the matcher reads it.
    """
    stems = [s for s in normalise(text, synonyms).stems if s]
    return " ".join(stems) if stems else " ".join(text.casefold().split())


def group_questions(
    questions: Iterable[GapQuestion],
    similarity: float = DEFAULT_SIMILARITY,
    synonyms: tuple[tuple[str, str], ...] = (),
) -> list[GapGroup]:
    """Greedy grouping, biggest group first (ties: most recently asked first)."""
    ordered = sorted(questions, key=lambda q: (q.created_at, q.id))
    examples: list[str] = []
    members: list[list[GapQuestion]] = []
    for question in ordered:
        text = comparable(question.text, synonyms)
        best = (
            process.extractOne(text, examples, scorer=fuzz.token_set_ratio, score_cutoff=similarity)
            if text
            else None
        )
        if best is None:
            examples.append(text)
            members.append([question])
        else:
            members[best[2]].append(question)
    groups = [GapGroup(qs[0], tuple(qs), _best_entry(qs)) for qs in members]
    groups.sort(key=lambda g: (-g.count, -g.last_asked, g.example.id))
    return groups


def _best_entry(questions: list[GapQuestion]) -> str | None:
    """The entry the matcher leaned to most often in the group (ties: higher confidence)."""
    votes = Counter(q.best_entry_id for q in questions if q.best_entry_id)
    if not votes:
        return None
    confidence: dict[str, float] = {}
    for q in questions:
        if q.best_entry_id:
            confidence[q.best_entry_id] = max(confidence.get(q.best_entry_id, 0.0), q.confidence)
    return max(votes, key=lambda entry: (votes[entry], confidence[entry], entry))
