"""The bot: a commands.Bot handed its services (storage, knowledge) by the runner.

runner.serve() runs the storage migrations and loads the knowledge base before the
bot exists (services.open_services); setup_hook then loads the extensions and does
a deliberate command sync. The bot only ever uses the
intents it needs (guilds, guild messages, message content) and never pings.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import TYPE_CHECKING, Any, TypedDict

import discord
from discord.ext import commands

from bot.discord_app.limits import NO_MENTIONS
from bot.discord_app.services import Services
from bot.discord_app.sync import sync_commands
from bot.discord_app.tree import DisputeTree
from bot.settings import Settings

log = logging.getLogger("disputebot.discord")

EXTENSIONS = (
    "bot.discord_app.exts.answers",
    "bot.discord_app.exts.member_commands",
    "bot.discord_app.exts.feedback",
    "bot.discord_app.exts.knowledge_watch",
    "bot.discord_app.exts.kb_commands",
    "bot.discord_app.exts.config_commands",
    "bot.discord_app.exts.retention",
    "bot.discord_app.exts.corrections",
)


# Where commands can be used, in Discord's current fields (`contexts`,
# `integration_types`): in servers, from the server install, as for the answers in
# channels. The bot reads no direct messages, so no command is offered there either.
SERVERS_ONLY = discord.app_commands.AppCommandContext(
    guild=True, dm_channel=False, private_channel=False
)
SERVER_INSTALL = discord.app_commands.AppInstallationType(guild=True, user=False)


def bot_intents() -> discord.Intents:
    """Guilds, guild messages and message content; never members or presences."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.message_content = True
    return intents


if TYPE_CHECKING:
    # The mixin only ever comes before commands.Bot or commands.AutoShardedBot (see
    # below), so the type checker sees it as a Bot: its super() calls and its use of
    # load_extension, is_closed, user and guilds are checked against discord.py's own.
    _BotBase = commands.Bot
else:
    _BotBase = object


class ShardOptions(TypedDict, total=False):
    """What AutoShardedBot takes on top of a plain Bot's options."""

    shard_count: int
    shard_ids: list[int]


class DisputeBotMixin(_BotBase):
    """Holds the services (engine, store, per-guild configuration...) for the features.

    A mixin so the same bot runs as one plain commands.Bot or, behind the
    `sharded` setting, as discord.py's AutoShardedBot.
    """

    def __init__(
        self,
        settings: Settings,
        services: Services,
        *,
        extensions: tuple[str, ...] = EXTENSIONS,
        sync_on_start: bool = True,
        **options: Any,
    ) -> None:
        """``sync_on_start=False`` leaves the command sync to the caller (`disputebot sync`).

        ``options`` go to discord.py as they are (tests shorten its timeouts).
        """
        # Only AutoShardedBot takes shard_ids, and only a sharded bot gets any (the
        # same setting picks the class, see create_bot); the checker sees Bot's options.
        sharding: dict[str, Any] = dict(shard_options(settings))
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=bot_intents(),
            allowed_mentions=NO_MENTIONS,
            tree_cls=DisputeTree,
            allowed_contexts=SERVERS_ONLY,
            allowed_installs=SERVER_INSTALL,
            chunk_guilds_at_startup=False,
            member_cache_flags=discord.MemberCacheFlags.none(),
            max_messages=1000,
            **sharding,
            **options,
        )
        self.settings = settings
        self.extension_names = extensions
        self.sync_on_start = sync_on_start
        self.services = services
        self.synced: str = "not yet"
        self._consistency: asyncio.Task[None] | None = None

    async def setup_hook(self) -> None:
        """Extensions, then a deliberate sync; storage and knowledge are ready before."""
        self._consistency = asyncio.create_task(self._check_consistency())
        for name in self.extension_names:
            await self.load_extension(name)
        if self.sync_on_start:
            self.synced = await sync_commands(self)

    async def _check_consistency(self) -> None:
        """Lint the loaded knowledge off the start-up path; problems are logged, not fatal."""
        problems = await asyncio.to_thread(self.services.engine.check_consistency)
        for problem in problems:
            log.warning("knowledge: %s", problem)

    async def on_message(self, message: discord.Message) -> None:
        """No prefix commands: messages are handled by the answers extension only."""

    async def on_error(self, event_method: str, /, *args: object, **kwargs: object) -> None:
        """A handler cut short by the shutdown is not an error; others get discord.py's
        handler (ERROR with the traceback).

        close() shuts the HTTP session while handlers may still be working, for
        instance waiting on a locked database or on a slow send; their reply then fails
        with the session's error, which says nothing about the bot's health.
        """
        if self.is_closed():
            log.info("%s was cut short by the shutdown: %r", event_method, sys.exception())
            return
        await super().on_error(event_method, *args, **kwargs)

    async def on_ready(self) -> None:
        log.info(
            "connected as %s to %d guild(s); commands %s",
            self.user,
            len(self.guilds),
            self.synced,
        )


class DisputeBot(DisputeBotMixin, commands.Bot):
    """The bot as one process with one gateway connection."""


class ShardedDisputeBot(DisputeBotMixin, commands.AutoShardedBot):
    """The bot with discord.py's automatic sharding (the `sharded` setting)."""


AnyDisputeBot = DisputeBot | ShardedDisputeBot


def create_bot(
    settings: Settings,
    services: Services,
    *,
    extensions: tuple[str, ...] = EXTENSIONS,
    **options: Any,
) -> AnyDisputeBot:
    """The bot class the settings ask for; options go to discord.py (tests shorten timeouts)."""
    cls = ShardedDisputeBot if settings.sharded else DisputeBot
    return cls(settings, services, extensions=extensions, **options)


def shard_options(settings: Settings) -> ShardOptions:
    """shard_count and shard_ids for AutoShardedBot; a plain Bot takes neither."""
    if not settings.sharded:
        return {}
    options: ShardOptions = {}
    if settings.shard_count is not None:
        options["shard_count"] = settings.shard_count
    if settings.shard_ids is not None:
        options["shard_ids"] = list(settings.shard_ids)
    return options
