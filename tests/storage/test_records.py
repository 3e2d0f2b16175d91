"""Corrections, the reload log and meta values."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.storage import Correction, ReloadRecord, Store

from .helpers import START, FakeClock, answer, scalar


async def test_correction_copies_question_and_original_entries(store: Store) -> None:
    answer_id = await store.record_answer(
        answer(guild_id=3, question="Is a tip refundable?", entry_ids=["tips", "refunds"])
    )
    assert isinstance(answer_id, int)
    correction_id = await store.record_correction(answer_id, 77, "tips-refunds", False)
    assert isinstance(correction_id, int)
    assert await store.list_corrections() == [
        Correction(
            id=correction_id,
            answer_id=answer_id,
            guild_id=3,
            moderator_id=77,
            question="Is a tip refundable?",
            original_entry_ids=("tips", "refunds"),
            correct_entry_id="tips-refunds",
            should_not_answer=False,
            created_at=START,
        )
    ]


async def test_should_not_answer_correction_and_since_filter(
    store: Store, clock: FakeClock
) -> None:
    answer_id = await store.record_answer(answer())
    assert isinstance(answer_id, int)
    first = await store.record_correction(answer_id, 77, None, True)
    clock.advance(100)
    second = await store.record_correction(answer_id, 78, "other-entry", False)
    listed = await store.list_corrections()
    assert [c.id for c in listed] == [first, second]  # type: ignore[union-attr]
    assert listed[0].should_not_answer is True and listed[0].correct_entry_id is None  # type: ignore[index]
    later = await store.list_corrections(since=START + 50)
    assert [c.id for c in later] == [second]  # type: ignore[union-attr]


async def test_correction_of_unknown_answer_is_none(store: Store, db_path: Path) -> None:
    assert await store.record_correction(404, 77, None, True) is None
    assert scalar(db_path, "SELECT COUNT(*) FROM corrections") == 0


async def test_reload_log_is_newest_first_and_limited(store: Store, clock: FakeClock) -> None:
    first = await store.record_reload(None, None, True, "startup: 41 entries")
    clock.advance(1)
    second = await store.record_reload(1, 7, False, "faq.yaml:12: missing 'answer'")
    clock.advance(1)
    third = await store.record_reload(1, 7, True, "41 entries")
    reloads = await store.list_reloads()
    assert reloads == [
        ReloadRecord(third, 1, 7, True, "41 entries", START + 2),  # type: ignore[arg-type]
        ReloadRecord(second, 1, 7, False, "faq.yaml:12: missing 'answer'", START + 1),  # type: ignore[arg-type]
        ReloadRecord(first, None, None, True, "startup: 41 entries", START),  # type: ignore[arg-type]
    ]
    assert [r.id for r in await store.list_reloads(limit=1)] == [third]  # type: ignore[union-attr]


async def test_text_fields_are_checked(store: Store) -> None:
    with pytest.raises(ValueError):
        await store.record_reload(None, None, True, None)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        await store.set_meta("command_tree_hash", 123)  # type: ignore[arg-type]
    assert await store.list_reloads() == []
    assert await store.get_meta("command_tree_hash") is None


async def test_meta_values(store: Store) -> None:
    assert await store.get_meta("command_tree_hash") is None
    assert await store.set_meta("command_tree_hash", "abc") is True
    assert await store.set_meta("command_tree_hash", "def") is True
    assert await store.get_meta("command_tree_hash") == "def"
    assert await store.get_meta("other") is None
