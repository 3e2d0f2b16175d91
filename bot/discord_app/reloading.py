"""Reload the knowledge for /kb reload and the file watcher: one at a time, always recorded.

The engine already refuses to swap in knowledge with errors; this service adds
what the bot needs around it. Reloads never overlap (a watcher firing during a
moderator's reload waits its turn, so "added/changed/removed" always compares
with what was really running), the work runs in a thread so the bot keeps
answering while half a second of YAML and index building happens, and every
reload is written to the store with who asked (None for the watcher) and how it
went.
"""

from __future__ import annotations

import asyncio
import logging

from bot.engine.engine import AnswerEngine, ReloadOutcome
from bot.storage.store import Store

log = logging.getLogger("disputebot.knowledge")

RECORD_SUMMARY_MAX = 500


def record_summary(outcome: ReloadOutcome) -> str:
    """One line for the reload history: the outcome and, on failure, the first error."""
    summary = outcome.summary()
    if not outcome.ok and outcome.errors:
        summary += f"; first: {outcome.errors[0]}"
    if len(summary) > RECORD_SUMMARY_MAX:
        summary = summary[: RECORD_SUMMARY_MAX - 1] + "…"
    return summary


class KnowledgeReloader:
    """Serialised, recorded reloads of one engine."""

    def __init__(self, engine: AnswerEngine, store: Store | None) -> None:
        self.engine = engine
        self.store = store
        self._lock = asyncio.Lock()

    async def reload(self, *, actor_id: int | None, guild_id: int | None) -> ReloadOutcome:
        """Re-read and validate the files; the running knowledge stays unless they are sound."""
        async with self._lock:
            outcome = await asyncio.to_thread(self.engine.reload)
        who = "file watcher" if actor_id is None else f"user {actor_id}"
        if outcome.ok:
            log.info("knowledge reload by %s: %s", who, outcome.summary())
        else:
            log.warning("knowledge reload by %s: %s", who, outcome.summary())
            for problem in outcome.errors:
                log.warning("  %s", problem)
        if self.store is not None:
            recorded = await self.store.record_reload(
                guild_id, actor_id, outcome.ok, record_summary(outcome)
            )
            if not recorded:
                log.warning("the reload could not be recorded: storage is unavailable")
        return outcome
