"""Naming what went wrong with the database, so it can be logged and reported once.

The bot treats storage as optional while answering; what it needs from a failure
is a short, stable kind (for ``store.health()`` and for log-once bookkeeping) and
whether a fresh connection could help.
"""

from __future__ import annotations

import errno
import sqlite3
from enum import StrEnum
from typing import Final

from bot.storage.schema import SchemaError
from bot.storage.worker import StorageWorkerDied


class FaultKind(StrEnum):
    READ_ONLY = "read-only"
    LOCKED = "locked"
    CORRUPT = "corrupt"
    FULL = "full"
    MISSING = "missing"
    IO = "io"
    OTHER = "other"


# Exceptions the Store converts into soft failures. Everything else (ValueError from
# argument checks, programming errors) still propagates.
STORAGE_ERRORS: Final = (sqlite3.Error, OSError, SchemaError)

# Faults after which the current connection cannot recover by itself: a connection
# opened read-only stays read-only, and corruption or I/O trouble is only re-checked
# by opening the file again. Locked and full clear on their own.
REOPEN_KINDS: Final = frozenset(
    {FaultKind.READ_ONLY, FaultKind.CORRUPT, FaultKind.IO, FaultKind.MISSING}
)

_SQLITE_PERM = 3
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_READONLY = 8
_SQLITE_IOERR = 10
_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_CANTOPEN = 14
_SQLITE_PROTOCOL = 15
_SQLITE_NOTADB = 26
_SQLITE_READONLY_DBMOVED = _SQLITE_READONLY | (4 << 8)

_BY_PRIMARY_CODE: Final = {
    _SQLITE_PERM: FaultKind.READ_ONLY,
    _SQLITE_READONLY: FaultKind.READ_ONLY,
    _SQLITE_BUSY: FaultKind.LOCKED,
    _SQLITE_LOCKED: FaultKind.LOCKED,
    _SQLITE_PROTOCOL: FaultKind.LOCKED,
    _SQLITE_CORRUPT: FaultKind.CORRUPT,
    _SQLITE_NOTADB: FaultKind.CORRUPT,
    _SQLITE_FULL: FaultKind.FULL,
    _SQLITE_IOERR: FaultKind.IO,
    _SQLITE_CANTOPEN: FaultKind.IO,
}

# Fallback for errors raised without an error code.
_BY_MESSAGE: Final = (
    ("readonly", FaultKind.READ_ONLY),
    ("read-only", FaultKind.READ_ONLY),
    ("locked", FaultKind.LOCKED),
    ("malformed", FaultKind.CORRUPT),
    ("not a database", FaultKind.CORRUPT),
    ("is full", FaultKind.FULL),
    ("disk i/o", FaultKind.IO),
    ("unable to open", FaultKind.IO),
)

_BY_ERRNO: Final = {
    errno.ENOSPC: FaultKind.FULL,
    errno.EDQUOT: FaultKind.FULL,
    errno.EROFS: FaultKind.READ_ONLY,
    errno.EACCES: FaultKind.READ_ONLY,
    errno.EPERM: FaultKind.READ_ONLY,
    errno.ENOENT: FaultKind.MISSING,
}


def classify(exc: BaseException) -> FaultKind:
    """Map an exception from sqlite3, the OS or the migrator to a fault kind.

    A dead storage worker is an I/O fault: the usual cause is a SIGBUS on SQLite's mapped
    WAL index (-shm), the kernel's way of reporting an I/O error on mapped memory. Like
    every I/O fault it makes the Store reopen the database.
    """
    if isinstance(exc, StorageWorkerDied):
        return FaultKind.IO
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        if code == _SQLITE_READONLY_DBMOVED:
            return FaultKind.MISSING
        if isinstance(code, int):
            return _BY_PRIMARY_CODE.get(code & 0xFF, FaultKind.OTHER)
        message = str(exc).lower()
        for needle, kind in _BY_MESSAGE:
            if needle in message:
                return kind
        return FaultKind.OTHER
    if isinstance(exc, OSError):
        return _BY_ERRNO.get(exc.errno or 0, FaultKind.IO)
    return FaultKind.OTHER
