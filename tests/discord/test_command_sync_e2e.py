"""Command registration that goes wrong in ways other than an HTTP error.

A proxy or an API change can answer the sync with a 200 whose body discord.py
cannot read. The bot must log it, keep the commands Discord already has, answer
members, and try again on the next start (the tree hash is not stored).
"""

from __future__ import annotations

import logging

import pytest

from bot.discord_app.sync import SYNC_FAILED, TREE_HASH_KEY
from bot.storage.store import Store
from tests.discord.harness import World, running

GLOBAL = r"/applications/\d+/commands"
QUESTION = "My buyer doesn't like the logo I delivered and wants a refund"

MALFORMED = {
    "an object, not a list": {"message": "ok", "commands": []},
    "items without ids": [{"name": "ask"}],
    "an html page": b"<html><body>502 from the proxy, but as a 200</body></html>",
}


@pytest.mark.parametrize("body", list(MALFORMED.values()), ids=list(MALFORMED))
async def test_a_malformed_sync_response_is_logged_and_the_bot_keeps_serving(
    world: World, body: object, caplog: pytest.LogCaptureFixture
) -> None:
    async with running(world):  # an earlier start registered the commands
        pass
    store = await Store.open(world.settings.database_path)
    try:
        await store.set_meta(TREE_HASH_KEY, "the tree of an older version")
    finally:
        await store.close()
    world.emu.faults.add("PUT", GLOBAL, status=200, body=body)
    caplog.set_level(logging.WARNING, logger="disputebot.discord")
    async with running(world) as bot:
        assert bot.synced == SYNC_FAILED
        question = await world.emu.send_message(world.auto, world.alice, QUESTION)
        reply = await world.emu.wait_for_message(
            world.auto,
            timeout=10,
            predicate=lambda m: (
                str((m.body.get("message_reference") or {}).get("message_id"))
                == str(question["id"])
            ),
        )
        assert reply.body["embeds"]
        ask = await world.emu.invoke_slash(
            "ask", user_id=world.alice, channel_id=world.auto, options={"question": QUESTION}
        )
        await ask.wait_response()
        assert ask.response_data is not None, "the commands Discord already had still work"
    warnings = [r for r in caplog.records if "command sync failed" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    assert "unexpected response" in warnings[0].getMessage()
    store = await Store.open(world.settings.database_path)
    try:
        assert await store.get_meta(TREE_HASH_KEY) == "the tree of an older version"
    finally:
        await store.close()
    async with running(world) as bot:  # the next start tries again
        assert bot.synced.startswith("synced ")
    assert len(world.emu.requests_to("PUT", GLOBAL)) == 3
