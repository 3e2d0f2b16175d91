"""Dismiss: the asker or a moderator removes the bot's reply; nobody else can.

The asker is taken from storage (or, for a reply not on record, from Discord's copy of
the question), never from the custom id: that is whatever the click says, and a forged
one must not let a member delete someone else's answer.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import discord

from bot.discord_app.checks import can_manage_messages
from bot.discord_app.components.base import ID, PREFIX, trusted_asker
from bot.discord_app.replies import reply

log = logging.getLogger("disputebot.discord")


class DismissButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=rf"{PREFIX}:dismiss:(?P<asker>{ID})",
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
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> DismissButton:
        return cls(0)  # the id in the custom id is not trusted; see trusted_asker

    async def callback(self, interaction: discord.Interaction) -> None:
        if not can_manage_messages(interaction) and (
            await trusted_asker(interaction) != interaction.user.id
        ):
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
