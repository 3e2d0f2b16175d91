"""The connection wrapper's file handling: odd paths, transactions and WAL sidecars."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from bot.storage.database import (
    Database,
    align_sidecar_permissions,
    discard_orphan_sidecars,
    file_identity,
    sidecar_paths,
)

from .helpers import scalar


async def test_paths_with_uri_special_characters(tmp_path: Path) -> None:
    path = tmp_path / "dir with space" / "a#b?c%d.sqlite3"
    db = await Database.open(path)
    try:
        await db.migrate()
    finally:
        await db.close()
    assert path.is_file()
    assert scalar(path, "PRAGMA user_version") == Database.latest_version()


async def test_transaction_commits_or_rolls_back_as_a_whole(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "t.sqlite3")
    try:
        await db.execute("CREATE TABLE t (x INTEGER NOT NULL)")
        async with db.transaction():
            await db.execute("INSERT INTO t VALUES (1)")
            await db.execute("INSERT INTO t VALUES (2)")
        with pytest.raises(sqlite3.IntegrityError):
            async with db.transaction():
                await db.execute("INSERT INTO t VALUES (3)")
                await db.execute("INSERT INTO t VALUES (NULL)")
        with pytest.raises(RuntimeError):
            async with db.transaction():
                await db.execute("INSERT INTO t VALUES (4)")
                raise RuntimeError("caller gave up")
        rows = await db.fetch_all("SELECT x FROM t ORDER BY x")
        assert [row["x"] for row in rows] == [1, 2]
        assert not db.in_transaction
    finally:
        await db.close()


async def test_identity_changes_when_the_file_is_replaced(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    assert file_identity(path) is None
    db = await Database.open(path)
    try:
        assert db.identity == file_identity(path) is not None
        replacement = tmp_path / "other"
        replacement.write_bytes(b"")
        os.replace(replacement, path)
        assert file_identity(path) not in (None, db.identity)
    finally:
        await db.close()
    assert file_identity(tmp_path / "not-a-dir.txt" / "x") is None


async def test_own_sidecars_are_discarded_but_foreign_ones_kept(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    wal, shm = sidecar_paths(path)
    db = await Database.open(path)
    await db.execute("CREATE TABLE t (x)")
    # The database file is replaced under the open connection, and meanwhile another
    # process put its own -shm in place (our connection still holds the old one).
    restored = tmp_path / "restored"
    restored.write_bytes(b"")
    os.replace(restored, path)
    foreign = tmp_path / "foreign-shm"
    foreign.write_bytes(b"someone else's")
    os.replace(foreign, shm)
    await db.close()
    assert wal.exists()  # SQLite leaves the WAL of a moved database behind
    db.discard_sidecars()
    assert not wal.exists()  # ours: it would have been replayed into the restored file
    assert shm.read_bytes() == b"someone else's"  # not ours: left alone


def test_orphan_sidecars_are_removed_only_without_their_database(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    wal, shm = sidecar_paths(path)
    wal.write_bytes(b"x")
    shm.write_bytes(b"x")
    path.write_bytes(b"")
    discard_orphan_sidecars(path)
    assert wal.exists() and shm.exists()
    path.unlink()
    discard_orphan_sidecars(path)
    assert not wal.exists() and not shm.exists()


def test_read_only_sidecars_follow_a_database_made_writable_again(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    path.write_bytes(b"")
    path.chmod(0o640)
    wal, shm = sidecar_paths(path)
    for sidecar in (wal, shm):
        sidecar.write_bytes(b"")
        sidecar.chmod(0o440)
    align_sidecar_permissions(path)
    assert stat.S_IMODE(wal.stat().st_mode) == 0o640
    assert stat.S_IMODE(shm.stat().st_mode) == 0o640
