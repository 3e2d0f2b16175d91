"""The bot's services, opened by the entry point and handed to the bot.

runner.serve() (and `disputebot sync`) open the store and load the knowledge with
open_services(), then pass the one Services object into the bot, as discord.py's
examples/advanced_startup.py does; the store is closed when the block ends, after
the bot. Features read the services from the bot (cogs) or from the interaction's
client (components), so nothing here is ever None and nothing imports the client.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

import discord

from bot.discord_app.answering import AnswerService, AnswerViewFactory, ChoicesViewFactory
from bot.discord_app.cooldowns import AnswerCooldowns
from bot.discord_app.guild_config import GuildConfig
from bot.discord_app.reloading import KnowledgeReloader
from bot.engine.engine import AnswerEngine
from bot.engine.knowledge.problems import KnowledgeError
from bot.engine.matching.matcher import MatchSettings
from bot.ops.gc_pause import gc_paused
from bot.settings import Settings
from bot.storage.store import Store

log = logging.getLogger("disputebot.discord")


@dataclass(frozen=True, slots=True)
class Services:
    """Everything the features use, opened before the bot exists."""

    engine: AnswerEngine
    store: Store
    guild_config: GuildConfig
    answers: AnswerService
    cooldowns: AnswerCooldowns
    reloader: KnowledgeReloader


def build_engine(settings: Settings) -> AnswerEngine:
    return AnswerEngine(
        settings.knowledge_dir,
        settings.platform,
        settings=MatchSettings(threshold=settings.answer_threshold),
        stale_after_days=settings.stale_after_days,
        index_cache_dir=settings.index_cache_dir,
        build_context=gc_paused,
    )


@contextlib.asynccontextmanager
async def open_services(
    settings: Settings, *, answer_view: AnswerViewFactory, choices_view: ChoicesViewFactory
) -> AsyncIterator[Services]:
    """Storage migrations, then the knowledge base; raises KnowledgeError if it has errors.

    The component builders are passed in (by the runner) so that this module and
    answering.py never import the components, which read these services.
    """
    async with await Store.open(settings.database_path) as store:
        log.info("storage ready at %s", settings.database_path)
        engine = build_engine(settings)
        outcome = engine.reload(consistency=False)
        if not outcome.ok:
            raise KnowledgeError(list(outcome.problems))
        log.info("knowledge loaded: %s", outcome.summary())
        yield Services(
            engine=engine,
            store=store,
            guild_config=GuildConfig(store, settings),
            answers=AnswerService(
                engine, store, answer_view=answer_view, choices_view=choices_view
            ),
            cooldowns=AnswerCooldowns(),
            reloader=KnowledgeReloader(engine, store, timeout_s=settings.reload_timeout_seconds),
        )


def services_of(interaction: discord.Interaction) -> Services:
    """The services of the bot behind an interaction."""
    found = getattr(interaction.client, "services", None)
    if not isinstance(found, Services):
        raise TypeError(f"{type(interaction.client).__name__} carries no disputebot services")
    return found
