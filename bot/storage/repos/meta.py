"""Small key/value facts about the deployment, such as the synced command-tree hash."""

from __future__ import annotations

from bot.storage.database import Database


async def get_meta(db: Database, key: str) -> str | None:
    row = await db.fetch_one("SELECT value FROM meta WHERE key = ?", (key,))
    return row["value"] if row is not None else None


async def set_meta(db: Database, key: str, value: str, *, at: float) -> None:
    await db.execute(
        "INSERT INTO meta (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) "
        "DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        (key, value, at),
    )
