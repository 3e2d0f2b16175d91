"""The scaling path: AutoShardedBot behind the `sharded` setting, with shard ranges."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from discord.ext import commands

from bot.discord_app.client import AnyDisputeBot, DisputeBot, ShardedDisputeBot, create_bot
from bot.discord_app.runner import bot_services
from bot.settings import Settings
from tests.discord.harness import FAKE_TOKEN, World, build_world, running, set_modes
from tests.emulator import DiscordEmulator

QUESTION = "My buyer doesn't like the logo I delivered and wants a refund, it matches my gig"


async def test_shard_settings_from_the_environment_make_an_auto_sharded_bot(
    tmp_path: Path,
) -> None:
    settings = Settings.load(
        {
            "DISPUTEBOT_SHARDED": "true",
            "DISPUTEBOT_SHARD_IDS": "0-3",
            "DISPUTEBOT_SHARD_COUNT": "8",
            "DISPUTEBOT_DATABASE_PATH": str(tmp_path / "db.sqlite3"),
        }
    )
    assert settings.shard_ids == (0, 1, 2, 3) and settings.shard_count == 8
    async with bot_services(settings) as services:
        bot = create_bot(settings, services)
        assert isinstance(bot, ShardedDisputeBot) and isinstance(bot, commands.AutoShardedBot)
        assert bot.shard_count == 8 and bot.shard_ids == [0, 1, 2, 3]
        plain = create_bot(replace(settings, sharded=False), services)
        assert isinstance(plain, DisputeBot) and not isinstance(plain, commands.AutoShardedBot)


def identified_shards(emu: DiscordEmulator) -> list[list[int]]:
    return [frame["d"]["shard"] for frame in emu.gateway.received if frame.get("op") == 2]


async def answers_a_question(world: World, bot: AnyDisputeBot) -> None:
    await world.emu.send_message(world.auto, world.alice, QUESTION)
    reply = await world.emu.wait_for_message(world.auto, timeout=5)
    assert reply.body["embeds"] and bot.is_ready()


async def test_sharded_without_a_count_asks_discord_for_it(tmp_path: Path) -> None:
    async with DiscordEmulator(token=FAKE_TOKEN) as emu:
        world = build_world(emu, tmp_path, sharded=True)
        await set_modes(world)
        async with running(world) as bot:
            assert isinstance(bot, ShardedDisputeBot)
            await answers_a_question(world, bot)
        assert emu.requests_to("GET", r"/gateway/bot$")
        assert identified_shards(emu) == [[0, 1]]


async def test_one_process_runs_only_its_shard_ids(tmp_path: Path) -> None:
    async with DiscordEmulator(token=FAKE_TOKEN) as emu:
        world = build_world(emu, tmp_path)
        await set_modes(world)
        settings = replace(world.settings, sharded=True, shard_count=2, shard_ids=(1,))
        async with running(world, settings) as bot:
            assert bot.shard_count == 2 and list(bot.shards) == [1]
            await answers_a_question(world, bot)
        assert not emu.requests_to("GET", r"/gateway/bot$")
        assert identified_shards(emu) == [[1, 2]]
