"""A menu that opens one entry as a full answer, just for the member who chose it."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.discord_app.components.base import PREFIX, selected_value
from bot.discord_app.embeds import answer_embed
from bot.discord_app.limits import SELECT_DESCRIPTION_MAX, SELECT_LABEL_MAX, clip
from bot.discord_app.replies import reply
from bot.discord_app.services import services_of
from bot.engine.knowledge.models import Entry


def entry_options(entries: list[Entry]) -> list[discord.SelectOption]:
    return [
        discord.SelectOption(
            label=clip(entry.title, SELECT_LABEL_MAX),
            value=entry.id,
            description=clip(entry.summary, SELECT_DESCRIPTION_MAX),
        )
        for entry in entries[:25]
    ]


class OpenEntrySelect(
    discord.ui.DynamicItem[discord.ui.Select[discord.ui.View]], template=rf"{PREFIX}:open"
):
    def __init__(self, entries: list[Entry] | None = None) -> None:
        super().__init__(
            discord.ui.Select(
                placeholder="Open an entry…",
                custom_id=f"{PREFIX}:open",
                options=entry_options(entries or []) or [discord.SelectOption(label="-")],
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> OpenEntrySelect:
        return cls()

    async def callback(self, interaction: discord.Interaction) -> None:
        services = services_of(interaction)
        value = selected_value(interaction)
        entry = services.engine.kb.entry(value) if value is not None else None
        if entry is None:
            await reply(interaction, "That entry no longer exists.")
            return
        await reply(
            interaction,
            embed=answer_embed(services.answers.entry_answer(entry)),
            view=services.answers.entry_view(entry),
        )


def open_entry_view(entries: list[Entry]) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(OpenEntrySelect(entries))
    return view
