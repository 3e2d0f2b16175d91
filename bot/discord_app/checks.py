"""The moderator check: hidden from members by default permissions, enforced here too.

`default_permissions` only hides commands in the client, and server admins can
change it, so every moderator action is checked again on our side, using the
permissions Discord resolved for this interaction.
"""

from __future__ import annotations

import discord
from discord import app_commands

from bot.discord_app.tree import ModeratorOnly


def is_moderator(interaction: discord.Interaction) -> bool:
    """Manage Server (or Administrator) in the guild where the interaction happened."""
    if interaction.guild is None:
        return False
    permissions = interaction.permissions
    return permissions.manage_guild or permissions.administrator


def can_manage_messages(interaction: discord.Interaction) -> bool:
    if interaction.guild is None:
        return False
    permissions = interaction.permissions
    return permissions.manage_messages or permissions.manage_guild or permissions.administrator


def require_moderator(interaction: discord.Interaction) -> bool:
    """app_commands check: raises ModeratorOnly so the tree can explain the refusal."""
    if not is_moderator(interaction):
        raise ModeratorOnly("manage_guild required")
    return True


moderator_only = app_commands.check(require_moderator)
