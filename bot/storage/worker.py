"""The SQLite connection in a child process, so that a SIGBUS cannot kill the bot.

In WAL mode SQLite maps the ``-shm`` file (the WAL index) into memory. When that file
turns immutable or is truncated under a running process, the next write to the
mapping is a SIGBUS: not an error SQLite could report, but a signal that kills the
process. Keeping WAL (readers never wait, ``disputebot db backup`` works from another
process) while surviving that means the mapping must live in another process: the
bot process never opens the database file at all.

* **The child** (:func:`serve`) owns one sqlite3 connection and answers requests one
  at a time, in order, over a :func:`multiprocessing.Pipe`. sqlite3 errors travel back
  pickled, so the parent raises the same class with the same message and error code
  (fault classification keeps working). It ignores SIGINT and SIGTERM: its lifetime is
  the parent's business (a Ctrl-C or systemd's SIGTERM to the whole group must not
  take storage away while the bot shuts down cleanly). It exits when told to, or when
  the parent's end of the pipe closes, even if the parent was killed.
* **The parent** (:class:`StorageWorker`) drives the pipe from the event loop with a
  small protocol (no thread hop per statement, nothing blocks the loop). A worker that
  dies fails its pending and later requests with :class:`StorageWorkerDied`, an
  ``sqlite3.OperationalError`` naming the signal ("storage worker died (signal
  SIGBUS)"); :class:`bot.storage.database.Database` starts a fresh one on the next call.
* **Start method**: ``forkserver``, never ``fork`` (the bot has threads and an event
  loop). The fork server is a fresh interpreter, started once, that imports this module;
  a new worker is a fork of it, so a restart costs milliseconds, and it never re-runs
  the bot's main script (see :class:`_Popen`).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import io
import multiprocessing
import multiprocessing.util  # registered at exit before the hook below, so ours runs first
import os
import pickle
import signal
import socket
import sqlite3
import struct
import weakref
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from multiprocessing import forkserver, popen_forkserver, reduction, spawn, util
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext, ForkServerProcess, set_spawning_popen
from multiprocessing.process import BaseProcess
from typing import Any, Final

Params = Sequence[object] | Mapping[str, object]

# Requests are (op, sql, params); replies are (ok, result or exception, in_transaction).
OPEN: Final = "open"
FETCH_ALL: Final = "fetch_all"
FETCH_ONE: Final = "fetch_one"
EXECUTE: Final = "execute"
INSERT: Final = "insert"
BACKUP: Final = "backup"
CLOSE: Final = "close"

# A clean stop (checkpointing the WAL) is waited for this long, then the worker is killed.
CLOSE_TIMEOUT_S: Final = 5.0
_EXIT_WAIT_S: Final = 2.0
_PICKLE: Final = pickle.HIGHEST_PROTOCOL
_SHORT_HEADER: Final = struct.Struct("!i")  # multiprocessing.connection's framing
_LONG_HEADER: Final = struct.Struct("!Q")


class StorageWorkerDied(sqlite3.OperationalError):
    """The worker process holding the connection is gone (killed by a signal, or exited).

    Whatever it had not committed is lost; the next call starts a fresh worker. Fault
    classification treats it as an I/O fault: a SIGBUS on the mapped WAL index is how
    the kernel reports an I/O error on mapped memory.
    """

    def __init__(self, message: str, exitcode: int | None = None) -> None:
        super().__init__(message)
        self.exitcode = exitcode


class Columns:
    """A result's column names and the name→index map its rows share."""

    __slots__ = ("index", "names")

    def __init__(self, names: Sequence[str]) -> None:
        self.names = tuple(names)
        index: dict[str, int] = {}
        for position, name in enumerate(self.names):
            index.setdefault(name, position)
        for position, name in enumerate(self.names):
            index.setdefault(name.lower(), position)
        self.index = index


class Row:
    """One result row: by index and by column name, like ``sqlite3.Row``.

    sqlite3.Row cannot cross a process boundary, so the worker sends plain tuples and
    the column names once per result. Names match case-insensitively, as in sqlite3.
    """

    __slots__ = ("_columns", "_values")

    def __init__(self, columns: Columns, values: tuple[Any, ...]) -> None:
        self._columns = columns
        self._values = values

    def __getitem__(self, key: int | str | slice) -> Any:
        if isinstance(key, str):
            index = self._columns.index.get(key)
            if index is None:
                index = self._columns.index.get(key.lower())
                if index is None:
                    raise IndexError("No item with that key")
            return self._values[index]
        return self._values[key]

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def keys(self) -> list[str]:
        return list(self._columns.names)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Row):
            return self._values == other._values and self.keys() == other.keys()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._values)

    def __repr__(self) -> str:
        return f"Row({dict(zip(self._columns.names, self._values, strict=False))!r})"


def rows_of(names: Sequence[str], values: Sequence[tuple[Any, ...]]) -> list[Row]:
    """Wrap one result's tuples; the column map is built once and shared."""
    columns = Columns(names)
    return [Row(columns, row) for row in values]


# -- the child process -----------------------------------------------------------------


def serve(conn: Connection, uri: str, busy_timeout_ms: int) -> None:
    """Worker entry point: open the database, then answer requests until told to stop or
    the parent goes away. Runs in the child process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        db = _connect(uri, busy_timeout_ms)
    except Exception as exc:
        _send(conn, (False, _portable(exc), False))
        return
    try:
        if not _send(conn, (True, None, False)):
            return
        while True:
            try:
                op, sql, params = pickle.loads(conn.recv_bytes())
            except (EOFError, OSError):
                return  # the parent closed its end or died; closing rolls back
            if op == CLOSE:
                try:
                    db.close()
                except sqlite3.Error as exc:
                    _send(conn, (False, _portable(exc), False))
                else:
                    _send(conn, (True, None, False))
                return
            try:
                reply = (True, _HANDLERS[op](db, sql, params), db.in_transaction)
            except Exception as exc:
                reply = (False, _portable(exc), db.in_transaction)
            if not _send(conn, reply):
                return
    finally:
        with contextlib.suppress(sqlite3.Error):
            db.close()


def _connect(uri: str, busy_timeout_ms: int) -> sqlite3.Connection:
    """The connection settings the storage layer relies on (see bot.storage.database)."""
    db = sqlite3.connect(
        uri,
        uri=True,
        isolation_level=None,
        timeout=busy_timeout_ms / 1000,
        check_same_thread=False,
    )
    try:
        for pragma in (
            f"PRAGMA busy_timeout = {int(busy_timeout_ms):d}",
            "PRAGMA journal_mode = WAL",
            "PRAGMA foreign_keys = ON",
            "PRAGMA synchronous = NORMAL",
            # A first read makes SQLite create its -wal/-shm now, so that the parent can
            # record their identity (see Database.discard_sidecars).
            "SELECT count(*) FROM sqlite_master",
        ):
            db.execute(pragma).fetchall()
    except BaseException:
        db.close()
        raise
    return db


def _fetch_all(
    db: sqlite3.Connection, sql: str, params: Params
) -> tuple[tuple[str, ...], list[Any]]:
    cursor = db.execute(sql, params)
    rows = cursor.fetchall()
    return _columns(cursor), rows


def _fetch_one(
    db: sqlite3.Connection, sql: str, params: Params
) -> tuple[tuple[str, ...], list[Any]]:
    """Runs the statement to the end (RETURNING, several rows) and sends the first row."""
    cursor = db.execute(sql, params)
    rows = cursor.fetchall()
    return _columns(cursor), rows[:1]


def _execute(db: sqlite3.Connection, sql: str, params: Params) -> int:
    before = db.total_changes
    db.execute(sql, params).fetchall()
    return db.total_changes - before


def _insert(db: sqlite3.Connection, sql: str, params: Params) -> int:
    db.execute(sql, params).fetchall()
    return int(db.execute("SELECT last_insert_rowid()").fetchone()[0])


def _backup(db: sqlite3.Connection, target: str, _params: Params) -> None:
    destination = sqlite3.connect(target)
    try:
        db.backup(destination)
    finally:
        destination.close()


_HANDLERS: Final = {
    FETCH_ALL: _fetch_all,
    FETCH_ONE: _fetch_one,
    EXECUTE: _execute,
    INSERT: _insert,
    BACKUP: _backup,
}


def _columns(cursor: sqlite3.Cursor) -> tuple[str, ...]:
    return tuple(column[0] for column in cursor.description or ())


def _portable(exc: Exception) -> Exception:
    """The exception itself when it survives pickling (sqlite3 and OS errors do, error
    code included), else an OperationalError carrying its text."""
    try:
        pickle.loads(pickle.dumps(exc, _PICKLE))
    except Exception:
        return sqlite3.OperationalError(f"{type(exc).__name__}: {exc}")
    exc.__traceback__ = None
    return exc


def _send(conn: Connection, reply: tuple[bool, object, bool]) -> bool:
    try:
        conn.send_bytes(pickle.dumps(reply, _PICKLE))
    except OSError:
        return False  # the parent is gone
    return True


# -- the parent side -------------------------------------------------------------------


class _Replies(asyncio.Protocol):
    """Cuts the worker's replies out of the byte stream and hands them to the waiting
    requests in order. A request whose caller was cancelled still gets its reply
    consumed, so later requests stay paired with their own replies."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._waiting: deque[asyncio.Future[bytes]] = deque()
        self.lost = False

    def expect(self, future: asyncio.Future[bytes]) -> None:
        self._waiting.append(future)

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        while len(buffer) >= _SHORT_HEADER.size:
            (size,) = _SHORT_HEADER.unpack_from(buffer)
            start = _SHORT_HEADER.size
            if size == -1:
                if len(buffer) < start + _LONG_HEADER.size:
                    return
                (size,) = _LONG_HEADER.unpack_from(buffer, start)
                start += _LONG_HEADER.size
            end = start + size
            if len(buffer) < end:
                return
            payload = bytes(buffer[start:end])
            del buffer[:end]
            if self._waiting:
                future = self._waiting.popleft()
                if not future.done():
                    future.set_result(payload)

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        while self._waiting:
            future = self._waiting.popleft()
            if not future.done():
                future.set_exception(EOFError("storage worker closed the pipe"))


def _frame(payload: bytes) -> bytes:
    if len(payload) > 0x7FFFFFFF:
        return _SHORT_HEADER.pack(-1) + _LONG_HEADER.pack(len(payload)) + payload
    return _SHORT_HEADER.pack(len(payload)) + payload


class _Popen(popen_forkserver.Popen):
    """multiprocessing's forkserver launcher, except that the child does not re-run the
    parent's ``__main__``.

    multiprocessing re-imports the parent's main script in every child so that objects
    defined there can be unpickled. The worker needs nothing from it, and for the bot it
    is the ``disputebot`` console script, which imports the whole CLI (about 0.6 s and
    40 MB per worker); a script without a ``__main__`` guard would even start itself
    again. Python 3.11's fork server does not preload ``__main__`` either, despite its
    default preload list (the key it looks for is never set). Same steps as
    ``popen_forkserver.Popen._launch``, minus the two main-module keys.
    """

    def _launch(self, process_obj: BaseProcess) -> None:
        prep_data = spawn.get_preparation_data(process_obj._name)  # type: ignore[attr-defined]
        prep_data.pop("init_main_from_name", None)
        prep_data.pop("init_main_from_path", None)
        buffer = io.BytesIO()
        set_spawning_popen(self)
        try:
            reduction.dump(prep_data, buffer)
            reduction.dump(process_obj, buffer)
        finally:
            set_spawning_popen(None)
        # Popen._fds and util.close_fds are CPython internals that typeshed does not declare.
        fds = self._fds  # type: ignore[attr-defined]
        close_fds = util.close_fds  # type: ignore[attr-defined]
        self.sentinel, w = forkserver.connect_to_new_process(fds)
        # The parent's copy of the data pipe's write end tells the child its parent lives.
        parent_w = os.dup(w)
        self.finalizer = util.Finalize(self, close_fds, (parent_w, self.sentinel))
        with open(w, "wb", closefd=True) as stream:
            stream.write(buffer.getbuffer())
        self.pid = forkserver.read_signed(self.sentinel)


class _WorkerProcess(ForkServerProcess):
    """A forkserver process launched by :class:`_Popen`."""

    @staticmethod
    def _Popen(process_obj: BaseProcess) -> _Popen:  # noqa: N802 (multiprocessing's name)
        return _Popen(process_obj)


_context: ForkServerContext | None = None


def _forkserver() -> ForkServerContext:
    """The forkserver context, its server preloading only this module: a new worker is a
    fork of a small interpreter that already imported it, so a restart takes
    milliseconds."""
    global _context
    if _context is None:
        context = multiprocessing.get_context("forkserver")
        assert isinstance(context, ForkServerContext)
        context.set_forkserver_preload([__name__])
        _context = context
    return _context


_live: weakref.WeakSet[StorageWorker] = weakref.WeakSet()


class StorageWorker:
    """The parent's handle on one worker process: send a request, await its reply."""

    def __init__(
        self,
        process: BaseProcess,
        sock: socket.socket,
        transport: asyncio.Transport,
        replies: _Replies,
    ) -> None:
        self._process = process
        self._socket = sock
        self._transport = transport
        self._replies = replies
        self._death: StorageWorkerDied | None = None
        self._reaped: asyncio.Future[None] | None = None
        self.in_transaction = False
        self.death_reported = False

    @classmethod
    async def start(cls, uri: str, busy_timeout_ms: int) -> StorageWorker:
        """Start a worker and open the database in it; raises what opening raised."""
        context = _forkserver()
        parent_end, child_end = context.Pipe()
        process = _WorkerProcess(
            target=serve,
            args=(child_end, uri, busy_timeout_ms),
            name="disputebot-storage",
            daemon=False,  # our exit hook closes it; multiprocessing would SIGTERM a daemon
        )
        try:
            # Starting the fork server the first time takes a moment: not on the loop.
            await asyncio.to_thread(process.start)
            sock = socket.socket(fileno=os.dup(parent_end.fileno()))
        except BaseException:
            parent_end.close()
            if process.pid is not None:
                _kill(process)
            raise
        finally:
            child_end.close()
        parent_end.close()
        loop = asyncio.get_running_loop()
        try:
            transport, replies = await loop.connect_accepted_socket(_Replies, sock)
        except BaseException:
            sock.close()
            _kill(process)
            raise
        worker = cls(process, sock, transport, replies)
        _live.add(worker)
        try:
            await worker.request(OPEN)
        except BaseException:
            await worker.stop(graceful=False)
            raise
        return worker

    @property
    def pid(self) -> int | None:
        return self._process.pid

    @property
    def dead(self) -> bool:
        """The worker is gone (or stopped); every request now fails."""
        return self._death is not None or self._replies.lost

    async def request(self, op: str, sql: str = "", params: Params = ()) -> Any:
        """Send one request and return its result, raising the worker's exception."""
        if self._death is not None:
            self.death_reported = True
            raise StorageWorkerDied(str(self._death), self._death.exitcode)
        loop = asyncio.get_running_loop()
        reply: asyncio.Future[bytes] = loop.create_future()
        if self._replies.lost or self._transport.is_closing():
            reply.set_exception(EOFError("storage worker closed the pipe"))
        else:
            self._replies.expect(reply)
            if op != OPEN:
                self._transport.write(_frame(pickle.dumps((op, sql, params), _PICKLE)))
        try:
            payload = await reply
        except (EOFError, OSError):
            death = await self._died()
            self.death_reported = True
            raise StorageWorkerDied(str(death), death.exitcode) from None
        ok, result, self.in_transaction = pickle.loads(payload)
        if not ok:
            raise result
        return result

    async def _died(self) -> StorageWorkerDied:
        """Why the worker is gone, once it has been reaped (killed if it lingers). Every
        request that was waiting gets the same answer."""
        if self._death is not None:
            return self._death
        if self._reaped is None:
            self.in_transaction = False
            self._transport.close()
            self._reaped = asyncio.ensure_future(_reap(self._process))
        await asyncio.shield(self._reaped)
        if self._death is None:
            exitcode = self._process.exitcode
            self._death = StorageWorkerDied(_describe_exit(exitcode), exitcode)
        return self._death

    async def stop(self, *, graceful: bool = True) -> None:
        """Stop the worker: ask it to close the connection (which checkpoints the WAL),
        wait up to CLOSE_TIMEOUT_S, and kill it if it does not exit. Raises what closing
        the connection raised, after the process is gone."""
        error: BaseException | None = None
        try:
            if graceful and not self.dead:
                try:
                    await asyncio.wait_for(self.request(CLOSE), CLOSE_TIMEOUT_S)
                except StorageWorkerDied:
                    pass
                except TimeoutError as exc:
                    error = exc
                    _kill(self._process)  # hung: it had its chance
                except sqlite3.Error as exc:
                    error = exc
            self._transport.close()
            await _reap(self._process)
        finally:
            if self._process.exitcode is None:
                _kill(self._process)  # cancelled while waiting: never leave it running
            self._transport.close()
            if self._death is None:
                self._death = StorageWorkerDied("storage worker was stopped")
            _live.discard(self)
        if error is not None:
            raise error

    def _abandon(self) -> None:
        """At interpreter exit: close our end so the worker sees EOF, then make sure it is
        gone (multiprocessing would otherwise wait for it forever)."""
        with contextlib.suppress(OSError):
            self._socket.shutdown(socket.SHUT_RDWR)
        if self._process.exitcode is None:
            self._process.join(_EXIT_WAIT_S)
            if self._process.exitcode is None:
                _kill(self._process)
                self._process.join(_EXIT_WAIT_S)


async def _reap(process: BaseProcess) -> None:
    """Wait (off the loop) for the process to exit, killing it if it takes too long."""
    if process.exitcode is not None:
        return
    await asyncio.to_thread(process.join, _EXIT_WAIT_S)
    if process.exitcode is None:
        _kill(process)
        await asyncio.to_thread(process.join, _EXIT_WAIT_S)


def _kill(process: BaseProcess) -> None:
    with contextlib.suppress(OSError, ValueError, AttributeError):
        process.kill()


def _describe_exit(exitcode: int | None) -> str:
    if exitcode is None:
        return "storage worker stopped answering and was killed"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = str(-exitcode)
        return f"storage worker died (signal {name})"
    return f"storage worker exited unexpectedly (exit code {exitcode})"


@atexit.register
def _stop_all_at_exit() -> None:
    for worker in list(_live):
        worker._abandon()
