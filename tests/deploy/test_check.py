"""`disputebot check`: one line per check, every failure found without connecting."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pytest

from bot.discord_app.client import bot_intents
from bot.ops.preflight import check_database, check_token, run_checks
from bot.storage.schema import latest_version
from tests.discord.harness import FAKE_TOKEN

from .support import clean_environ, disputebot_command


def statuses(env: dict[str, str]) -> dict[str, tuple[str, str]]:
    results, _ = run_checks(env, intents=dict(bot_intents()))
    return {r.name: (r.status, r.detail) for r in results}


def make_database(path: Path, version: int) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE answers (id INTEGER PRIMARY KEY)")
        conn.execute(f"PRAGMA user_version = {version}")
    conn.close()


def test_everything_ok_and_the_new_database_is_not_created(tmp_path: Path) -> None:
    db = tmp_path / "data" / "bot.sqlite3"
    found = statuses(clean_environ(DISCORD_TOKEN=FAKE_TOKEN, database_path=db))
    assert {name: status for name, (status, _) in found.items()} == {
        "settings": "ok",
        "token": "ok",
        "knowledge": "ok",
        "database": "ok",
        "intents": "note",
    }
    assert "the bot creates it" in found["database"][1] and "at first start" in found["database"][1]
    assert not db.exists() and not db.parent.exists()
    assert "message_content" in found["intents"][1].split("; privileged: ")[1]


async def test_a_migrated_database_is_current_and_an_older_one_will_migrate(
    tmp_path: Path,
) -> None:
    from bot.storage.store import Store

    current = tmp_path / "current.sqlite3"
    store = await Store.open(current)
    await store.close()
    older = tmp_path / "older.sqlite3"
    make_database(older, latest_version() - 1)
    ok = check_database(current)
    assert ok.line() == f"ok   database: {current} is writable, schema {latest_version()} (current)"
    old = check_database(older)
    assert old.status == "ok" and f"migrates it to {latest_version()} at start" in old.detail
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(("-wal", "-shm"))] == []


def test_bad_settings_fail_and_skip_what_depends_on_them(tmp_path: Path) -> None:
    found = statuses(clean_environ(DISCORD_TOKEN=FAKE_TOKEN, answer_threshold="2"))
    assert found["settings"] == ("FAIL", "answer_threshold must be between 0 and 1")
    assert found["token"][0] == "ok"
    assert found["knowledge"][0] == found["database"][0] == "skip"


@pytest.mark.parametrize(
    ("token", "why"),
    [
        ("", "not set"),
        ("abc", "1 dot-separated part"),
        ("MTAxMjM0NTY3ODkwMTIzNDU2Nw.GhIjKl", "2 dot-separated part"),
        ("MTAxMjM0NTY3ODkwMTIzNDU2Nw.GhIjKl.abc.def", "4 dot-separated part"),
        ('"MTAxMjM0NTY3ODkwMTIzNDU2Nw.GhIjKl.secretpart"', "quotes"),
        ("MTAxMjM0NTY3ODkwMTIzNDU2Nw.Gh+jKl.secretpart", "base64url"),
        ("aGVsbG8gd29ybGQ.GhIjKl.secretpart", "bot user id"),
        ("MTAxMjM0NTY3ODkwMTIzNDU2Nw.GhIjKl.secret part", "whitespace"),
    ],
)
def test_a_missing_or_malformed_token_fails_without_being_shown(token: str, why: str) -> None:
    line = check_token(token).line()
    assert line.startswith("FAIL token: ") and why in line
    if token:
        assert all(part not in line for part in token.strip('"').split(".") if len(part) > 4)


def test_broken_knowledge_fails_naming_the_first_error(
    tmp_path: Path, demo_knowledge: Path
) -> None:
    entries = demo_knowledge / "demo" / "entries.yaml"
    entries.write_text(entries.read_text().replace("title:", "titel:", 1))
    env = clean_environ(
        DISCORD_TOKEN=FAKE_TOKEN,
        knowledge_dir=demo_knowledge,
        platform="demo",
        database_path=tmp_path / "db.sqlite3",
    )
    status, detail = statuses(env)["knowledge"]
    assert status == "FAIL" and "error(s), first:" in detail and "entries.yaml" in detail
    missing = statuses({**env, "DISPUTEBOT_KNOWLEDGE_DIR": str(tmp_path / "nowhere")})
    assert missing["knowledge"] == ("FAIL", f"{tmp_path / 'nowhere'} is not a folder")


def test_an_uncreatable_database_folder_fails(tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data folder should be")
    result = check_database(blocker / "db" / "bot.sqlite3")
    status, detail = result.status, result.detail
    assert status == "FAIL" and f"{blocker} is not a folder" in detail


def test_a_database_from_a_newer_schema_fails(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    make_database(db, latest_version() + 1)
    result = check_database(db)
    status, detail = result.status, result.detail
    assert status == "FAIL" and f"schema {latest_version() + 1}, newer" in detail


def test_a_file_that_is_not_a_database_fails(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    db.write_bytes(b"not sqlite at all " * 64)
    result = check_database(db)
    status, detail = result.status, result.detail
    assert status == "FAIL" and "not a database" in detail


def test_the_command_prints_one_line_per_check_and_exits_1_on_failure(tmp_path: Path) -> None:
    command = [*disputebot_command(), "check"]
    good = subprocess.run(
        command,
        env=clean_environ(DISCORD_TOKEN=FAKE_TOKEN, database_path=tmp_path / "db.sqlite3"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert good.returncode == 0, good.stderr
    assert [line.split(":")[0] for line in good.stdout.splitlines()] == [
        "ok   settings",
        "ok   token",
        "ok   knowledge",
        "ok   database",
        "note intents",
    ]
    bad = subprocess.run(
        command,
        env=clean_environ(database_path=tmp_path / "db.sqlite3"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 1
    assert "FAIL token: DISCORD_TOKEN is not set" in bad.stdout.splitlines()
    assert bad.stderr == "disputebot: 1 check(s) failed\n"
    assert FAKE_TOKEN not in good.stdout + good.stderr
