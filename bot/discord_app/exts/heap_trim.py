"""Return free heap memory to the system every minute (see bot.ops.heap for why).

A trim takes a few milliseconds on the bot's heap, so running it on the event loop
once a minute costs nothing members notice, and it keeps the process's memory at
what it really uses instead of slowly growing with the allocator's free space.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from discord.ext import commands, tasks

from bot.ops.heap import release_free_heap

if TYPE_CHECKING:
    from bot.discord_app.client import AnyDisputeBot

log = logging.getLogger("disputebot.heap")

TRIM_SECONDS = 60.0


class HeapTrim(commands.Cog):
    """Runs release_free_heap every TRIM_SECONDS; stops itself where it is unsupported."""

    def __init__(self, bot: AnyDisputeBot) -> None:
        self.bot = bot
        self.trims = 0

    async def cog_load(self) -> None:
        self.trim.start()

    async def cog_unload(self) -> None:
        self.trim.cancel()

    @tasks.loop(seconds=TRIM_SECONDS)
    async def trim(self) -> None:
        if release_free_heap() is None:
            log.debug("malloc_trim is not available here (not glibc); not trimming")
            self.trim.cancel()
            return
        self.trims += 1


async def setup(bot: AnyDisputeBot) -> None:
    await bot.add_cog(HeapTrim(bot))
