"""`disputebot sync`: the running bot's command tree, registered over REST only."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.discord_app.runner import EXIT_CONFIG, StartupError
from bot.discord_app.sync_once import sync_once
from tests.discord.harness import FAKE_TOKEN, build_world, running
from tests.emulator import DiscordEmulator

from .emulated import bot_environ, finish, start

GLOBAL = r"/applications/\d+/commands$"


def names(commands: list[dict]) -> list[tuple[int, str]]:
    return sorted((c.get("type", 1), c["name"]) for c in commands)


async def test_cli_sync_is_global_rest_only_and_the_next_start_does_not_repeat_it(
    tmp_path: Path,
) -> None:
    async with DiscordEmulator(token=FAKE_TOKEN) as emu:
        world = build_world(emu, tmp_path)
        out, err = await finish(await start(bot_environ(world), "sync", "--global"))
        assert out.startswith("synced ") and out.endswith(" command(s) globally\n"), err
        assert emu.gateway.identifies == 0
        assert len(emu.requests_to("PUT", GLOBAL)) == 1
        synced_by_cli = names(emu.synced_commands())
        async with running(world, replace(world.settings, dev_guild_id=world.guild)):
            pass
        assert names(emu.synced_commands(world.guild)) == synced_by_cli
        async with running(world):
            pass
        assert len(emu.requests_to("PUT", GLOBAL)) == 1, "the start saw the tree already synced"
    assert FAKE_TOKEN not in out + err


async def test_sync_to_one_guild(tmp_path: Path) -> None:
    async with DiscordEmulator(token=FAKE_TOKEN) as emu:
        world = build_world(emu, tmp_path)
        outcome = await sync_once(world.settings, guild_id=world.guild)
        assert outcome.startswith("synced ") and outcome.endswith(f"to guild {world.guild}")
        assert emu.requests_to("PUT", rf"/applications/\d+/guilds/{world.guild}/commands")
        assert not emu.requests_to("PUT", GLOBAL)
        assert emu.gateway.identifies == 0


async def test_a_rejected_token_is_a_startup_error(tmp_path: Path) -> None:
    async with DiscordEmulator(token=FAKE_TOKEN) as emu:
        world = build_world(emu, tmp_path)
        other = FAKE_TOKEN[:-6] + "wrong0"
        with pytest.raises(StartupError) as caught:
            await sync_once(replace(world.settings, discord_token=other))
        assert caught.value.code == EXIT_CONFIG and "rejected the token" in str(caught.value)
        assert not emu.requests_to("PUT", GLOBAL)
