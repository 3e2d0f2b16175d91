"""Helpful / Not helpful: one vote per member per answer, changeable."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.discord_app.components.base import (
    PREFIX,
    STALE_COMPONENT,
    VOTE_TEMPLATE,
    parse_id,
)
from bot.discord_app.replies import reply
from bot.discord_app.services import services_of

VOTES = {"up": 1, "down": -1}


class VoteButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=VOTE_TEMPLATE,
):
    def __init__(self, answer_id: int, vote: str) -> None:
        helpful = vote == "up"
        super().__init__(
            discord.ui.Button(
                label="Helpful" if helpful else "Not helpful",
                emoji="👍" if helpful else "👎",
                style=discord.ButtonStyle.success if helpful else discord.ButtonStyle.secondary,
                custom_id=f"{PREFIX}:vote:{answer_id}:{vote}",
            )
        )
        self.answer_id = answer_id
        self.vote = vote

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> VoteButton:
        return cls(parse_id(match["answer"]) or 0, match["vote"])

    async def callback(self, interaction: discord.Interaction) -> None:
        if not self.answer_id:  # 0: out of range, see parse_id
            await reply(interaction, STALE_COMPONENT)
            return
        store = services_of(interaction).store
        # The message is checked against the answer's recorded reply, so a button left
        # on an old message cannot vote on an unrelated answer that reuses its id.
        message_id = interaction.message.id if interaction.message is not None else None
        result = await store.record_vote(
            self.answer_id, interaction.user.id, VOTES[self.vote], message_id=message_id
        )
        if result is None:
            await reply(
                interaction, "That answer is no longer on record, so the vote was not kept."
            )
        elif not result:
            await reply(
                interaction, "Thanks! Votes can't be saved right now; please try again later."
            )
        elif result.previous is not None and not result.changed:
            await reply(interaction, "You had already voted that way. Thanks!")
        else:
            verb = "changed" if result.previous is not None else "recorded"
            await reply(
                interaction,
                f"Thanks, your vote is {verb} (👍 {result.helpful} · 👎 {result.not_helpful}).",
            )
