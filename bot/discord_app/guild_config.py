"""Per-guild settings and channel modes, cached in memory in front of the database.

Every message needs its channel's mode and its guild's threshold and cooldowns;
reading them from SQLite each time would put the database on the hot path. Values
are cached for a short time, updated at once by /config in this process, and a
storage fault falls back to the defaults from the process settings.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

import discord

from bot.settings import Settings
from bot.storage.models import ChannelMode, GuildSettings, SettingValue
from bot.storage.store import Store

T = TypeVar("T")
V = TypeVar("V")
MODES: tuple[ChannelMode, ...] = ("off", "mention", "auto")
DEFAULT_MODE = "mention"
CACHE_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class GuildPolicy:
    """The effective settings for one guild: its overrides over the process defaults."""

    threshold: float | None  # None: the knowledge's trained threshold
    user_cooldown: int
    topic_cooldown: int
    retention_days: int
    escalation_role_id: int | None


def effective_policy(overrides: GuildSettings, defaults: Settings) -> GuildPolicy:
    def choose(value: float | int | None, default: float | int) -> float | int:
        return default if value is None else value

    return GuildPolicy(
        threshold=(
            overrides.answer_threshold
            if overrides.answer_threshold is not None
            else defaults.answer_threshold
        ),
        user_cooldown=int(choose(overrides.user_cooldown_s, defaults.user_cooldown_seconds)),
        topic_cooldown=int(choose(overrides.topic_cooldown_s, defaults.topic_cooldown_seconds)),
        retention_days=int(choose(overrides.retention_days, defaults.retention_days)),
        escalation_role_id=overrides.escalation_role_id,
    )


class GuildConfig:
    """Cached read access to guild settings and channel modes, with write-through updates."""

    def __init__(
        self, store: Store, settings: Settings, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.store = store
        self.settings = settings
        self._clock = clock
        self._guilds: dict[int, tuple[float, GuildSettings]] = {}
        self._modes: dict[int, tuple[float, ChannelMode | None]] = {}
        self._pending: dict[tuple[str, int], asyncio.Future[Any]] = {}

    async def policy(self, guild_id: int | None) -> GuildPolicy:
        if guild_id is None:
            return effective_policy(GuildSettings(0), self.settings)
        cached = self._guilds.get(guild_id)
        if cached is None or self._clock() - cached[0] > CACHE_SECONDS:
            started = self._clock()
            value = await self._once(("guild", guild_id), self.store.get_guild_settings(guild_id))
            cached = self._keep_newer(self._guilds, guild_id, started, value)
        return effective_policy(cached[1], self.settings)

    async def mode(self, channel: discord.abc.Snowflake) -> str:
        """The channel's mode; threads follow their parent channel.

        Takes whatever channel a message or command carries (only its id is read, and
        a thread's parent), so callers need not narrow it first.
        """
        parent = channel.parent if isinstance(channel, discord.Thread) else None
        channel_id = parent.id if parent is not None else channel.id
        cached = self._modes.get(channel_id)
        if cached is None or self._clock() - cached[0] > CACHE_SECONDS:
            started = self._clock()
            value = await self._once(("mode", channel_id), self.store.get_channel_mode(channel_id))
            cached = self._keep_newer(self._modes, channel_id, started, value)
        return cached[1] or DEFAULT_MODE

    def _keep_newer(
        self, cache: dict[int, tuple[float, V]], key: int, started: float, value: V
    ) -> tuple[float, V]:
        """Cache a value read from the database, unless /config wrote a newer one meanwhile."""
        current = cache.get(key)
        if current is not None and current[0] >= started:
            return current
        cache[key] = (self._clock(), value)
        return cache[key]

    async def _once(self, key: tuple[str, int], read: Coroutine[Any, Any, T]) -> T:
        """One database read per key at a time: a burst of messages waits for the same one."""
        pending = self._pending.get(key)
        if pending is None:
            pending = asyncio.ensure_future(read)
            self._pending[key] = pending
            pending.add_done_callback(lambda _: self._pending.pop(key, None))
        else:
            read.close()
        return await asyncio.shield(pending)

    async def set_mode(self, guild_id: int, channel_id: int, mode: str, actor_id: int) -> bool:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        result = await self.store.set_channel_mode(guild_id, channel_id, mode, actor_id=actor_id)
        if result:
            self._modes[channel_id] = (self._clock(), mode)
        return bool(result)

    async def set_value(
        self, guild_id: int, key: str, value: float | int | None, actor_id: int
    ) -> tuple[SettingValue, SettingValue] | None:
        """Change one guild setting; returns (old, new), or None if storage failed."""
        result = await self.store.set_guild_setting(guild_id, key, value, actor_id=actor_id)
        if result:
            self._guilds[guild_id] = (self._clock(), await self.store.get_guild_settings(guild_id))
        return result if result else None
