"""The answer log, and the claims that stop the bot from answering a message twice.

A message is claimed (``handled_messages``) before the bot starts working on it;
the answer row is written once the reply exists. Both are keyed by the Discord
message id, and a claim is refused when that message already has an answer, so
pruning old claims under retention cannot reopen a message that was answered.
"""

from __future__ import annotations

import json
from typing import cast

from bot.storage.database import Database, Row
from bot.storage.models import AnswerKind, AnswerRecord, StoredAnswer

_ANSWER_COLUMNS = (
    "id, guild_id, channel_id, source_message_id, reply_message_id, asker_id, entry_ids, "
    "topics, confidence, kind, question, helpful, not_helpful, created_at"
)


async def record_answer(db: Database, record: AnswerRecord, *, at: float) -> int | None:
    """Insert the answer; None when its source message already has one."""
    row = await db.fetch_one(
        "INSERT INTO answers (guild_id, channel_id, source_message_id, reply_message_id, "
        "asker_id, entry_ids, topics, confidence, kind, question, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (source_message_id) DO NOTHING RETURNING id",
        (
            record.guild_id,
            record.channel_id,
            record.source_message_id,
            record.reply_message_id,
            record.asker_id,
            json.dumps(list(record.entry_ids)),
            json.dumps(list(record.topics)),
            float(record.confidence),
            record.kind,
            record.question,
            at,
        ),
    )
    return int(row["id"]) if row is not None else None


async def set_reply_message(db: Database, answer_id: int, message_id: int) -> bool:
    """Attach the bot's reply to an answer; False when the answer does not exist."""
    changed = await db.execute(
        "UPDATE answers SET reply_message_id = ? WHERE id = ?", (message_id, answer_id)
    )
    return changed > 0


async def get_answer(db: Database, answer_id: int) -> StoredAnswer | None:
    row = await db.fetch_one(f"SELECT {_ANSWER_COLUMNS} FROM answers WHERE id = ?", (answer_id,))
    return stored_answer(row) if row is not None else None


async def was_answered(db: Database, source_message_id: int) -> bool:
    row = await db.fetch_one(
        "SELECT 1 FROM answers WHERE source_message_id = ?", (source_message_id,)
    )
    return row is not None


async def claim_message(db: Database, message_id: int, guild_id: int | None, *, at: float) -> bool:
    """Claim a message for answering; True only for the first claim (atomic)."""
    changed = await db.execute(
        "INSERT INTO handled_messages (message_id, guild_id, claimed_at) "
        "SELECT ?, ?, ? WHERE NOT EXISTS "
        "(SELECT 1 FROM answers WHERE source_message_id = ?) "
        "ON CONFLICT (message_id) DO NOTHING",
        (message_id, guild_id, at, message_id),
    )
    return changed == 1


def stored_answer(row: Row) -> StoredAnswer:
    return StoredAnswer(
        id=row["id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        source_message_id=row["source_message_id"],
        reply_message_id=row["reply_message_id"],
        asker_id=row["asker_id"],
        entry_ids=tuple(json.loads(row["entry_ids"])),
        topics=tuple(json.loads(row["topics"])),
        confidence=row["confidence"],
        kind=cast("AnswerKind", row["kind"]),
        question=row["question"],
        helpful=row["helpful"],
        not_helpful=row["not_helpful"],
        created_at=row["created_at"],
    )
