"""The "Correct this answer" message menu: a moderator says what the bot should have done.

On any answer the bot posted, a moderator picks "Should not have answered" or
the entry that was right, from a list ranked for the stored question. The
choice is stored by the menu's select (components/correct.py) and becomes a
regression case through `disputebot feedback export`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_app.checks import moderator_only
from bot.discord_app.components.base import answer_id_of
from bot.discord_app.components.correct import correction_view
from bot.discord_app.limits import CONTENT_MAX, clip, quote_user_text
from bot.discord_app.replies import defer, reply
from bot.engine.knowledge.review import ranked_entries
from bot.storage.models import StorageUnavailable

if TYPE_CHECKING:
    from bot.discord_app.client import AnyDisputeBot

# A select holds 25 options; the first is "Should not have answered".
ENTRY_CHOICES = 24


class Corrections(commands.Cog):
    """Registers the moderators' message menu."""

    def __init__(self, bot: AnyDisputeBot) -> None:
        self.bot = bot
        self.menu = app_commands.ContextMenu(
            name="Correct this answer", callback=self.correct_answer
        )

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    @moderator_only
    async def correct_answer(
        self, interaction: discord.Interaction, message: discord.Message
    ) -> None:
        """Record what the bot should have done instead of this answer (moderators)."""
        me = self.bot.user
        answer_id = answer_id_of(message) if me is not None and message.author.id == me.id else None
        if answer_id is None:
            await reply(
                interaction,
                "That is not one of my recorded answers; only answers with vote buttons "
                "can be corrected.",
            )
            return
        await defer(interaction)
        stored = await self.bot.services.store.get_answer(answer_id)
        if isinstance(stored, StorageUnavailable):
            await reply(interaction, "Storage is unavailable right now; please try again later.")
            return
        if stored is None:
            await reply(interaction, "That answer is no longer on record; nothing to correct.")
            return
        if stored.question is None:
            await reply(
                interaction,
                "The question behind this answer was deleted by the retention period, so it "
                "cannot become a test case any more.",
            )
            return
        entries = ranked_entries(self.bot.services.engine.matcher, stored.question, ENTRY_CHOICES)
        cited = ", ".join(f"`{entry_id}`" for entry_id in stored.entry_ids)
        text = (
            f"> {quote_user_text(stored.question)}\n"
            f"I cited {cited}. What should I have done? Entries are ranked for this question."
        )
        await reply(interaction, clip(text, CONTENT_MAX), view=correction_view(answer_id, entries))


async def setup(bot: AnyDisputeBot) -> None:
    await bot.add_cog(Corrections(bot))
