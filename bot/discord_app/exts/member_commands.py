"""Member commands: /ask, /policy, /topics and the "Find policy answer" message menu.

All answers are ephemeral unless the member chooses to post them; matching is
fast, so these respond directly, and every reply goes through replies.reply.
Like the answers in channels, they work in servers only (`guild_only`, and the
bot's default contexts), never in direct messages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_app.answering import NOT_A_DISPUTE_QUESTION
from bot.discord_app.components.open_entry import open_entry_view
from bot.discord_app.components.pick import did_you_mean_view
from bot.discord_app.limits import (
    CHOICE_NAME_MAX,
    CHOICES_MAX,
    EMBED_FIELD_VALUE_MAX,
    EMBED_FIELDS_MAX,
    clip,
    fit_lines,
)
from bot.discord_app.replies import reply
from bot.engine.answers.answer import Answer
from bot.engine.matching.matcher import MatchResult
from bot.engine.matching.search import EntrySearch
from bot.storage.models import AnswerKind

if TYPE_CHECKING:
    from bot.discord_app.client import AnyDisputeBot

QUESTION_MAX = 1500


class MemberCommands(commands.Cog):
    """What every member can use."""

    def __init__(self, bot: AnyDisputeBot) -> None:
        self.bot = bot
        self._search: EntrySearch | None = None
        self.find_menu = app_commands.ContextMenu(
            name="Find policy answer", callback=self.find_policy_answer
        )

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.find_menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.find_menu.name, type=self.find_menu.type)

    @app_commands.command(name="ask")
    @app_commands.guild_only()
    @app_commands.describe(
        question="Your seller-dispute question, in your own words",
        public="Post the answer in the channel for everyone (default: only you see it)",
    )
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, QUESTION_MAX],
        public: bool = False,
    ) -> None:
        """Ask a seller-dispute question and get the policy, advice and caveats."""
        await self._answer(interaction, question, kind="ask", public=public)

    @app_commands.command(name="policy")
    @app_commands.guild_only()
    @app_commands.describe(
        topic="Start typing: a situation, a keyword or an entry's title",
        public="Post the entry in the channel for everyone (default: only you see it)",
    )
    async def policy(
        self,
        interaction: discord.Interaction,
        topic: app_commands.Range[str, 1, 100],
        public: bool = False,
    ) -> None:
        """Show one knowledge entry: the quoted policy, community advice and caveats."""
        kb = self.bot.services.engine.kb
        entry = kb.entry(topic)
        if entry is None:
            hits = self.searcher().search(topic, limit=1)
            entry = hits[0].entry if hits else None
        if entry is None:
            await reply(interaction, "No entry matches that; try `/topics` to see what I know.")
            return
        answer = self.bot.services.answers.entry_answer(entry)
        await self._send_answer(interaction, answer, kind="policy", public=public)

    @policy.autocomplete("topic")
    async def policy_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=clip(hit.entry.title, CHOICE_NAME_MAX), value=hit.entry.id)
            for hit in self.searcher().search(current, limit=CHOICES_MAX)
        ]

    @app_commands.command(name="topics")
    @app_commands.guild_only()
    async def topics(self, interaction: discord.Interaction) -> None:
        """List what the bot knows about, grouped by dispute topic."""
        kb = self.bot.services.engine.kb
        embed = discord.Embed(
            title=f"What I know about ({kb.pack.name} seller disputes)",
            description="Use `/policy` to open an entry, or `/ask` with your question.",
            colour=discord.Colour.blurple(),
        )
        for topic in list(kb.topics)[:EMBED_FIELDS_MAX]:
            entries = kb.entries_for_topic(topic)
            if entries:
                value = fit_lines([f"• {e.title}" for e in entries], EMBED_FIELD_VALUE_MAX)
                embed.add_field(
                    name=topic.replace("-", " ").capitalize(), value=value, inline=False
                )
        embed.set_footer(text=clip(kb.pack.disclaimer, 2048))
        await reply(interaction, embed=embed)

    @app_commands.guild_only()
    async def find_policy_answer(
        self, interaction: discord.Interaction, message: discord.Message
    ) -> None:
        """Answer any message as if it had been asked with /ask (only you see it)."""
        text = message.content or " ".join(e.description or "" for e in message.embeds)
        if not text.strip():
            await reply(interaction, "That message has no text I can read.")
            return
        await self._answer(interaction, text, kind="context", public=False)

    def searcher(self) -> EntrySearch:
        kb = self.bot.services.engine.kb
        if self._search is None or self._search.kb is not kb:
            self._search = EntrySearch(kb)
        return self._search

    async def _answer(
        self, interaction: discord.Interaction, text: str, *, kind: AnswerKind, public: bool
    ) -> None:
        policy = await self.bot.services.guild_config.policy(interaction.guild_id)
        result, answer = self.bot.services.answers.match(text, policy)
        if result.ambiguous:
            entries = self.bot.services.answers.alternatives(result)
            await reply(
                interaction,
                "That could be about more than one thing. Did you mean:",
                view=did_you_mean_view(entries, interaction.user.id),
                ephemeral=not public,
            )
        elif result.answer and answer is not None:
            await self._send_answer(interaction, answer, kind=kind, public=public)
        else:
            await self._no_answer(interaction, result)

    async def _send_answer(
        self, interaction: discord.Interaction, answer: Answer, *, kind: AnswerKind, public: bool
    ) -> None:
        policy = await self.bot.services.guild_config.policy(interaction.guild_id)

        async def send(embed: discord.Embed, view: discord.ui.View) -> discord.Message | None:
            return await reply(interaction, embed=embed, view=view, ephemeral=not public)

        await self.bot.services.answers.publish(
            answer,
            kind=kind,
            policy=policy,
            asker_id=interaction.user.id,
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id,
            public=public,
            send=send,
        )

    async def _no_answer(self, interaction: discord.Interaction, result: MatchResult) -> None:
        """Closest entries only when one is plausibly related; otherwise one short line."""
        entries = self.bot.services.answers.closest(result)
        if not entries:
            await reply(interaction, NOT_A_DISPUTE_QUESTION)
            return
        text = (
            "I don't have a confident answer to that, so I'd rather not guess. "
            "These entries came closest; open one below, or browse with `/topics`."
        )
        await reply(interaction, text, view=open_entry_view(entries))


async def setup(bot: AnyDisputeBot) -> None:
    await bot.add_cog(MemberCommands(bot))
