"""Aggregates over the answer log for moderators' stats commands.

An answer that cited several entries counts once for each of them (and its votes
count for each), since every cited entry shared responsibility for the reply.
"""

from __future__ import annotations

from bot.storage.database import Database, Row
from bot.storage.models import ChannelCount, EntryCount, EntryFeedback

# One row per (answer, distinct cited entry) within the window.
_CITATIONS = (
    "SELECT DISTINCT a.id AS answer_id, e.value AS entry_id, a.helpful, a.not_helpful "
    "FROM answers AS a, json_each(a.entry_ids) AS e "
    "WHERE a.created_at >= :since AND (:guild IS NULL OR a.guild_id = :guild)"
)

_PER_ENTRY = (
    "SELECT entry_id, COUNT(*) AS answers, SUM(helpful) AS helpful, "
    f"SUM(not_helpful) AS not_helpful FROM ({_CITATIONS}) GROUP BY entry_id"
)


def _window(since: float | None, guild_id: int | None) -> dict[str, object]:
    return {"since": since if since is not None else float("-inf"), "guild": guild_id}


async def answers_per_entry(
    db: Database, since: float | None, guild_id: int | None
) -> list[EntryCount]:
    """Most cited first."""
    rows = await db.fetch_all(
        f"{_PER_ENTRY} ORDER BY answers DESC, entry_id", _window(since, guild_id)
    )
    return [EntryCount(row["entry_id"], row["answers"]) for row in rows]


async def helpful_ratio_per_entry(
    db: Database, since: float | None, guild_id: int | None
) -> list[EntryFeedback]:
    """Every cited entry with its vote totals, by entry id."""
    rows = await db.fetch_all(f"{_PER_ENTRY} ORDER BY entry_id", _window(since, guild_id))
    return [_feedback(row) for row in rows]


async def most_disliked_entries(
    db: Database, limit: int, since: float | None, guild_id: int | None
) -> list[EntryFeedback]:
    """Entries with not-helpful votes, most not-helpful first, then worst ratio."""
    rows = await db.fetch_all(
        f"{_PER_ENTRY} HAVING SUM(not_helpful) > 0 ORDER BY not_helpful DESC, "
        "CAST(helpful AS REAL) / (helpful + not_helpful), entry_id LIMIT :limit",
        {**_window(since, guild_id), "limit": limit},
    )
    return [_feedback(row) for row in rows]


async def answers_per_channel(
    db: Database, since: float | None, guild_id: int | None
) -> list[ChannelCount]:
    """Busiest channel first; answers without a channel (e.g. the CLI) are left out."""
    rows = await db.fetch_all(
        "SELECT channel_id, COUNT(*) AS answers FROM answers "
        "WHERE channel_id IS NOT NULL AND created_at >= :since "
        "AND (:guild IS NULL OR guild_id = :guild) "
        "GROUP BY channel_id ORDER BY answers DESC, channel_id",
        _window(since, guild_id),
    )
    return [ChannelCount(row["channel_id"], row["answers"]) for row in rows]


def _feedback(row: Row) -> EntryFeedback:
    return EntryFeedback(row["entry_id"], row["answers"], row["helpful"], row["not_helpful"])
