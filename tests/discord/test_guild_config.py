"""The per-guild cache: one read for a burst, and /config writes never undone by a slow read."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.discord_app.guild_config import DEFAULT_MODE, GuildConfig
from bot.settings import Settings
from bot.storage.store import Store


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Channel:
    def __init__(self, channel_id: int) -> None:
        self.id = channel_id


async def test_burst_of_reads_hits_the_database_once(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "db.sqlite3")
    calls = 0
    original = store.get_channel_mode

    async def counted(channel_id: int) -> object:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        return await original(channel_id)

    store.get_channel_mode = counted  # type: ignore[method-assign]
    config = GuildConfig(store, Settings(), Clock())
    modes = await asyncio.gather(*(config.mode(Channel(7)) for _ in range(50)))  # type: ignore[arg-type]
    await store.close()
    assert set(modes) == {DEFAULT_MODE}
    assert calls == 1


async def test_a_write_during_a_slow_read_is_kept(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "db.sqlite3")
    clock = Clock()
    original = store.get_channel_mode
    release = asyncio.Event()

    async def slow(channel_id: int) -> object:
        value = await original(channel_id)
        await release.wait()
        return value

    store.get_channel_mode = slow  # type: ignore[method-assign]
    config = GuildConfig(store, Settings(), clock)
    reading = asyncio.create_task(config.mode(Channel(7)))  # type: ignore[arg-type]
    await asyncio.sleep(0.01)
    clock.now += 1
    assert await config.set_mode(1, 7, "auto", actor_id=9)
    release.set()
    await reading
    assert await config.mode(Channel(7)) == "auto"  # type: ignore[arg-type]
    await store.close()


async def test_setting_a_value_takes_effect_at_once(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "db.sqlite3")
    config = GuildConfig(store, Settings(), Clock())
    assert (await config.policy(5)).threshold == Settings().answer_threshold
    assert await config.set_value(5, "answer_threshold", 0.8, actor_id=9)
    assert (await config.policy(5)).threshold == 0.8
    await store.close()
