"""Buttons and menus under answers, persistent across restarts.

Each component is a discord.py DynamicItem: its custom id carries everything a
click needs (answer id, entry, asker), so clicks keep working after a restart and
the bot keeps no per-message view in memory.
"""

from bot.discord_app.components.correct import CorrectionSelect
from bot.discord_app.components.dismiss import DismissButton
from bot.discord_app.components.escalate import EscalateButton
from bot.discord_app.components.full_entry import FullEntryButton
from bot.discord_app.components.open_entry import OpenEntrySelect
from bot.discord_app.components.pick import PickButton
from bot.discord_app.components.related import RelatedButton
from bot.discord_app.components.votes import VoteButton

DYNAMIC_ITEMS = (
    VoteButton,
    RelatedButton,
    FullEntryButton,
    DismissButton,
    PickButton,
    EscalateButton,
    OpenEntrySelect,
    CorrectionSelect,
)

__all__ = ["DYNAMIC_ITEMS"]
