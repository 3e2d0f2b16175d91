"""Operator tasks on the database file: online backup, inspection and restore.

These work on a path, not on the bot's Store, because they run from the command
line beside (or instead of) the bot. None of them migrates: a backup is a copy
of what is there, and inspecting a file must not change its schema. Copies in
both directions go through SQLite's backup API, so a live database (WAL and all)
is copied as one consistent snapshot, and a restored file never inherits a stale
-wal that SQLite would replay into it.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from bot.storage.database import Database, sidecar_paths
from bot.storage.schema import latest_version


class MaintenanceError(Exception):
    """The file cannot be backed up, inspected or restored; the message says why."""


@dataclass(frozen=True)
class FileReport:
    """What `disputebot db check` prints about one database file."""

    path: Path
    problems: tuple[str, ...]
    schema_version: int
    latest_version: int
    row_counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Intact and not from a newer build (an older schema is migrated at start)."""
        return not self.problems and self.schema_version <= self.latest_version


def open_existing(path: Path) -> sqlite3.Connection:
    """A read-write connection to a file that must already exist (never creates one).

    Read-write rather than read-only on purpose: a read-only connection to a
    WAL database leaves -wal/-shm files behind, a read-write one removes them
    when it closes.
    """
    if not path.is_file():
        raise MaintenanceError(f"{path} does not exist or is not a file")
    try:
        return sqlite3.connect(f"{path.absolute().as_uri()}?mode=rw", uri=True, timeout=5)
    except sqlite3.Error as exc:
        raise MaintenanceError(f"{path}: cannot open: {exc}") from None


def inspect(path: Path) -> FileReport:
    """Run SQLite's integrity check and read the schema version and row counts."""
    conn = open_existing(path)
    try:
        rows = conn.execute("PRAGMA integrity_check").fetchall()
        problems = tuple(str(row[0]) for row in rows if row[0] != "ok")
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        tables = [
            str(row[0])
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        counts = {
            name: int(conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0])
            for name in tables
        }
    except sqlite3.Error as exc:
        raise MaintenanceError(f"{path}: {exc}") from None
    finally:
        conn.close()
    return FileReport(path, problems, version, latest_version(), counts)


async def backup(source: Path, target: Path) -> Path:
    """Consistent copy of the (possibly running) database at ``source`` into ``target``.

    Opens its own connection without migrating and uses Database.backup_to, so
    the bot keeps writing meanwhile and the copy is one snapshot.
    """
    if not source.is_file():
        raise MaintenanceError(f"{source} does not exist; is DISPUTEBOT_DATABASE_PATH right?")
    try:
        db = await Database.open(source)
        try:
            return await db.backup_to(target)
        finally:
            await db.close()
    except (sqlite3.Error, OSError, ValueError) as exc:
        raise MaintenanceError(f"backup of {source} to {target} failed: {exc}") from None


def restore(backup_file: Path, target: Path) -> FileReport:
    """Replace ``target`` with a verified copy of ``backup_file``; the bot must be stopped.

    The backup is checked first (integrity, and not from a newer schema), copied
    beside the target, given the old file's owner and mode (so a restore run as
    root leaves a file the service user can still write), and renamed over it
    after the target's -wal/-shm are removed.
    """
    report = inspect(backup_file)
    if report.problems:
        raise MaintenanceError(
            f"{backup_file} failed the integrity check ({report.problems[0]}); not restored"
        )
    if report.schema_version > report.latest_version:
        raise MaintenanceError(
            f"{backup_file} has schema {report.schema_version}, newer than this build's "
            f"{report.latest_version}; restore it with the disputebot version that made it"
        )
    target = target.absolute()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.restoring")
    partial.unlink(missing_ok=True)
    try:
        source = open_existing(backup_file)
        destination = sqlite3.connect(partial)
        try:
            source.backup(destination)
        finally:
            destination.close()
            source.close()
        _copy_ownership(target, partial)
        for sidecar in sidecar_paths(target):
            sidecar.unlink(missing_ok=True)
        os.replace(partial, target)
    except (sqlite3.Error, OSError) as exc:
        partial.unlink(missing_ok=True)
        raise MaintenanceError(f"restore into {target} failed: {exc}") from None
    return inspect(target)


def _copy_ownership(old: Path, new: Path) -> None:
    """Give ``new`` the owner, group and mode of ``old`` when ``old`` exists."""
    try:
        status = old.stat()
    except FileNotFoundError:
        return
    os.chmod(new, status.st_mode & 0o777)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.chown(new, status.st_uid, status.st_gid)
