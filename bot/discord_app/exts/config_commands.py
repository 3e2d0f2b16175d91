"""/config: how the bot behaves in this server, for moderators.

Changes go through GuildConfig, which writes them (audited: who, when, old,
new) and refreshes its cache, so they apply from the next message without a
restart. Hidden from members by default permissions and checked again here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_app.checks import moderator_only
from bot.discord_app.config_reports import SETTING_LABELS, config_embed, shown_value
from bot.discord_app.replies import defer, reply

if TYPE_CHECKING:
    from bot.discord_app.client import AnyDisputeBot
    from bot.discord_app.guild_config import GuildConfig

MAX_COOLDOWN_S = 86_400
MAX_RETENTION_DAYS = 3650
SAVE_FAILED = "The change could not be saved right now (storage is unavailable); nothing changed."
MODE_CHOICES = [
    app_commands.Choice(name="off: never answer here", value="off"),
    app_commands.Choice(name="mention: answer only when mentioned", value="mention"),
    app_commands.Choice(name="auto: answer confident questions unprompted", value="auto"),
]


class ConfigCommands(commands.Cog):
    """/config channel, threshold, cooldowns, retention, escalation-role, escalation-clear, show."""

    config = app_commands.Group(
        name="config",
        description="Moderator settings for how the bot answers in this server",
        default_permissions=discord.Permissions(manage_guild=True),
        guild_only=True,
    )

    def __init__(self, bot: AnyDisputeBot) -> None:
        self.bot = bot

    @property
    def guild_config(self) -> GuildConfig:
        return self.bot.services.guild_config

    async def _set(
        self, interaction: discord.Interaction, key: str, value: float | int | None
    ) -> str | None:
        """Change one setting; returns the line describing the change, None if not saved."""
        assert interaction.guild_id is not None  # the group is guild-only
        changed = await self.guild_config.set_value(
            interaction.guild_id, key, value, interaction.user.id
        )
        if changed is None:
            return None
        old, new = changed
        return f"{SETTING_LABELS[key]}: {shown_value(key, old)} → **{shown_value(key, new)}**"

    async def _report(self, interaction: discord.Interaction, lines: list[str | None]) -> None:
        """Say what changed; None in ``lines`` marks a change that could not be saved."""
        saved = [line for line in lines if line is not None]
        last = SAVE_FAILED if len(saved) < len(lines) else "Applies from the next message."
        await reply(interaction, "\n".join([*saved, last]))

    @config.command(name="channel")
    @app_commands.describe(
        channel="A text or forum channel; its threads and forum posts follow it",
        mode="off, mention (the default) or auto",
    )
    @app_commands.choices(mode=MODE_CHOICES)
    @moderator_only
    async def channel(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel | discord.ForumChannel,
        mode: app_commands.Choice[str],
    ) -> None:
        """Choose whether the bot stays silent, answers when mentioned, or answers unprompted."""
        assert interaction.guild_id is not None
        old = await self.guild_config.mode(channel)
        saved = await self.guild_config.set_mode(
            interaction.guild_id, channel.id, mode.value, interaction.user.id
        )
        line = f"Mode of {channel.mention}: {old} → **{mode.value}**" if saved else None
        await self._report(interaction, [line])

    @config.command(name="threshold")
    @app_commands.describe(value="Confidence needed to answer unprompted, 0 to 1 (default 0.5)")
    @moderator_only
    async def threshold(
        self, interaction: discord.Interaction, value: app_commands.Range[float, 0.0, 1.0]
    ) -> None:
        """Set how confident the bot must be before it answers unprompted."""
        await self._report(interaction, [await self._set(interaction, "answer_threshold", value)])

    @config.command(name="cooldowns")
    @app_commands.describe(
        user_seconds="Seconds before the bot answers the same member again in channels",
        topic_seconds="Seconds before the same topic is answered again in a channel",
    )
    @moderator_only
    async def cooldowns(
        self,
        interaction: discord.Interaction,
        user_seconds: app_commands.Range[int, 0, MAX_COOLDOWN_S] | None = None,
        topic_seconds: app_commands.Range[int, 0, MAX_COOLDOWN_S] | None = None,
    ) -> None:
        """Set the per-member and per-topic cooldowns that stop the bot from flooding."""
        if user_seconds is None and topic_seconds is None:
            await reply(interaction, "Give user_seconds, topic_seconds or both; nothing changed.")
            return
        lines = []
        if user_seconds is not None:
            lines.append(await self._set(interaction, "user_cooldown_s", user_seconds))
        if topic_seconds is not None:
            lines.append(await self._set(interaction, "topic_cooldown_s", topic_seconds))
        await self._report(interaction, lines)

    @config.command(name="retention")
    @app_commands.describe(days="Days to keep members' questions before they are deleted")
    @moderator_only
    async def retention(
        self, interaction: discord.Interaction, days: app_commands.Range[int, 1, MAX_RETENTION_DAYS]
    ) -> None:
        """Set how long members' questions are kept; an hourly sweep deletes older ones."""
        await self._report(interaction, [await self._set(interaction, "retention_days", days)])

    @config.command(name="escalation-role")
    @app_commands.describe(role="The role the Ask a moderator button pings (and nothing else)")
    @moderator_only
    async def escalation_role(self, interaction: discord.Interaction, role: discord.Role) -> None:
        """Choose the role pinged when a member presses Ask a moderator under an answer."""
        if role.is_default() or role.managed:
            await reply(
                interaction,
                "Choose a normal role for your moderators: not @everyone, and not a role "
                "managed by a bot or integration. Nothing changed.",
            )
            return
        line = await self._set(interaction, "escalation_role_id", role.id)
        await self._report(interaction, [line])

    @config.command(name="escalation-clear")
    @moderator_only
    async def escalation_clear(self, interaction: discord.Interaction) -> None:
        """Stop offering Ask a moderator: no role is pinged any more."""
        await self._report(interaction, [await self._set(interaction, "escalation_role_id", None)])

    @config.command(name="show")
    @moderator_only
    async def show(self, interaction: discord.Interaction) -> None:
        """Show this server's settings, channel modes and the latest changes."""
        assert interaction.guild_id is not None
        await defer(interaction)
        store = self.bot.services.store
        guild = interaction.guild_id
        embed = config_embed(
            await self.guild_config.policy(guild),
            await store.get_guild_settings(guild),
            await store.list_channel_modes(guild),
            await store.list_config_changes(guild, limit=10),
        )
        await reply(interaction, embed=embed)


async def setup(bot: AnyDisputeBot) -> None:
    await bot.add_cog(ConfigCommands(bot))
