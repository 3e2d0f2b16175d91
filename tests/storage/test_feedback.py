"""Votes: one per user per answer, changeable, and never half-written."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.storage import UNAVAILABLE, Store, VoteResult

from .helpers import START, answer, assert_votes_consistent, fault_logs, raw, scalar


async def test_votes_are_counted_per_user(store: Store, db_path: Path) -> None:
    answer_id = await store.record_answer(answer())
    assert isinstance(answer_id, int)
    assert await store.record_vote(answer_id, 1, 1) == VoteResult(answer_id, 1, 1, None, 1, 0)
    assert await store.record_vote(answer_id, 2, 1) == VoteResult(answer_id, 2, 1, None, 2, 0)
    assert await store.record_vote(answer_id, 3, -1) == VoteResult(answer_id, 3, -1, None, 2, 1)
    assert await store.vote_counts(answer_id) == (2, 1)
    assert scalar(db_path, "SELECT COUNT(*) FROM votes") == 3
    assert_votes_consistent(db_path)


async def test_changing_a_vote_replaces_it(store: Store, db_path: Path) -> None:
    answer_id = await store.record_answer(answer())
    assert isinstance(answer_id, int)
    await store.record_vote(answer_id, 1, 1)
    changed = await store.record_vote(answer_id, 1, -1, at=START + 60)
    assert changed == VoteResult(answer_id, 1, -1, 1, 0, 1)
    assert isinstance(changed, VoteResult) and changed.changed
    with raw(db_path) as conn:
        assert conn.execute("SELECT user_id, vote, voted_at FROM votes").fetchall() == [
            (1, -1, START + 60)
        ]
    assert await store.vote_counts(answer_id) == (0, 1)
    assert_votes_consistent(db_path)


async def test_repeating_the_same_vote_changes_nothing(store: Store, db_path: Path) -> None:
    answer_id = await store.record_answer(answer())
    assert isinstance(answer_id, int)
    await store.record_vote(answer_id, 1, 1)
    again = await store.record_vote(answer_id, 1, 1)
    assert again == VoteResult(answer_id, 1, 1, 1, 1, 0)
    assert isinstance(again, VoteResult) and not again.changed
    assert await store.vote_counts(answer_id) == (1, 0)
    assert scalar(db_path, "SELECT COUNT(*) FROM votes") == 1


async def test_votes_on_different_answers_are_independent(store: Store) -> None:
    first = await store.record_answer(answer())
    second = await store.record_answer(answer())
    assert isinstance(first, int) and isinstance(second, int)
    await store.record_vote(first, 1, 1)
    await store.record_vote(second, 1, -1)
    assert await store.vote_counts(first) == (1, 0)
    assert await store.vote_counts(second) == (0, 1)


async def test_vote_on_unknown_answer_is_none_and_not_stored(store: Store, db_path: Path) -> None:
    assert await store.record_vote(404, 1, 1) is None
    assert scalar(db_path, "SELECT COUNT(*) FROM votes") == 0
    assert await store.vote_counts(404) == (0, 0)


async def test_a_vote_cast_on_another_message_than_the_answer_is_refused(
    store: Store, db_path: Path
) -> None:
    # After the database is recreated, a new answer can reuse the id carried by the
    # vote buttons of an old message; the message tells them apart.
    answer_id = await store.record_answer(answer(source_message_id=500))
    assert isinstance(answer_id, int)
    assert await store.record_vote(answer_id, 1, 1, message_id=600) is not None  # not posted yet
    assert await store.set_reply_message(answer_id, 600) is True
    assert await store.record_vote(answer_id, 2, 1, message_id=600) == VoteResult(
        answer_id, 2, 1, None, 2, 0
    )
    assert await store.record_vote(answer_id, 3, -1, message_id=999) is None
    assert await store.record_vote(answer_id, 4, -1) == VoteResult(answer_id, 4, -1, None, 2, 1)
    assert await store.vote_counts(answer_id) == (2, 1)
    assert scalar(db_path, "SELECT COUNT(*) FROM votes WHERE user_id = 3") == 0
    assert_votes_consistent(db_path)


@pytest.mark.parametrize("vote", [0, 2, -2, True])
async def test_only_plus_or_minus_one_is_a_vote(store: Store, vote: int) -> None:
    answer_id = await store.record_answer(answer())
    assert isinstance(answer_id, int)
    with pytest.raises(ValueError):
        await store.record_vote(answer_id, 1, vote)
    assert await store.vote_counts(answer_id) == (0, 0)


async def test_a_vote_failing_midway_leaves_no_trace(
    store: Store, db_path: Path, storage_log: pytest.LogCaptureFixture
) -> None:
    answer_id = await store.record_answer(answer())
    assert isinstance(answer_id, int)
    await store.record_vote(answer_id, 1, 1)
    # Make the counter update (which runs after the vote row is written) fail.
    with raw(db_path) as conn:
        conn.execute(
            "CREATE TRIGGER fail_counters BEFORE UPDATE OF helpful, not_helpful ON answers "
            "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
        )
    assert await store.record_vote(answer_id, 2, -1) is UNAVAILABLE
    assert await store.record_vote(answer_id, 1, -1) is UNAVAILABLE
    with raw(db_path) as conn:
        assert conn.execute("SELECT user_id, vote FROM votes").fetchall() == [(1, 1)]
        conn.execute("DROP TRIGGER fail_counters")
    assert_votes_consistent(db_path)
    assert fault_logs(storage_log) == ["other"]
    assert await store.record_vote(answer_id, 2, -1) == VoteResult(answer_id, 2, -1, None, 1, 1)
    assert_votes_consistent(db_path)
