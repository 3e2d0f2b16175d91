"""The component row under an answer, built from dynamic items."""

from __future__ import annotations

import discord

from bot.discord_app.components.dismiss import DismissButton
from bot.discord_app.components.escalate import EscalateButton
from bot.discord_app.components.full_entry import FullEntryButton
from bot.discord_app.components.related import RelatedButton
from bot.discord_app.components.votes import VoteButton
from bot.engine.knowledge.models import Entry


def answer_view(
    *,
    answer_id: int | None,
    entry: Entry,
    asker_id: int,
    public: bool,
    escalation: bool,
) -> discord.ui.View:
    """Votes (when the answer is on record), Full entry, Related, and for public answers
    Ask/Dismiss."""
    view = discord.ui.View(timeout=None)
    if answer_id is not None:
        view.add_item(VoteButton(answer_id, "up"))
        view.add_item(VoteButton(answer_id, "down"))
    view.add_item(FullEntryButton(entry.id))
    if entry.related:
        view.add_item(RelatedButton(entry.id))
    if public and escalation and answer_id is not None:
        view.add_item(EscalateButton(answer_id))
    if public:
        view.add_item(DismissButton(asker_id))
    return view
