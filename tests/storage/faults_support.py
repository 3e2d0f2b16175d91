"""Driving every Store method during a fault, and holding a lock from another process."""

from __future__ import annotations

import itertools
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.storage import UNAVAILABLE, GuildSettings, Store

from .helpers import answer

WRITES = frozenset(
    {
        "set_guild_setting",
        "set_channel_mode",
        "record_answer",
        "set_reply_message",
        "record_vote",
        "record_unanswered",
        "purge_older_than",
        "record_correction",
        "record_reload",
        "set_meta",
    }
)
DECISION_READS = frozenset({"get_guild_settings", "get_channel_mode", "was_answered"})
CLAIMS = frozenset({"claim_message"})
REPORT_READS = frozenset(
    {
        "list_channel_modes",
        "list_config_changes",
        "get_answer",
        "vote_counts",
        "list_unanswered",
        "list_corrections",
        "list_reloads",
        "get_meta",
        "answers_per_entry",
        "helpful_ratio_per_entry",
        "most_disliked_entries",
        "answers_per_channel",
        "backup_to",
    }
)

SEEDED_SOURCE_MESSAGE = 1
_unique = itertools.count(10_000)


async def seed(store: Store) -> int:
    """Known state to read back during faults; returns the seeded answer's id."""
    assert await store.set_channel_mode(1, 10, "auto", actor_id=1) == (None, "auto")
    assert await store.set_guild_setting(1, "answer_threshold", 0.7, actor_id=1) == (None, 0.7)
    answer_id = await store.record_answer(answer(source_message_id=SEEDED_SOURCE_MESSAGE))
    assert isinstance(answer_id, int)
    assert await store.record_vote(answer_id, 1, 1)
    assert await store.set_meta("command_tree_hash", "h1") is True
    return answer_id


async def call_every_method(store: Store, answer_id: int, scratch: Path) -> dict[str, object]:
    """Call each public Store operation once; an exception escaping fails the test.

    Fresh ids are used for every write so that none of them is a no-op.
    """
    n = next(_unique)
    return {
        "get_guild_settings": await store.get_guild_settings(1),
        "set_guild_setting": await store.set_guild_setting(1, "user_cooldown_s", n, actor_id=2),
        "get_channel_mode": await store.get_channel_mode(10),
        "set_channel_mode": await store.set_channel_mode(1, n, "mention", actor_id=2),
        "list_channel_modes": await store.list_channel_modes(1),
        "list_config_changes": await store.list_config_changes(1),
        "record_answer": await store.record_answer(answer(source_message_id=n)),
        "set_reply_message": await store.set_reply_message(answer_id, n),
        "get_answer": await store.get_answer(answer_id),
        "was_answered": await store.was_answered(SEEDED_SOURCE_MESSAGE),
        "claim_message": await store.claim_message(n, guild_id=1),
        "record_vote": await store.record_vote(answer_id, n, -1),
        "vote_counts": await store.vote_counts(answer_id),
        "record_unanswered": await store.record_unanswered(1, 10, n, "q", None, 0.1),
        "list_unanswered": await store.list_unanswered(1),
        "purge_older_than": await store.purge_older_than(30),
        "record_correction": await store.record_correction(answer_id, 3, None, True),
        "list_corrections": await store.list_corrections(),
        "record_reload": await store.record_reload(1, 2, True, "ok"),
        "list_reloads": await store.list_reloads(),
        "get_meta": await store.get_meta("command_tree_hash"),
        "set_meta": await store.set_meta("command_tree_hash", f"h{n}"),
        "answers_per_entry": await store.answers_per_entry(),
        "helpful_ratio_per_entry": await store.helpful_ratio_per_entry(),
        "most_disliked_entries": await store.most_disliked_entries(),
        "answers_per_channel": await store.answers_per_channel(),
        "backup_to": await store.backup_to(scratch / f"backup-{n}.sqlite3"),
    }


def assert_everything_failed_softly(results: dict[str, object]) -> None:
    """Storage entirely unusable: failure values and safe defaults everywhere."""
    for name in WRITES | REPORT_READS:
        assert results[name] is UNAVAILABLE, name
    assert results["get_guild_settings"] == GuildSettings(1)
    assert results["get_channel_mode"] is None
    assert results["was_answered"] is False
    assert results["claim_message"] is True  # decided by this process's memory


def assert_writes_failed_reads_worked(results: dict[str, object], answer_id: int) -> None:
    """Writes refused (read-only, locked) while reads still return real data."""
    for name in WRITES:
        assert results[name] is UNAVAILABLE, name
    for name in REPORT_READS:
        assert results[name] is not UNAVAILABLE, name
    assert results["get_channel_mode"] == "auto"
    assert results["get_guild_settings"] == GuildSettings(1, answer_threshold=0.7)
    assert results["was_answered"] is True
    assert results["vote_counts"] == (1, 0)
    assert results["get_meta"] == "h1"
    stored = results["get_answer"]
    assert getattr(stored, "id", None) == answer_id


@contextmanager
def locked_by_other_process(path: Path) -> Iterator[None]:
    """Hold ``BEGIN EXCLUSIVE`` on ``path`` from a separate Python process."""
    script = (
        "import sqlite3, sys\n"
        "conn = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "conn.execute('BEGIN EXCLUSIVE')\n"
        "print('locked', flush=True)\n"
        "sys.stdin.readline()\n"
        "conn.execute('ROLLBACK')\n"
        "conn.close()\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", script, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdin is not None and holder.stdout is not None
    try:
        assert holder.stdout.readline().strip() == "locked"
        yield
    finally:
        holder.stdin.write("\n")
        holder.stdin.close()
        assert holder.wait(timeout=10) == 0
        holder.stdout.close()
