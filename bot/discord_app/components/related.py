"""Related: the entries linked from an answer, shown only to the member who asked."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.discord_app.components.base import ENTRY_ID, PREFIX
from bot.discord_app.components.open_entry import open_entry_view
from bot.discord_app.limits import EMBED_DESCRIPTION_MAX, fit_lines
from bot.discord_app.replies import reply
from bot.discord_app.services import services_of


class RelatedButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=rf"{PREFIX}:related:(?P<entry>{ENTRY_ID})",
):
    def __init__(self, entry_id: str) -> None:
        super().__init__(
            discord.ui.Button(
                label="Related",
                emoji="📚",
                style=discord.ButtonStyle.secondary,
                custom_id=f"{PREFIX}:related:{entry_id}",
            )
        )
        self.entry_id = entry_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> RelatedButton:
        return cls(match["entry"])

    async def callback(self, interaction: discord.Interaction) -> None:
        kb = services_of(interaction).engine.kb
        entry = kb.entry(self.entry_id)
        related = [e for rid in (entry.related if entry else ()) if (e := kb.entry(rid))]
        if not related:
            await reply(interaction, "No related entries are listed for this answer any more.")
            return
        lines = [f"**{_linked(e.title, kb.entry_url(e))}**\n{e.summary}" for e in related]
        embed = discord.Embed(
            title="Related entries",
            description=fit_lines(lines, EMBED_DESCRIPTION_MAX),
            colour=discord.Colour.blurple(),
        )
        await reply(interaction, embed=embed, view=open_entry_view(related))


def _linked(title: str, url: str | None) -> str:
    """The title, linked only to a page that shows the whole entry."""
    return f"[{title}]({url})" if url else title
