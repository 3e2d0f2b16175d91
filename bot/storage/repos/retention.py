"""Forgetting what users wrote once a guild's retention period has passed.

What is removed, per guild (its ``retention_days`` override, else the default):

* ``unanswered`` rows are deleted — they are nothing but the user's question;
* ``handled_messages`` claims are deleted — a claim is refused anyway while the
  message has an answer, so this cannot make the bot answer a message twice;
* the ``question`` text of ``answers`` and ``corrections`` is set to NULL.

What is kept: the answer rows themselves (ids, cited entries, topics, confidence,
votes), so statistics and helpfulness ratios stay correct over long periods, and
the correction verdicts (which entry was right), which contain no user text. The
config audit and reload history hold only ids and moderator-written summaries and
are kept as well.

Rows without a guild (e.g. asked from the command line) use the default.
"""

from __future__ import annotations

from bot.storage.database import Database
from bot.storage.models import PurgeResult

SECONDS_PER_DAY = 86_400


def _older_than_retention(table: str, column: str) -> str:
    return (
        f"{table}.{column} < :now - {SECONDS_PER_DAY} * COALESCE("
        "(SELECT g.retention_days FROM guild_settings AS g "
        f"WHERE g.guild_id = {table}.guild_id), :default_days)"
    )


async def purge_older_than(db: Database, default_days: int, *, now: float) -> PurgeResult:
    """Apply retention in one transaction; returns how many rows were affected."""
    params = {"now": now, "default_days": default_days}
    async with db.transaction():
        unanswered = await db.execute(
            f"DELETE FROM unanswered WHERE {_older_than_retention('unanswered', 'created_at')}",
            params,
        )
        handled = await db.execute(
            "DELETE FROM handled_messages WHERE "
            f"{_older_than_retention('handled_messages', 'claimed_at')}",
            params,
        )
        answers = await db.execute(
            "UPDATE answers SET question = NULL WHERE question IS NOT NULL AND "
            f"{_older_than_retention('answers', 'created_at')}",
            params,
        )
        corrections = await db.execute(
            "UPDATE corrections SET question = NULL WHERE question IS NOT NULL AND "
            f"{_older_than_retention('corrections', 'created_at')}",
            params,
        )
    return PurgeResult(
        unanswered_deleted=unanswered,
        handled_deleted=handled,
        answer_questions_blanked=answers,
        correction_questions_blanked=corrections,
    )
