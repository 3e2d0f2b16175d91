"""`disputebot db backup/check/restore`: an online backup taken under writes, restored intact.

Follows deploy/README.md's restore procedure: check the backup, restore it into a
stopped bot's path (stale -wal/-shm removed), and open it the way the bot does.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.cli import main
from bot.cli.common import EXIT_FAILED, EXIT_USAGE
from bot.storage import AnswerRecord, Store
from bot.storage.database import sidecar_paths
from bot.storage.maintenance import inspect
from bot.storage.schema import latest_version


def record(n: int) -> AnswerRecord:
    return AnswerRecord(
        guild_id=1,
        channel_id=10,
        asker_id=100 + n,
        question=f"question {n}",
        entry_ids=["late-delivery"],
        topics=["delivery"],
        confidence=0.8,
        kind="auto",
        source_message_id=n,
    )


async def write_until(store: Store, stop: asyncio.Event, written: list[int]) -> None:
    """The bot's writes: one answer and one vote on it, numbered 1, 2, 3 ..."""
    while not stop.is_set():
        n = len(written) + 1
        answer_id = await store.record_answer(record(n))
        assert isinstance(answer_id, int)
        assert await store.record_vote(answer_id, 7, 1)
        written.append(answer_id)


def answers_and_votes(path: Path) -> tuple[list[int], int]:
    with sqlite3.connect(path) as conn:
        ids = [row[0] for row in conn.execute("SELECT source_message_id FROM answers ORDER BY id")]
        votes = conn.execute("SELECT count(*) FROM votes").fetchone()[0]
    conn.close()
    return ids, votes


async def test_backup_under_writes_restores_intact(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    live = tmp_path / "live" / "bot.sqlite3"
    store = await Store.open(live)
    stop, written = asyncio.Event(), []
    writer = asyncio.create_task(write_until(store, stop, written))
    while len(written) < 20:
        await asyncio.sleep(0.01)
    during = tmp_path / "backups" / "during.sqlite3"
    before = len(written)
    code = await asyncio.to_thread(main, ["db", "backup", str(during), "--database", str(live)])
    assert code == 0
    assert len(written) > before, "the bot kept writing while the backup ran"
    stop.set()
    await writer

    ids, votes = answers_and_votes(during)
    assert ids == list(range(1, len(ids) + 1)), "a snapshot: a prefix of the writes, no gaps"
    assert 20 <= len(ids) <= len(written) and votes in (len(ids) - 1, len(ids))

    after = tmp_path / "backups" / "after.sqlite3"
    assert await asyncio.to_thread(main, ["db", "backup", str(after), "--database", str(live)]) == 0
    assert answers_and_votes(after) == (list(range(1, len(written) + 1)), len(written))
    await store.close()
    out = capsys.readouterr().out
    assert f"backed up {live} -> {after}: integrity ok, schema {latest_version()}" in out

    restored = tmp_path / "restored" / "bot.sqlite3"
    assert main(["db", "check", str(after)]) == 0
    assert main(["db", "restore", str(after), "--to", str(restored)]) == 0
    assert inspect(restored).problems == ()
    reopened = await Store.open(restored)
    try:
        assert await reopened.vote_counts(len(written)) == (1, 0)
        assert reopened.health()["ok"] and reopened.health()["schema_version"] == latest_version()
    finally:
        await reopened.close()
    assert answers_and_votes(restored) == (list(range(1, len(written) + 1)), len(written))


async def test_restore_replaces_a_database_and_its_stale_wal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backup_source = tmp_path / "source.sqlite3"
    store = await Store.open(backup_source)
    await store.record_answer(record(1))
    await store.close()
    backup = tmp_path / "backup.sqlite3"
    backed_up = await asyncio.to_thread(
        main, ["db", "backup", str(backup), "--database", str(backup_source)]
    )
    assert backed_up == 0

    target = tmp_path / "bot.sqlite3"
    current = await Store.open(target)
    for n in range(2, 6):
        await current.record_answer(record(n))
    await current.close()
    wal, shm = sidecar_paths(target)
    wal.write_bytes(b"stale wal from a crashed process")
    shm.write_bytes(b"stale shm")

    assert main(["db", "restore", str(backup), "--to", str(target)]) == EXIT_USAGE
    assert "--replace" in capsys.readouterr().err
    assert main(["db", "restore", str(backup), "--to", str(target), "--replace"]) == 0
    assert not wal.exists() and not shm.exists()
    assert answers_and_votes(target) == ([1], 0)


def test_check_and_restore_refuse_a_damaged_backup(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    target = tmp_path / "bot.sqlite3"
    assert main(["db", "check", str(damaged)]) == EXIT_FAILED
    assert main(["db", "restore", str(damaged), "--to", str(target)]) == EXIT_FAILED
    err = capsys.readouterr().err
    assert err.count("disputebot: error: ") == 2 and "Traceback" not in err
    assert not target.exists()


def test_backup_of_a_missing_database_is_one_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nothing.sqlite3"
    code = main(["db", "backup", str(tmp_path / "b.sqlite3"), "--database", str(missing)])
    assert code == EXIT_FAILED
    assert capsys.readouterr().err == (
        f"disputebot: error: {missing} does not exist; is DISPUTEBOT_DATABASE_PATH right?\n"
    )
    assert not missing.exists()
