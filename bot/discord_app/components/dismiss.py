"""Dismiss: the asker or a moderator removes the bot's reply; nobody else can."""

from __future__ import annotations

import logging
import re

import discord

from bot.discord_app.checks import can_manage_messages
from bot.discord_app.components.base import PREFIX
from bot.discord_app.replies import reply

log = logging.getLogger("disputebot.discord")


class DismissButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=rf"{PREFIX}:dismiss:(?P<asker>\d+)",
):
    def __init__(self, asker_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Dismiss",
                emoji="✖️",
                style=discord.ButtonStyle.danger,
                custom_id=f"{PREFIX}:dismiss:{asker_id}",
            )
        )
        self.asker_id = asker_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item, match: re.Match[str], /
    ) -> DismissButton:
        return cls(int(match["asker"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.asker_id and not can_manage_messages(interaction):
            await reply(interaction, "Only the member who asked, or a moderator, can dismiss this.")
            return
        message = interaction.message
        if message is None:
            await reply(interaction, "That message is already gone.")
            return
        try:
            await interaction.response.defer()
            await message.delete()
        except discord.NotFound:
            pass
        except discord.HTTPException as exc:
            log.warning("could not dismiss message %s: %s", message.id, exc.status)
            await reply(interaction, "Discord would not let me delete that message.")
