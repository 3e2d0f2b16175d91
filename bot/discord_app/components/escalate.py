"""Ask a moderator: the one place the bot pings, and only the escalation role."""

from __future__ import annotations

import logging
import re
from typing import Any

import discord

from bot.discord_app.components.base import ID, PREFIX, STALE_COMPONENT, parse_id
from bot.discord_app.replies import reply
from bot.discord_app.services import services_of

log = logging.getLogger("disputebot.discord")

ESCALATION_COOLDOWN_SECONDS = 300


def role_only(role_id: int) -> discord.AllowedMentions:
    """Mentions that can ping this one role and nothing else."""
    return discord.AllowedMentions(
        everyone=False, users=False, roles=[discord.Object(id=role_id)], replied_user=False
    )


class EscalateButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=rf"{PREFIX}:escalate:(?P<answer>{ID})",
):
    def __init__(self, answer_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Ask a moderator",
                emoji="🙋",
                style=discord.ButtonStyle.secondary,
                custom_id=f"{PREFIX}:escalate:{answer_id}",
            )
        )
        self.answer_id = answer_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> EscalateButton:
        return cls(parse_id(match["answer"]) or 0)

    async def callback(self, interaction: discord.Interaction) -> None:
        if not self.answer_id:  # 0: out of range, see parse_id
            await reply(interaction, STALE_COMPONENT)
            return
        services = services_of(interaction)
        policy = await services.guild_config.policy(interaction.guild_id)
        role_id = policy.escalation_role_id
        channel = interaction.channel
        # A button always sits in a messageable channel; None when Discord left it out.
        if (
            role_id is None
            or not isinstance(channel, discord.abc.Messageable)
            or interaction.message is None
        ):
            await reply(interaction, "No moderator role is set up for this server yet.")
            return
        key = ("escalate", interaction.user.id)
        if not services.cooldowns.users.ready(key, ESCALATION_COOLDOWN_SECONDS):
            await reply(interaction, "You already asked recently; a moderator will be along.")
            return
        try:
            await channel.send(
                f"<@&{role_id}> {interaction.user.mention} would like a moderator to look at "
                f"this answer: {interaction.message.jump_url}",
                allowed_mentions=role_only(role_id),
            )
        except discord.HTTPException as exc:
            log.warning("could not escalate answer %s: %s", self.answer_id, exc.status)
            await reply(interaction, "I couldn't reach the moderators just now; please try again.")
            return
        services.cooldowns.users.fire(key)
        await reply(interaction, "Thanks, a moderator has been asked to take a look.")
