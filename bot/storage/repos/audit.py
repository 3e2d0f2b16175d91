"""The configuration audit trail: who changed which setting, from what, to what."""

from __future__ import annotations

from bot.storage.database import Database, Row
from bot.storage.models import ConfigChange


async def write_change(
    db: Database,
    *,
    guild_id: int,
    actor_id: int,
    at: float,
    key: str,
    old_value: str | None,
    new_value: str | None,
) -> None:
    """Append one audit row; callers do this inside the transaction that made the change."""
    await db.execute(
        "INSERT INTO config_audit (guild_id, actor_id, at, key, old_value, new_value) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (guild_id, actor_id, at, key, old_value, new_value),
    )


async def list_changes(db: Database, guild_id: int, limit: int) -> list[ConfigChange]:
    """The guild's most recent changes, newest first."""
    rows = await db.fetch_all(
        "SELECT id, guild_id, actor_id, at, key, old_value, new_value FROM config_audit "
        "WHERE guild_id = ? ORDER BY at DESC, id DESC LIMIT ?",
        (guild_id, limit),
    )
    return [_change(row) for row in rows]


def _change(row: Row) -> ConfigChange:
    return ConfigChange(
        id=row["id"],
        guild_id=row["guild_id"],
        actor_id=row["actor_id"],
        at=row["at"],
        key=row["key"],
        old_value=row["old_value"],
        new_value=row["new_value"],
    )
