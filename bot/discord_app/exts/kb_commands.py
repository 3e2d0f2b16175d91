"""/kb: the moderators' knowledge tools (reload, test, gaps, stats).

Hidden from members by default permissions (Manage Server) and checked again on
our side, since server admins can change who sees a command. Every reply is
ephemeral; anything that touches files or the database defers first.
"""

from __future__ import annotations

import time
from datetime import date
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_app.checks import moderator_only
from bot.discord_app.kb_reports import match_embed, reload_embed
from bot.discord_app.replies import defer, reply
from bot.discord_app.usage_reports import UsageStats, gaps_embed, stats_embed
from bot.engine.knowledge.review import stale_entries
from bot.engine.tooling.gaps import GapQuestion, group_questions
from bot.storage.models import StorageUnavailable

if TYPE_CHECKING:
    from bot.discord_app.client import AnyDisputeBot

SECONDS_PER_DAY = 86_400
TEST_TEXT_MAX = 1500


class KnowledgeCommands(commands.Cog):
    """/kb reload, /kb test, /kb gaps and /kb stats."""

    kb = app_commands.Group(
        name="kb",
        description="Moderator tools for the knowledge base",
        default_permissions=discord.Permissions(manage_guild=True),
        guild_only=True,
    )

    def __init__(self, bot: AnyDisputeBot) -> None:
        self.bot = bot

    @kb.command(name="reload")
    @moderator_only
    async def reload(self, interaction: discord.Interaction) -> None:
        """Re-read and validate the knowledge files; on any error the running knowledge stays."""
        await defer(interaction)
        outcome = await self.bot.services.reloader.reload(
            actor_id=interaction.user.id, guild_id=interaction.guild_id
        )
        await reply(interaction, embed=reload_embed(outcome))

    @kb.command(name="test")
    @app_commands.describe(text="A question as a member would write it")
    @moderator_only
    async def test(
        self, interaction: discord.Interaction, text: app_commands.Range[str, 1, TEST_TEXT_MAX]
    ) -> None:
        """Show how a question would be matched, with scores, and whether the bot would answer."""
        policy = await self.bot.services.guild_config.policy(interaction.guild_id)
        result = self.bot.services.engine.match(text, threshold=policy.threshold)
        await reply(interaction, embed=match_embed(result))

    @kb.command(name="gaps")
    @app_commands.describe(days="How many days back to look (default 30)")
    @moderator_only
    async def gaps(
        self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 365] = 30
    ) -> None:
        """List unanswered and low-confidence questions, grouped by similarity, biggest first."""
        await defer(interaction)
        since = time.time() - days * SECONDS_PER_DAY
        rows = await self.bot.services.store.list_unanswered(interaction.guild_id, since)
        if isinstance(rows, StorageUnavailable):
            await reply(interaction, "Storage is unavailable right now; try again later.")
            return
        kb = self.bot.services.engine.kb
        groups = group_questions(
            (
                GapQuestion(r.id, r.question, r.best_entry_id, r.confidence, r.created_at)
                for r in rows
            ),
            synonyms=kb.pack.synonyms,
        )
        await reply(interaction, embed=gaps_embed(groups, days, kb))

    @kb.command(name="stats")
    @app_commands.describe(days="How many days back to count (default 30)")
    @moderator_only
    async def stats(
        self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 3650] = 30
    ) -> None:
        """Answers per entry and channel, helpful ratios, the most disliked and stale entries."""
        await defer(interaction)
        store = self.bot.services.store
        guild = interaction.guild_id
        since = time.time() - days * SECONDS_PER_DAY
        settings = self.bot.settings
        usage = UsageStats(
            days=days,
            per_entry=await store.answers_per_entry(since, guild_id=guild),
            feedback=await store.helpful_ratio_per_entry(since, guild_id=guild),
            disliked=await store.most_disliked_entries(since=since, guild_id=guild),
            per_channel=await store.answers_per_channel(since, guild_id=guild),
            stale=stale_entries(
                self.bot.services.engine.kb.entries, date.today(), settings.stale_after_days
            ),
            stale_after_days=settings.stale_after_days,
        )
        await reply(interaction, embed=stats_embed(usage))


async def setup(bot: AnyDisputeBot) -> None:
    await bot.add_cog(KnowledgeCommands(bot))
