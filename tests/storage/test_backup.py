"""Online backups: consistent while the bot and other connections keep writing."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from bot.storage import Store, VoteResult
from bot.storage.schema import latest_version

from .helpers import FakeClock, answer, assert_votes_consistent, open_store, raw, scalar

OTHER_WRITER_KIND = "policy"


def write_from_another_connection(path: Path, stop: threading.Event, written: list[int]) -> None:
    """Another process's writer: each transaction adds an answer together with its vote."""
    with raw(path) as conn:
        while not stop.is_set():
            conn.execute("BEGIN IMMEDIATE")
            cursor = conn.execute(
                "INSERT INTO answers (entry_ids, topics, confidence, kind, question, "
                "helpful, created_at) VALUES ('[\"x\"]', '[]', 0.5, ?, 'other writer', 1, 0)",
                (OTHER_WRITER_KIND,),
            )
            conn.execute(
                "INSERT INTO votes (answer_id, user_id, vote, voted_at) VALUES (?, 1, 1, 0)",
                (cursor.lastrowid,),
            )
            conn.execute("COMMIT")
            written.append(1)
            stop.wait(0.002)


async def test_backup_while_writing_is_complete_and_consistent(
    db_path: Path, clock: FakeClock, tmp_path: Path
) -> None:
    # The default busy timeout: the other writer really competes for the write lock.
    store = await open_store(db_path, clock, busy_timeout_ms=2000)
    stop_thread = threading.Event()
    written_by_thread: list[int] = []
    stop_task = asyncio.Event()
    bot_failures: list[object] = []

    async def bot_writes() -> None:
        n = 0
        while not stop_task.is_set():
            n += 1
            answer_id = await store.record_answer(answer(source_message_id=n))
            vote = await store.record_vote(answer_id, 7, 1) if isinstance(answer_id, int) else None
            if not isinstance(vote, VoteResult):
                bot_failures.append((answer_id, vote))
            await asyncio.sleep(0)

    thread = threading.Thread(
        target=write_from_another_connection, args=(db_path, stop_thread, written_by_thread)
    )
    thread.start()
    task = asyncio.create_task(bot_writes())
    try:
        backups = []
        for index in range(3):
            await asyncio.sleep(0.03)
            before = scalar(db_path, "SELECT COUNT(*) FROM answers")
            target = await store.backup_to(tmp_path / "backups" / f"copy-{index}.sqlite3")
            assert isinstance(target, Path)
            after = scalar(db_path, "SELECT COUNT(*) FROM answers")
            backups.append((target, before, after))
    finally:
        stop_task.set()
        stop_thread.set()
        await task
        thread.join()
        await store.close()

    assert bot_failures == []
    assert len(written_by_thread) > 0
    assert not list((tmp_path / "backups").glob(".*.partial"))
    for target, before, after in backups:
        with raw(target) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
            assert conn.execute("PRAGMA user_version").fetchone()[0] == latest_version()
            count = conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
            # Every answer the other connection wrote came with its vote (one transaction).
            orphaned = conn.execute(
                "SELECT COUNT(*) FROM answers a WHERE a.kind = ? AND NOT EXISTS "
                "(SELECT 1 FROM votes v WHERE v.answer_id = a.id)",
                (OTHER_WRITER_KIND,),
            ).fetchone()[0]
        assert before <= count <= after
        assert orphaned == 0
        assert_votes_consistent(target)
    assert_votes_consistent(db_path)


async def test_backup_can_be_opened_as_a_store(store: Store, tmp_path: Path) -> None:
    answer_id = await store.record_answer(answer(source_message_id=1))
    assert isinstance(answer_id, int)
    await store.record_vote(answer_id, 1, -1)
    await store.set_channel_mode(1, 10, "auto", actor_id=1)
    target = await store.backup_to(tmp_path / "nested" / "dir" / "backup.sqlite3")
    assert isinstance(target, Path)
    async with await Store.open(target) as restored:
        assert await restored.get_channel_mode(10) == "auto"
        assert await restored.vote_counts(answer_id) == (0, 1)
        assert await restored.was_answered(1) is True


async def test_backup_replaces_an_older_backup_and_ignores_its_stale_wal(
    store: Store, tmp_path: Path
) -> None:
    target = tmp_path / "backup.sqlite3"
    await store.set_meta("generation", "1")
    assert await store.backup_to(target) == target
    # A leftover WAL from having opened the old backup must not be replayed into the new one.
    Path(f"{target}-wal").write_bytes(b"stale wal contents" * 100)
    await store.set_meta("generation", "2")
    assert await store.backup_to(target) == target
    assert not Path(f"{target}-wal").exists()
    assert scalar(target, "SELECT value FROM meta WHERE key = 'generation'") == "2"
    assert scalar(target, "PRAGMA integrity_check") == "ok"
    assert not list(tmp_path.glob(".backup.sqlite3.partial*"))


async def test_backup_refuses_to_overwrite_the_live_database(store: Store, db_path: Path) -> None:
    await store.set_meta("k", "v")
    with pytest.raises(ValueError, match="cannot overwrite"):
        await store.backup_to(db_path)
    assert await store.get_meta("k") == "v"
