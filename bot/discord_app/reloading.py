"""Reload the knowledge for /kb reload and the file watcher: one at a time, always recorded.

The engine already refuses to swap in knowledge with errors; this service adds
what the bot needs around it. Reloads never overlap (a watcher firing during a
moderator's reload waits its turn, so "added/changed/removed" always compares
with what was really running), the work runs in a thread so the bot keeps
answering while half a second of YAML and index building happens, and every
reload is written to the store with who asked (None for the watcher) and how it
went.

Every reload is bounded in time. A read that never returns (a hung network mount,
a device) would otherwise hold the lock for ever, so every later reload would queue
behind it. The work runs in a daemon thread of its own, not in asyncio's executor,
because the executor's threads are joined when the loop and the interpreter shut
down: a SIGTERM would then wait on the stuck read. A reload that outlives its time
is abandoned: the moderator is told, the lock is released, and if the thread ever
finishes its result is thrown away instead of replacing newer knowledge.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading

from bot.engine.engine import AnswerEngine, ReloadOutcome
from bot.engine.knowledge.problems import Problem, Severity
from bot.storage.store import Store

log = logging.getLogger("disputebot.knowledge")

RECORD_SUMMARY_MAX = 500
DEFAULT_RELOAD_TIMEOUT_S = 60.0


class _Attempt:
    """One reload's fate, decided once: it commits its result, or the waiter abandons it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state = "running"

    def commit(self) -> bool:
        """Called by the engine just before it swaps; False once abandoned."""
        with self._lock:
            if self._state == "abandoned":
                return False
            self._state = "committed"
            return True

    def abandon(self) -> bool:
        """False when the reload already committed (its swap is finishing)."""
        with self._lock:
            if self._state == "committed":
                return False
            self._state = "abandoned"
            return True


def timed_out(seconds: float) -> ReloadOutcome:
    """The outcome of an abandoned reload, with one error saying why."""
    message = (
        f"the reload took longer than {seconds:g} s and was abandoned; the running "
        "knowledge is unchanged. A file that cannot be read (a hung network mount or a "
        "device) can cause this; `disputebot kb validate` shows what is wrong"
    )
    problem = Problem(Severity.ERROR, "knowledge", None, None, None, message)
    return ReloadOutcome(False, (problem,), seconds=seconds)


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

    def __init__(
        self,
        engine: AnswerEngine,
        store: Store | None,
        *,
        timeout_s: float = DEFAULT_RELOAD_TIMEOUT_S,
    ) -> None:
        self.engine = engine
        self.store = store
        self.timeout_s = timeout_s
        self._lock = asyncio.Lock()

    async def reload(self, *, actor_id: int | None, guild_id: int | None) -> ReloadOutcome:
        """Re-read and validate the files; the running knowledge stays unless they are sound."""
        async with self._lock:
            outcome = await self._bounded_reload()
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

    async def _bounded_reload(self) -> ReloadOutcome:
        """engine.reload in a daemon thread, waited on for at most timeout_s."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[ReloadOutcome] = loop.create_future()
        attempt = _Attempt()

        def settle(result: ReloadOutcome | BaseException) -> None:
            if done.done():
                return
            if isinstance(result, BaseException):
                done.set_exception(result)
            else:
                done.set_result(result)

        def work() -> None:
            result: ReloadOutcome | BaseException
            try:
                result = self.engine.reload(commit=attempt.commit)
            except BaseException as exc:  # handed to the waiting coroutine
                result = exc
            with contextlib.suppress(RuntimeError):  # the loop is gone after a shutdown
                loop.call_soon_threadsafe(settle, result)

        threading.Thread(target=work, name="knowledge-reload", daemon=True).start()
        try:
            return await asyncio.wait_for(asyncio.shield(done), self.timeout_s)
        except TimeoutError:
            if not attempt.abandon():
                return await done  # it committed just now; the swap is a moment away
            return timed_out(self.timeout_s)
