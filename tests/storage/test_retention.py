"""Unanswered questions and the retention sweep (per-guild periods)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.storage import PurgeResult, Store, UnansweredQuestion

from .helpers import DAY, START, FakeClock, answer, raw


async def test_record_and_list_unanswered(store: Store) -> None:
    first = await store.record_unanswered(1, 10, 500, "Refund after 30 days?", None, 0.2)
    second = await store.record_unanswered(
        2, 20, 501, "Tip disputes?", "tips", 0.41, created_at=START + 5
    )
    third = await store.record_unanswered(1, 11, None, "Late review?", "reviews", 0.3, START + 9)
    assert all(isinstance(i, int) for i in (first, second, third))

    everything = await store.list_unanswered()
    assert isinstance(everything, list)
    assert [q.question for q in everything] == [
        "Refund after 30 days?",
        "Tip disputes?",
        "Late review?",
    ]
    assert isinstance(second, int)
    assert everything[1] == UnansweredQuestion(
        second, 2, 20, 501, "Tip disputes?", "tips", 0.41, START + 5
    )
    guild_one = await store.list_unanswered(1)
    assert [q.id for q in guild_one] == [first, third]  # type: ignore[union-attr]
    recent = await store.list_unanswered(None, START + 1)
    assert [q.id for q in recent] == [second, third]  # type: ignore[union-attr]
    assert [q.id for q in await store.list_unanswered(1, START + 1)] == [third]  # type: ignore[union-attr]
    assert [q.id for q in await store.list_unanswered(limit=1)] == [first]  # type: ignore[union-attr]


async def test_unanswered_confidence_and_question_are_checked(store: Store) -> None:
    with pytest.raises(ValueError):
        await store.record_unanswered(1, 10, 500, "q", None, float("inf"))
    with pytest.raises(ValueError):
        await store.record_unanswered(1, 10, 500, None, None, 0.5)  # type: ignore[arg-type]
    assert await store.list_unanswered() == []


async def seed_aged_rows(store: Store, clock: FakeClock) -> dict[str, int]:
    """For guilds 1 (retention 7 days), 2 (default) and no guild: rows 10 and 40 days old."""
    await store.set_guild_setting(1, "retention_days", 7, actor_id=1)
    ids: dict[str, int] = {}
    message_id = 5000
    for age in (40, 10):
        at = START - age * DAY
        for guild in (1, 2, None):
            tag = f"{guild}-{age}"
            answer_id = await store.record_answer(
                answer(guild_id=guild, question=f"q {tag}", created_at=at)
            )
            assert isinstance(answer_id, int)
            ids[tag] = answer_id
            await store.record_vote(answer_id, 1, 1, at=at)
            await store.record_correction(answer_id, 9, "right-entry", False, at=at)
            await store.record_unanswered(guild, 10, None, f"u {tag}", None, 0.1, at)
            message_id += 1
            await store.claim_message(message_id, guild_id=guild, at=at)
    return ids


async def test_purge_applies_each_guilds_retention(
    store: Store, clock: FakeClock, db_path: Path
) -> None:
    ids = await seed_aged_rows(store, clock)
    result = await store.purge_older_than(retention_days_default=30)
    # Guild 1 (7 days) loses both ages; guild 2 and no-guild (30 days) only the 40-day rows.
    assert result == PurgeResult(
        unanswered_deleted=4,
        handled_deleted=4,
        answer_questions_blanked=4,
        correction_questions_blanked=4,
    )
    remaining = await store.list_unanswered()
    assert sorted(q.question for q in remaining) == ["u 2-10", "u None-10"]  # type: ignore[union-attr]

    with raw(db_path) as conn:
        questions = dict(conn.execute("SELECT id, question FROM answers").fetchall())
        corrections = dict(conn.execute("SELECT answer_id, question FROM corrections").fetchall())
        handled_guilds = sorted(
            (row[0] or 0) for row in conn.execute("SELECT guild_id FROM handled_messages")
        )
        assert conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == 6
        assert conn.execute("SELECT COUNT(*) FROM votes").fetchone()[0] == 6
    kept = {"2-10", "None-10"}
    for tag, answer_id in ids.items():
        expected = f"q {tag}" if tag in kept else None
        assert questions[answer_id] == expected, tag
        assert corrections[answer_id] == expected, tag
    assert handled_guilds == [0, 2]
    # Stats survive retention.
    stored = await store.get_answer(ids["1-40"])
    assert stored.helpful == 1 and stored.entry_ids == ("cancel-after-delivery",)  # type: ignore[union-attr]


async def test_purge_is_idempotent_and_uses_the_clock(store: Store, clock: FakeClock) -> None:
    await seed_aged_rows(store, clock)
    await store.purge_older_than(30)
    assert await store.purge_older_than(30) == PurgeResult()
    clock.advance(25 * DAY)  # now the 10-day-old rows are 35 days old
    again = await store.purge_older_than(30)
    assert isinstance(again, PurgeResult)
    assert again.unanswered_deleted == 2 and again.answer_questions_blanked == 2


async def test_default_retention_must_be_positive(store: Store) -> None:
    with pytest.raises(ValueError):
        await store.purge_older_than(0)


async def test_answered_message_stays_unclaimable_after_its_claim_is_purged(
    store: Store, db_path: Path, clock: FakeClock
) -> None:
    old = START - 60 * DAY
    await store.claim_message(1200, guild_id=2, at=old)
    await store.record_answer(answer(guild_id=2, source_message_id=1200, created_at=old))
    await store.purge_older_than(30)
    with raw(db_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM handled_messages").fetchone()[0] == 0
    fresh_process = await Store.open(db_path, clock=clock)
    try:
        assert await fresh_process.claim_message(1200) is False
        assert await fresh_process.was_answered(1200) is True
    finally:
        await fresh_process.close()
