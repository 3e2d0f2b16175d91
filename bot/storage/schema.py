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
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.storage.database import Database

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


async def read_user_version(db: Database) -> int:
    """The schema version recorded in the database header."""
    row = await db.fetch_one("PRAGMA user_version")
    return int(row[0]) if row is not None else 0


async def apply_migrations(
    db: Database,
    migrations: Sequence[Migration],
    *,
    target: int | None = None,
) -> int:
    """Apply the migrations above the current version up to ``target`` (default: all).

    The connection is in autocommit mode, so the explicit transactions here are the
    only ones. Returns the resulting version.
    """
    check_numbering(migrations)
    latest = migrations[-1].version if migrations else 0
    goal = latest if target is None else target
    if not 0 <= goal <= latest:
        raise ValueError(f"target version {goal} is outside 0..{latest}")
    current = await read_user_version(db)
    if current > latest:
        raise SchemaTooNewError(
            f"database schema version {current} is newer than this build supports ({latest})"
        )
    for migration in migrations:
        if migration.version <= current or migration.version > goal:
            continue
        await _apply_one(db, migration)
    return await read_user_version(db)


async def _apply_one(db: Database, migration: Migration) -> None:
    """Run one migration and its version bump as a single transaction (BEGIN IMMEDIATE;
    rolled back as a whole if any statement fails)."""
    statements = migration.statements()
    async with db.transaction():
        # Another process may have applied it while we waited for the write lock.
        if await read_user_version(db) < migration.version:
            for statement in statements:
                await db.execute(statement)
            await db.execute(f"PRAGMA user_version = {migration.version:d}")
