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
from functools import cache
from pathlib import Path
from typing import Any

import Stemmer

from bot.engine.index import index_texts
from bot.engine.models import KnowledgeBase

log = logging.getLogger("disputebot.index_cache")

CACHE_FORMAT = 1
KEEP_FILES = 4  # other packs and versions stay cached too (tests, staging), up to this many
MAX_FILE_BYTES = 256 * 2**20
# The modules whose code decides what an index contains.
_BUILDERS = ("normalise.py", "vectors.py", "index.py", "matcher.py", "index_cache.py")


class _PlainUnpickler(pickle.Unpickler):
    """Unpickles dicts, lists, tuples, strings and numbers, and nothing that names code."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"the index cache may not name {module}.{name}")


class IndexCache:
    """Built indexes in one folder, one file per key; see the module docstring."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.last_outcome = "unused"  # hit, miss, stored or error, for logs and benchmarks

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
                stored = _PlainUnpickler(io.BytesIO(handle.read())).load()
        except FileNotFoundError:
            self.last_outcome = "miss"
            return None
        except Exception as exc:  # any damage to the file means: build afresh
            name = exc.__class__.__name__
            self._warn(f"building the index: ignoring unreadable cache {path.name} ({name})")
            return None
        if not isinstance(stored, dict) or stored.get("key") != key:
            self._warn(f"building the index: ignoring {path.name}, written for other knowledge")
            return None
        self.last_outcome = "hit"
        return stored["state"]  # type: ignore[no-any-return]

    def store(self, key: str, state: dict[str, Any]) -> None:
        """Write atomically (a reader sees the old file or the new one), then prune."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            data = pickle.dumps({"key": key, "state": state}, protocol=pickle.HIGHEST_PROTOCOL)
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


@cache
def _code_fingerprint() -> bytes:
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in _BUILDERS:
        digest.update(name.encode() + b"\0" + (here / name).read_bytes())
    return digest.digest()
