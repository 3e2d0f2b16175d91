"""Throttling under concurrency: questions that arrive together are handled
concurrently, and the user cooldown must hold across them."""

from __future__ import annotations

from dataclasses import replace

from tests.discord.harness import World, running

USER_COOLDOWN = 30


SPAMMED_QUESTIONS = (
    "My buyer doesn't like the logo I delivered and wants a refund, it matches my gig",
    "buyer asks for my whatsapp number",
    "the buyer left a 1 star review after I delivered everything, can I get it removed?",
    "Can a buyer cancel after delivery?",
    "buyer opened a dispute asking for a cancellation, what happens to my earnings",
) * 2


async def burst_from_one_member(world: World, channel: int, texts: tuple[str, ...]) -> None:
    """Post all of ``texts`` at once, then give the bot time to answer any of them."""
    for text in texts:
        await world.emu.send_message(channel, world.alice, text)
    await world.emu.wait_for_message(channel, timeout=5)
    await world.emu.send_message(channel, world.bob, SPAMMED_QUESTIONS[0])  # a later marker
    await world.emu.wait_for_message(
        channel, timeout=5, predicate=lambda m: m.body.get("message_reference") is not None
    )


def replies_to(world: World, channel: int, author: int) -> int:
    asked = {m.id for m in world.emu.channel_messages(channel) if m.author_id == author}
    return sum(
        1
        for m in world.emu.channel_messages(channel)
        if m.author_id == world.emu.bot_user_id
        and int(m.body["message_reference"]["message_id"]) in asked
    )


async def test_questions_posted_together_by_one_member_get_one_answer(world: World) -> None:
    settings = replace(world.settings, user_cooldown_seconds=USER_COOLDOWN)
    async with running(world, settings):
        await burst_from_one_member(world, world.auto, SPAMMED_QUESTIONS)
    assert replies_to(world, world.auto, world.alice) == 1


async def test_unanswerable_mentions_posted_together_get_one_reply(world: World) -> None:
    settings = replace(world.settings, user_cooldown_seconds=USER_COOLDOWN)
    bot = f"<@{world.emu.bot_user_id}>"
    async with running(world, settings):
        for n in range(10):
            await world.emu.send_message(
                world.mention,
                world.alice,
                f"{bot} what colour should my profile banner be, version {n}?",
                mention_user_ids=[world.emu.bot_user_id],
            )
        await world.emu.wait_for_message(world.mention, timeout=5)
        await world.emu.send_message(
            world.mention,
            world.bob,
            f"{bot} {SPAMMED_QUESTIONS[0]}",
            mention_user_ids=[world.emu.bot_user_id],
        )
        await world.emu.wait_for_message(
            world.mention, timeout=5, predicate=lambda m: bool(m.body.get("embeds"))
        )
    assert replies_to(world, world.mention, world.alice) == 1
