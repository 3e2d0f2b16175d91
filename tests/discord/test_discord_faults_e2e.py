"""Discord misbehaving, through the emulator: the bot gives up cleanly and never logs a
traceback at ERROR for it (the shared fixture fails a test on any ERROR record)."""

from __future__ import annotations

import logging
from collections import Counter

import pytest

from tests.discord.harness import World, running
from tests.emulator.state import MessageRecord

QUESTIONS = (
    "My buyer doesn't like the logo I delivered and wants a refund, it matches my gig",
    "buyer asks for my whatsapp number",
    "the buyer left a 1 star review after I delivered everything, can I get it removed?",
    "Can a buyer cancel after delivery?",
)
QUESTION = QUESTIONS[0]
BURST = 40


def bot_replies(world: World, channel: int) -> list[MessageRecord]:
    return [m for m in world.emu.channel_messages(channel) if m.author_id == world.emu.bot_user_id]


def replies_per_question(world: World, channel: int) -> Counter[int | None]:
    return Counter(replied_to(m) for m in bot_replies(world, channel))


async def post(world: World, text: str = QUESTION, channel: int | None = None) -> int:
    """A member's message in the auto channel (by default); returns its id."""
    message = await world.emu.send_message(channel or world.auto, world.alice, text)
    return int(message["id"])


def replied_to(message: MessageRecord) -> int | None:
    reference = message.body.get("message_reference")
    return int(reference["message_id"]) if reference else None


async def answered(world: World, question_id: int, channel: int | None = None) -> MessageRecord:
    """The bot's reply to one question, once it exists."""
    return await world.emu.wait_for_message(
        channel or world.auto, timeout=10, predicate=lambda m: replied_to(m) == question_id
    )


async def still_serving(world: World) -> None:
    """Another question afterwards gets its answer."""
    reply = await answered(world, await post(world, QUESTIONS[1]))
    assert reply.body["embeds"]


def records(caplog: pytest.LogCaptureFixture, logger: str, text: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == logger and text in r.getMessage()]


# -- shutting down with work in flight ---------------------------------------------------


async def test_shutdown_while_an_answer_is_being_sent_is_not_an_error(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    # close() shuts the HTTP session under the send; that is the shutdown, not a fault
    # (the shared fixture fails the test on any ERROR record, such as a traceback).
    caplog.set_level(logging.INFO, logger="disputebot")
    messages = rf"/channels/{world.auto}/messages"
    async with running(world):
        world.emu.faults.add("POST", messages, delay=1.0, times=1)
        await post(world)
        await world.emu.wait_until(lambda: world.emu.requests_to("POST", messages), timeout=5)
    assert records(caplog, "disputebot.discord", "on_message was cut short by the shutdown")


async def test_shutdown_while_a_command_is_answering_is_not_an_error(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="disputebot")
    callback = r"/interactions/\d+/[^/]+/callback"
    async with running(world):
        world.emu.faults.add("POST", callback, delay=1.0, times=1)
        await world.emu.invoke_slash(
            "ask",
            user_id=world.alice,
            channel_id=world.mention,
            options={"question": QUESTION, "public": True},
        )
        await world.emu.wait_until(lambda: world.emu.requests_to("POST", callback), timeout=5)
    assert records(caplog, "disputebot.discord", "not answered: the bot is shutting down")
