"""`disputebot run` as its own process against the emulator, stopped the way systemd and
Docker stop it (SIGTERM), and refusing to start with a missing or rejected token."""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path

from bot.storage.database import sidecar_paths
from bot.storage.maintenance import inspect
from tests.discord.harness import FAKE_TOKEN, build_world, set_modes
from tests.emulator import DiscordEmulator

from .emulated import bot_environ, finish, start
from .support import clean_environ

QUESTION = "My buyer doesn't like the logo I delivered and wants a refund, it matches my gig"
STOP_BOUND_SECONDS = 5.0  # the bound: a SIGTERM'd bot is gone within 5 s


class LogReader:
    """Collects the JSON log lines a process writes to stderr, as they come."""

    def __init__(self, stream: asyncio.StreamReader) -> None:
        self.lines: list[str] = []
        self.changed = asyncio.Event()
        self.task = asyncio.create_task(self._read(stream))

    async def _read(self, stream: asyncio.StreamReader) -> None:
        while line := await stream.readline():
            self.lines.append(line.decode().rstrip("\n"))
            self.changed.set()

    async def wait_for(self, text: str, timeout: float = 30) -> dict:
        async def seen() -> dict:
            while True:
                for line in self.lines:
                    record = json.loads(line)
                    if text in record["message"]:
                        return record
                self.changed.clear()
                await self.changed.wait()

        return await asyncio.wait_for(seen(), timeout)


async def test_sigterm_stops_cleanly_with_every_vote_kept(tmp_path: Path) -> None:
    async with DiscordEmulator(token=FAKE_TOKEN) as emu:
        world = build_world(emu, tmp_path)
        await set_modes(world)
        process = await start(bot_environ(world, log_format="json"), "run")
        assert process.stderr is not None
        logs = LogReader(process.stderr)
        try:
            await logs.wait_for("connected as")
            await emu.send_message(world.auto, world.alice, QUESTION)
            reply = await emu.wait_for_message(world.auto, timeout=10)
            ids = [c["custom_id"] for row in reply.body["components"] for c in row["components"]]
            up = next(i for i in ids if i.endswith(":up"))
            down = next(i for i in ids if i.endswith(":down"))
            for custom_id, user in ((up, world.bob), (up, world.mod), (down, world.alice)):
                click = await emu.click_button(reply.id, custom_id, user_id=user)
                await click.wait_response()
                assert "your vote is recorded" in click.response_data["content"]
        finally:
            process.send_signal(signal.SIGTERM)
            loop = asyncio.get_running_loop()
            signalled = loop.time()
            code = await asyncio.wait_for(process.wait(), STOP_BOUND_SECONDS)
            stopped_after = loop.time() - signalled
            await logs.task
    assert code == 0 and stopped_after < STOP_BOUND_SECONDS
    report = inspect(world.settings.database_path)
    assert report.problems == ()
    assert report.row_counts["answers"] == 1 and report.row_counts["votes"] == 3
    assert not any(p.exists() for p in sidecar_paths(world.settings.database_path)), (
        "the last connection closed cleanly and checkpointed its WAL"
    )
    records = [json.loads(line) for line in logs.lines]
    assert any("stopping" in r["message"] for r in records)
    assert all(FAKE_TOKEN not in line for line in logs.lines)


async def test_a_missing_token_is_one_line_and_exit_2(tmp_path: Path) -> None:
    env = clean_environ(database_path=tmp_path / "bot.sqlite3")
    out, err = await finish(await start(env, "run"))
    assert err.splitlines() == [
        "disputebot: error: DISCORD_TOKEN is not set; "
        "put the bot token from the Developer Portal in it"
    ]
    assert out == ""


async def test_a_rejected_token_is_one_line_and_exit_2(tmp_path: Path) -> None:
    async with DiscordEmulator(token=FAKE_TOKEN) as emu:
        world = build_world(emu, tmp_path)
        wrong = FAKE_TOKEN[:-6] + "wrong0"
        env = bot_environ(world, log_level="WARNING", DISCORD_TOKEN=wrong)
        process = await start(env, "run")
        out, err = await finish(process)
    assert process.returncode == 2
    assert err.splitlines() == [
        "disputebot: error: Discord rejected the token (401); check DISCORD_TOKEN"
    ]
    assert out == "" and wrong not in err
