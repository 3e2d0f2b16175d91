"""Per-guild setting overrides, each change audited in the same transaction."""

from __future__ import annotations

from bot.storage import validate
from bot.storage.database import Database
from bot.storage.models import GuildSettings, SettingValue
from bot.storage.repos import audit

_COLUMNS = (
    "answer_threshold",
    "user_cooldown_s",
    "topic_cooldown_s",
    "retention_days",
    "escalation_role_id",
)


async def get_guild_settings(db: Database, guild_id: int) -> GuildSettings:
    row = await db.fetch_one(
        f"SELECT {', '.join(_COLUMNS)} FROM guild_settings WHERE guild_id = ?", (guild_id,)
    )
    if row is None:
        return GuildSettings(guild_id)
    return GuildSettings(guild_id, **{column: row[column] for column in _COLUMNS})


async def set_guild_setting(
    db: Database, guild_id: int, key: str, value: SettingValue, *, actor_id: int, at: float
) -> tuple[SettingValue, SettingValue]:
    """Store an already validated value; returns (old, new) and audits the change."""
    if key not in validate.GUILD_SETTING_KEYS:  # the column name is interpolated below
        raise ValueError(f"unknown guild setting {key!r}")
    async with db.transaction():
        row = await db.fetch_one(
            f"SELECT {key} FROM guild_settings WHERE guild_id = ?", (guild_id,)
        )
        old: SettingValue = row[key] if row is not None else None
        await db.execute(
            f"INSERT INTO guild_settings (guild_id, {key}, updated_at) VALUES (?, ?, ?) "
            f"ON CONFLICT (guild_id) DO UPDATE SET {key} = excluded.{key}, "
            "updated_at = excluded.updated_at",
            (guild_id, value, at),
        )
        await audit.write_change(
            db,
            guild_id=guild_id,
            actor_id=actor_id,
            at=at,
            key=key,
            old_value=validate.setting_text(old),
            new_value=validate.setting_text(value),
        )
    return old, value
