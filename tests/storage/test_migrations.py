"""Schema versions: from empty, from every intermediate version, re-opening, failures."""

from __future__ import annotations

import sqlite3
from importlib.resources import files
from pathlib import Path

import pytest

from bot.storage import Store
from bot.storage.database import Database
from bot.storage.schema import (
    Migration,
    MigrationFileError,
    SchemaTooNewError,
    apply_migrations,
    check_numbering,
    latest_version,
    load_migrations,
    split_statements,
)

from .helpers import FakeClock, answer, fault_logs, open_store, raw, scalar


def schema_of(path: Path) -> list[tuple[str, str, str]]:
    with raw(path) as conn:
        return conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
            "ORDER BY type, name"
        ).fetchall()


def test_shipped_migrations_are_numbered_from_one_without_gaps() -> None:
    migrations = load_migrations()
    assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))
    assert len(migrations) >= 2
    assert latest_version() == migrations[-1].version
    assert migrations[0].name == "initial"
    names = {item.name for item in files("bot.storage.migrations").iterdir()}
    assert {f"{m.version:04d}_{m.name}.sql" for m in migrations} <= names


def test_numbering_gaps_and_duplicates_are_rejected() -> None:
    with pytest.raises(MigrationFileError):
        check_numbering([Migration(1, "a", ""), Migration(3, "c", "")])
    with pytest.raises(MigrationFileError):
        check_numbering([Migration(1, "a", ""), Migration(1, "b", "")])


def test_statements_are_split_including_trigger_bodies() -> None:
    sql = """
    -- a comment
    CREATE TABLE t (x INTEGER);
    CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN
        UPDATE t SET x = x + 1; SELECT 1;
    END;
    -- trailing comment
    """
    statements = split_statements(sql)
    assert len(statements) == 2
    assert statements[1].startswith("CREATE TRIGGER") and statements[1].endswith("END;")
    with pytest.raises(MigrationFileError):
        split_statements("CREATE TABLE t (x INTEGER)")


async def test_migrate_from_empty_reaches_latest(db_path: Path) -> None:
    db = await Database.open(db_path)
    try:
        assert await db.current_version() == 0
        assert await db.migrate() == latest_version()
        assert await db.current_version() == latest_version()
        assert db.latest_version() == latest_version()
    finally:
        await db.close()
    assert scalar(db_path, "PRAGMA user_version") == latest_version()
    tables = {row[1] for row in schema_of(db_path) if row[0] == "table"}
    assert {
        "guild_settings",
        "channel_modes",
        "config_audit",
        "answers",
        "votes",
        "handled_messages",
        "unanswered",
        "corrections",
        "reloads",
        "meta",
    } <= tables


@pytest.mark.parametrize("start", range(latest_version()))
async def test_migrate_from_each_intermediate_version(
    tmp_path: Path, start: int, clock: FakeClock
) -> None:
    reference = tmp_path / "fresh.sqlite3"
    db = await Database.open(reference)
    await db.migrate()
    await db.close()

    path = tmp_path / "old.sqlite3"
    db = await Database.open(path)
    assert await db.migrate(target=start) == start
    if start >= 1:
        await db.execute("INSERT INTO meta (key, value, updated_at) VALUES ('k', 'v', 1)")
    await db.close()
    assert scalar(path, "PRAGMA user_version") == start

    store = await open_store(path, clock)
    try:
        assert store.health()["schema_version"] == latest_version()
        if start >= 1:
            assert await store.get_meta("k") == "v"
    finally:
        await store.close()
    assert scalar(path, "PRAGMA user_version") == latest_version()
    assert schema_of(path) == schema_of(reference)


async def test_reopen_is_idempotent_and_keeps_data(db_path: Path, clock: FakeClock) -> None:
    async with await open_store(db_path, clock) as store:
        answer_id = await store.record_answer(answer(source_message_id=5))
    before = schema_of(db_path)
    for _ in range(2):
        async with await open_store(db_path, clock) as store:
            assert store.health()["ok"] is True
            stored = await store.get_answer(answer_id)  # type: ignore[arg-type]
            assert stored is not None and stored.source_message_id == 5  # type: ignore[union-attr]
    assert schema_of(db_path) == before
    assert scalar(db_path, "PRAGMA user_version") == latest_version()


async def test_failed_migration_leaves_previous_version_and_no_partial_changes(
    tmp_path: Path,
) -> None:
    migrations = [
        Migration(1, "one", "CREATE TABLE a (x INTEGER);"),
        Migration(2, "two", "CREATE TABLE b (x INTEGER);\nCREATE TABLE a (y INTEGER);"),
    ]
    db = await Database.open(tmp_path / "m.sqlite3")
    try:
        with pytest.raises(sqlite3.OperationalError, match="already exists"):
            await apply_migrations(db, migrations)
        assert await db.current_version() == 1
        names = [row[0] for row in await db.fetch_all("SELECT name FROM sqlite_master")]
        assert names == ["a"]
        assert not db.in_transaction
    finally:
        await db.close()


async def test_target_outside_range_is_rejected(db_path: Path) -> None:
    db = await Database.open(db_path)
    try:
        with pytest.raises(ValueError, match="outside"):
            await db.migrate(target=latest_version() + 1)
    finally:
        await db.close()


async def test_newer_schema_is_refused_by_migrator(db_path: Path) -> None:
    db = await Database.open(db_path)
    try:
        await db.execute(f"PRAGMA user_version = {latest_version() + 1}")
        with pytest.raises(SchemaTooNewError):
            await db.migrate()
    finally:
        await db.close()


async def test_store_on_newer_schema_fails_softly_until_fixed(
    db_path: Path, clock: FakeClock, storage_log: pytest.LogCaptureFixture
) -> None:
    async with await open_store(db_path, clock) as store:
        await store.set_meta("k", "v")
    with raw(db_path) as conn:
        conn.execute(f"PRAGMA user_version = {latest_version() + 1}")

    async with await open_store(db_path, clock) as store:
        for _ in range(5):
            assert not await store.get_meta("k")
            assert not await store.set_meta("k", "w")
        health = store.health()
        assert health["ok"] is False and health["fault"] == "other"
        assert fault_logs(storage_log) == ["other"]
        assert "newer than this build" in storage_log.text

        with raw(db_path) as conn:
            conn.execute(f"PRAGMA user_version = {latest_version()}")
        assert await store.set_meta("k", "w") is True
        assert await store.get_meta("k") == "w"
        assert store.health()["ok"] is True


async def test_connection_settings(db_path: Path) -> None:
    db = await Database.open(db_path, busy_timeout_ms=1234)
    try:
        pragmas = {}
        for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous"):
            row = await db.fetch_one(f"PRAGMA {name}")
            assert row is not None
            pragmas[name] = row[0]
    finally:
        await db.close()
    assert pragmas == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "busy_timeout": 1234,
        "synchronous": 1,
    }


async def test_open_creates_parent_directories(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "a" / "b" / "c" / "bot.sqlite3"
    async with await Store.open(path, clock=clock) as store:
        assert store.health()["ok"] is True
        assert store.path == path
    assert path.is_file()


def test_storage_package_does_not_import_discord() -> None:
    import subprocess
    import sys

    code = "import sys, bot.storage; print('discord' in sys.modules)"
    repo = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=repo
    )
    assert result.stdout.strip() == "False"
