"""A disk cache of built match indexes, so a restart with unchanged knowledge skips indexing.

Normalising the pack's few thousand texts and building their vectors is most of
start-up, and its result depends only on those texts, the pack's synonyms and
off_topic examples, and the code that builds it. The cache key is a hash of all
of those (each engine module's source included), so any change to the knowledge
or to the matcher's code is a miss and a fresh build; nothing is ever served stale.

Validation is never cached: the YAML is read and checked on every load, and only
the derived index is restored. Files are pickles of plain containers, read with
an unpickler that refuses every class and function, so a tampered file cannot run
code. A cache that cannot be read or written costs only time: the index is built
as if there were no cache, and one warning is logged.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import pickle
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import Stemmer

from bot.engine.knowledge.models import KnowledgeBase
from bot.engine.matching.index import index_texts

log = logging.getLogger("disputebot.index_cache")

CACHE_FORMAT = 3
PROTOCOL = pickle.HIGHEST_PROTOCOL
# Small tables are split into their values (state -> index -> topic_examples -> one
# topic's rows); big lookup tables such as idf stay whole. Pieces take 15 ms at most.
PIECE_DEPTH = 3
PIECE_MAX_KEYS = 64
KEEP_FILES = 4  # other packs and versions stay cached too (tests, staging), up to this many
MAX_FILE_BYTES = 256 * 2**20
# The modules whose code decides what an index contains.
_BUILDERS = (
    "normalise.py",
    "vectors.py",
    "lexical.py",
    "index.py",
    "matcher.py",
    "index_cache.py",
)


class _PlainUnpickler(pickle.Unpickler):
    """Unpickles dicts, lists, tuples, strings and numbers, and nothing that names code."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"the index cache may not name {module}.{name}")


class IndexCache:
    """Built indexes in one folder, one file per key; see the module docstring."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        # hit, miss, storing, stored or error, for logs, tests and benchmarks
        self.last_outcome = "unused"
        self._write_lock = threading.Lock()
        self._pending: list[tuple[str, dict[str, Any]]] = []
        self._writers: list[threading.Thread] = []

    def key(self, kb: KnowledgeBase) -> str:
        digest = hashlib.sha256()
        digest.update(f"{CACHE_FORMAT}\0{sys.version}\0{Stemmer.version()}\0".encode())
        digest.update(_code_fingerprint())
        digest.update(repr((kb.pack.synonyms, kb.pack.off_topic)).encode())
        for entry in kb.entries:
            digest.update(repr((entry.topic, index_texts(entry))).encode())
        return digest.hexdigest()

    def load(self, key: str) -> dict[str, Any] | None:
        """The state stored under key, or None on a miss or an unusable file."""
        path = self._path(key)
        try:
            with path.open("rb") as handle:
                if os.fstat(handle.fileno()).st_size > MAX_FILE_BYTES:
                    raise ValueError("file too large")
                unpickler = _PlainUnpickler(io.BytesIO(handle.read()))
            header = unpickler.load()
            if not isinstance(header, dict) or header.get("key") != key:
                self._warn(f"building the index: ignoring {path.name}, written for other knowledge")
                return None
            state = _joined(unpickler, header["pieces"])
        except FileNotFoundError:
            self.last_outcome = "miss"
            return None
        except Exception as exc:  # any damage to the file means: build afresh
            name = exc.__class__.__name__
            self._warn(f"building the index: ignoring unreadable cache {path.name} ({name})")
            return None
        self.last_outcome = "hit"
        return state

    def store_later(self, key: str, state: dict[str, Any]) -> None:
        """Queue a write for write_pending(), so a first start need not wait for it.

        Pickling a built index takes about a sixth as long as building it. The state
        is never changed after the build, so a thread can read it safely later.
        """
        self.last_outcome = "storing"
        self._pending.append((key, state))

    def write_pending(self) -> None:
        """Write the queued states from a thread, once the load that queued them is done.

        The thread is not a daemon, so a command that exits at once still finishes the
        file (a write cut short would leave only a temporary file behind).
        """
        pending, self._pending = self._pending, []
        if not pending:
            return
        writer = threading.Thread(
            target=self._write_all, args=(pending,), name="index-cache-writer", daemon=False
        )
        self._writers = [w for w in self._writers if w.is_alive()] + [writer]
        writer.start()

    def wait(self, timeout: float | None = None) -> None:
        """Until every write started by write_pending has finished (tests, benchmarks)."""
        for writer in list(self._writers):
            writer.join(timeout)

    def _write_all(self, pending: list[tuple[str, dict[str, Any]]]) -> None:
        # Let the thread that started us carry on first: without this the new thread
        # keeps the interpreter for a whole switch interval (5 ms) of the start-up.
        time.sleep(0)
        with self._write_lock:  # two reloads' writers never interleave
            for key, state in pending:
                self._store(key, state)

    def _store(self, key: str, state: dict[str, Any]) -> None:
        """Write atomically (a reader sees the old file or the new one), then prune."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            data = _pickled(key, state)
            fd, temp = tempfile.mkstemp(dir=self.directory, prefix=".index-", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                os.replace(temp, self._path(key))
            except BaseException:
                Path(temp).unlink(missing_ok=True)
                raise
            self._prune(keep=self._path(key))
        except OSError as exc:
            self._warn(
                f"cannot write the index cache in {self.directory} ({exc.strerror or exc}); "
                "the next start builds the index again"
            )
            return
        self.last_outcome = "stored"

    def _path(self, key: str) -> Path:
        return self.directory / f"index-{key[:40]}.pickle"

    def _prune(self, keep: Path) -> None:
        files = sorted(
            (p for p in self.directory.glob("index-*.pickle") if p != keep),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        for old in files[KEEP_FILES - 1 :]:
            old.unlink(missing_ok=True)

    def _warn(self, message: str) -> None:
        self.last_outcome = "error"
        log.warning("%s", message)


def _pickled(key: str, state: dict[str, Any]) -> bytes:
    """A header, then the state a piece at a time (the values of small nested tables).

    One dump of the whole index would hold the interpreter for its full length, so
    the thread writing in the background would stall the answers it was meant to
    let through; between pieces, other threads get their turn. One pickler writes
    every piece, so a string shared by two pieces is stored once and comes back as
    one object, as from a single dump.
    """
    pieces = list(_pieces(state))
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=PROTOCOL)
    pickler.dump({"key": key, "pieces": len(pieces)})
    for piece in pieces:
        pickler.dump(piece)
    return buffer.getvalue()


def _pieces(state: dict[str, Any]) -> Iterator[tuple[tuple[str, ...], Any]]:
    for name, value in state.items():
        yield from _split(value, (name,))


def _split(value: Any, where: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
    record = isinstance(value, dict) and 0 < len(value) <= PIECE_MAX_KEYS
    if record and len(where) < PIECE_DEPTH and all(isinstance(name, str) for name in value):
        for name, inner in value.items():
            yield from _split(inner, (*where, name))
    else:
        yield where, value


def _joined(unpickler: pickle.Unpickler, count: int) -> dict[str, Any]:
    """The state _pickled wrote, from the pieces after its header (a malformed one raises)."""
    state: dict[str, Any] = {}
    for _ in range(count):
        where, value = unpickler.load()
        if not where or len(where) > PIECE_DEPTH:
            raise ValueError("a piece of the index cache is misplaced")
        *outer, name = where
        table = state
        for part in outer:
            table = table.setdefault(part, {})
        table[name] = value
    return state


@cache
def _code_fingerprint() -> bytes:
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in _BUILDERS:
        digest.update(name.encode() + b"\0" + (here / name).read_bytes())
    return digest.digest()
