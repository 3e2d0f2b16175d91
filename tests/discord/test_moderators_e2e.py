"""End to end through the real discord.py client and the emulator: what moderators use."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import time
from dataclasses import replace
from pathlib import Path

import pytest

from bot.cli import main
from bot.discord_app.limits import quote_user_text
from bot.engine.knowledge.validation import validate_pack
from bot.storage.store import Store
from tests.conftest import SHIPPED_KNOWLEDGE
from tests.discord.harness import MANAGE_GUILD, World, running

QUESTION = "My buyer doesn't like the logo I delivered and wants a refund, it matches my gig"
DAY = 86_400.0
GAP = "how do I change the thumbnail size of my gig video"
MODERATOR_SLASH = (
    ("kb reload", {}),
    ("kb test", {"text": QUESTION}),
    ("kb gaps", {}),
    ("kb stats", {}),
    ("config show", {}),
    ("config threshold", {"value": 0.9}),
    ("config cooldowns", {"user_seconds": 1}),
    ("config retention", {"days": 2}),
    ("config escalation-clear", {}),
)


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    """A writable copy of the shipped knowledge, for reloads."""
    target = tmp_path / "knowledge"
    shutil.copytree(SHIPPED_KNOWLEDGE, target)
    return target


def edit(path: Path, old: str, new: str, count: int = -1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


async def followup_embed(itx) -> dict:
    """The embed of a deferred command's answer: its followup fills the "thinking" message."""
    await itx.wait_response()
    assert itx.deferred and itx.ephemeral
    (message,) = await itx.wait_followups(1, timeout=5)
    (sent,) = message.edits
    assert sent["allowed_mentions"] == {"parse": []}
    return message.payload["embeds"][0]


async def test_reload_reports_what_changed_and_is_recorded(world: World, knowledge: Path) -> None:
    async with running(world, replace(world.settings, knowledge_dir=knowledge)) as bot:
        warnings = knowledge / "fiverr" / "account-warning.yaml"
        edit(warnings, "account-warning-gig-removed", "account-warning-gig-denied")
        edit(knowledge / "fiverr" / "seller-stats.yaml", "    title: ", "    title: Updated ", 1)
        itx = await world.emu.invoke_slash("kb reload", user_id=world.mod, channel_id=world.mention)
        embed = await followup_embed(itx)
        history = await bot.services.store.list_reloads()
        assert bot.services.engine.kb.entry("account-warning-gig-denied") is not None
    assert embed["title"] == "Knowledge reloaded"
    assert embed["description"].startswith("42 entries: 1 added, 2 changed, 1 removed")
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields == {
        "Added": "`account-warning-gig-denied`",
        "Changed": "`account-warning`\n`seller-stats`",
        "Removed": "`account-warning-gig-removed`",
    }
    (record,) = history
    assert (record.actor_id, record.guild_id, record.ok) == (world.mod, world.guild, True)
    assert record.summary == "reloaded 42 entries: 1 added, 2 changed, 1 removed"


async def test_failed_reload_lists_located_errors_and_keeps_answering(
    world: World, knowledge: Path
) -> None:
    async with running(world, replace(world.settings, knowledge_dir=knowledge)) as bot:
        edit(knowledge / "fiverr" / "revisions.yaml", "    keywords:", "    keyword:", 1)
        itx = await world.emu.invoke_slash("kb reload", user_id=world.mod, channel_id=world.mention)
        embed = await followup_embed(itx)
        await world.emu.send_message(world.auto, world.alice, QUESTION)
        answer = await world.emu.wait_for_message(world.auto, timeout=5)
        history = await bot.services.store.list_reloads()
    assert embed["title"] == "Reload refused: the running knowledge is unchanged"
    lines = embed["description"].splitlines()
    assert any(
        re.match(
            r"`knowledge/fiverr/revisions\.yaml:\d+` · entry `revisions` · field `keyword`", line
        )
        for line in lines
    ), lines
    assert any("field `keywords`" in line for line in lines)
    assert answer.body["embeds"][0]["title"]
    (record,) = history
    assert not record.ok and record.actor_id == world.mod
    assert "first: knowledge/fiverr/revisions.yaml" in record.summary


async def test_many_reload_errors_are_trimmed_with_a_pointer_to_validate(
    world: World, knowledge: Path
) -> None:
    async with running(world, replace(world.settings, knowledge_dir=knowledge)):
        for path in sorted((knowledge / "fiverr").glob("*.yaml")):
            if path.name != "pack.yaml":
                edit(path, "    caveats:", "    caveat:")
        itx = await world.emu.invoke_slash("kb reload", user_id=world.mod, channel_id=world.mention)
        embed = await followup_embed(itx)
    errors = len(validate_pack(knowledge, "fiverr").errors)
    assert errors > 80
    assert len(embed["description"]) <= 4096
    *shown, last = embed["description"].splitlines()
    more = re.fullmatch(r"…and (\d+) more; run `disputebot kb validate` for the full list", last)
    assert more is not None
    assert len(shown) + int(more[1]) == errors
    assert embed["footer"]["text"].startswith(f"{errors} error(s).")


async def recorded_reloads(bot, count: int) -> list:
    """The reload history once it holds ``count`` records (the watcher works in the background)."""
    for _ in range(1000):
        history = await bot.services.store.list_reloads()
        if len(history) >= count:
            return history
        await asyncio.sleep(0.01)
    raise AssertionError(f"fewer than {count} reloads were recorded")


async def test_watcher_reloads_settled_edits_and_refuses_broken_ones(
    world: World, knowledge: Path
) -> None:
    settings = replace(
        world.settings, knowledge_dir=knowledge, watch_knowledge=True, watch_interval_seconds=0.02
    )
    async with running(world, settings) as bot:
        warnings = knowledge / "fiverr" / "account-warning.yaml"
        edit(warnings, "account-warning-gig-removed", "account-warning-gig-denied")
        first = await recorded_reloads(bot, 1)
        edit(knowledge / "fiverr" / "revisions.yaml", "    keywords:", "    keyword:", 1)
        newest, older = await recorded_reloads(bot, 2)
        await world.emu.send_message(world.auto, world.alice, QUESTION)
        answer = await world.emu.wait_for_message(world.auto, timeout=5)
        assert bot.services.engine.kb.entry("account-warning-gig-denied") is not None
    assert first == [older]
    assert (older.actor_id, older.ok) == (None, True)
    assert older.summary == "reloaded 42 entries: 1 added, 1 changed, 1 removed"
    assert (newest.actor_id, newest.ok) == (None, False)
    assert "first: knowledge/fiverr/revisions.yaml" in newest.summary
    assert answer.body["embeds"]


async def test_kb_test_explains_the_match(world: World, shipped_engine) -> None:
    async with running(world):
        itx = await world.emu.invoke_slash(
            "kb test",
            user_id=world.mod,
            channel_id=world.mention,
            options={"text": f"@everyone **look** {QUESTION}"},
        )
        await itx.wait_response()
        silent = await world.emu.invoke_slash(
            "kb test", user_id=world.mod, channel_id=world.mention, options={"text": GAP}
        )
        await silent.wait_response()
    assert itx.ephemeral and itx.response_data["allowed_mentions"] == {"parse": []}
    embed = itx.response_data["embeds"][0]
    assert "\\*\\*look\\*\\*" in embed["description"] and "@\u200beveryone" in embed["description"]
    assert (
        "**Yes.** Confidence" in embed["description"]
        and f"threshold {shipped_engine.matcher.ranker.threshold:.2f}" in embed["description"]
    )
    assert "calibrated probability that the first topic is right" in embed["description"]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    first = fields["Ranked entries"].splitlines()[0]
    assert re.match(
        r"1\. \*\*.+\*\* \(`quality-cancellation[a-z-]*`, quality-cancellation\): "
        r"score 0\.\d\d, similarity 0\.\d{3}",
        first,
    )
    assert "`refund`" in fields["Words that mattered"]
    assert fields["Closest phrasing in the entry"]
    assert fields["Risks"] == "none"
    assert "**No.** Confidence" in silent.response_data["embeds"][0]["description"]


async def test_gaps_group_unanswered_questions(world: World) -> None:
    bot_id = world.emu.bot_user_id
    async with running(world):
        for author, text in (
            (world.alice, GAP),
            (world.bob, "How can I change the thumbnail size of the gig video?"),
            (world.alice, "change thumbnail size gig video how"),
            (world.bob, "what is the best font for a gig banner"),
        ):
            await world.emu.send_message(
                world.mention, author, f"<@{bot_id}> {text}", mention_user_ids=[bot_id]
            )
            await world.emu.wait_for_message(world.mention, timeout=5)
        itx = await world.emu.invoke_slash("kb gaps", user_id=world.mod, channel_id=world.mention)
        embed = await followup_embed(itx)
    lines = embed["description"].splitlines()
    assert lines[0] == "4 question(s) in 2 group(s), biggest first."
    assert lines[2].startswith(f"**3×** “{GAP}”")
    assert lines[4].startswith("**1×** “what is the best font for a gig banner”")
    assert "best guess:" in lines[3]
    assert "disputebot gaps export --days 30" in embed["footer"]["text"]


async def test_stats_show_use_votes_channels_and_stale_entries(
    world: World, knowledge: Path
) -> None:
    edit(knowledge / "fiverr" / "revisions.yaml", "reviewed: 2026-11-27", "reviewed: 2020-01-02", 1)
    async with running(world, replace(world.settings, knowledge_dir=knowledge)):
        await world.emu.send_message(world.auto, world.alice, QUESTION)
        answer = await world.emu.wait_for_message(world.auto, timeout=5)
        ids = [c["custom_id"] for row in answer.body["components"] for c in row["components"]]
        down = next(i for i in ids if i.endswith(":down"))
        vote = await world.emu.click_button(answer.id, down, user_id=world.bob)
        await vote.wait_response()
        itx = await world.emu.invoke_slash(
            "kb stats", user_id=world.mod, channel_id=world.mention, options={"days": 7}
        )
        embed = await followup_embed(itx)
    assert embed["title"] == "Knowledge use, last 7 day(s)"
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    cited = fields["Answers per entry"].splitlines()
    assert cited and all(re.fullmatch(r"`[a-z0-9-]+`: 1", line) for line in cited), cited
    assert "👍 0 · 👎 1 (0% helpful)" in fields["Helpful ratio"]
    assert fields["Most disliked"] == fields["Helpful ratio"]
    assert fields["Answers per channel"] == f"<#{world.auto}>: 1"
    stale = fields["Stale entries (reviewed more than 365 days ago)"]
    assert stale == "`revisions`: reviewed 2020-01-02 (knowledge/fiverr/revisions.yaml)"


async def test_moderator_commands_are_hidden_and_refused_for_members(world: World) -> None:
    async with running(world) as bot:
        before = await bot.services.store.list_config_changes(world.guild)
        await world.emu.send_message(world.auto, world.alice, QUESTION)
        answer = await world.emu.wait_for_message(world.auto, timeout=5)
        commands = {c["name"]: c for c in world.emu.synced_commands()}
        hidden = ("kb", "config", "Correct this answer")
        for name in hidden:
            assert commands[name]["default_member_permissions"] == str(MANAGE_GUILD)
        for name, options in MODERATOR_SLASH:
            with pytest.raises(PermissionError):
                await world.emu.invoke_slash(
                    name, user_id=world.alice, channel_id=world.mention, options=options
                )
        with pytest.raises(PermissionError):
            await world.emu.invoke_message_command(
                "Correct this answer", answer.id, user_id=world.alice
            )
        # A server admin can let everyone see a command (Integrations settings); the bot
        # still refuses. The emulator has no overrides, so clear the default it enforces.
        for name in hidden:
            commands[name]["default_member_permissions"] = None
        refusals = []
        for name, options in MODERATOR_SLASH:
            itx = await world.emu.invoke_slash(
                name, user_id=world.alice, channel_id=world.mention, options=options
            )
            refusals.append(await itx.wait_response())
        menu = await world.emu.invoke_message_command(
            "Correct this answer", answer.id, user_id=world.alice
        )
        refusals.append(await menu.wait_response())
        history = await bot.services.store.list_reloads()
        changes = await bot.services.store.list_config_changes(world.guild)
        corrections = await bot.services.store.list_corrections()
    for itx in refusals:
        assert itx.ephemeral
        assert itx.response_data["content"].startswith("Only moderators (Manage Server")
        assert "Nothing was changed" in itx.response_data["content"]
    assert history == []
    assert changes == before
    assert corrections == []


async def test_a_correction_is_stored_and_exported_as_a_regression_case(
    world: World, tmp_path: Path
) -> None:
    async def correct(answer, choice: str) -> tuple:
        menu = await world.emu.invoke_message_command(
            "Correct this answer", answer.id, user_id=world.mod
        )
        await menu.wait_response()
        (offer,) = await menu.wait_followups(1, timeout=5)
        select = offer.payload["components"][0]["components"][0]
        picked = await world.emu.choose_select(
            offer.id, select["custom_id"], [choice], user_id=world.mod
        )
        await picked.wait_response()
        return offer, select, picked

    async with running(world) as bot:
        question = await world.emu.send_message(world.auto, world.alice, QUESTION)
        first = await world.emu.wait_for_message(world.auto, timeout=5)
        await world.emu.send_message(world.auto, world.bob, "buyer asks for my whatsapp number")
        second = await world.emu.wait_for_message(world.auto, timeout=5)
        offer, select, picked = await correct(first, "work-ownership")
        _, _, silenced = await correct(second, "__none__")
        stranger = await world.emu.invoke_message_command(
            "Correct this answer", int(question["id"]), user_id=world.mod
        )
        await stranger.wait_response()
        corrections = await bot.services.store.list_corrections()
        out = tmp_path / "regressions.jsonl"
        code = await asyncio.to_thread(
            main,
            [
                "feedback",
                "export",
                "--db",
                str(world.settings.database_path),
                "--knowledge",
                str(SHIPPED_KNOWLEDGE),
                "-o",
                str(out),
            ],
        )
    assert offer.ephemeral
    assert offer.payload["content"].startswith(f"> {quote_user_text(QUESTION)}\nI cited `")
    values = [o["value"] for o in select["options"]]
    assert values[0] == "__none__" and len(values) == 25 and len(set(values)) == 25
    assert values[1].startswith("quality-cancellation")
    assert picked.ephemeral and "should have answered with `work-ownership`" in picked.content
    assert silenced.ephemeral and "should not have answered" in silenced.content
    assert "not one of my recorded answers" in stranger.response_data["content"]
    assert [(c.correct_entry_id, c.should_not_answer, c.moderator_id) for c in corrections] == [
        ("work-ownership", False, world.mod),
        (None, True, world.mod),
    ]
    assert code == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["text"], r["topics"]) for r in rows] == [
        (QUESTION, ["work-ownership"]),
        ("buyer asks for my whatsapp number", []),
    ]


async def unanswered_count(bot, count: int) -> list:
    """The unanswered log once it holds ``count`` questions."""
    for _ in range(1000):
        rows = await bot.services.store.list_unanswered()
        if len(rows) >= count:
            return rows
        await asyncio.sleep(0.01)
    raise AssertionError(f"fewer than {count} unanswered questions were recorded")


async def test_config_changes_are_audited_and_apply_to_the_next_message(world: World) -> None:
    async def config(name: str, **options: object) -> str:
        itx = await world.emu.invoke_slash(
            f"config {name}", user_id=world.mod, channel_id=world.mention, options=options
        )
        await itx.wait_response()
        assert itx.ephemeral and itx.response_data["allowed_mentions"] == {"parse": []}
        return itx.response_data["content"]

    async with running(world) as bot:
        moved = await config("channel", channel=world.mention, mode="auto")
        await world.emu.send_message(world.mention, world.alice, QUESTION)
        answered = await world.emu.wait_for_message(world.mention, timeout=5)
        strict = await config("threshold", value=1.0)
        await world.emu.send_message(world.auto, world.bob, QUESTION)
        (skipped,) = await unanswered_count(bot, 1)
        cooled = await config("cooldowns", user_seconds=5, topic_seconds=60)
        kept = await config("retention", days=14)
        show = await world.emu.invoke_slash(
            "config show", user_id=world.mod, channel_id=world.mention
        )
        shown = await followup_embed(show)
        changes = await bot.services.store.list_config_changes(world.guild)
    assert (
        moved == f"Mode of <#{world.mention}>: mention → **auto**\nApplies from the next message."
    )
    assert answered.body["embeds"]
    assert strict.startswith("Answer threshold: not set → **1.0**")
    assert skipped.question == QUESTION and skipped.confidence < 1.0
    assert bot_messages(world, world.auto) == []
    assert cooled.splitlines()[:2] == [
        "User cooldown (seconds): not set → **5**",
        "Topic cooldown (seconds): not set → **60**",
    ]
    assert kept.startswith("Retention (days): not set → **14**")
    audit = [(c.actor_id, c.key, c.old_value, c.new_value) for c in reversed(changes)]
    assert audit[-5:] == [
        (world.mod, f"channel_mode:{world.mention}", None, "auto"),
        (world.mod, "answer_threshold", None, "1.0"),
        (world.mod, "user_cooldown_s", None, "5"),
        (world.mod, "topic_cooldown_s", None, "60"),
        (world.mod, "retention_days", None, "14"),
    ]
    fields = {f["name"]: f["value"] for f in shown["fields"]}
    assert "Answer threshold: **1.00** (this server)" in fields["Answering"]
    assert "Retention: **14 days** (this server)" in fields["Answering"]
    assert f"<#{world.mention}>: **auto**" in fields["Channel modes"]
    assert f"<@{world.mod}> Retention (days): not set → 14" in fields["Recent changes"]


def bot_messages(world: World, channel: int) -> list:
    return [m for m in world.emu.channel_messages(channel) if m.author_id == world.emu.bot_user_id]


async def test_escalation_role_is_pinged_only_through_its_button(world: World) -> None:
    async def config(name: str, **options: object) -> str:
        itx = await world.emu.invoke_slash(
            f"config {name}", user_id=world.mod, channel_id=world.mention, options=options
        )
        await itx.wait_response()
        return itx.response_data["content"]

    async with running(world) as bot:
        everyone = await config("escalation-role", role=world.guild)
        chosen = await config("escalation-role", role=world.helpers_role)
        await world.emu.send_message(world.auto, world.alice, QUESTION)
        answer = await world.emu.wait_for_message(world.auto, timeout=5)
        ids = [c["custom_id"] for row in answer.body["components"] for c in row["components"]]
        escalate = next(i for i in ids if i.startswith("dispute:escalate:"))
        click = await world.emu.click_button(answer.id, escalate, user_id=world.alice)
        await click.wait_response()
        ping = await world.emu.wait_for_message(world.auto, timeout=5)
        cleared = await config("escalation-clear")
        await world.emu.send_message(world.auto, world.bob, "buyer asks for my whatsapp number")
        later = await world.emu.wait_for_message(world.auto, timeout=5)
        settings = await bot.services.store.get_guild_settings(world.guild)
    assert everyone.startswith("Choose a normal role") and "Nothing changed" in everyone
    assert chosen.startswith(f"Escalation role: not set → **<@&{world.helpers_role}>**")
    assert answer.body["allowed_mentions"] == {"parse": [], "replied_user": False}
    assert ping.body["content"].startswith(f"<@&{world.helpers_role}> <@{world.alice}>")
    mentions = ping.body["allowed_mentions"]
    assert mentions["parse"] == [] and mentions["roles"] == [world.helpers_role]
    assert not mentions.get("users") and not mentions.get("replied_user")
    assert click.ephemeral and "moderator has been asked" in click.response_data["content"]
    assert cleared.startswith(f"Escalation role: <@&{world.helpers_role}> → **not set**")
    later_ids = [c["custom_id"] for row in later.body["components"] for c in row["components"]]
    assert not any(i.startswith("dispute:escalate:") for i in later_ids)
    assert settings.escalation_role_id is None


async def test_retention_sweep_deletes_old_questions_when_the_bot_starts(world: World) -> None:
    now = time.time()
    async with await Store.open(world.settings.database_path) as store:
        await store.record_unanswered(
            world.guild, world.auto, 1, "old question", None, 0.3, now - 40 * DAY
        )
        await store.record_unanswered(
            world.guild, world.auto, 2, "new question", None, 0.3, now - DAY
        )
    async with running(world) as bot:
        for _ in range(1000):
            rows = await bot.services.store.list_unanswered()
            if len(rows) == 1:
                break
            await asyncio.sleep(0.01)
    assert [r.question for r in rows] == ["new question"]
