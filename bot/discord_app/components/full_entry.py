"""Full entry: the whole entry behind an answer, shown only to the member who asks.

Answers show at most three quotes and are trimmed to fit Discord's limits; this
button opens everything (all quotes, advice and caveats), so nothing cut for
length is out of reach. A policy page is no substitute: it holds no advice.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.discord_app.components.base import ENTRY_ID, PREFIX
from bot.discord_app.embeds import full_entry_messages
from bot.discord_app.replies import reply
from bot.discord_app.services import services_of


class FullEntryButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=rf"{PREFIX}:full:(?P<entry>{ENTRY_ID})",
):
    def __init__(self, entry_id: str) -> None:
        super().__init__(
            discord.ui.Button(
                label="Full entry",
                emoji="📖",
                style=discord.ButtonStyle.secondary,
                custom_id=f"{PREFIX}:full:{entry_id}",
            )
        )
        self.entry_id = entry_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> FullEntryButton:
        return cls(match["entry"])

    async def callback(self, interaction: discord.Interaction) -> None:
        services = services_of(interaction)
        entry = services.engine.kb.entry(self.entry_id)
        if entry is None:
            await reply(interaction, "That entry no longer exists.")
            return
        for embeds in full_entry_messages(services.answers.entry_answer(entry)):
            await reply(interaction, embeds=embeds)
