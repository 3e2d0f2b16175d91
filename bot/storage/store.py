"""The one object the bot holds for everything it remembers, and its fault handling.

The bot must keep answering when its database fails, so the Store is the boundary
where sqlite3/OS errors stop. The contract:

* **Nothing escapes.** No sqlite3, OS or schema error leaves a Store method.
  Invalid arguments still raise ValueError (those are bugs, not faults).
* **Failed writes return UNAVAILABLE** (a falsy sentinel). Every write is one
  statement or one transaction, so a failed write leaves nothing behind; a vote,
  for instance, is either fully recorded (row and counters) or absent.
* **Reads the bot decides on return safe defaults** instead of UNAVAILABLE:
  ``get_channel_mode`` → None (no override: use the configured default),
  ``get_guild_settings`` → no overrides, ``was_answered`` → whether this process
  claimed the message, and ``claim_message`` is decided by an in-memory cache of
  this process's claims, so no message is claimed twice within one process even
  while the database is down (a claim made during an outage is not persisted).
* **Other reads** (listings, stats, ``get_answer``, ``vote_counts``, ``get_meta``,
  ``backup_to``) return UNAVAILABLE.
* **Logging:** each fault kind (read-only, locked, corrupt, full, missing, io,
  other) is logged once per outage on ``disputebot.storage`` (WARNING for locked
  and missing, ERROR otherwise), and the recovery once at INFO; a kind that flaps
  is not re-logged within 10 minutes (see bot.storage.monitor). ``health()``
  reports the current state and counters.
* **Recovery:** before every operation the file's (device, inode) is compared with
  the open one. A deleted file is recreated (empty, migrated) immediately; a file
  replaced by another one is reopened. After a read-only, corrupt or I/O fault the
  connection is reopened on a later operation (at most every ``retry_interval_s``;
  after read-only only before a write, as reads keep working), so fixed permissions
  and a replaced or repaired file are picked up without a restart. Locked and full
  need no reopen: the next operation tries again. A locked file is first waited on
  for ``busy_timeout_ms``; once that wait has failed, later operations try without
  waiting until one succeeds. Access is serialised, so waiting on each of them would
  delay every message by the busy timeout once per write queued before it, and a
  lock held for minutes would stall answering altogether. Opening is soft too:
  ``Store.open`` on an unusable file returns a store that keeps retrying.
* After ``close()`` every method returns its failure value without logging.

All access is serialised through one asyncio lock: the connection is shared, and a
transaction must not interleave with other coroutines' statements.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import math
import os
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from bot.storage import validate
from bot.storage.claim_cache import DEFAULT_CLAIM_CACHE_SIZE, ClaimCache
from bot.storage.database import (
    DEFAULT_BUSY_TIMEOUT_MS,
    Database,
    discard_orphan_sidecars,
    file_identity,
)
from bot.storage.faults import REOPEN_KINDS, STORAGE_ERRORS, FaultKind, classify
from bot.storage.models import (
    UNAVAILABLE,
    AnswerRecord,
    ChannelCount,
    ChannelMode,
    ConfigChange,
    Correction,
    EntryCount,
    EntryFeedback,
    GuildSettings,
    PurgeResult,
    ReloadRecord,
    SettingValue,
    StorageUnavailable,
    StoredAnswer,
    UnansweredQuestion,
    VoteResult,
)
from bot.storage.monitor import LOGGER_NAME, FaultMonitor
from bot.storage.repos import (
    answers,
    audit,
    channels,
    corrections,
    feedback,
    meta,
    reloads,
    retention,
    settings,
    stats,
    unanswered,
)

T = TypeVar("T")
F = TypeVar("F")

Clock = Callable[[], float]

DEFAULT_RETRY_INTERVAL_S = 5.0
DEFAULT_RETENTION_DAYS = 30

_log = logging.getLogger(LOGGER_NAME)


class Store:
    """Async facade over the bot's SQLite database; see the module docstring for faults."""

    def __init__(
        self,
        path: Path,
        *,
        clock: Clock = time.time,
        busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
        retry_interval_s: float = DEFAULT_RETRY_INTERVAL_S,
        claim_cache_size: int = DEFAULT_CLAIM_CACHE_SIZE,
    ) -> None:
        """Prefer :meth:`open`, which also connects and migrates."""
        self._path = path
        self._clock = clock
        self._busy_timeout_ms = busy_timeout_ms
        self._retry_interval_s = retry_interval_s
        self._claims = ClaimCache(claim_cache_size)
        self._monitor = FaultMonitor(clock)
        self._lock = asyncio.Lock()
        self._db: Database | None = None
        self._stale = False
        self._stale_for_writes = False
        self._impatient = False  # busy timeout lowered to 0 during a lock outage
        self._last_open_attempt = -math.inf
        self._schema_version: int | None = None
        self._closed = False

    # -- lifecycle -----------------------------------------------------------------

    @classmethod
    async def open(
        cls,
        path: str | os.PathLike[str],
        *,
        clock: Clock = time.time,
        busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
        retry_interval_s: float = DEFAULT_RETRY_INTERVAL_S,
        claim_cache_size: int = DEFAULT_CLAIM_CACHE_SIZE,
    ) -> Store:
        """Open (creating parent directories and the file) and migrate the database.

        Never fails on storage faults: if the file cannot be used the fault is logged
        and the returned store keeps retrying on later calls.
        """
        store = cls(
            Path(path).absolute(),
            clock=clock,
            busy_timeout_ms=busy_timeout_ms,
            retry_interval_s=retry_interval_s,
            claim_cache_size=claim_cache_size,
        )
        async with store._lock:
            await store._reopen("open", write=True)
        return store

    async def close(self) -> None:
        async with self._lock:
            self._closed = True
            db, self._db = self._db, None
            if db is not None:
                with suppress(*STORAGE_ERRORS, ValueError):
                    await db.close()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def path(self) -> Path:
        return self._path

    @property
    def database(self) -> Database | None:
        """The current connection, for maintenance tools; None while unavailable."""
        return self._db

    def health(self) -> dict[str, Any]:
        """ok flag, current and last fault kind, per-kind counts, and connection state."""
        return {
            "ok": not self._closed and self._db is not None and not self._monitor.in_outage,
            "path": str(self._path),
            "connected": self._db is not None,
            "closed": self._closed,
            "schema_version": self._schema_version,
            "claims_in_memory": len(self._claims),
            **self._monitor.snapshot(),
        }

    async def backup_to(self, path: str | os.PathLike[str]) -> Path | StorageUnavailable:
        """Consistent online copy of the database at ``path`` (see Database.backup_to)."""
        return await self._run(
            "backup_to", lambda db: db.backup_to(path), write=False, fallback=UNAVAILABLE
        )

    # -- guild settings and channel modes --------------------------------------------

    async def get_guild_settings(self, guild_id: int) -> GuildSettings:
        """The guild's overrides; no overrides when storage is unavailable."""
        return await self._run(
            "get_guild_settings",
            lambda db: settings.get_guild_settings(db, guild_id),
            write=False,
            fallback=GuildSettings(guild_id),
        )

    async def set_guild_setting(
        self, guild_id: int, key: str, value: SettingValue, *, actor_id: int
    ) -> tuple[SettingValue, SettingValue] | StorageUnavailable:
        """Set (None clears) one override; returns (old, new) and writes an audit row.

        Raises ValueError for an unknown key or a value out of range.
        """
        checked = validate.setting_value(key, value)
        now = self._clock()
        return await self._run(
            "set_guild_setting",
            lambda db: settings.set_guild_setting(
                db, guild_id, key, checked, actor_id=actor_id, at=now
            ),
            write=True,
            fallback=UNAVAILABLE,
        )

    async def get_channel_mode(self, channel_id: int) -> ChannelMode | None:
        """'off', 'mention' or 'auto'; None when unset or storage is unavailable."""
        return await self._run(
            "get_channel_mode",
            lambda db: channels.get_channel_mode(db, channel_id),
            write=False,
            fallback=None,
        )

    async def set_channel_mode(
        self, guild_id: int, channel_id: int, mode: ChannelMode | None, *, actor_id: int
    ) -> tuple[ChannelMode | None, ChannelMode | None] | StorageUnavailable:
        """Set (None removes) a channel's mode; returns (old, new), audited as
        ``channel_mode:<channel_id>``."""
        checked = validate.channel_mode(mode)
        now = self._clock()
        return await self._run(
            "set_channel_mode",
            lambda db: channels.set_channel_mode(
                db, guild_id, channel_id, checked, actor_id=actor_id, at=now
            ),
            write=True,
            fallback=UNAVAILABLE,
        )

    async def list_channel_modes(
        self, guild_id: int
    ) -> dict[int, ChannelMode] | StorageUnavailable:
        return await self._run(
            "list_channel_modes",
            lambda db: channels.list_channel_modes(db, guild_id),
            write=False,
            fallback=UNAVAILABLE,
        )

    async def list_config_changes(
        self, guild_id: int, limit: int = 20
    ) -> list[ConfigChange] | StorageUnavailable:
        """The guild's latest audited changes, newest first."""
        return await self._run(
            "list_config_changes",
            lambda db: audit.list_changes(db, guild_id, limit),
            write=False,
            fallback=UNAVAILABLE,
        )

    # -- answers and claims ------------------------------------------------------------

    async def record_answer(self, record: AnswerRecord) -> int | StorageUnavailable | None:
        """Log an answer; returns its id, or None if its source message already has one."""
        validate.answer(record)
        at = record.created_at if record.created_at is not None else self._clock()
        return await self._run(
            "record_answer",
            lambda db: answers.record_answer(db, record, at=at),
            write=True,
            fallback=UNAVAILABLE,
        )

    async def set_reply_message(self, answer_id: int, message_id: int) -> bool | StorageUnavailable:
        """Attach the bot's reply message; False when the answer does not exist."""
        return await self._run(
            "set_reply_message",
            lambda db: answers.set_reply_message(db, answer_id, message_id),
            write=True,
            fallback=UNAVAILABLE,
        )

    async def get_answer(self, answer_id: int) -> StoredAnswer | StorageUnavailable | None:
        return await self._run(
            "get_answer",
            lambda db: answers.get_answer(db, answer_id),
            write=False,
            fallback=UNAVAILABLE,
        )

    async def was_answered(self, source_message_id: int) -> bool:
        """Whether an answer to this message is logged; when storage is unavailable,
        whether this process claimed it."""
        return await self._run(
            "was_answered",
            lambda db: answers.was_answered(db, source_message_id),
            write=False,
            fallback=source_message_id in self._claims,
        )

    async def claim_message(
        self, message_id: int, *, guild_id: int | None = None, at: float | None = None
    ) -> bool:
        """Take responsibility for answering a message: True only for the first claim.

        Atomic in the database (INSERT OR IGNORE semantics) and, before that, in this
        process's memory, so concurrent claims and claims during an outage cannot both
        win. ``guild_id`` lets retention prune the claim by that guild's period.
        """
        if not self._claims.add(message_id):
            return False
        when = at if at is not None else self._clock()
        return await self._run(
            "claim_message",
            lambda db: answers.claim_message(db, message_id, guild_id, at=when),
            write=True,
            fallback=True,
        )

    # -- feedback ------------------------------------------------------------------------

    async def record_vote(
        self,
        answer_id: int,
        user_id: int,
        vote: int,
        *,
        at: float | None = None,
        message_id: int | None = None,
    ) -> VoteResult | StorageUnavailable | None:
        """Record or change a user's +1/-1 vote (one per user per answer).

        None when the answer does not exist, or when ``message_id`` (the message the
        vote was cast on) is not the answer's recorded reply. Raises ValueError for
        other votes.
        """
        checked = validate.vote(vote)
        when = at if at is not None else self._clock()
        return await self._run(
            "record_vote",
            lambda db: feedback.record_vote(
                db, answer_id, user_id, checked, at=when, message_id=message_id
            ),
            write=True,
            fallback=UNAVAILABLE,
        )

    async def vote_counts(self, answer_id: int) -> tuple[int, int] | StorageUnavailable:
        """(helpful, not_helpful) for an answer."""
        return await self._run(
            "vote_counts",
            lambda db: feedback.vote_counts(db, answer_id),
            write=False,
            fallback=UNAVAILABLE,
        )

    # -- unanswered questions and retention ---------------------------------------------

    async def record_unanswered(
        self,
        guild_id: int | None,
        channel_id: int | None,
        message_id: int | None,
        question: str,
        best_entry_id: str | None,
        confidence: float,
        created_at: float | None = None,
    ) -> int | StorageUnavailable:
        validate.text("question", question)
        checked = validate.confidence(confidence)
        at = created_at if created_at is not None else self._clock()
        return await self._run(
            "record_unanswered",
            lambda db: unanswered.record_unanswered(
                db,
                guild_id=guild_id,
                channel_id=channel_id,
                message_id=message_id,
                question=question,
                best_entry_id=best_entry_id,
                confidence=checked,
                at=at,
            ),
            write=True,
            fallback=UNAVAILABLE,
        )

    async def list_unanswered(
        self, guild_id: int | None = None, since: float | None = None, *, limit: int | None = None
    ) -> list[UnansweredQuestion] | StorageUnavailable:
        """Oldest first; ``guild_id`` None means every guild."""
        return await self._run(
            "list_unanswered",
            lambda db: unanswered.list_unanswered(db, guild_id, since, limit),
            write=False,
            fallback=UNAVAILABLE,
        )

    async def purge_older_than(
        self, retention_days_default: int = DEFAULT_RETENTION_DAYS
    ) -> PurgeResult | StorageUnavailable:
        """Apply retention (see bot.storage.repos.retention for what goes and what stays)."""
        days = validate.retention_days(retention_days_default)
        now = self._clock()
        return await self._run(
            "purge_older_than",
            lambda db: retention.purge_older_than(db, days, now=now),
            write=True,
            fallback=UNAVAILABLE,
        )

    # -- corrections, reloads, meta ----------------------------------------------------

    async def record_correction(
        self,
        answer_id: int,
        moderator_id: int,
        correct_entry_id: str | None,
        should_not_answer: bool,
        *,
        at: float | None = None,
    ) -> int | StorageUnavailable | None:
        """Store a moderator's correction; None when the answer does not exist."""
        when = at if at is not None else self._clock()
        return await self._run(
            "record_correction",
            lambda db: corrections.record_correction(
                db, answer_id, moderator_id, correct_entry_id, should_not_answer, at=when
            ),
            write=True,
            fallback=UNAVAILABLE,
        )

    async def list_corrections(
        self, since: float | None = None
    ) -> list[Correction] | StorageUnavailable:
        """Oldest first."""
        return await self._run(
            "list_corrections",
            lambda db: corrections.list_corrections(db, since),
            write=False,
            fallback=UNAVAILABLE,
        )

    async def record_reload(
        self,
        guild_id: int | None,
        actor_id: int | None,
        ok: bool,
        summary: str,
        *,
        at: float | None = None,
    ) -> int | StorageUnavailable:
        validate.text("summary", summary)
        when = at if at is not None else self._clock()
        return await self._run(
            "record_reload",
            lambda db: reloads.record_reload(db, guild_id, actor_id, ok, summary, at=when),
            write=True,
            fallback=UNAVAILABLE,
        )

    async def list_reloads(self, limit: int = 20) -> list[ReloadRecord] | StorageUnavailable:
        """Newest first."""
        return await self._run(
            "list_reloads",
            lambda db: reloads.list_reloads(db, limit),
            write=False,
            fallback=UNAVAILABLE,
        )

    async def get_meta(self, key: str) -> str | StorageUnavailable | None:
        return await self._run(
            "get_meta", lambda db: meta.get_meta(db, key), write=False, fallback=UNAVAILABLE
        )

    async def set_meta(self, key: str, value: str) -> bool | StorageUnavailable:
        """True once stored."""
        validate.text("key", key)
        validate.text("value", value)
        now = self._clock()

        async def store(db: Database) -> bool:
            await meta.set_meta(db, key, value, at=now)
            return True

        return await self._run("set_meta", store, write=True, fallback=UNAVAILABLE)

    # -- stats ---------------------------------------------------------------------------

    async def answers_per_entry(
        self, since: float | None = None, *, guild_id: int | None = None
    ) -> list[EntryCount] | StorageUnavailable:
        return await self._run(
            "answers_per_entry",
            lambda db: stats.answers_per_entry(db, since, guild_id),
            write=False,
            fallback=UNAVAILABLE,
        )

    async def helpful_ratio_per_entry(
        self, since: float | None = None, *, guild_id: int | None = None
    ) -> list[EntryFeedback] | StorageUnavailable:
        return await self._run(
            "helpful_ratio_per_entry",
            lambda db: stats.helpful_ratio_per_entry(db, since, guild_id),
            write=False,
            fallback=UNAVAILABLE,
        )

    async def most_disliked_entries(
        self, limit: int = 10, *, since: float | None = None, guild_id: int | None = None
    ) -> list[EntryFeedback] | StorageUnavailable:
        return await self._run(
            "most_disliked_entries",
            lambda db: stats.most_disliked_entries(db, limit, since, guild_id),
            write=False,
            fallback=UNAVAILABLE,
        )

    async def answers_per_channel(
        self, since: float | None = None, *, guild_id: int | None = None
    ) -> list[ChannelCount] | StorageUnavailable:
        return await self._run(
            "answers_per_channel",
            lambda db: stats.answers_per_channel(db, since, guild_id),
            write=False,
            fallback=UNAVAILABLE,
        )

    # -- fault handling ------------------------------------------------------------------

    async def _run(
        self,
        op: str,
        action: Callable[[Database], Awaitable[T]],
        *,
        write: bool,
        fallback: F,
    ) -> T | F:
        """Run ``action`` on a usable connection, turning storage faults into ``fallback``."""
        async with self._lock:
            if self._closed:
                return fallback
            try:
                db = await self._usable_database(op, write=write)
                if db is None:
                    self._monitor.failed(write=write)
                    return fallback
                result = await action(db)
            except STORAGE_ERRORS as exc:
                kind = FaultKind.MISSING if self._file_vanished() else classify(exc)
                self._monitor.fault(kind, exc, op=op, write=write)
                self._monitor.failed(write=write)
                if kind is FaultKind.READ_ONLY:
                    # Reads keep working on this connection; reopen only to retry a write.
                    self._stale_for_writes = True
                elif kind in REOPEN_KINDS:
                    self._stale = True
                elif kind is FaultKind.LOCKED:
                    await self._set_impatient(True)
                return fallback
            self._monitor.succeeded(write=write)
            if self._impatient and not self._monitor.in_outage:
                await self._set_impatient(False)
            return result

    async def _set_impatient(self, impatient: bool) -> None:
        """Stop (or resume) waiting on other connections' locks; see the module docstring.

        Best effort: if the PRAGMA itself fails, the next fault or success tries again.
        """
        if self._db is None or impatient == self._impatient:
            return
        try:
            await self._db.set_busy_timeout(0 if impatient else self._busy_timeout_ms)
        except STORAGE_ERRORS:
            return
        self._impatient = impatient

    async def _usable_database(self, op: str, *, write: bool) -> Database | None:
        """The connection to use now, reopening it first if the file changed or a
        fault asked for it; None when no connection could be opened."""
        if self._db is None:
            if self._retry_due():
                await self._reopen(op, write=write)
            return self._db
        identity = file_identity(self._path)
        if identity != self._db.identity:
            if identity is None:
                deleted = FileNotFoundError(
                    errno.ENOENT, "database file was deleted while in use", str(self._path)
                )
                self._monitor.fault(FaultKind.MISSING, deleted, op=op, write=write)
            else:
                _log.info("database file %s was replaced; reopening it", self._path)
            await self._reopen(op, write=write, file_changed=True)
        elif (self._stale or (write and self._stale_for_writes)) and self._retry_due():
            await self._reopen(op, write=write)
        return self._db

    async def _reopen(self, op: str, *, write: bool, file_changed: bool = False) -> None:
        """Replace the connection with a fresh one (creating and migrating the file if it
        is gone); on failure the fault is recorded and the store has no connection.

        ``file_changed``: the file at the path is no longer the one the old connection
        used, so the old connection's -wal/-shm must not be paired with the new file.
        """
        old, self._db = self._db, None
        self._stale = self._stale_for_writes = self._impatient = False
        self._last_open_attempt = time.monotonic()
        try:
            if old is not None:
                # Close first: closing the last connection removes the WAL by name, which
                # must not hit a new file's WAL.
                with suppress(*STORAGE_ERRORS, ValueError):
                    await old.close()
                if file_changed:
                    old.discard_sidecars()
            discard_orphan_sidecars(self._path)
            db = await Database.open(self._path, busy_timeout_ms=self._busy_timeout_ms)
            try:
                self._schema_version = await db.migrate()
            except BaseException:
                with suppress(*STORAGE_ERRORS, ValueError):
                    await db.close()
                raise
        except STORAGE_ERRORS as exc:
            self._monitor.fault(classify(exc), exc, op=op, write=write)
            return
        except BaseException:
            self._last_open_attempt = -math.inf  # interrupted, not failed: retry at once
            raise
        self._db = db

    def _retry_due(self) -> bool:
        return time.monotonic() - self._last_open_attempt >= self._retry_interval_s

    def _file_vanished(self) -> bool:
        try:
            return file_identity(self._path) is None
        except OSError:
            return False
