"""Reload the knowledge when its files change (`disputebot run --watch`).

Off unless the watch_knowledge setting is on. Every watch_interval_seconds the
knowledge folder is scanned; once a change has settled (one poll with nothing
new), the knowledge is reloaded through the same reloader as /kb reload, so a
broken edit is refused and logged while the bot keeps answering from what it
had, and the reload is recorded with no actor.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from discord.ext import commands

from bot.engine.engine import ReloadOutcome
from bot.engine.knowledge.watch import ChangeDebouncer, scan

if TYPE_CHECKING:
    from bot.discord_app.client import AnyDisputeBot

log = logging.getLogger("disputebot.knowledge")


class KnowledgeWatch(commands.Cog):
    """Polls the knowledge folder and reloads settled changes."""

    def __init__(self, bot: AnyDisputeBot) -> None:
        self.bot = bot
        self.root = bot.settings.knowledge_dir
        self.interval = bot.settings.watch_interval_seconds
        self.debouncer: ChangeDebouncer | None = None
        self._task: asyncio.Task[None] | None = None

    async def cog_load(self) -> None:
        if not self.bot.settings.watch_knowledge:
            return
        self.debouncer = ChangeDebouncer(scan(self.root))
        self._task = asyncio.create_task(self._watch(), name="knowledge-watch")
        log.info("watching %s for changes every %gs", self.root, self.interval)

    async def cog_unload(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def poll(self) -> ReloadOutcome | None:
        """One scan; reloads (and returns the outcome) when a change has settled."""
        if self.debouncer is None:
            return None
        try:
            state = scan(self.root)
        except OSError as exc:
            log.warning("cannot scan %s for changes: %s", self.root, exc)
            return None
        if not self.debouncer.observe(state):
            return None
        return await self.bot.services.reloader.reload(actor_id=None, guild_id=None)

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.poll()
            except Exception:
                # A watcher that dies silently is worse than one that logs and carries on.
                log.exception("knowledge watch poll failed; watching continues")


async def setup(bot: AnyDisputeBot) -> None:
    await bot.add_cog(KnowledgeWatch(bot))
