"""Forget members' questions once the retention period has passed, every hour.

Retention is a promise to members, so it cannot depend on someone running a
command: this sweep runs when the bot starts and then hourly, applying each
guild's retention_days (set with /config retention) or the process default.
What is deleted and what is kept is described in bot.storage.repos.retention.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from discord.ext import commands, tasks

if TYPE_CHECKING:
    from bot.discord_app.client import AnyDisputeBot

log = logging.getLogger("disputebot.retention")

SWEEP_HOURS = 1.0
# The store refuses a retention below one day, so a default of 0 means one day.
MIN_RETENTION_DAYS = 1


class RetentionSweep(commands.Cog):
    """Runs store.purge_older_than on start and then every SWEEP_HOURS."""

    def __init__(self, bot: AnyDisputeBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.sweep.start()

    async def cog_unload(self) -> None:
        self.sweep.cancel()

    @tasks.loop(hours=SWEEP_HOURS)
    async def sweep(self) -> None:
        store = self.bot.services.store
        days = max(MIN_RETENTION_DAYS, self.bot.settings.retention_days)
        result = await store.purge_older_than(days)
        if not result:
            log.warning("retention sweep skipped: storage is unavailable; retrying next hour")
            return
        removed = (
            result.unanswered_deleted
            + result.handled_deleted
            + result.answer_questions_blanked
            + result.correction_questions_blanked
        )
        if removed:
            log.info(
                "retention sweep: %d unanswered question(s) and %d message claim(s) deleted, "
                "%d answer and %d correction question(s) blanked",
                result.unanswered_deleted,
                result.handled_deleted,
                result.answer_questions_blanked,
                result.correction_questions_blanked,
            )


async def setup(bot: AnyDisputeBot) -> None:
    await bot.add_cog(RetentionSweep(bot))
