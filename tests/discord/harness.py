"""A running DisputeBot connected to the emulator, started the way `disputebot run` does.

The bot goes through runner.serve() with settings that point it at the emulator's
REST base and gateway URLs; the only test-specific option is a short
guild_ready_timeout, so tests do not wait discord.py's default two seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.discord_app.client import AnyDisputeBot, create_bot
from bot.discord_app.runner import serve
from bot.discord_app.services import Services
from bot.settings import Settings
from bot.storage.store import Store
from tests.conftest import SHIPPED_KNOWLEDGE
from tests.emulator import DiscordEmulator
from tests.emulator.fixtures import ErrorLogCollector, shutdown_problems

# Shaped like a real bot token (three dot-separated parts) so start-up checks accept it.
FAKE_TOKEN = "MTAxMjM0NTY3ODkwMTIzNDU2Nw.GhIjKl.fake-token-for-the-emulator-0123456789"
MANAGE_GUILD = 1 << 5
MANAGE_MESSAGES = 1 << 13


@dataclass
class World:
    """The emulated server the bot lives in."""

    emu: DiscordEmulator
    guild: int
    auto: int
    mention: int
    quiet: int
    forum: int
    alice: int
    bob: int
    mod: int
    mod_role: int
    helpers_role: int
    settings: Settings
    bots: list[AnyDisputeBot] = field(default_factory=list)

    @property
    def bot(self) -> AnyDisputeBot:
        return self.bots[-1]


def build_world(emu: DiscordEmulator, tmp_path: Path, **overrides: object) -> World:
    guild = emu.add_guild("Seller Lounge")
    auto = emu.add_text_channel(guild, "disputes")
    mention = emu.add_text_channel(guild, "general")
    quiet = emu.add_text_channel(guild, "off-topic")
    forum = emu.add_forum_channel(guild, "help-forum")
    mod_role = emu.add_role(guild, "Moderators", MANAGE_GUILD | MANAGE_MESSAGES)
    helpers_role = emu.add_role(guild, "Helpers", 0)
    alice = emu.add_user("alice")
    bob = emu.add_user("bob")
    mod = emu.add_user("mod", roles=(mod_role,))
    settings = Settings(
        discord_token=emu.token,
        database_path=tmp_path / "bot.sqlite3",
        knowledge_dir=SHIPPED_KNOWLEDGE,
        api_base_url=emu.api_base,
        gateway_url=emu.gateway_url,
        user_cooldown_seconds=0,
        topic_cooldown_seconds=0,
    )
    settings = replace(settings, **overrides)  # type: ignore[arg-type]
    return World(
        emu, guild, auto, mention, quiet, forum, alice, bob, mod, mod_role, helpers_role, settings
    )


async def set_modes(world: World) -> None:
    """Configure channel modes in the database before the bot starts, as /config would."""
    store = await Store.open(world.settings.database_path)
    try:
        await store.set_channel_mode(world.guild, world.auto, "auto", actor_id=world.mod)
        await store.set_channel_mode(world.guild, world.quiet, "off", actor_id=world.mod)
        await store.set_channel_mode(world.guild, world.forum, "auto", actor_id=world.mod)
    finally:
        await store.close()


@contextlib.asynccontextmanager
async def running(world: World, settings: Settings | None = None) -> AsyncIterator[AnyDisputeBot]:
    """Start the bot through serve(), wait until it is ready, stop it cleanly on exit."""
    settings = settings or world.settings
    stop = asyncio.Event()
    made: list[AnyDisputeBot] = []

    def factory(s: Settings, services: Services) -> AnyDisputeBot:
        return create_bot(s, services, guild_ready_timeout=0.05)

    task = asyncio.create_task(
        serve(settings, stop=stop, bot_factory=factory, handle_signals=False, started=made.append)
    )
    try:
        for _ in range(500):
            if made and made[0].is_ready():
                break
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        else:
            raise TimeoutError("bot not ready")
        world.bots.append(made[0])
        yield made[0]
    finally:
        stop.set()
        code = await asyncio.wait_for(task, timeout=10)
        assert code == 0
        assert shutdown_problems(made[0]) == [] if made else True


@contextlib.contextmanager
def no_error_logs() -> AsyncIterator[ErrorLogCollector]:  # type: ignore[misc]
    collector = ErrorLogCollector()
    with collector.installed():
        yield collector
    errors = [f"{r.name}: {r.getMessage()}" for r in collector.records]
    assert errors == [], errors


logging.getLogger("discord").setLevel(logging.WARNING)
