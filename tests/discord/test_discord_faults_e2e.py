"""Discord misbehaving, through the emulator: the bot retries or gives up cleanly, says so
at WARNING (never a traceback at ERROR: the shared fixture fails a test on any ERROR
record), and keeps serving: every test ends by asking another question and getting
its answer.

discord.py retries 429s after ``retry_after`` and 500/502 after sleeps of 1, 3, 5...
seconds, so the 5xx cases inject a single failure.
"""

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


# -- the gateway -------------------------------------------------------------------------


async def test_gateway_drop_during_a_burst_resumes_without_losing_or_repeating_answers(
    world: World,
) -> None:
    gateway = world.emu.gateway
    async with running(world):
        sent = []
        for i in range(BURST):
            if i == BURST // 2:
                await world.emu.drop_gateway(4000, resumable=True)
            sent.append(await post(world, QUESTIONS[i % len(QUESTIONS)]))
        await world.emu.wait_until(
            lambda: len(bot_replies(world, world.auto)) >= BURST, timeout=15, what="every reply"
        )
        await still_serving(world)  # also lets any late duplicate arrive first
    assert gateway.resumes == 1 and gateway.identifies == 1
    assert gateway.replayed >= 1  # questions sent while disconnected came with the RESUME
    per_question = replies_per_question(world, world.auto)
    assert [per_question[q] for q in sent] == [1] * BURST
    assert max(per_question.values()) == 1


async def test_invalidated_session_reidentifies_and_answers_each_question_once(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    # Discord refuses the RESUME (op 9): discord.py identifies anew after its 5 s pause.
    # Events sent in between are gone, as on Discord; nothing is answered twice.
    caplog.set_level(logging.INFO, logger="disputebot.discord")
    gateway = world.emu.gateway
    async with running(world):
        before = [await post(world, q) for q in QUESTIONS]
        for question in before:
            await answered(world, question)
        await world.emu.drop_gateway(4000, resumable=False)
        # Ready again (on_ready logs it). Waiting for it also keeps the test from closing
        # the bot while discord.py still waits for guilds after READY: its close() leaves
        # that task running, and it fails once the loop is gone.
        await world.emu.wait_until(
            lambda: len(records(caplog, "disputebot.discord", "connected as")) == 2,
            timeout=15,
            what="the bot to be ready again",
        )
        after = [await post(world, q) for q in QUESTIONS]
        for question in after:
            await answered(world, question)
        await still_serving(world)
    assert gateway.identifies == 2
    per_question = replies_per_question(world, world.auto)
    assert [per_question[q] for q in before + after] == [1] * (len(before) + len(after))
    assert max(per_question.values()) == 1


# -- REST errors on send -----------------------------------------------------------------


async def test_repeated_429s_on_send_are_waited_out(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    messages = rf"/channels/{world.auto}/messages"
    async with running(world):
        world.emu.faults.add("POST", messages, status=429, times=3, retry_after=0.05)
        await answered(world, await post(world))
        await still_serving(world)
    posts = world.emu.requests_to("POST", messages)
    assert [r.status for r in posts] == [429, 429, 429, 200, 200]
    assert posts[0].json == posts[3].json  # the same answer, sent again
    assert len(records(caplog, "discord.http", "rate limited")) == 3  # WARNING, no traceback


async def test_429s_beyond_discord_py_retries_give_up_cleanly(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    messages = rf"/channels/{world.auto}/messages"
    async with running(world):
        world.emu.faults.add("POST", messages, status=429, times=5, retry_after=0.05)
        question = await post(world)
        await world.emu.wait_until(
            lambda: records(caplog, "disputebot.discord", "could not post an answer"), timeout=10
        )
        await still_serving(world)
    assert [r.status for r in world.emu.requests_to("POST", messages)] == [429] * 5 + [200]
    assert replies_per_question(world, world.auto)[question] == 0
    (gave_up,) = records(caplog, "disputebot.discord", "could not post an answer")
    assert gave_up.levelno == logging.WARNING and "429" in gave_up.getMessage()


@pytest.mark.parametrize("status", [500, 502])
async def test_a_server_error_on_send_is_retried(world: World, status: int) -> None:
    messages = rf"/channels/{world.auto}/messages"
    async with running(world):
        world.emu.faults.add("POST", messages, status=status, times=1)
        question = await post(world)
        await answered(world, question)
        await still_serving(world)
    assert [r.status for r in world.emu.requests_to("POST", messages)] == [status, 200, 200]
    assert replies_per_question(world, world.auto)[question] == 1


async def test_a_server_error_discord_py_does_not_retry_is_logged_and_skipped(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    messages = rf"/channels/{world.auto}/messages"
    async with running(world):
        world.emu.faults.add("POST", messages, status=503, times=1)
        question = await post(world)
        await world.emu.wait_until(
            lambda: records(caplog, "disputebot.discord", "could not post an answer"), timeout=5
        )
        await still_serving(world)
    assert replies_per_question(world, world.auto)[question] == 0
    (gave_up,) = records(caplog, "disputebot.discord", "could not post an answer")
    assert gave_up.levelno == logging.WARNING and "503" in gave_up.getMessage()


async def test_a_slow_send_does_not_hold_up_other_channels(world: World) -> None:
    slow_route = rf"/channels/{world.auto}/messages"
    mention = f"<@{world.emu.bot_user_id}> {QUESTIONS[1]}"
    async with running(world):
        world.emu.faults.add("POST", slow_route, delay=2.0, times=1)
        slow_question = await post(world)
        await world.emu.wait_until(lambda: world.emu.requests_to("POST", slow_route), timeout=5)
        other = await world.emu.send_message(
            world.mention, world.bob, mention, mention_user_ids=[world.emu.bot_user_id]
        )
        await answered(world, int(other["id"]), world.mention)
        (slow,) = world.emu.requests_to("POST", slow_route)
        assert slow.status is None  # the other channel was served while this send hung
        await answered(world, slow_question)
        await still_serving(world)
    assert replies_per_question(world, world.auto)[slow_question] == 1


# -- interactions ------------------------------------------------------------------------


async def test_ask_with_an_expired_token_is_logged_and_the_bot_keeps_serving(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    callback = r"/interactions/\d+/[^/]+/callback"
    async with running(world):
        # The callback is held up long enough for the token to expire under it.
        world.emu.faults.add("POST", callback, delay=0.5, times=1)
        expired = await world.emu.invoke_slash(
            "ask", user_id=world.alice, channel_id=world.mention, options={"question": QUESTION}
        )
        await world.emu.wait_until(lambda: world.emu.requests_to("POST", callback), timeout=5)
        world.emu.expire_interaction_tokens()
        await world.emu.wait_for_request("POST", callback, timeout=5)
        await world.emu.wait_until(
            lambda: records(caplog, "disputebot.discord", "expired before it could be answered"),
            timeout=5,
        )
        fresh = await world.emu.invoke_slash(
            "ask", user_id=world.alice, channel_id=world.mention, options={"question": QUESTION}
        )
        await fresh.wait_response()
        await still_serving(world)
    assert expired.rejected == [("callback", 10062)] and expired.response_type is None
    assert fresh.response_data["embeds"] and not fresh.rejected
    (warning,) = records(caplog, "disputebot.discord", "expired before it could be answered")
    assert warning.levelno == logging.WARNING


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
