"""Helpers shared by the storage tests: a controllable clock, raw checks, log filters."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest

from bot.storage import AnswerRecord, Store

START = 1_700_000_000.0
DAY = 86_400.0


class FakeClock:
    """Stands in for time.time so tests control "now"."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


async def open_store(path: Path, clock: FakeClock, **options: object) -> Store:
    """A store with a short busy timeout and immediate reopen retries, for fast tests."""
    settings: dict[str, object] = {"busy_timeout_ms": 50, "retry_interval_s": 0.0}
    settings.update(options)
    return await Store.open(path, clock=clock, **settings)  # type: ignore[arg-type]


def answer(**overrides: object) -> AnswerRecord:
    fields: dict[str, object] = {
        "guild_id": 1,
        "channel_id": 10,
        "asker_id": 100,
        "question": "Can a buyer cancel after delivery?",
        "entry_ids": ["cancel-after-delivery"],
        "topics": ["cancellations"],
        "confidence": 0.8,
        "kind": "auto",
        "source_message_id": None,
    }
    fields.update(overrides)
    return AnswerRecord(**fields)  # type: ignore[arg-type]


@contextmanager
def raw(path: Path) -> Iterator[sqlite3.Connection]:
    """A separate plain sqlite3 connection, to check what really is in the file."""
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("PRAGMA busy_timeout = 2000")
        yield conn


def scalar(path: Path, sql: str, params: tuple[object, ...] = ()) -> object:
    with raw(path) as conn:
        return conn.execute(sql, params).fetchone()[0]


def assert_votes_consistent(path: Path) -> None:
    """Every answer's counters equal its vote rows: no vote is ever half-written."""
    with raw(path) as conn:
        rows = conn.execute(
            "SELECT a.id, a.helpful, a.not_helpful, "
            "(SELECT COUNT(*) FROM votes v WHERE v.answer_id = a.id AND v.vote = 1), "
            "(SELECT COUNT(*) FROM votes v WHERE v.answer_id = a.id AND v.vote = -1) "
            "FROM answers a"
        ).fetchall()
    assert all(row[1] == row[3] and row[2] == row[4] for row in rows), rows


def fault_logs(caplog: pytest.LogCaptureFixture, kind: str | None = None) -> list[str]:
    """Kinds of the fault records the store logged (optionally only ``kind``)."""
    return [
        record.__dict__["storage_fault"]
        for record in caplog.records
        if "storage_fault" in record.__dict__
        and (kind is None or record.__dict__["storage_fault"] == kind)
    ]


def recovery_logs(caplog: pytest.LogCaptureFixture) -> int:
    return sum(1 for record in caplog.records if record.__dict__.get("storage_recovered"))


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def set_immutable(path: Path, immutable: bool) -> bool:
    """``chattr +i`` / ``-i``: read-only even for root, who ignores file modes.

    False when chattr is missing or the file system does not support the flag.
    """
    chattr = shutil.which("chattr")
    if chattr is None:
        return False
    flag = "+i" if immutable else "-i"
    done = subprocess.run([chattr, flag, str(path)], capture_output=True, check=False)
    return done.returncode == 0


@contextmanager
def made_read_only(path: Path) -> Iterator[Callable[[], None]]:
    """Make ``path`` read-only for this process (chmod, or chattr +i as root); yields a
    function that makes it writable again. Skips the test only as root without chattr."""
    writable = False

    def make_writable() -> None:
        nonlocal writable
        if not writable:
            if is_root():
                set_immutable(path, False)
            path.chmod(0o644)
            writable = True

    if is_root():
        if not set_immutable(path, True):
            pytest.skip("root ignores file modes, and chattr +i is unavailable here")
    else:
        path.chmod(0o444)
    try:
        yield make_writable
    finally:
        make_writable()
