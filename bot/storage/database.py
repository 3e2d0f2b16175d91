"""Opening, migrating, backing up and closing the SQLite file.

The connection settings are the ones the rest of the storage layer relies on:
WAL so readers never wait for the writer and online backups work, foreign keys
on, a busy timeout so a briefly locked file is retried before giving up, and
``synchronous=NORMAL``, which in WAL mode cannot corrupt the file on power loss
(it can only lose the last commits). The connection is in autocommit mode; every
multi-statement write goes through :meth:`Database.transaction`.

The connection itself lives in a child process (:mod:`bot.storage.worker`): SQLite
maps the WAL index (``-shm``) into memory, and a fault on that mapping is a SIGBUS
that kills whichever process holds it. Here that can only be the worker; this side
sees :class:`~bot.storage.worker.StorageWorkerDied` (an I/O fault) and the next call
starts a fresh worker, which opens the file again.

This class raises sqlite3/OS errors as they come; turning them into soft failures
is the job of :class:`bot.storage.store.Store`.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

from bot.storage import schema
from bot.storage.worker import (
    BACKUP,
    EXECUTE,
    FETCH_ALL,
    FETCH_ONE,
    INSERT,
    Params,
    Row,
    StorageWorker,
    StorageWorkerDied,
    rows_of,
)

__all__ = ["Database", "Params", "Row", "StorageWorkerDied"]

FileIdentity = tuple[int, int]

DEFAULT_BUSY_TIMEOUT_MS = 2000


def file_identity(path: Path) -> FileIdentity | None:
    """(device, inode) of ``path``, or None when it does not exist.

    Comparing this with the value taken at open time is how a database file that
    was deleted or replaced under a running process is noticed: SQLite itself keeps
    writing into the unlinked inode without any error.
    """
    try:
        status = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return (status.st_dev, status.st_ino)


def sidecar_paths(path: Path) -> tuple[Path, Path]:
    """The WAL and shared-memory files SQLite keeps next to a WAL-mode database."""
    return (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"))


def sqlite_uri(path: Path) -> str:
    """The URI the database is opened with (read-write, created when missing)."""
    return f"{path.absolute().as_uri()}?mode=rwc"


class Database:
    """One open connection to the bot's SQLite file, held by a worker process."""

    def __init__(self, path: Path, worker: StorageWorker, busy_timeout_ms: int) -> None:
        self._path = path
        self._worker: StorageWorker | None = worker
        self._busy_timeout_ms = busy_timeout_ms
        self._in_transaction_block = False
        self._identity = file_identity(path)
        self._sidecar_identities = self._current_sidecar_identities()

    @classmethod
    async def open(
        cls, path: str | os.PathLike[str], *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS
    ) -> Database:
        """Open (creating the file and its parent directories) and configure a connection."""
        db_path = Path(path).absolute()
        db_path.parent.mkdir(parents=True, exist_ok=True)
        align_sidecar_permissions(db_path)
        worker = await StorageWorker.start(sqlite_uri(db_path), busy_timeout_ms)
        return cls(db_path, worker, busy_timeout_ms)

    @property
    def path(self) -> Path:
        return self._path

    @property
    def identity(self) -> FileIdentity | None:
        """(device, inode) of the file when it was opened."""
        return self._identity

    @property
    def worker_pid(self) -> int | None:
        """The process holding the connection now; None once closed."""
        return self._worker.pid if self._worker is not None else None

    @property
    def in_transaction(self) -> bool:
        """Whether the connection had a transaction open after the last statement."""
        return self._worker is not None and not self._worker.dead and self._worker.in_transaction

    async def migrate(self, target: int | None = None) -> int:
        """Apply pending migrations (up to ``target``, default all); returns the version."""
        return await schema.apply_migrations(self, schema.load_migrations(), target=target)

    async def current_version(self) -> int:
        """The schema version stored in the file (``PRAGMA user_version``)."""
        return await schema.read_user_version(self)

    @staticmethod
    def latest_version() -> int:
        """The schema version this build migrates to, taken from the shipped files."""
        return schema.latest_version()

    async def close(self) -> None:
        """Stop the worker; closing the last connection checkpoints and removes the WAL.

        A worker that does not exit promptly is killed, so closing never hangs.
        """
        worker, self._worker = self._worker, None
        if worker is not None:
            await worker.stop()

    def discard_sidecars(self) -> None:
        """Delete this connection's own -wal/-shm once its file was deleted or replaced.

        Call after :meth:`close`. SQLite does not checkpoint or remove the WAL of a
        database that was unlinked or renamed away, so it stays at the path and would be
        replayed into whatever file is there now (a fresh one, or a restored backup).
        Sidecars that are not the ones this connection created are left alone.
        """
        for sidecar, identity in zip(
            sidecar_paths(self._path), self._sidecar_identities, strict=True
        ):
            if identity is not None and file_identity(sidecar) == identity:
                sidecar.unlink(missing_ok=True)

    async def backup_to(self, target: str | os.PathLike[str]) -> Path:
        """Write a consistent copy of the database to ``target`` while it stays in use.

        Uses SQLite's online backup API in a single step, which copies one snapshot
        even while other connections keep writing. The copy is written next to the
        target and renamed over it, so the target is either the old file or a
        complete backup, never a partial one.
        """
        target_path = Path(target).absolute()
        if target_path.resolve() == self._path.resolve():
            raise ValueError("a backup cannot overwrite the database it is taken from")
        target_path.parent.mkdir(parents=True, exist_ok=True)
        partial = target_path.with_name(f".{target_path.name}.partial")
        _remove_with_sidecars(partial)
        await self._call(BACKUP, str(partial))
        # A stale -wal beside the target would be replayed onto the fresh copy.
        for sidecar in sidecar_paths(target_path):
            sidecar.unlink(missing_ok=True)
        os.replace(partial, target_path)
        return target_path

    async def set_busy_timeout(self, milliseconds: int) -> None:
        """How long a statement waits for another connection's lock before failing.

        The Store lowers it to 0 while a lock outage lasts (see Store._run), so that a
        lock held for minutes costs each message one failed attempt, not a full wait.
        A restarted worker gets the latest value.
        """
        await self.fetch_all(f"PRAGMA busy_timeout = {int(milliseconds):d}")
        self._busy_timeout_ms = int(milliseconds)

    # Each statement is one request to the worker, which runs, fetches and closes its
    # cursor in one go. The Store runs one statement at a time, so the change count the
    # worker reads around a statement counts that statement's rows.

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        """The first row; for statements that return one row (by key, LIMIT 1, RETURNING)."""
        columns, rows = await self._call(FETCH_ONE, sql, params)
        return rows_of(columns, rows)[0] if rows else None

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        columns, rows = await self._call(FETCH_ALL, sql, params)
        return rows_of(columns, rows)

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run a statement; returns the number of rows it changed."""
        return int(await self._call(EXECUTE, sql, params))

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run an INSERT; returns the new rowid (``last_insert_rowid()``)."""
        return int(await self._call(INSERT, sql, params))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """Run the body as one write transaction: all of it is committed or none of it.

        ``BEGIN IMMEDIATE`` takes the write lock up front, so a locked database fails
        before anything is written rather than at COMMIT. Callers must not let other
        coroutines use the connection meanwhile (the Store serialises all access).
        If the worker dies inside the body, the transaction is lost (never committed):
        no fresh worker is started until the block is left, so the rest of the body can
        never run outside the transaction.
        """
        await self.execute("BEGIN IMMEDIATE")
        self._in_transaction_block = True
        try:
            yield
            await self.execute("COMMIT")
        except BaseException:
            # After some errors (SQLITE_FULL, IOERR) SQLite has already rolled back, and
            # a dead worker took its transaction with it.
            if self._worker is not None and not self._worker.dead:
                with suppress(sqlite3.Error):
                    await self.execute("ROLLBACK")
            raise
        finally:
            self._in_transaction_block = False

    async def _call(self, op: str, sql: str, params: Params = ()) -> Any:
        """One request to the worker, starting a fresh one first if the last one died."""
        worker = self._worker
        if worker is None:
            raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
        if worker.dead and worker.death_reported and not self._in_transaction_block:
            worker = await self._restart(worker)
        # A dead worker's first request raises why it died (StorageWorkerDied), so every
        # death is reported once as a fault before a fresh worker is started.
        return await worker.request(op, sql, params)

    async def _restart(self, dead: StorageWorker) -> StorageWorker:
        """Replace a dead worker with a fresh one on the same file and settings."""
        await dead.stop(graceful=False)
        worker = await StorageWorker.start(sqlite_uri(self._path), self._busy_timeout_ms)
        if self._worker is not dead:  # closed meanwhile
            await worker.stop()
            raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
        self._worker = worker
        if file_identity(self._path) == self._identity:
            # SQLite may have made new sidecars (a deleted -shm is recreated): those are
            # now the ones this connection owns.
            self._sidecar_identities = self._current_sidecar_identities()
        return worker

    def _current_sidecar_identities(self) -> tuple[FileIdentity | None, ...]:
        return tuple(file_identity(p) for p in sidecar_paths(self._path))


def _remove_with_sidecars(path: Path) -> None:
    path.unlink(missing_ok=True)
    for sidecar in sidecar_paths(path):
        sidecar.unlink(missing_ok=True)


def align_sidecar_permissions(path: Path) -> None:
    """Give our own -wal/-shm the database file's permissions once it is writable.

    SQLite creates the sidecars with the database file's mode, and a read-only
    connection never removes them. So if the file was read-only when they were
    created and its permissions are fixed later, the -shm stays read-only and every
    write keeps failing. This does what SQLite would have done with the fixed file.
    Files owned by someone else are left alone.
    """
    geteuid = getattr(os, "geteuid", None)
    if geteuid is None or not os.access(path, os.W_OK):
        return
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return
    for sidecar in sidecar_paths(path):
        with suppress(OSError):
            status = os.stat(sidecar)
            if status.st_uid == geteuid() and stat.S_IMODE(status.st_mode) != mode:
                os.chmod(sidecar, mode)


def discard_orphan_sidecars(path: Path) -> None:
    """Delete -wal/-shm files whose database is gone, before a fresh file is created.

    A WAL left behind by a deleted database would otherwise be replayed into the
    new, empty file.
    """
    if file_identity(path) is None:
        for sidecar in sidecar_paths(path):
            sidecar.unlink(missing_ok=True)
