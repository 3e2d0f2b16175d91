"""A "did you mean" choice: turns the question into the answer the asker picked."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.discord_app.checks import is_moderator
from bot.discord_app.components.base import ENTRY_ID, ID, PREFIX, trusted_asker
from bot.discord_app.components.dismiss import DismissButton
from bot.discord_app.embeds import answer_embed
from bot.discord_app.limits import clip
from bot.discord_app.replies import reply
from bot.discord_app.services import services_of
from bot.engine.knowledge.models import Entry


class PickButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=rf"{PREFIX}:pick:(?P<entry>{ENTRY_ID}):(?P<asker>{ID})",
):
    def __init__(self, entry_id: str, asker_id: int, label: str = "Choose") -> None:
        super().__init__(
            discord.ui.Button(
                label=clip(label, 80),
                style=discord.ButtonStyle.primary,
                custom_id=f"{PREFIX}:pick:{entry_id}:{asker_id}",
            )
        )
        self.entry_id = entry_id
        self.asker_id = asker_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PickButton:
        return cls(match["entry"], 0)  # the asker in the custom id is not trusted

    async def callback(self, interaction: discord.Interaction) -> None:
        services = services_of(interaction)
        entry = services.engine.kb.entry(self.entry_id)
        if entry is None:
            await reply(interaction, "That entry no longer exists.")
            return
        question = _question_of(interaction)
        answer = services.answers.entry_answer(entry, question)
        # Only the asker (or a moderator) turns the offer into the channel's answer; the
        # asker comes from Discord's copy of the question, not from the custom id.
        asker_id = None
        if interaction.message is not None and not interaction.message.flags.ephemeral:
            asker_id = await trusted_asker(interaction)
        mine = interaction.user.id == asker_id or is_moderator(interaction)
        if asker_id is None or not mine or interaction.message is None:
            await reply(
                interaction, embed=answer_embed(answer), view=services.answers.entry_view(entry)
            )
            return
        policy = await services.guild_config.policy(interaction.guild_id)
        offer = interaction.message

        async def send(embed: discord.Embed, view: discord.ui.View) -> discord.Message | None:
            await interaction.response.edit_message(content=None, embed=embed, view=view)
            return offer  # the offer becomes the answer

        await services.answers.publish(
            answer,
            kind="mention",
            policy=policy,
            asker_id=asker_id,
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id,
            public=True,
            send=send,
        )


def _question_of(interaction: discord.Interaction) -> str:
    reference = interaction.message.reference if interaction.message else None
    resolved = reference.resolved if reference else None
    return resolved.content if isinstance(resolved, discord.Message) else ""


def did_you_mean_view(entries: list[Entry], asker_id: int) -> discord.ui.View:
    """One button per plausible entry, then Dismiss."""
    view = discord.ui.View(timeout=None)
    for entry in entries[:4]:
        view.add_item(PickButton(entry.id, asker_id, entry.title))
    view.add_item(DismissButton(asker_id))
    return view
