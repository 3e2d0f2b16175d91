"""Classifying errors into fault kinds, and logging each kind once per outage."""

from __future__ import annotations

import errno
import logging
import sqlite3

import pytest

from bot.storage.faults import FaultKind, classify
from bot.storage.monitor import FaultMonitor
from bot.storage.schema import SchemaTooNewError

from .helpers import FakeClock, fault_logs, recovery_logs


def sqlite_error(cls: type[sqlite3.Error], message: str, code: int | None) -> sqlite3.Error:
    error = cls(message)
    if code is not None:
        error.sqlite_errorcode = code
    return error


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (
            sqlite_error(sqlite3.OperationalError, "attempt to write a readonly database", 8),
            "read-only",
        ),
        (sqlite_error(sqlite3.OperationalError, "database is locked", 5), "locked"),
        (sqlite_error(sqlite3.OperationalError, "database table is locked", 6), "locked"),
        (sqlite_error(sqlite3.DatabaseError, "file is not a database", 26), "corrupt"),
        (sqlite_error(sqlite3.DatabaseError, "database disk image is malformed", 11), "corrupt"),
        (sqlite_error(sqlite3.OperationalError, "database or disk is full", 13), "full"),
        (sqlite_error(sqlite3.OperationalError, "disk I/O error", 10 | (3 << 8)), "io"),
        (sqlite_error(sqlite3.OperationalError, "unable to open database file", 14), "io"),
        # SQLITE_READONLY_DBMOVED: the file was unlinked or renamed under the connection.
        (
            sqlite_error(sqlite3.OperationalError, "attempt to write a readonly database", 1032),
            "missing",
        ),
        (sqlite_error(sqlite3.IntegrityError, "UNIQUE constraint failed: t.x", 2067), "other"),
        # Without an error code the message decides.
        (sqlite_error(sqlite3.OperationalError, "database is locked", None), "locked"),
        (sqlite_error(sqlite3.OperationalError, "database or disk is full", None), "full"),
        (sqlite_error(sqlite3.OperationalError, "something new", None), "other"),
        (OSError(errno.ENOSPC, "No space left on device"), "full"),
        (OSError(errno.EROFS, "Read-only file system"), "read-only"),
        (PermissionError(errno.EACCES, "Permission denied"), "read-only"),
        (FileNotFoundError(errno.ENOENT, "No such file"), "missing"),
        (OSError(errno.EIO, "Input/output error"), "io"),
        (SchemaTooNewError("too new"), "other"),
    ],
)
def test_classify(error: BaseException, kind: str) -> None:
    assert classify(error) == FaultKind(kind)


def test_real_sqlite_errors_are_classified() -> None:
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute("CREATE TABLE t (x INTEGER PRIMARY KEY)")
        conn.execute("PRAGMA query_only = ON")
        with pytest.raises(sqlite3.Error) as caught:
            conn.execute("INSERT INTO t VALUES (1)")
        assert classify(caught.value) is FaultKind.READ_ONLY
    finally:
        conn.close()


@pytest.fixture
def monitor(clock: FakeClock) -> FaultMonitor:
    return FaultMonitor(clock, relog_interval_s=100)


def fail(monitor: FaultMonitor, kind: FaultKind, *, write: bool = True) -> None:
    monitor.fault(kind, OSError("boom"), op="test", write=write)
    monitor.failed(write=write)


def test_each_kind_is_logged_once_per_outage(
    monitor: FaultMonitor, storage_log: pytest.LogCaptureFixture
) -> None:
    for _ in range(50):
        fail(monitor, FaultKind.LOCKED)
        fail(monitor, FaultKind.FULL)
    assert fault_logs(storage_log) == ["locked", "full"]
    levels = [r.levelno for r in storage_log.records if "storage_fault" in r.__dict__]
    assert levels == [logging.WARNING, logging.ERROR]
    assert monitor.snapshot()["faults_seen"] == {"locked": 50, "full": 50}
    assert monitor.snapshot()["failed_operations"] == 100
    assert monitor.current is FaultKind.FULL

    monitor.succeeded(write=True)
    monitor.succeeded(write=True)
    assert recovery_logs(storage_log) == 1
    assert monitor.current is None and not monitor.in_outage
    assert monitor.snapshot()["last_fault"] == "full"


def test_successful_reads_do_not_end_a_write_outage(
    monitor: FaultMonitor, storage_log: pytest.LogCaptureFixture
) -> None:
    for _ in range(10):
        fail(monitor, FaultKind.READ_ONLY, write=True)
        monitor.succeeded(write=False)
    assert fault_logs(storage_log) == ["read-only"]
    assert recovery_logs(storage_log) == 0
    assert monitor.in_outage
    monitor.succeeded(write=True)
    assert recovery_logs(storage_log) == 1


def test_a_read_outage_ends_with_a_successful_read(
    monitor: FaultMonitor, storage_log: pytest.LogCaptureFixture
) -> None:
    fail(monitor, FaultKind.CORRUPT, write=False)
    monitor.succeeded(write=False)
    assert recovery_logs(storage_log) == 1


def test_flapping_is_not_relogged_until_the_interval_passes(
    monitor: FaultMonitor, clock: FakeClock, storage_log: pytest.LogCaptureFixture
) -> None:
    for _ in range(20):
        fail(monitor, FaultKind.FULL)
        monitor.succeeded(write=True)
        clock.advance(1)
    assert fault_logs(storage_log) == ["full"]
    assert recovery_logs(storage_log) == 1
    assert monitor.snapshot()["faults_seen"] == {"full": 20}

    fail(monitor, FaultKind.LOCKED)  # a different kind is news
    monitor.succeeded(write=True)
    assert fault_logs(storage_log) == ["full", "locked"]
    assert recovery_logs(storage_log) == 2

    clock.advance(100)
    fail(monitor, FaultKind.FULL)
    monitor.succeeded(write=True)
    assert fault_logs(storage_log) == ["full", "locked", "full"]
    assert recovery_logs(storage_log) == 3


def test_other_faults_are_logged_with_their_traceback(
    monitor: FaultMonitor, storage_log: pytest.LogCaptureFixture
) -> None:
    try:
        raise sqlite3.IntegrityError("CHECK constraint failed")
    except sqlite3.IntegrityError as exc:
        monitor.fault(FaultKind.OTHER, exc, op="record_answer", write=True)
    (record,) = [r for r in storage_log.records if "storage_fault" in r.__dict__]
    assert record.exc_info is not None and record.levelno == logging.ERROR
    assert "record_answer" in record.getMessage()
