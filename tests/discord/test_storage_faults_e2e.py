"""Storage faults with the whole bot running: it keeps answering, logs each fault once,
recovers when the fault clears, and never half-writes a vote.

tests/storage/test_faults.py proves the Store's contract call by call; these tests
prove it holds where it matters, through the real discord.py client and the
emulator, where every question costs several writes (claim, answer, reply id) and a
fault hits all of them. Several questions are sent during each fault so that "logged
once" means once per fault, not once per message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.discord_app.client import AnyDisputeBot
from bot.storage import database
from bot.storage.monitor import LOGGER_NAME
from tests.discord.harness import FAKE_TOKEN, World, build_world, running, set_modes
from tests.emulator import DiscordEmulator
from tests.emulator.fixtures import ErrorLogCollector
from tests.emulator.state import MessageRecord
from tests.storage.faults_support import locked_by_other_process
from tests.storage.helpers import assert_votes_consistent, fault_logs, raw, recovery_logs

QUESTIONS = (
    "My buyer doesn't like the logo I delivered and wants a refund, it matches my gig",
    "buyer asks for my whatsapp number",
    "the buyer left a 1 star review after I delivered everything, can I get it removed?",
    "Can a buyer cancel after delivery?",
)
DURING_FAULT = 4  # questions asked while the fault lasts
# The Store retries a broken connection at most every 5 s (DEFAULT_RETRY_INTERVAL_S);
# recovery is awaited a little longer than that.
RECOVERY_TIMEOUT = 15.0

Vote = tuple[int, int]  # (answer id, user id)


@contextlib.asynccontextmanager
async def configured_world(tmp_path: Path, *, page_size: int | None = None) -> AsyncIterator[World]:
    """The shared test server, its database created (optionally with small pages) and
    its channel modes set before the bot starts."""
    async with DiscordEmulator(token=FAKE_TOKEN) as emu:
        world = build_world(emu, tmp_path)
        if page_size is not None:
            with raw(world.settings.database_path) as conn:
                conn.execute(f"PRAGMA page_size = {page_size:d}")
                conn.execute("VACUUM")
        await set_modes(world)
        yield world


@pytest_asyncio.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    """Unlike the shared fixture, ERROR logs are checked by each test (`errors`): read-only,
    corrupt and full are logged at ERROR on purpose."""
    async with configured_world(tmp_path) as world:
        yield world


@pytest.fixture
def errors() -> Iterator[ErrorLogCollector]:
    collector = ErrorLogCollector()
    with collector.installed():
        yield collector


@pytest.fixture
def storage_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    return caplog


def vote_buttons(reply: MessageRecord) -> dict[str, str]:
    """{'up': custom_id, 'down': custom_id}; empty when the answer is not on record."""
    ids = [c.get("custom_id", "") for row in reply.body["components"] for c in row["components"]]
    return {i.rsplit(":", 1)[1]: i for i in ids if i.startswith("dispute:vote:")}


def answer_id_of(reply: MessageRecord) -> int:
    return int(vote_buttons(reply)["up"].split(":")[2])


async def ask(world: World, count: int = 1) -> list[MessageRecord]:
    """Post ``count`` questions in the auto channel; returns the one reply to each."""
    sent = []
    for i in range(count):
        question = await world.emu.send_message(
            world.auto, world.alice, QUESTIONS[i % len(QUESTIONS)]
        )
        sent.append(int(question["id"]))
    replies = [await world.emu.wait_for_message(world.auto, timeout=10) for _ in sent]
    by_question = {int(r.body["message_reference"]["message_id"]): r for r in replies}
    assert sorted(by_question) == sorted(sent), "exactly one reply to each question"
    return [by_question[s] for s in sent]


async def ask_until_recorded(world: World) -> MessageRecord:
    """Ask until an answer is on record again: the store reopens a broken connection on
    a later write, at most every few seconds."""
    deadline = time.monotonic() + RECOVERY_TIMEOUT
    while True:
        (reply,) = await ask(world)
        if vote_buttons(reply):
            return reply
        assert time.monotonic() < deadline, "storage did not recover"
        await asyncio.sleep(0.25)


async def vote(world: World, reply: MessageRecord, user: int, direction: str = "up") -> str:
    """Click a vote button; returns what the bot told the member."""
    clicked = await world.emu.click_button(reply.id, vote_buttons(reply)[direction], user_id=user)
    await clicked.wait_response(timeout=10)
    return clicked.response_data["content"]


def stored_votes(path: Path) -> dict[Vote, int]:
    with raw(path) as conn:
        rows = conn.execute("SELECT answer_id, user_id, vote FROM votes").fetchall()
    return {(answer, user): value for answer, user, value in rows}


def only_storage_errors(errors: ErrorLogCollector, *kinds: str) -> None:
    """The ERROR records are exactly the expected storage fault lines: no traceback from
    discord.py ("Ignoring exception in on_message"), no second line for the same fault."""
    logged = [
        r.__dict__.get("storage_fault") or f"{r.name}: {r.getMessage()}" for r in errors.records
    ]
    assert logged == list(kinds)


def assert_healthy(bot: AnyDisputeBot) -> None:
    health = bot.services.store.health()
    assert health["ok"] is True and health["fault"] is None, health


async def test_read_only_database_at_startup(
    world: World,
    storage_log: pytest.LogCaptureFixture,
    errors: ErrorLogCollector,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # As in tests/storage/test_faults.py: root ignores chmod, so the file is opened the
    # way SQLite opens a file it may not write to (mode=ro).
    real_uri = database.sqlite_uri
    monkeypatch.setattr(database, "sqlite_uri", lambda path: f"{path.absolute().as_uri()}?mode=ro")
    db_path = world.settings.database_path
    async with running(world) as bot:
        during = await ask(world, DURING_FAULT)
        assert all(not vote_buttons(r) for r in during)  # nothing to vote on: not on record
        assert fault_logs(storage_log) == ["read-only"]
        assert bot.services.store.health()["fault"] == "read-only"

        monkeypatch.setattr(database, "sqlite_uri", real_uri)  # permissions fixed
        after = await ask_until_recorded(world)
        assert "recorded" in await vote(world, after, world.bob)
        assert recovery_logs(storage_log) == 1
        assert_healthy(bot)
    assert fault_logs(storage_log) == ["read-only"]
    assert stored_votes(db_path) == {(answer_id_of(after), world.bob): 1}
    assert_votes_consistent(db_path)
    only_storage_errors(errors, "read-only")


async def test_locked_database(
    world: World, storage_log: pytest.LogCaptureFixture, errors: ErrorLogCollector
) -> None:
    db_path = world.settings.database_path
    async with running(world) as bot:
        (before,) = await ask(world)
        assert "recorded" in await vote(world, before, world.bob)

        with locked_by_other_process(db_path):
            during = await ask(world, DURING_FAULT)
            assert all(not vote_buttons(r) for r in during)
            assert "can't be saved" in await vote(world, before, world.alice, "down")
            assert fault_logs(storage_log) == ["locked"]
            assert bot.services.store.health()["fault"] == "locked"

        after = await ask_until_recorded(world)
        assert "recorded" in await vote(world, after, world.alice)
        assert recovery_logs(storage_log) == 1
        assert_healthy(bot)
    assert fault_logs(storage_log) == ["locked"]
    assert stored_votes(db_path) == {
        (answer_id_of(before), world.bob): 1,
        (answer_id_of(after), world.alice): 1,
    }
    assert_votes_consistent(db_path)
    only_storage_errors(errors)  # locked is a WARNING


async def test_database_corrupted_while_running(
    world: World, storage_log: pytest.LogCaptureFixture, errors: ErrorLogCollector
) -> None:
    db_path = world.settings.database_path
    async with running(world) as bot:
        (before,) = await ask(world)
        assert "recorded" in await vote(world, before, world.bob)

        assert bot.services.store.database is not None
        db = bot.services.store.database
        await db.fetch_all("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the main file
        with db_path.open("r+b") as handle:
            header = handle.read(100)
            handle.seek(0)
            handle.write(os.urandom(100))  # garbage over the header
        # SQLite would serve the open connection from its page cache; drop the cache as
        # memory pressure would, so the next read meets the damaged file.
        await db.fetch_all("PRAGMA shrink_memory")

        during = await ask(world, DURING_FAULT)
        assert all(not vote_buttons(r) for r in during)
        assert "can't be saved" in await vote(world, before, world.alice, "down")
        assert fault_logs(storage_log) == ["corrupt"]
        assert bot.services.store.health()["fault"] == "corrupt"

        with db_path.open("r+b") as handle:
            handle.write(header)  # repaired in place
        after = await ask_until_recorded(world)
        assert "recorded" in await vote(world, after, world.alice)
        assert recovery_logs(storage_log) == 1
        assert_healthy(bot)
    assert fault_logs(storage_log) == ["corrupt"]
    assert stored_votes(db_path) == {
        (answer_id_of(before), world.bob): 1,
        (answer_id_of(after), world.alice): 1,
    }
    assert_votes_consistent(db_path)
    with raw(db_path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    only_storage_errors(errors, "corrupt")


async def test_full_database(
    tmp_path: Path, storage_log: pytest.LogCaptureFixture, errors: ErrorLogCollector
) -> None:
    # Small pages, so that answers and votes need new pages after a few rows.
    async with configured_world(tmp_path, page_size=512) as world, running(world) as bot:
        db_path = world.settings.database_path
        (before,) = await ask(world)
        assert "recorded" in await vote(world, before, world.bob)
        confirmed = {(answer_id_of(before), world.bob): 1}

        assert bot.services.store.database is not None
        db = bot.services.store.database
        pages = await db.fetch_one("PRAGMA page_count")
        assert pages is not None
        await db.fetch_all(f"PRAGMA max_page_count = {pages[0]}")  # the disk is full

        during: list[MessageRecord] = []
        for _ in range(10):  # a few rows still fit in the last pages
            during += await ask(world, DURING_FAULT)
            if any(not vote_buttons(r) for r in during):
                break
        assert any(not vote_buttons(r) for r in during)  # some answers could not be stored
        assert fault_logs(storage_log) == ["full"]
        # Vote until a vote finds no room: each one is kept whole or not at all.
        refused = None
        for n in range(300):
            user = world.emu.add_user(f"voter{n}")
            said = await vote(world, before, user, "down")
            if "can't be saved" in said:
                refused = user
                break
            assert "recorded" in said
            confirmed[(answer_id_of(before), user)] = -1
        assert refused is not None
        assert stored_votes(db_path) == confirmed
        assert_votes_consistent(db_path)

        await db.fetch_all("PRAGMA max_page_count = 1073741823")  # space freed
        assert "recorded" in await vote(world, before, refused, "down")
        confirmed[(answer_id_of(before), refused)] = -1
        after = await ask(world, DURING_FAULT)
        assert all(vote_buttons(r) for r in after)  # every answer on record again
        assert recovery_logs(storage_log) == 1
        assert_healthy(bot)
    assert fault_logs(storage_log) == ["full"]
    assert stored_votes(db_path) == confirmed
    assert_votes_consistent(db_path)
    only_storage_errors(errors, "full")


async def test_database_deleted_while_running(
    world: World, storage_log: pytest.LogCaptureFixture, errors: ErrorLogCollector
) -> None:
    db_path = world.settings.database_path
    async with running(world) as bot:
        (before,) = await ask(world)
        assert "recorded" in await vote(world, before, world.bob)

        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)

        # The next write notices, recreates an empty database and carries on at once.
        during = await ask(world, DURING_FAULT)
        assert all(vote_buttons(r) for r in during)
        assert fault_logs(storage_log) == ["missing"]
        assert recovery_logs(storage_log) == 1
        assert db_path.is_file()
        assert "no longer on record" in await vote(world, before, world.alice)
        assert "recorded" in await vote(world, during[0], world.alice)
        assert_healthy(bot)
    assert fault_logs(storage_log) == ["missing"]
    assert stored_votes(db_path) == {(answer_id_of(during[0]), world.alice): 1}
    assert_votes_consistent(db_path)
    with raw(db_path) as conn:
        answered = {row[0] for row in conn.execute("SELECT source_message_id FROM answers")}
    assert answered == {int(r.body["message_reference"]["message_id"]) for r in during}
    only_storage_errors(errors)  # missing is a WARNING
