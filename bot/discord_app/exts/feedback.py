"""Feedback and answer components: registers the persistent buttons and menus.

The components carry their state in their custom ids (see components/), so
registering their classes once is all it takes for clicks on old answers, even
from before a restart, to work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.discord_app.components import DYNAMIC_ITEMS

if TYPE_CHECKING:
    from bot.discord_app.client import AnyDisputeBot


async def setup(bot: AnyDisputeBot) -> None:
    bot.add_dynamic_items(*DYNAMIC_ITEMS)


async def teardown(bot: AnyDisputeBot) -> None:
    bot.remove_dynamic_items(*DYNAMIC_ITEMS)
