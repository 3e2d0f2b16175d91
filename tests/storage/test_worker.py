"""The connection in a worker process (issue 14.2): what crosses the pipe, what a dead
worker looks like to the store, and that no worker outlives its bot.

The SIGBUS itself needs root and chattr (tests/storage/test_shm_faults.py); here the
worker is sent the signal directly, which kills it the same way, so these run anywhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.storage import UNAVAILABLE
from bot.storage import worker as worker_module
from bot.storage.database import Database, StorageWorkerDied, sidecar_paths
from bot.storage.faults import FaultKind, classify
from tests.conftest import ROOT

from .helpers import FakeClock, answer, fault_logs, open_store, recovery_logs, scalar


def gone(pid: int, within: float = 5.0) -> bool:
    """Whether the process has exited and been reaped (no zombie left) within the time."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.02)
    return False


def exited(pid: int, within: float = 5.0) -> bool:
    """Whether the process has exited within the time; a zombie counts (once its parent
    is dead, reaping it is init's job)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return True
        except OSError:
            return True
        time.sleep(0.02)
    return False


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (Linux /proc)."""
    found: set[int] = set()
    pending = [pid]
    while pending:
        current = pending.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                if child not in found:
                    found.add(child)
                    pending.append(child)
    return found


async def test_the_bot_process_never_maps_the_wal_index(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    db = await Database.open(path)
    try:
        await db.migrate()
        await db.execute("INSERT INTO meta (key, value, updated_at) VALUES ('k', 'v', 1)")
        shm = sidecar_paths(path)[1]
        assert shm.exists()
        assert db.worker_pid not in (None, os.getpid())
        assert str(shm) not in Path("/proc/self/maps").read_text()
        assert str(shm) in Path(f"/proc/{db.worker_pid}/maps").read_text()
    finally:
        await db.close()


async def test_rows_behave_like_sqlite_rows(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    try:
        row = await db.fetch_one("SELECT 1 AS id, 'x' AS Name, NULL AS gone")
        assert row is not None
        assert (row[0], row["id"], row["Name"], row["name"], row["gone"]) == (1, 1, "x", "x", None)
        assert row.keys() == ["id", "Name", "gone"] and len(row) == 3
        assert tuple(row) == (1, "x", None) and row[-1] is None and row[:2] == (1, "x")
        with pytest.raises(IndexError):
            row["missing"]
        assert await db.fetch_one("SELECT 1 WHERE 0") is None
        assert await db.fetch_all("SELECT 1 WHERE 0") == []
        rows = await db.fetch_all("SELECT value AS v FROM json_each('[3, 1, 2]') ORDER BY v")
        assert [r["v"] for r in rows] == [1, 2, 3]
    finally:
        await db.close()


async def test_worker_errors_come_back_as_the_same_sqlite3_error(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    try:
        await db.execute("CREATE TABLE t (x INTEGER NOT NULL UNIQUE)")
        assert await db.insert("INSERT INTO t VALUES (?)", (7,)) == 1
        assert await db.execute("INSERT INTO t VALUES (:x)", {"x": 8}) == 1
        with pytest.raises(sqlite3.IntegrityError, match="NOT NULL constraint failed") as null:
            await db.execute("INSERT INTO t VALUES (NULL)")
        assert null.value.sqlite_errorname == "SQLITE_CONSTRAINT_NOTNULL"
        with pytest.raises(sqlite3.OperationalError, match="no such table: nope") as missing:
            await db.fetch_all("SELECT * FROM nope")
        assert missing.value.sqlite_errorcode == sqlite3.SQLITE_ERROR
        with pytest.raises(sqlite3.ProgrammingError, match="Incorrect number of bindings"):
            await db.execute("INSERT INTO t VALUES (?)", (1, 2))
        count = await db.fetch_one("SELECT count(*) FROM t")
        assert count is not None and count[0] == 2
    finally:
        await db.close()
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        await db.fetch_all("SELECT 1")


async def test_a_dead_worker_is_reported_once_then_replaced(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    try:
        first = db.worker_pid
        assert first is not None
        os.kill(first, signal.SIGBUS)
        with pytest.raises(
            StorageWorkerDied, match=r"^storage worker died \(signal SIGBUS\)$"
        ) as e:
            await db.fetch_all("SELECT 1")
        assert isinstance(e.value, sqlite3.OperationalError)
        assert e.value.exitcode == -signal.SIGBUS and classify(e.value) is FaultKind.IO
        assert gone(first), "the dead worker was reaped"
        row = await db.fetch_one("SELECT 42")
        assert row is not None and row[0] == 42
        assert db.worker_pid not in (None, first)
    finally:
        await db.close()


async def test_a_worker_dying_mid_transaction_loses_the_transaction(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    try:
        await db.execute("CREATE TABLE t (x INTEGER)")
        await db.execute("INSERT INTO t VALUES (0)")
        with pytest.raises(StorageWorkerDied, match="SIGKILL"):
            async with db.transaction():
                await db.execute("INSERT INTO t VALUES (1)")
                assert db.in_transaction
                os.kill(db.worker_pid or 0, signal.SIGKILL)
                await db.execute("INSERT INTO t VALUES (2)")
        assert not db.in_transaction
        # The death was reported inside the block, so the next call starts a fresh worker:
        # nothing of the transaction is there, and its second INSERT never ran on its own.
        assert [r["x"] for r in await db.fetch_all("SELECT x FROM t")] == [0]
    finally:
        await db.close()


async def test_a_killed_worker_is_an_io_fault_and_the_store_recovers(
    db_path: Path, clock: FakeClock, storage_log: pytest.LogCaptureFixture
) -> None:
    async with await open_store(db_path, clock) as store:
        first = await store.record_answer(answer(source_message_id=1))
        assert isinstance(first, int)
        assert store.database is not None
        victim = store.database.worker_pid
        assert victim is not None
        os.kill(victim, signal.SIGBUS)
        assert await store.record_answer(answer(source_message_id=2)) is UNAVAILABLE
        health = store.health()
        assert health["fault"] == "io"
        assert health["last_error"] == "StorageWorkerDied: storage worker died (signal SIGBUS)"
        assert fault_logs(storage_log) == ["io"]
        # The next operation reopens the database in a fresh worker.
        assert isinstance(await store.record_answer(answer(source_message_id=3)), int)
        assert store.database is not None and store.database.worker_pid not in (None, victim)
        assert (await store.get_answer(first)) is not None
        assert recovery_logs(storage_log) == 1 and store.health()["ok"] is True
        assert gone(victim)
    assert scalar(db_path, "SELECT count(*) FROM answers") == 2


async def test_close_stops_the_worker_and_checkpoints(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    db = await Database.open(path)
    await db.migrate()
    pid = db.worker_pid
    assert pid is not None
    await db.close()
    assert gone(pid, within=0.5), "closed and reaped before close() returned"
    assert not any(p.exists() for p in sidecar_paths(path)), "the WAL was checkpointed"
    await db.close()  # twice is fine


async def test_a_worker_that_does_not_answer_is_killed_on_close(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(worker_module, "CLOSE_TIMEOUT_S", 0.3)
    db = await Database.open(tmp_path / "db.sqlite3")
    pid = db.worker_pid
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)  # hung: never answers, never exits by itself
    try:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            await db.close()
        assert time.monotonic() - started < 3
        assert gone(pid)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


async def test_a_cancelled_call_does_not_shift_later_replies(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    try:
        slow = asyncio.ensure_future(
            db.fetch_one(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000)"
                " SELECT sum(i) FROM n"
            )
        )
        await asyncio.sleep(0.01)
        slow.cancel()
        with pytest.raises(asyncio.CancelledError):
            await slow
        row = await db.fetch_one("SELECT 'mine'")
        assert row is not None and row[0] == "mine"
    finally:
        await db.close()


BOT = r"""
import asyncio, json, os, signal, sys
from pathlib import Path
from bot.storage import AnswerRecord, Store

def record(n):
    return AnswerRecord(guild_id=1, channel_id=10, asker_id=100 + n, question=f"q{n}",
                        entry_ids=["x"], topics=["t"], confidence=0.8, kind="auto",
                        source_message_id=n)

async def main(path, mode):
    store = await Store.open(path)
    await store.record_answer(record(1))
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print(json.dumps({"worker": store.database.worker_pid}), flush=True)
    await stop.wait()
    # After SIGTERM to the whole group (systemd's default), storage still works until the
    # bot closes it.
    late = await store.record_answer(record(2))
    await store.close()
    print(json.dumps({"late": late}), flush=True)

asyncio.run(main(Path(sys.argv[1]), sys.argv[2]))
"""


async def start_bot(path: Path) -> tuple[subprocess.Popen[str], int]:
    bot = subprocess.Popen(
        [sys.executable, "-c", BOT, str(path), "run"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        start_new_session=True,
    )
    assert bot.stdout is not None
    line = await asyncio.to_thread(bot.stdout.readline)
    assert line, bot.stderr.read() if bot.stderr else ""
    return bot, json.loads(line)["worker"]


async def test_sigterm_to_the_whole_group_still_closes_storage_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    bot, worker = await start_bot(path)
    try:
        os.killpg(bot.pid, signal.SIGTERM)  # the worker gets it too, and ignores it
        out, err = await asyncio.to_thread(bot.communicate, timeout=20)
    finally:
        if bot.poll() is None:
            os.killpg(bot.pid, signal.SIGKILL)
    assert bot.returncode == 0, err[-2000:]
    assert json.loads(out.splitlines()[-1]) == {"late": 2}
    assert exited(worker)  # the group's SIGTERM also ended the fork server, its parent
    assert not any(p.exists() for p in sidecar_paths(path)), "closed cleanly, WAL checkpointed"
    assert scalar(path, "SELECT count(*) FROM answers") == 2


async def test_a_killed_bot_leaves_no_storage_process_behind(tmp_path: Path) -> None:
    bot, worker = await start_bot(tmp_path / "db.sqlite3")
    try:
        helpers = descendants(bot.pid)
        assert worker in helpers
        bot.kill()  # SIGKILL: no chance to close anything
        await asyncio.to_thread(bot.wait, 10)
        left = [pid for pid in helpers if not exited(pid)]
        assert left == [], "orphaned: " + ", ".join(
            Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ") for pid in left
        )
    finally:
        if bot.poll() is None:
            os.killpg(bot.pid, signal.SIGKILL)
        for stream in (bot.stdout, bot.stderr):
            if stream is not None:
                stream.close()


def test_a_script_without_a_main_guard_can_use_storage(tmp_path: Path) -> None:
    # multiprocessing would re-run the parent's main script in the worker: the bot's
    # console script would import the whole CLI again, and this one would recurse.
    script = tmp_path / "tool.py"
    script.write_text(
        "import asyncio, sys\n"
        "from bot.storage.database import Database\n"
        "async def main():\n"
        "    db = await Database.open(sys.argv[1])\n"
        "    await db.migrate()\n"
        "    print(await db.current_version(), flush=True)\n"
        "    await db.close()\n"
        "asyncio.run(main())\n"
    )
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "db.sqlite3")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout == f"{Database.latest_version()}\n" and done.stderr == ""
