"""History of knowledge reloads, so moderators can see when and why one failed."""

from __future__ import annotations

from bot.storage.database import Database, Row
from bot.storage.models import ReloadRecord


async def record_reload(
    db: Database, guild_id: int | None, actor_id: int | None, ok: bool, summary: str, *, at: float
) -> int:
    return await db.insert(
        "INSERT INTO reloads (guild_id, actor_id, ok, summary, at) VALUES (?, ?, ?, ?, ?)",
        (guild_id, actor_id, int(ok), summary, at),
    )


async def list_reloads(db: Database, limit: int) -> list[ReloadRecord]:
    """The most recent reloads, newest first."""
    rows = await db.fetch_all(
        "SELECT id, guild_id, actor_id, ok, summary, at FROM reloads "
        "ORDER BY at DESC, id DESC LIMIT ?",
        (limit,),
    )
    return [_reload(row) for row in rows]


def _reload(row: Row) -> ReloadRecord:
    return ReloadRecord(
        id=row["id"],
        guild_id=row["guild_id"],
        actor_id=row["actor_id"],
        ok=bool(row["ok"]),
        summary=row["summary"],
        at=row["at"],
    )
