"""A moderator's correction of a wrong answer: the right entry, or "should not answer"."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.discord_app.checks import is_moderator
from bot.discord_app.components.base import (
    ID,
    PREFIX,
    STALE_COMPONENT,
    parse_id,
    selected_value,
)
from bot.discord_app.components.open_entry import entry_options
from bot.discord_app.replies import reply
from bot.discord_app.services import services_of
from bot.engine.knowledge.models import Entry

SHOULD_NOT_ANSWER = "__none__"


class CorrectionSelect(
    discord.ui.DynamicItem[discord.ui.Select[discord.ui.View]],
    template=rf"{PREFIX}:correct:(?P<answer>{ID})",
):
    def __init__(self, answer_id: int, candidates: list[Entry] | None = None) -> None:
        options = [
            discord.SelectOption(
                label="Should not have answered",
                value=SHOULD_NOT_ANSWER,
                emoji="🔇",
                description="The bot should have stayed silent on this message.",
            ),
            *entry_options((candidates or [])[:24]),
        ]
        super().__init__(
            discord.ui.Select(
                placeholder="The right answer is…",
                custom_id=f"{PREFIX}:correct:{answer_id}",
                options=options,
            )
        )
        self.answer_id = answer_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> CorrectionSelect:
        return cls(parse_id(match["answer"]) or 0)

    async def callback(self, interaction: discord.Interaction) -> None:
        if not is_moderator(interaction):
            await reply(interaction, "Only moderators (Manage Server) can correct answers.")
            return
        if not self.answer_id:  # 0: out of range, see parse_id
            await reply(interaction, STALE_COMPONENT)
            return
        services = services_of(interaction)
        value = selected_value(interaction)
        choice = value if value is not None else SHOULD_NOT_ANSWER
        silent = choice == SHOULD_NOT_ANSWER
        if not silent and services.engine.kb.entry(choice) is None:
            await reply(interaction, "That entry no longer exists; nothing was recorded.")
            return
        stored = await services.store.record_correction(
            self.answer_id, interaction.user.id, None if silent else choice, silent
        )
        if stored is None:
            await reply(interaction, "That answer is no longer on record; nothing was recorded.")
        elif not stored:
            await reply(interaction, "The correction could not be saved right now; please retry.")
        else:
            what = "should not have answered" if silent else f"should have answered with `{choice}`"
            await reply(
                interaction,
                f"Recorded: the bot {what}. Export corrections with `disputebot feedback export` "
                "to turn them into regression cases.",
            )


def correction_view(answer_id: int, candidates: list[Entry]) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(CorrectionSelect(answer_id, candidates))
    return view
