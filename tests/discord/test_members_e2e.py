"""End to end through the real discord.py client and the emulator: what members see."""

from __future__ import annotations

import asyncio
import json
import os
import re
from dataclasses import replace
from pathlib import Path

import pytest

from bot.discord_app.answering import NOT_A_DISPUTE_QUESTION
from bot.engine.tooling.evaluate import read_labelled
from tests.conftest import ROOT
from tests.discord.harness import World, running

SNAPSHOT = Path(__file__).parent / "snapshots" / "commands.json"
SEED = next(i for i in read_labelled(ROOT / "eval" / "questions.jsonl") if i.id == "seed").text
QUESTION = "My buyer doesn't like the logo I delivered and wants a refund, it matches my gig"
CHATTER = "good morning everyone, happy friday!"


def bot_messages(world: World, channel: int) -> list:
    return [
        m
        for m in world.emu.channel_messages(channel)
        if m.payload["author"]["id"] == str(world.emu.bot_user_id)
    ]


def normalised_commands(commands: list[dict]) -> list[dict]:
    keep = (
        "name",
        "type",
        "description",
        "options",
        "default_member_permissions",
        "contexts",
        "integration_types",
        "nsfw",
    )
    return sorted(
        ({k: c[k] for k in keep if k in c} for c in commands),
        key=lambda c: (c.get("type", 1), c["name"]),
    )


async def test_startup_syncs_commands_once_and_matches_the_snapshot(world: World) -> None:
    async with running(world):
        commands = normalised_commands(world.emu.synced_commands())
    puts = world.emu.requests_to("PUT", r"/applications/\d+/commands")
    assert len(puts) == 1
    if os.environ.get("DISPUTEBOT_UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(json.dumps(commands, indent=2, sort_keys=True) + "\n")
    expected = json.loads(SNAPSHOT.read_text())
    assert commands == expected
    async with running(world):
        pass
    assert len(world.emu.requests_to("PUT", r"/applications/\d+/commands")) == 1


async def test_every_command_is_offered_where_the_bot_answers_in_current_fields(
    world: World,
) -> None:
    """Servers only, from the server install, for every command alike: the bot answers in
    servers and reads no DMs. Before: members' commands had no `contexts` (so Discord
    offered them in DMs) while moderators' commands were guild-only."""
    async with running(world):
        pass
    commands = world.emu.synced_commands()
    assert len(commands) == 7
    for command in commands:
        assert command["contexts"] == [0], command["name"]
        assert command["integration_types"] == [0], command["name"]
        assert command["dm_permission"] is False, command["name"]


async def test_dev_guild_sync_goes_to_the_guild(world: World) -> None:
    async with running(world, replace(world.settings, dev_guild_id=world.guild)):
        pass
    assert world.emu.requests_to("PUT", rf"/applications/\d+/guilds/{world.guild}/commands")
    assert not world.emu.requests_to("PUT", r"/applications/\d+/commands$")


async def test_auto_channel_answers_with_embed_reference_and_no_pings(world: World) -> None:
    async with running(world):
        question = await world.emu.send_message(world.auto, world.alice, QUESTION)
        reply = await world.emu.wait_for_message(world.auto, timeout=5)
    body = reply.body
    assert body["allowed_mentions"] == {"parse": [], "replied_user": False}
    assert int(body["message_reference"]["message_id"]) == int(question["id"])
    embed = body["embeds"][0]
    assert "refund" in embed["title"].lower() or "like" in embed["title"].lower()
    assert "> " in embed["description"] and "as of " in embed["description"]
    assert "](https://" in embed["description"]
    assert embed["footer"]["text"].startswith("Community guidance, not Fiverr support")
    assert any(f["name"].startswith("Community advice") for f in embed["fields"])
    custom_ids = [c["custom_id"] for row in body["components"] for c in row["components"]]
    assert any(cid.startswith("dispute:vote:") and cid.endswith(":up") for cid in custom_ids)
    assert f"dispute:dismiss:{world.alice}" in custom_ids


async def test_related_entries_are_behind_the_button_not_repeated_in_a_field(
    world: World,
) -> None:
    """The Related button lists the related entries; the embed no longer repeats them."""
    async with running(world):
        await world.emu.send_message(world.auto, world.alice, QUESTION)
        reply = await world.emu.wait_for_message(world.auto, timeout=5)
        custom_ids = [c["custom_id"] for row in reply.body["components"] for c in row["components"]]
        related_id = next(i for i in custom_ids if i.startswith("dispute:related:"))
        shown = await world.emu.click_button(reply.id, related_id, user_id=world.bob)
        await shown.wait_response()
    names = [f["name"] for f in reply.body["embeds"][0]["fields"]]
    assert "Related" not in names, names
    assert shown.ephemeral and shown.response_data["embeds"][0]["title"] == "Related entries"


async def test_full_entry_opens_the_whole_entry_not_a_policy_page(world: World) -> None:
    """Every quote, all advice and every caveat, just for the member who clicks; before,
    "Full entry" was a link to a blog post holding none of the advice."""
    async with running(world) as bot:
        await world.emu.send_message(world.auto, world.alice, QUESTION)
        reply = await world.emu.wait_for_message(world.auto, timeout=5)
        custom_ids = [c["custom_id"] for row in reply.body["components"] for c in row["components"]]
        full_id = next(i for i in custom_ids if i.startswith("dispute:full:"))
        entry = bot.services.engine.kb.entry(full_id.split(":")[2])
        shown = await world.emu.click_button(reply.id, full_id, user_id=world.bob)
        await shown.wait_response()
    assert entry is not None and len(entry.policy) > 3
    answer = reply.body["embeds"][0]
    assert "url" not in answer and "[Full entry](" not in json.dumps(answer)
    assert shown.ephemeral
    text = "\n".join(e.get("description", "") for e in shown.response_data["embeds"])
    for item in (*entry.advice, *entry.caveats, *(q.text for q in entry.policy)):
        assert item in text


OFF_TOPIC = "what's the best pizza topping"
NEAR_MISS = "buyer is being weird about the order"


async def test_off_topic_mentions_get_one_polite_line_and_near_misses_the_closest(
    world: World,
) -> None:
    """Closest entries only when one is plausibly related; before, a pizza question got
    three unrelated dispute entries."""
    me = world.emu.bot_user_id
    async with running(world):
        replies = []
        for text in (OFF_TOPIC, NEAR_MISS):
            await world.emu.send_message(
                world.mention, world.alice, f"<@{me}> {text}", mention_user_ids=[me]
            )
            replies.append(await world.emu.wait_for_message(world.mention, timeout=5))
        off_topic, near_miss = replies
        asked = await world.emu.invoke_slash(
            "ask", user_id=world.alice, channel_id=world.mention, options={"question": OFF_TOPIC}
        )
        await asked.wait_response()
    assert off_topic.body["content"] == NOT_A_DISPUTE_QUESTION
    assert "\n" not in off_topic.body["content"] and "•" not in off_topic.body["content"]
    assert near_miss.body["content"].count("•") >= 1
    assert "Closest entries" in near_miss.body["content"]
    assert asked.response_data["content"] == NOT_A_DISPUTE_QUESTION
    assert not asked.response_data.get("components")


async def test_chatter_and_unmentioned_messages_get_no_reply(world: World) -> None:
    async with running(world):
        await world.emu.send_message(world.auto, world.alice, CHATTER)
        await world.emu.send_message(world.mention, world.alice, QUESTION)
        await world.emu.send_message(world.quiet, world.alice, QUESTION)
        await world.emu.send_message(
            world.mention,
            world.bob,
            f"<@{world.emu.bot_user_id}> {QUESTION}",
            mention_user_ids=[world.emu.bot_user_id],
        )
        mentioned = await world.emu.wait_for_message(world.mention, timeout=5)
        await asyncio.sleep(0.2)
    assert mentioned.body["embeds"]
    assert bot_messages(world, world.auto) == []
    assert bot_messages(world, world.quiet) == []
    assert len(bot_messages(world, world.mention)) == 1


async def test_forum_starter_is_answered_once_in_its_thread(world: World) -> None:
    async with running(world) as bot:
        topic_of = {e.title: e.topic for e in bot.services.engine.kb.entries}
        thread, starter = await world.emu.create_forum_post(
            world.forum, world.alice, "Buyer wants a refund, what should I do?", SEED
        )
        thread_id = int(thread["id"])
        reply = await world.emu.wait_for_message(thread_id, timeout=5)
        await world.emu.send_message(
            thread_id, world.bob, "any update on this? he still wants refund"
        )
        await world.emu.drop_gateway()
        await asyncio.sleep(0.5)
    assert len(bot_messages(world, thread_id)) == 1
    assert int(reply.body["message_reference"]["message_id"]) == int(starter["id"])
    embed = reply.body["embeds"][0]
    also = next(f for f in embed["fields"] if f["name"] == "Also relevant")
    risk = next(f for f in embed["fields"] if "risk" in f["name"].lower())
    assert risk["value"]
    assert also["value"].count("•") == 2
    assert topic_of[embed["title"]] == "quality-cancellation"
    also_titles = re.findall(r"• \*\*(.+?)\*\*", also["value"])
    assert {topic_of[t] for t in also_titles} == {"off-platform-contact", "samples-free-work"}
    assert "> " in embed["description"] and "](https://" in embed["description"]
    assert "as of 20" in embed["description"]


async def test_ask_is_ephemeral_by_default_and_public_on_request(world: World) -> None:
    async with running(world):
        private = await world.emu.invoke_slash(
            "ask", user_id=world.alice, channel_id=world.mention, options={"question": QUESTION}
        )
        await private.wait_response()
        public = await world.emu.invoke_slash(
            "ask",
            user_id=world.alice,
            channel_id=world.mention,
            options={"question": QUESTION, "public": True},
        )
        await public.wait_response()
        vague = await world.emu.invoke_slash(
            "ask", user_id=world.alice, channel_id=world.mention, options={"question": CHATTER}
        )
        await vague.wait_response()
    assert private.ephemeral and private.response_data["embeds"]
    assert not public.ephemeral and public.response_data["embeds"]
    assert public.response_data["allowed_mentions"] == {"parse": []}
    assert vague.ephemeral and vague.response_data["content"] == NOT_A_DISPUTE_QUESTION


async def test_public_ask_records_its_message_without_fetching_it(world: World) -> None:
    """The message id comes with the callback's reply; no `GET …/@original` after it."""
    async with running(world) as bot:
        public = await world.emu.invoke_slash(
            "ask",
            user_id=world.alice,
            channel_id=world.mention,
            options={"question": QUESTION, "public": True},
        )
        await public.wait_response()
        custom_ids = [
            c["custom_id"] for row in public.response_data["components"] for c in row["components"]
        ]
        answer_id = int(next(i for i in custom_ids if i.endswith(":up")).split(":")[2])
        stored = None
        for _ in range(100):
            stored = await bot.services.store.get_answer(answer_id)
            if stored is not None and stored.reply_message_id is not None:
                break
            await asyncio.sleep(0.01)
    assert public.original is not None
    assert stored is not None and stored.reply_message_id == public.original.id
    assert world.emu.requests_to("GET", r"/webhooks/\d+/[^/]+/messages/@original") == []


async def test_policy_autocomplete_and_answer(world: World) -> None:
    async with running(world):
        complete = await world.emu.invoke_autocomplete(
            "policy", "topic", "whatsap", user_id=world.alice, channel_id=world.mention
        )
        await complete.wait_response()
        everything = await world.emu.invoke_autocomplete(
            "policy", "topic", "", user_id=world.alice, channel_id=world.mention
        )
        await everything.wait_response()
        chosen = complete.choices[0]["value"]
        shown = await world.emu.invoke_slash(
            "policy", user_id=world.alice, channel_id=world.mention, options={"topic": chosen}
        )
        await shown.wait_response()
    assert complete.choices and complete.choices[0]["value"].startswith("off-platform-contact")
    assert 0 < len(everything.choices) <= 25
    assert all(len(c["name"]) <= 100 for c in everything.choices)
    assert shown.ephemeral and shown.response_data["embeds"][0]["title"]


async def test_topics_lists_every_topic(world: World) -> None:
    async with running(world):
        listed = await world.emu.invoke_slash(
            "topics", user_id=world.alice, channel_id=world.mention
        )
        await listed.wait_response()
    fields = listed.response_data["embeds"][0]["fields"]
    assert len(fields) == 18


async def test_find_policy_answer_context_menu(world: World) -> None:
    async with running(world):
        target = await world.emu.send_message(world.quiet, world.bob, QUESTION)
        menu = await world.emu.invoke_message_command(
            "Find policy answer", int(target["id"]), user_id=world.alice
        )
        await menu.wait_response()
    assert menu.ephemeral
    assert menu.response_data["embeds"][0]["footer"]["text"].startswith("Community guidance")


async def test_votes_are_stored_changeable_and_survive_a_restart(world: World) -> None:
    async with running(world) as bot:
        await world.emu.send_message(world.auto, world.alice, QUESTION)
        reply = await world.emu.wait_for_message(world.auto, timeout=5)
        ids = [c["custom_id"] for row in reply.body["components"] for c in row["components"]]
        up = next(i for i in ids if i.endswith(":up"))
        down = next(i for i in ids if i.endswith(":down"))
        answer_id = int(up.split(":")[2])
        first = await world.emu.click_button(reply.id, up, user_id=world.bob)
        await first.wait_response()
        again = await world.emu.click_button(reply.id, down, user_id=world.bob)
        await again.wait_response()
        assert await bot.services.store.vote_counts(answer_id) == (0, 1)
    async with running(world) as bot:
        after = await world.emu.click_button(reply.id, up, user_id=world.alice)
        await after.wait_response()
        assert await bot.services.store.vote_counts(answer_id) == (1, 1)
    assert first.ephemeral and "recorded" in first.response_data["content"]
    assert "changed" in again.response_data["content"]
    assert "👍 1 · 👎 1" in after.response_data["content"]


async def test_dismiss_by_asker_deletes_and_is_refused_for_others(world: World) -> None:
    async with running(world):
        await world.emu.send_message(world.auto, world.alice, QUESTION)
        reply = await world.emu.wait_for_message(world.auto, timeout=5)
        refused = await world.emu.click_button(
            reply.id, f"dispute:dismiss:{world.alice}", user_id=world.bob
        )
        await refused.wait_response()
        assert not world.emu.message(reply.id).deleted
        done = await world.emu.click_button(
            reply.id, f"dispute:dismiss:{world.alice}", user_id=world.alice
        )
        await done.wait_response()
        await world.emu.wait_until(lambda: world.emu.message(reply.id).deleted, timeout=3)
    assert refused.ephemeral and "Only the member who asked" in refused.response_data["content"]


async def test_user_and_topic_cooldowns(world: World) -> None:
    settings = replace(world.settings, user_cooldown_seconds=600, topic_cooldown_seconds=600)
    async with running(world, settings):
        await world.emu.send_message(world.auto, world.alice, QUESTION)
        await world.emu.wait_for_message(world.auto, timeout=5)
        await world.emu.send_message(world.auto, world.alice, "buyer asks for my whatsapp number")
        await world.emu.send_message(world.auto, world.bob, QUESTION)
        await world.emu.send_message(world.auto, world.bob, "buyer asks for my whatsapp number")
        await world.emu.wait_for_message(world.auto, timeout=5)
        await asyncio.sleep(0.3)
    replies = bot_messages(world, world.auto)
    assert len(replies) == 2
    assert "whatsapp" in json.dumps(replies[1].body["embeds"]).lower()


async def test_rate_limited_send_is_retried(world: World) -> None:
    async with running(world):
        world.emu.faults.add(
            "POST", rf"/channels/{world.auto}/messages", status=429, times=1, retry_after=0.1
        )
        await world.emu.send_message(world.auto, world.alice, QUESTION)
        await world.emu.wait_for_message(world.auto, timeout=5)
    posts = world.emu.requests_to("POST", rf"/channels/{world.auto}/messages")
    assert [r.status for r in posts] == [429, 200]
    assert posts[0].json == posts[1].json


# The last one is 100,000 characters of zalgo, right-to-left marks, zero-width
# characters, emoji, mentions and code fences: Discord would refuse it from a member,
# but the gateway is not to be trusted either.
LONG_HOSTILE = (
    "Z\u0338\u0322a\u0338l\u0335g\u0337o \u202eevil\u202c \u200b\u200d\ufeff "
    "\U0001f480\U0001f921 @everyone <@&1> ```x``` [free](https://evil.example) "
) * 1300


@pytest.mark.parametrize(
    "hostile",
    ["@everyone look", "<@&1> <@1> <#1> @here", "```\n" * 50, LONG_HOSTILE[:100_000]],
    ids=["everyone", "mentions", "fences", "100k-chars"],
)
async def test_hostile_questions_never_ping(world: World, hostile: str) -> None:
    async with running(world):
        await world.emu.send_message(
            world.mention,
            world.alice,
            f"<@{world.emu.bot_user_id}> {QUESTION} {hostile}",
            mention_user_ids=[world.emu.bot_user_id],
        )
        reply = await world.emu.wait_for_message(world.mention, timeout=5)
    assert reply.body["allowed_mentions"]["parse"] == []
    # The junk may leave the gate unsure (closest entries instead of an answer): either
    # way the reply stays within Discord's limits.
    assert len(reply.body.get("content") or "") <= 2000
    assert reply.body.get("embeds") or reply.body.get("content")
    for embed in reply.body.get("embeds", []):
        assert len(embed.get("description", "")) <= 4096
        assert sum(len(f["value"]) + len(f["name"]) for f in embed.get("fields", [])) <= 6000
    assert "https://evil.example" not in json.dumps(reply.body)
