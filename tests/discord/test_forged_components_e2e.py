"""Forged component clicks: custom ids are whatever the click says, so none is trusted.

A modified client or a spoofed gateway can put any custom id on a button. The bot
must never raise on one (SQLite integers stop at 2**63-1; a larger id used to raise
OverflowError and log an ERROR), must ignore malformed ones, and must never let a
forged id delete someone else's answer: Dismiss takes the asker from storage.
The shared fixture fails every test here on any ERROR log.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.discord.harness import World, running
from tests.emulator.state import MessageRecord

QUESTION = "My buyer doesn't like the logo I delivered and wants a refund"
OTHER_QUESTION = "buyer asks for my whatsapp number"
TOO_BIG = str(2**63)  # one past SQLite's largest integer

FORGED = {
    "vote 2**63": f"dispute:vote:{TOO_BIG}:up",
    "vote 2**64 (20 digits)": f"dispute:vote:{2**64}:up",
    "vote 0": "dispute:vote:0:down",
    "vote of a missing answer": "dispute:vote:9223372036854775807:up",
    "escalate 2**63": f"dispute:escalate:{TOO_BIG}",
    "dismiss 2**63": f"dispute:dismiss:{TOO_BIG}",
    "pick 2**63": f"dispute:pick:late-delivery:{TOO_BIG}",
    "related, unknown entry": "dispute:related:no-such-entry",
    "unknown kind": "dispute:explode:1",
    "not ours": "someone-else:1:2:3",
}


def custom_ids(message: MessageRecord) -> list[str]:
    return [c["custom_id"] for row in message.body["components"] for c in row["components"]]


async def ask(world: World, text: str = QUESTION) -> MessageRecord:
    """Alice's question in the auto channel, and the bot's answer to it."""
    question = await world.emu.send_message(world.auto, world.alice, text)
    return await world.emu.wait_for_message(
        world.auto,
        timeout=10,
        predicate=lambda m: (
            str((m.body.get("message_reference") or {}).get("message_id")) == str(question["id"])
        ),
    )


@pytest.mark.parametrize("forged", list(FORGED.values()), ids=list(FORGED))
async def test_a_forged_custom_id_never_raises_and_changes_nothing(
    world: World, forged: str
) -> None:
    async with running(world) as bot:
        reply = await ask(world)
        up = next(i for i in custom_ids(reply) if i.endswith(":up"))
        answer_id = int(up.split(":")[2])
        click = await world.emu.click_forged_button(reply.id, up, forged, user_id=world.bob)
        await asyncio.sleep(0.3)  # an ignored click gets no response at all
        if click.response_type is not None:
            assert click.ephemeral
        assert not world.emu.message(reply.id).deleted
        assert await bot.services.store.vote_counts(answer_id) == (0, 0)
        assert (await ask(world, OTHER_QUESTION)).body["embeds"], "still answering"


async def test_a_forged_dismiss_cannot_delete_someone_elses_answer(world: World) -> None:
    async with running(world):
        reply = await ask(world)
        real = f"dispute:dismiss:{world.alice}"
        assert real in custom_ids(reply)
        forged = await world.emu.click_forged_button(
            reply.id, real, f"dispute:dismiss:{world.bob}", user_id=world.bob
        )
        await forged.wait_response()
        assert forged.ephemeral and "Only the member who asked" in forged.content
        assert not world.emu.message(reply.id).deleted
        # The asker is who storage says, whatever the button claims: her own click works
        # even on a button that names somebody else.
        own = await world.emu.click_forged_button(
            reply.id, real, f"dispute:dismiss:{world.bob}", user_id=world.alice
        )
        await own.wait_response()
        await world.emu.wait_until(lambda: world.emu.message(reply.id).deleted, timeout=3)


async def test_a_forged_pick_cannot_take_over_someone_elses_answer(world: World) -> None:
    """A pick naming the clicker as the asker used to turn the message into the clicker's
    own answer (recorded with them as asker), which their Dismiss could then delete."""
    async with running(world) as bot:
        reply = await ask(world)
        up = next(i for i in custom_ids(reply) if i.endswith(":up"))
        entry = bot.services.engine.kb.entries[0].id
        pick = await world.emu.click_forged_button(
            reply.id, up, f"dispute:pick:{entry}:{world.bob}", user_id=world.bob
        )
        await pick.wait_response()
        assert pick.ephemeral, "bob sees the entry just for himself"
        assert world.emu.message(reply.id).edits == [], "alice's answer is not taken over"
        dismiss = await world.emu.click_forged_button(
            reply.id,
            f"dispute:dismiss:{world.alice}",
            f"dispute:dismiss:{world.bob}",
            user_id=world.bob,
        )
        await dismiss.wait_response()
        assert not world.emu.message(reply.id).deleted
