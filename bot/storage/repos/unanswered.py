"""Questions the bot did not answer (or answered with low confidence), for review.

They are the main input for growing the knowledge base; retention deletes them.
"""

from __future__ import annotations

from bot.storage.database import Database, Row
from bot.storage.models import UnansweredQuestion


async def record_unanswered(
    db: Database,
    *,
    guild_id: int | None,
    channel_id: int | None,
    message_id: int | None,
    question: str,
    best_entry_id: str | None,
    confidence: float,
    at: float,
) -> int:
    return await db.insert(
        "INSERT INTO unanswered (guild_id, channel_id, message_id, question, best_entry_id, "
        "confidence, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (guild_id, channel_id, message_id, question, best_entry_id, confidence, at),
    )


async def list_unanswered(
    db: Database, guild_id: int | None, since: float | None, limit: int | None
) -> list[UnansweredQuestion]:
    """Oldest first (a review queue); ``guild_id`` None lists every guild."""
    rows = await db.fetch_all(
        "SELECT id, guild_id, channel_id, message_id, question, best_entry_id, confidence, "
        "created_at FROM unanswered "
        "WHERE (:guild IS NULL OR guild_id = :guild) AND created_at >= :since "
        "ORDER BY created_at, id LIMIT :limit",
        {
            "guild": guild_id,
            "since": since if since is not None else float("-inf"),
            "limit": limit if limit is not None else -1,
        },
    )
    return [_question(row) for row in rows]


def _question(row: Row) -> UnansweredQuestion:
    return UnansweredQuestion(
        id=row["id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        message_id=row["message_id"],
        question=row["question"],
        best_entry_id=row["best_entry_id"],
        confidence=row["confidence"],
        created_at=row["created_at"],
    )
