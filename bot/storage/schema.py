"""Finding the numbered SQL migrations and applying them in order.

The files live in ``bot/storage/migrations`` as ``NNNN_name.sql`` and are read with
importlib.resources so they are found the same way from a checkout and from an
installed wheel. Each migration runs in its own transaction together with the
``PRAGMA user_version`` bump, so a database is always exactly at one version: a
failing migration leaves it at the previous one, never half-way.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import aiosqlite

MIGRATIONS_PACKAGE = "bot.storage.migrations"
_FILE_NAME = re.compile(r"^(?P<version>\d{4})_(?P<name>[a-z0-9_]+)\.sql$")


class SchemaError(Exception):
    """The database schema cannot be brought to what this build expects."""


class SchemaTooNewError(SchemaError):
    """The file was migrated by a newer build; using it could damage its data."""


class MigrationFileError(SchemaError):
    """The shipped migration files are misnumbered or unparsable (a packaging bug)."""


@dataclass(frozen=True, slots=True)
class Migration:
    """One numbered SQL file."""

    version: int
    name: str
    sql: str

    def statements(self) -> list[str]:
        """Split the file into single statements (sqlite3 runs one per call)."""
        return split_statements(self.sql, source=f"migration {self.version:04d}_{self.name}")


def split_statements(sql: str, *, source: str = "<sql>") -> list[str]:
    """Split an SQL script on complete statements, trigger bodies included."""
    statements: list[str] = []
    buffer = ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    leftover = "\n".join(
        line for line in buffer.splitlines() if line.strip() and not line.strip().startswith("--")
    )
    if leftover:
        raise MigrationFileError(f"{source}: unterminated statement: {leftover[:80]!r}")
    return statements


@cache
def load_migrations() -> tuple[Migration, ...]:
    """Read the shipped migrations, checking they are numbered 1, 2, 3 ... without gaps."""
    found: list[Migration] = []
    for item in files(MIGRATIONS_PACKAGE).iterdir():
        match = _FILE_NAME.match(item.name)
        if match is None:
            continue
        found.append(
            Migration(int(match["version"]), match["name"], item.read_text(encoding="utf-8"))
        )
    found.sort(key=lambda migration: migration.version)
    check_numbering(found)
    return tuple(found)


def check_numbering(migrations: Sequence[Migration]) -> None:
    """Reject gaps and duplicates: either would make user_version ambiguous."""
    for expected, migration in enumerate(migrations, start=1):
        if migration.version != expected:
            raise MigrationFileError(
                f"migration {migration.version:04d}_{migration.name} found where "
                f"{expected:04d} was expected; versions must be 1, 2, 3 ... without gaps"
            )


def latest_version() -> int:
    """The version a fully migrated database has with this build."""
    migrations = load_migrations()
    return migrations[-1].version if migrations else 0


async def read_user_version(conn: aiosqlite.Connection) -> int:
    """The schema version recorded in the database header."""
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row is not None else 0


async def apply_migrations(
    conn: aiosqlite.Connection,
    migrations: Sequence[Migration],
    *,
    target: int | None = None,
) -> int:
    """Apply the migrations above the current version up to ``target`` (default: all).

    ``conn`` must be in autocommit mode (isolation_level=None) so the explicit
    transactions here are the only ones. Returns the resulting version.
    """
    check_numbering(migrations)
    latest = migrations[-1].version if migrations else 0
    goal = latest if target is None else target
    if not 0 <= goal <= latest:
        raise ValueError(f"target version {goal} is outside 0..{latest}")
    current = await read_user_version(conn)
    if current > latest:
        raise SchemaTooNewError(
            f"database schema version {current} is newer than this build supports ({latest})"
        )
    for migration in migrations:
        if migration.version <= current or migration.version > goal:
            continue
        await _apply_one(conn, migration)
    return await read_user_version(conn)


async def _apply_one(conn: aiosqlite.Connection, migration: Migration) -> None:
    """Run one migration and its version bump as a single transaction."""
    statements = migration.statements()
    await _run(conn, "BEGIN IMMEDIATE")
    try:
        # Another process may have applied it while we waited for the write lock.
        if await read_user_version(conn) < migration.version:
            for statement in statements:
                await _run(conn, statement)
            await _run(conn, f"PRAGMA user_version = {migration.version:d}")
        await _run(conn, "COMMIT")
    except BaseException:
        # SQLite may already have rolled back (e.g. after SQLITE_FULL); then there is nothing
        # left to undo and ROLLBACK itself fails.
        with suppress(sqlite3.Error):
            await _run(conn, "ROLLBACK")
        raise


async def _run(conn: aiosqlite.Connection, sql: str) -> None:
    """Execute one statement and release its cursor straight away."""
    async with conn.execute(sql):
        pass
