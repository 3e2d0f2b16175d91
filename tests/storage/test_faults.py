"""Storage faults: nothing escapes, each kind is logged once, and the store recovers.

Every scenario checks the same things: no exception reaches the caller however many
calls are made, each fault kind is logged once per outage, the recovery is logged
once when the fault clears, and votes are never half-written.
"""

from __future__ import annotations

import inspect
import os
import shutil
import time
from pathlib import Path

import pytest

from bot.storage import UNAVAILABLE, GuildSettings, Store, VoteResult, database
from bot.storage.monitor import DEFAULT_RELOG_INTERVAL_S

from .faults_support import (
    CLAIMS,
    DECISION_READS,
    REPORT_READS,
    WRITES,
    assert_everything_failed_softly,
    assert_writes_failed_reads_worked,
    call_every_method,
    locked_by_other_process,
    seed,
)
from .helpers import (
    FakeClock,
    answer,
    assert_votes_consistent,
    fault_logs,
    made_read_only,
    open_store,
    raw,
    recovery_logs,
    scalar,
)

ROUNDS = 2


def test_every_public_operation_is_exercised_by_the_fault_tests() -> None:
    public = {
        name
        for name, _member in inspect.getmembers(Store, inspect.iscoroutinefunction)
        if not name.startswith("_")
    }
    assert public - {"open", "close"} == WRITES | DECISION_READS | CLAIMS | REPORT_READS


async def test_read_only_file_serves_reads_and_fails_writes_softly(
    db_path: Path,
    clock: FakeClock,
    tmp_path: Path,
    storage_log: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with await open_store(db_path, clock) as store:
        answer_id = await seed(store)
    # Simulate a file the process may only read. Tests often run as root, for whom
    # chmod 0o444 changes nothing, so the store is made to open it as SQLite does when
    # it lacks write permission: a read-only (mode=ro) connection. The chmod variant
    # below covers the real thing for non-root runs.
    real_uri = database.sqlite_uri
    monkeypatch.setattr(database, "sqlite_uri", lambda path: f"{path.absolute().as_uri()}?mode=ro")

    async with await open_store(db_path, clock) as store:
        for _ in range(ROUNDS):
            assert_writes_failed_reads_worked(
                await call_every_method(store, answer_id, tmp_path), answer_id
            )
        assert fault_logs(storage_log) == ["read-only"]
        assert recovery_logs(storage_log) == 0
        health = store.health()
        assert health["ok"] is False and health["fault"] == "read-only"
        assert health["faults_seen"]["read-only"] >= ROUNDS * len(WRITES)
        assert scalar(db_path, "SELECT COUNT(*) FROM votes") == 1
        assert_votes_consistent(db_path)

        monkeypatch.setattr(database, "sqlite_uri", real_uri)  # permissions fixed
        vote = await store.record_vote(answer_id, 2, -1)
        assert vote == VoteResult(answer_id, 2, -1, None, 1, 1)
        assert recovery_logs(storage_log) == 1
        assert store.health()["ok"] is True
        await call_every_method(store, answer_id, tmp_path)
        assert fault_logs(storage_log) == ["read-only"]
        assert recovery_logs(storage_log) == 1
    assert_votes_consistent(db_path)


async def test_read_only_file_recovers_when_writable_again(
    db_path: Path, clock: FakeClock, tmp_path: Path, storage_log: pytest.LogCaptureFixture
) -> None:
    """A really read-only file, also as root: chmod 444, or chattr +i where modes are ignored."""
    async with await open_store(db_path, clock) as store:
        answer_id = await seed(store)
    with made_read_only(db_path) as make_writable:
        async with await open_store(db_path, clock) as store:
            for _ in range(ROUNDS):
                assert_writes_failed_reads_worked(
                    await call_every_method(store, answer_id, tmp_path), answer_id
                )
            assert fault_logs(storage_log) == ["read-only"]
            make_writable()
            assert isinstance(await store.record_vote(answer_id, 2, -1), VoteResult)
            assert recovery_logs(storage_log) == 1
    assert_votes_consistent(db_path)


async def test_locked_database_waits_then_fails_writes_softly(
    db_path: Path, clock: FakeClock, tmp_path: Path, storage_log: pytest.LogCaptureFixture
) -> None:
    async with await open_store(db_path, clock, busy_timeout_ms=10) as store:
        answer_id = await seed(store)
        with locked_by_other_process(db_path):
            started = time.monotonic()
            assert await store.record_vote(answer_id, 2, -1) is UNAVAILABLE
            assert time.monotonic() - started >= 0.009  # the busy timeout was waited out
            for _ in range(ROUNDS):
                assert_writes_failed_reads_worked(
                    await call_every_method(store, answer_id, tmp_path), answer_id
                )
            assert fault_logs(storage_log) == ["locked"]
            assert store.health()["fault"] == "locked"
            assert_votes_consistent(db_path)
            assert scalar(db_path, "SELECT COUNT(*) FROM votes") == 1

        assert await store.record_vote(answer_id, 2, -1) == VoteResult(answer_id, 2, -1, None, 1, 1)
        assert recovery_logs(storage_log) == 1
        assert store.health()["ok"] is True

        # An outage right after the last one is flapping: counted, but not logged again.
        with locked_by_other_process(db_path):
            for _ in range(ROUNDS):
                assert await store.set_meta("k", "v") is UNAVAILABLE
            assert store.health()["fault"] == "locked"
        assert await store.set_meta("k", "v") is True
        assert fault_logs(storage_log) == ["locked"]
        assert recovery_logs(storage_log) == 1

        # Once the re-log interval has passed, a new outage is logged again, once.
        clock.advance(DEFAULT_RELOG_INTERVAL_S)
        with locked_by_other_process(db_path):
            for _ in range(ROUNDS):
                assert await store.set_meta("k", "v") is UNAVAILABLE
        assert await store.set_meta("k", "v") is True
        assert fault_logs(storage_log) == ["locked", "locked"]
        assert recovery_logs(storage_log) == 2
    assert_votes_consistent(db_path)


async def test_a_lock_is_waited_on_once_per_outage_not_once_per_operation(
    db_path: Path, clock: FakeClock, storage_log: pytest.LogCaptureFixture
) -> None:
    # Every message costs several writes, all serialised: if each waited the busy
    # timeout, a lock held for minutes would hold every answer up by seconds.
    async with await open_store(db_path, clock, busy_timeout_ms=200) as store:
        answer_id = await seed(store)
        db = store.database
        assert db is not None

        async def busy_timeout() -> object:
            row = await db.fetch_one("PRAGMA busy_timeout")
            return row[0] if row is not None else None

        assert await busy_timeout() == 200
        with locked_by_other_process(db_path):
            assert await store.record_vote(answer_id, 2, -1) is UNAVAILABLE  # waited 200 ms
            assert await busy_timeout() == 0  # later operations try once and fail at once
            for n in range(ROUNDS):
                assert await store.set_meta("k", "v") is UNAVAILABLE
                assert await store.claim_message(90_000 + n) is True  # decided in memory
            assert await store.get_channel_mode(10) == "auto"  # reads still work (WAL)
            assert await busy_timeout() == 0  # a read does not end a write outage
            assert_votes_consistent(db_path)

        assert await store.record_vote(answer_id, 2, -1) == VoteResult(answer_id, 2, -1, None, 1, 1)
        assert await busy_timeout() == 200  # brief locks are waited out again
        assert fault_logs(storage_log) == ["locked"]
        assert recovery_logs(storage_log) == 1
    assert_votes_consistent(db_path)


async def test_corrupt_file_at_startup_fails_softly_until_replaced(
    db_path: Path, clock: FakeClock, tmp_path: Path, storage_log: pytest.LogCaptureFixture
) -> None:
    async with await open_store(db_path, clock) as store:
        answer_id = await seed(store)
    good_copy = tmp_path / "good.sqlite3"
    shutil.copyfile(db_path, good_copy)
    with db_path.open("r+b") as handle:
        handle.write(os.urandom(100))  # garbage over the header

    async with await open_store(db_path, clock) as store:
        assert store.health()["ok"] is False
        for _ in range(ROUNDS):
            assert_everything_failed_softly(await call_every_method(store, answer_id, tmp_path))
        assert fault_logs(storage_log) == ["corrupt"]
        health = store.health()
        assert health["fault"] == "corrupt"
        assert health["failed_operations"] == ROUNDS * len(
            WRITES | DECISION_READS | CLAIMS | REPORT_READS
        )
        assert store.database is None

        os.replace(good_copy, db_path)  # the operator restores a good copy
        assert await store.get_channel_mode(10) == "auto"
        assert await store.record_vote(answer_id, 2, -1) == VoteResult(answer_id, 2, -1, None, 1, 1)
        assert recovery_logs(storage_log) == 1
        assert store.health()["ok"] is True
    assert fault_logs(storage_log) == ["corrupt"]
    assert_votes_consistent(db_path)


async def test_file_corrupted_in_place_while_running_recovers_after_repair(
    store: Store, db_path: Path, tmp_path: Path, storage_log: pytest.LogCaptureFixture
) -> None:
    answer_id = await seed(store)
    db = store.database
    assert db is not None
    await db.fetch_all("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the main file
    with db_path.open("r+b") as handle:
        header = handle.read(100)
        handle.seek(0)
        handle.write(os.urandom(100))
    # SQLite serves an open connection from its page cache; drop it as memory pressure
    # would, so the next read goes to the (now damaged) file.
    await db.fetch_all("PRAGMA shrink_memory")

    for _ in range(ROUNDS):
        assert_everything_failed_softly(await call_every_method(store, answer_id, tmp_path))
    assert fault_logs(storage_log) == ["corrupt"]
    assert recovery_logs(storage_log) == 0

    with db_path.open("r+b") as handle:
        handle.write(header)  # repaired in place
    assert await store.record_vote(answer_id, 2, -1) == VoteResult(answer_id, 2, -1, None, 1, 1)
    assert recovery_logs(storage_log) == 1
    assert await store.get_channel_mode(10) == "auto"
    assert store.health()["ok"] is True
    assert_votes_consistent(db_path)
    assert scalar(db_path, "PRAGMA integrity_check") == "ok"


async def test_file_replaced_by_garbage_while_running(
    store: Store, db_path: Path, tmp_path: Path, storage_log: pytest.LogCaptureFixture
) -> None:
    answer_id = await seed(store)
    backup = await store.backup_to(tmp_path / "backups" / "good.sqlite3")
    assert isinstance(backup, Path)
    garbage = tmp_path / "garbage"
    garbage.write_bytes(os.urandom(8192))
    os.replace(garbage, db_path)

    for _ in range(ROUNDS):
        assert_everything_failed_softly(await call_every_method(store, answer_id, tmp_path))
    assert fault_logs(storage_log) == ["corrupt"]

    os.replace(backup, db_path)
    assert await store.get_answer(answer_id) is not None
    assert isinstance(await store.record_vote(answer_id, 2, -1), VoteResult)
    assert recovery_logs(storage_log) == 1
    assert_votes_consistent(db_path)


async def test_full_database_fails_softly_and_recovers_when_space_is_freed(
    db_path: Path, clock: FakeClock, tmp_path: Path, storage_log: pytest.LogCaptureFixture
) -> None:
    # Small pages so that the votes table fills up after a few dozen votes.
    db_path.parent.mkdir(parents=True)
    with raw(db_path) as conn:
        conn.execute("PRAGMA page_size = 512")
        conn.execute("VACUUM")
    store = await open_store(db_path, clock)
    try:
        answer_id = await seed(store)
        db = store.database
        assert db is not None
        assert (await db.fetch_one("PRAGMA page_size"))[0] == 512  # type: ignore[index]
        pages = await db.fetch_one("PRAGMA page_count")
        assert pages is not None
        await db.fetch_all(f"PRAGMA max_page_count = {pages[0]}")  # no room to grow

        big_question = "x" * 20_000  # needs new overflow pages
        for _ in range(ROUNDS * 3):
            assert await store.record_answer(answer(question=big_question)) is UNAVAILABLE
        assert fault_logs(storage_log) == ["full"]
        assert recovery_logs(storage_log) == 0
        assert store.health()["fault"] == "full"

        # Small writes still fit in existing pages and succeed, so the state flaps between
        # full and working; that is logged as one fault and one recovery, not per flip.
        for _ in range(ROUNDS):
            await call_every_method(store, answer_id, tmp_path)  # must not raise
        assert fault_logs(storage_log) == ["full"]

        # Vote until the votes table cannot grow either: each attempt is all or nothing.
        with raw(db_path) as conn:
            stored_votes = dict(conn.execute("SELECT user_id, vote FROM votes").fetchall())
        failed_user = None
        for user in range(50_000, 51_000):
            result = await store.record_vote(answer_id, user, -1)
            if result is UNAVAILABLE:
                failed_user = user
                break
            stored_votes[user] = -1
            assert isinstance(result, VoteResult)
            assert (result.helpful, result.not_helpful) == (
                sum(v == 1 for v in stored_votes.values()),
                sum(v == -1 for v in stored_votes.values()),
            )
        assert failed_user is not None
        with raw(db_path) as conn:
            assert dict(conn.execute("SELECT user_id, vote FROM votes").fetchall()) == stored_votes
        assert_votes_consistent(db_path)
        assert fault_logs(storage_log) == ["full"]

        await db.fetch_all("PRAGMA max_page_count = 1000000")  # space freed
        assert isinstance(await store.record_answer(answer(question=big_question)), int)
        assert isinstance(await store.record_vote(answer_id, failed_user, -1), VoteResult)
        assert recovery_logs(storage_log) == 1
        assert store.health()["ok"] is True
        assert_votes_consistent(db_path)
    finally:
        await store.close()


@pytest.mark.parametrize("what", ["file and sidecars", "main file only", "whole directory"])
async def test_deleted_database_is_recreated_on_next_use(
    store: Store,
    db_path: Path,
    tmp_path: Path,
    storage_log: pytest.LogCaptureFixture,
    what: str,
) -> None:
    answer_id = await seed(store)
    assert await store.claim_message(777) is True
    if what == "whole directory":
        shutil.rmtree(db_path.parent)
    else:
        suffixes = [""] if what == "main file only" else ["", "-wal", "-shm"]
        for suffix in suffixes:
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)

    # The first call notices, recreates an empty database and carries on.
    assert await store.get_channel_mode(10) is None
    assert fault_logs(storage_log) == ["missing"]
    assert recovery_logs(storage_log) == 1
    assert db_path.is_file()

    assert await store.claim_message(777) is False  # still remembered by this process
    assert await store.record_vote(answer_id, 2, 1) is None  # that answer went with the file
    for _ in range(ROUNDS):
        results = await call_every_method(store, answer_id, tmp_path)
        assert results["set_meta"] is True
        assert isinstance(results["record_answer"], int)
    new_answer = await store.record_answer(answer(source_message_id=99))
    assert isinstance(new_answer, int)
    assert isinstance(await store.record_vote(new_answer, 1, 1), VoteResult)
    assert fault_logs(storage_log) == ["missing"]
    assert recovery_logs(storage_log) == 1
    assert store.health()["ok"] is True

    # The new file really holds the new data (nothing went into the unlinked inode),
    # and no WAL from the deleted file was replayed into it.
    assert scalar(db_path, "PRAGMA integrity_check") == "ok"
    assert scalar(db_path, "SELECT COUNT(*) FROM answers") == ROUNDS + 1
    assert scalar(db_path, "SELECT COUNT(*) FROM answers WHERE source_message_id = 1") == 0
    assert_votes_consistent(db_path)


async def test_deleted_database_that_cannot_be_recreated_keeps_failing_softly(
    store: Store, db_path: Path, tmp_path: Path, storage_log: pytest.LogCaptureFixture
) -> None:
    answer_id = await seed(store)
    shutil.rmtree(db_path.parent)
    db_path.parent.write_text("a file where the data directory was")

    for _ in range(ROUNDS):
        assert_everything_failed_softly(await call_every_method(store, answer_id, tmp_path))
    assert fault_logs(storage_log) == ["missing", "io"]
    assert store.health()["connected"] is False

    db_path.parent.unlink()
    assert await store.set_meta("k", "v") is True
    assert await store.get_meta("k") == "v"
    assert recovery_logs(storage_log) == 1
    new_answer = await store.record_answer(answer())
    assert isinstance(new_answer, int)
    assert isinstance(await store.record_vote(new_answer, 1, -1), VoteResult)
    assert_votes_consistent(db_path)


async def test_closed_store_returns_failure_values_without_logging(
    db_path: Path, clock: FakeClock, tmp_path: Path, storage_log: pytest.LogCaptureFixture
) -> None:
    store = await open_store(db_path, clock)
    answer_id = await seed(store)
    await store.close()
    await store.close()  # closing twice is harmless
    assert_everything_failed_softly(await call_every_method(store, answer_id, tmp_path))
    assert fault_logs(storage_log) == []
    health = store.health()
    assert health["closed"] is True and health["ok"] is False


async def test_decision_reads_fall_back_to_safe_defaults(
    db_path: Path, clock: FakeClock, storage_log: pytest.LogCaptureFixture
) -> None:
    async with await open_store(db_path, clock) as store:
        await seed(store)
    db_path.write_bytes(os.urandom(4096))
    async with await open_store(db_path, clock) as store:
        assert await store.get_guild_settings(1) == GuildSettings(1)
        assert await store.get_channel_mode(10) is None
        assert await store.was_answered(5000) is False
        assert await store.claim_message(5000) is True
        assert await store.was_answered(5000) is True  # this process claimed it
        assert await store.claim_message(5000) is False
        assert fault_logs(storage_log) == ["corrupt"]


async def test_health_reports_counters(store: Store, db_path: Path) -> None:
    health = store.health()
    assert health["ok"] is True
    assert health["fault"] is None and health["last_fault"] is None
    assert health["faults_seen"] == {} and health["failed_operations"] == 0
    assert health["path"] == str(db_path)
    assert health["schema_version"] == store.database.latest_version()  # type: ignore[union-attr]
    await store.claim_message(1)
    assert store.health()["claims_in_memory"] == 1
