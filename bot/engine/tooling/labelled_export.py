"""Turn gaps and moderators' corrections into lines of the evaluation format.

The evaluation format (bot.engine.tooling.evaluate.read_labelled) is JSON lines of
``{"id", "text", "topics"}`` where ``[]`` means "the bot must stay silent".
Exports use it so that what moderators learn from the live bot can go straight
into `disputebot eval`:

* gaps come out **unlabelled** (``topics: []``) with the matcher's best guess in
  ``suggested`` and the group size in ``count``; a moderator fills in
  ``topics`` before the file is used as evaluation data (left empty, the
  question is taken as one the bot must stay silent on);
* corrections come out **labelled**: the topic of the entry the moderator chose,
  or ``[]`` for "should not have answered".
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TextIO

from bot.engine.knowledge.models import KnowledgeBase
from bot.engine.tooling.gaps import GapGroup


@dataclass(frozen=True, slots=True)
class CorrectedQuestion:
    """A moderator's verdict on one answer; ``text`` is None once retention removed it."""

    id: int
    answer_id: int
    text: str | None
    correct_entry_id: str | None
    should_not_answer: bool
    created_at: float


def topic_of(kb: KnowledgeBase | None, entry_id: str | None) -> str | None:
    entry = kb.entry(entry_id) if kb is not None and entry_id else None
    return entry.topic if entry is not None else None


def gap_rows(groups: Iterable[GapGroup], kb: KnowledgeBase | None) -> list[dict[str, Any]]:
    """One unlabelled line per group: its example, size and the suggested topic."""
    return [
        {
            "id": f"gap-{group.example.id}",
            "text": group.example.text,
            "topics": [],
            "suggested": topic_of(kb, group.best_entry_id),
            "count": group.count,
        }
        for group in groups
    ]


def correction_rows(
    corrections: Iterable[CorrectedQuestion], kb: KnowledgeBase
) -> tuple[list[dict[str, Any]], list[str]]:
    """Labelled lines, and why any correction was left out.

    A later correction of the same answer replaces an earlier one: the moderator
    changed their mind. Corrections whose question passed retention, or whose
    chosen entry no longer exists, cannot become test cases and are reported.
    """
    latest: dict[int, CorrectedQuestion] = {}
    for correction in sorted(corrections, key=lambda c: (c.created_at, c.id)):
        latest[correction.answer_id] = correction
    rows: list[dict[str, Any]] = []
    skipped: list[str] = []
    for correction in sorted(latest.values(), key=lambda c: (c.created_at, c.id)):
        if correction.text is None:
            skipped.append(f"correction {correction.id}: the question was removed by retention")
            continue
        if correction.should_not_answer:
            topics: list[str] = []
        else:
            topic = topic_of(kb, correction.correct_entry_id)
            if topic is None:
                skipped.append(
                    f"correction {correction.id}: entry '{correction.correct_entry_id}' "
                    "is no longer in the knowledge base"
                )
                continue
            topics = [topic]
        rows.append(
            {"id": f"correction-{correction.id}", "text": correction.text, "topics": topics}
        )
    return rows, skipped


def write_jsonl(rows: Iterable[dict[str, Any]], out: TextIO) -> int:
    """Write one JSON object per line; returns how many were written."""
    count = 0
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count
