"""What every component callback needs: the bot's services from the interaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import discord

if TYPE_CHECKING:
    from bot.discord_app.client import DisputeBotMixin

PREFIX = "dispute"
ENTRY_ID = r"[a-z0-9-]{1,60}"


def app(interaction: discord.Interaction) -> DisputeBotMixin:
    """The DisputeBot behind an interaction."""
    return cast("DisputeBotMixin", interaction.client)
