"""Moderator corrections of answers: what should have been cited, or nothing at all.

The question and the originally cited entries are copied from the answer when the
correction is made, so a correction stays meaningful on its own; the question text
is blanked by retention like the answer's.
"""

from __future__ import annotations

import json

from bot.storage.database import Database, Row
from bot.storage.models import Correction


async def record_correction(
    db: Database,
    answer_id: int,
    moderator_id: int,
    correct_entry_id: str | None,
    should_not_answer: bool,
    *,
    at: float,
) -> int | None:
    """Store a correction of ``answer_id``; None when that answer does not exist."""
    async with db.transaction():
        answer = await db.fetch_one(
            "SELECT guild_id, question, entry_ids FROM answers WHERE id = ?", (answer_id,)
        )
        if answer is None:
            return None
        return await db.insert(
            "INSERT INTO corrections (answer_id, guild_id, moderator_id, question, "
            "original_entry_ids, correct_entry_id, should_not_answer, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                answer_id,
                answer["guild_id"],
                moderator_id,
                answer["question"],
                answer["entry_ids"],
                correct_entry_id,
                int(should_not_answer),
                at,
            ),
        )


async def list_corrections(db: Database, since: float | None) -> list[Correction]:
    """Oldest first, so they can be worked through in order."""
    rows = await db.fetch_all(
        "SELECT id, answer_id, guild_id, moderator_id, question, original_entry_ids, "
        "correct_entry_id, should_not_answer, created_at FROM corrections "
        "WHERE created_at >= ? ORDER BY created_at, id",
        (since if since is not None else float("-inf"),),
    )
    return [_correction(row) for row in rows]


def _correction(row: Row) -> Correction:
    return Correction(
        id=row["id"],
        answer_id=row["answer_id"],
        guild_id=row["guild_id"],
        moderator_id=row["moderator_id"],
        question=row["question"],
        original_entry_ids=tuple(json.loads(row["original_entry_ids"])),
        correct_entry_id=row["correct_entry_id"],
        should_not_answer=bool(row["should_not_answer"]),
        created_at=row["created_at"],
    )
