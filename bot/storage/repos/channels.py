"""Which channels the bot answers in, and how; changes are audited like settings."""

from __future__ import annotations

from typing import cast

from bot.storage.database import Database
from bot.storage.models import ChannelMode
from bot.storage.repos import audit


def audit_key(channel_id: int) -> str:
    return f"channel_mode:{channel_id}"


async def get_channel_mode(db: Database, channel_id: int) -> ChannelMode | None:
    row = await db.fetch_one("SELECT mode FROM channel_modes WHERE channel_id = ?", (channel_id,))
    return cast("ChannelMode", row["mode"]) if row is not None else None


async def set_channel_mode(
    db: Database,
    guild_id: int,
    channel_id: int,
    mode: ChannelMode | None,
    *,
    actor_id: int,
    at: float,
) -> tuple[ChannelMode | None, ChannelMode | None]:
    """Set (or with None, remove) a channel's mode; returns (old, new)."""
    async with db.transaction():
        old = await get_channel_mode(db, channel_id)
        if mode is None:
            await db.execute("DELETE FROM channel_modes WHERE channel_id = ?", (channel_id,))
        else:
            await db.execute(
                "INSERT INTO channel_modes (channel_id, guild_id, mode, updated_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (channel_id) DO UPDATE SET "
                "guild_id = excluded.guild_id, mode = excluded.mode, "
                "updated_at = excluded.updated_at",
                (channel_id, guild_id, mode, at),
            )
        await audit.write_change(
            db,
            guild_id=guild_id,
            actor_id=actor_id,
            at=at,
            key=audit_key(channel_id),
            old_value=old,
            new_value=mode,
        )
    return old, mode


async def list_channel_modes(db: Database, guild_id: int) -> dict[int, ChannelMode]:
    rows = await db.fetch_all(
        "SELECT channel_id, mode FROM channel_modes WHERE guild_id = ? ORDER BY channel_id",
        (guild_id,),
    )
    return {row["channel_id"]: cast("ChannelMode", row["mode"]) for row in rows}
