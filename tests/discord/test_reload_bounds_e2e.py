"""A reload that never finishes is abandoned: answered, recorded, and not waited on at exit.

The knowledge reader now refuses FIFOs, but any read can hang (a network mount that
went away). Here the running bot's engine is made to block inside its reload, the way
such a read would, until the test lets it go. The moderator must get a clear answer
within the reload time bound, a second reload must not queue behind the first,
members keep getting answers, the bot must stop at once while the read still hangs,
and the stuck reload, when it finally returns, must not replace the knowledge.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import replace
from typing import Any

from bot.discord_app.reloading import KnowledgeReloader
from bot.engine.engine import AnswerEngine, ReloadOutcome
from tests.discord.harness import World, running

QUESTION = "My buyer doesn't like the logo I delivered and wants a refund"
TIMEOUT_S = 0.5


class HungRead:
    """Makes engine.reload block (in whatever thread runs it) until released."""

    def __init__(self, engine: AnswerEngine) -> None:
        self.release = threading.Event()
        self.entered = threading.Event()
        self.finished = threading.Event()
        self._real = engine.reload

        def reload(**kwargs: Any) -> ReloadOutcome:
            self.entered.set()
            self.release.wait(30)
            try:
                return self._real(**kwargs)
            finally:
                self.finished.set()

        engine.reload = reload  # type: ignore[method-assign]


async def reload_embed(world: World) -> dict[str, Any]:
    itx = await world.emu.invoke_slash("kb reload", user_id=world.mod, channel_id=world.mention)
    await itx.wait_response()
    (message,) = await itx.wait_followups(1, timeout=TIMEOUT_S + 5)
    return message.payload["embeds"][0]


async def test_a_hung_reload_is_abandoned_and_shutdown_does_not_wait(world: World) -> None:
    settings = replace(world.settings, reload_timeout_seconds=TIMEOUT_S)
    hung: HungRead | None = None
    try:
        async with running(world, settings) as bot:
            before = bot.services.engine.kb
            hung = HungRead(bot.services.engine)
            started = time.monotonic()
            first = await reload_embed(world)
            assert time.monotonic() - started < TIMEOUT_S + 3
            assert first["title"] == "Reload refused: the running knowledge is unchanged"
            assert "abandoned" in first["description"]
            second = await reload_embed(world)  # not queued behind the stuck one
            assert "abandoned" in second["description"]
            await world.emu.send_message(world.auto, world.alice, QUESTION)
            answer = await world.emu.wait_for_message(world.auto, timeout=5)
            assert answer.body["embeds"], "members keep getting answers"
            history = await bot.services.store.list_reloads()
            assert [r.ok for r in history] == [False, False]
            assert "abandoned" in history[0].summary
            stuck = [t for t in threading.enumerate() if t.name == "knowledge-reload"]
            assert stuck and all(t.daemon for t in stuck), "nothing joins a stuck reload"
            stopping = time.monotonic()
        assert time.monotonic() - stopping < 5, "the shutdown did not wait for the stuck read"
        assert hung.entered.is_set()
        hung.release.set()  # the read returns at last: its result must not land
        await asyncio.to_thread(hung.finished.wait, 10)
        assert bot.services.engine.kb is before
    finally:
        if hung is not None:
            hung.release.set()


async def test_a_reload_that_finishes_in_time_is_not_affected(world: World) -> None:
    async with running(world) as bot:
        reloader = bot.services.reloader
        assert isinstance(reloader, KnowledgeReloader)
        assert reloader.timeout_s == world.settings.reload_timeout_seconds
        embed = await reload_embed(world)
    assert embed["title"] == "Knowledge reloaded"
