"""The app-command tree, with one error handler for every command.

Every failure becomes a short ephemeral message instead of "The application did
not respond"; unexpected ones are logged with their traceback for the operator.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.discord_app.replies import reply

log = logging.getLogger("disputebot.discord")


class ModeratorOnly(app_commands.CheckFailure):
    """Raised by the server-side moderator check."""


class DisputeTree(app_commands.CommandTree):
    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        if interaction.client.is_closed():
            # The HTTP session was closed under the command: nothing can be sent, and
            # it is the shutdown, not a failure of the command.
            command = interaction.command.qualified_name if interaction.command else "?"
            log.info("/%s was cut short by the shutdown: %r", command, error)
            return
        await reply(interaction, friendly_error(interaction, error))


def friendly_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> str:
    """A short explanation for the member; unexpected errors are logged, not shown."""
    if isinstance(error, ModeratorOnly):
        return "Only moderators (Manage Server permission) can use this. Nothing was changed."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command works in a server, not in direct messages."
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down a little: try again in {error.retry_after:.0f} seconds."
    if isinstance(error, app_commands.TransformerError):
        return f"That value was not understood: {error.value!r}."
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use this command here."
    command = interaction.command.qualified_name if interaction.command else "?"
    log.exception("command /%s failed", command, exc_info=error)
    return "Something went wrong on our side; it has been logged. Please try again later."
