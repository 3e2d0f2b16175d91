"""Throughput of the whole bot: real questions and chatter through the Discord emulator.

Starts the emulator in this process and the bot as a child process exactly as an
operator would (`disputebot run`, pointed at the emulator by its REST and gateway
URL settings), sends N messages across several auto-mode channels as fast as the
gateway takes them, waits for every expected reply, and prints handled messages
per second, the bot process's peak resident memory (VmHWM) and duplicate replies.

    python bench/bot_throughput.py [--messages 2000] [--channels 10] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import statistics
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.engine.engine import AnswerEngine  # noqa: E402
from bot.engine.tooling.evaluate import read_labelled  # noqa: E402
from bot.storage.store import Store  # noqa: E402
from tests.discord.harness import FAKE_TOKEN, World, build_world  # noqa: E402
from tests.discord.load import CHATTER, peak_rss_mb, push  # noqa: E402
from tests.emulator import DiscordEmulator  # noqa: E402


def corpus(size: int) -> list[str]:
    """Real questions from the evaluation sets, interleaved with chatter, repeated to size."""
    questions = [
        item.text
        for path in sorted((ROOT / "eval").glob("*.jsonl"))
        for item in read_labelled(path)
    ]
    mixed: list[str] = []
    for i, question in enumerate(questions):
        mixed.append(question)
        mixed.append(CHATTER[i % len(CHATTER)])
    return [mixed[i % len(mixed)] for i in range(size)]


async def one_run(messages: int, channels: int) -> dict[str, float]:
    texts = corpus(messages)
    engine = AnswerEngine.load(ROOT / "knowledge", "fiverr")
    expected = sum(1 for t in texts if (r := engine.match(t)).answer or r.ambiguous)
    with tempfile.TemporaryDirectory() as tmp:
        async with DiscordEmulator(token=FAKE_TOKEN) as emu:
            world = build_world(emu, Path(tmp))
            targets = [world.auto] + [
                emu.add_text_channel(world.guild, f"auto-{i}") for i in range(channels - 1)
            ]
            users = [world.alice, world.bob] + [emu.add_user(f"user{i}") for i in range(48)]
            store = await Store.open(world.settings.database_path)
            for channel in targets:
                await store.set_channel_mode(world.guild, channel, "auto", actor_id=world.mod)
            await store.close()
            traffic = [
                (targets[i % len(targets)], users[i % len(users)], text)
                for i, text in enumerate(texts)
            ]
            async with bot_process(world) as process:
                report = await push(world, traffic, expect_replies=expected, timeout=300)
                bot_peak = peak_of(process.pid)
                bot_cpu = cpu_seconds(process.pid)
    return {
        "messages": report.sent,
        "expected_replies": expected,
        "replies": report.replies,
        "duplicates": report.duplicates,
        "seconds": round(report.seconds, 3),
        "messages_per_second": round(report.messages_per_second, 1),
        "peak_rss_mb": round(bot_peak, 1),
        "harness_peak_rss_mb": round(peak_rss_mb(), 1),
        "bot_cpu_seconds": round(bot_cpu, 2),
    }


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_of(pid: int) -> float:
    """Peak resident memory of a running process, from /proc (megabytes)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bot_environment(
    world: World, user_cooldown: int = 0, topic_cooldown: int = 0
) -> dict[str, str]:
    """The environment an operator would set, pointed at the emulator's URLs."""
    settings = world.settings
    return {
        **os.environ,
        "DISCORD_TOKEN": settings.discord_token,
        "DISPUTEBOT_DATABASE_PATH": str(settings.database_path),
        "DISPUTEBOT_API_BASE_URL": settings.api_base_url or "",
        "DISPUTEBOT_GATEWAY_URL": settings.gateway_url or "",
        "DISPUTEBOT_USER_COOLDOWN_SECONDS": str(user_cooldown),
        "DISPUTEBOT_TOPIC_COOLDOWN_SECONDS": str(topic_cooldown),
        "DISPUTEBOT_LOG_LEVEL": "WARNING",
    }


async def wait_until_answering(world: World) -> None:
    """Until the bot answers a mention: its commands synced and its guilds arrived.

    Synced commands alone are not enough: messages sent between the sync and the
    gateway's GUILD_CREATE would go to a bot that does not know the channel yet.
    The probe goes to the mention channel, which the figures never count, and is
    repeated until one is answered, since a probe sent too early is lost.
    """
    await world.emu.wait_for_request("PUT", r"/applications/\d+/commands", timeout=60)
    bot = world.emu.bot_user_id
    for _ in range(60):
        await world.emu.send_message(
            world.mention,
            world.alice,
            f"<@{bot}> buyer asks for my whatsapp",
            mention_user_ids=[bot],
        )
        with contextlib.suppress(TimeoutError):
            await world.emu.wait_for_message(world.mention, timeout=1)
            return
    raise TimeoutError("the bot never answered a mention")


@contextlib.asynccontextmanager
async def bot_process(
    world: World,
    *,
    user_cooldown: int = 0,
    topic_cooldown: int = 0,
    stderr: IO[bytes] | int = asyncio.subprocess.DEVNULL,
) -> AsyncIterator[asyncio.subprocess.Process]:
    """`python -m bot run` against the emulator; yields once it answers, and on the way
    out stops it with SIGTERM as a service manager would (its exit code stays on the
    process)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *os.environ.get("BENCH_PYTHON_ARGS", "").split(),
        "-m",
        "bot",
        "run",
        env=bot_environment(world, user_cooldown, topic_cooldown),
        cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=stderr,
    )
    try:
        await wait_until_answering(world)
        yield process
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--channels", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    runs = [asyncio.run(one_run(args.messages, args.channels)) for _ in range(args.runs)]
    summary = {
        "runs": runs,
        "median_messages_per_second": statistics.median(r["messages_per_second"] for r in runs),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
        "duplicates": sum(r["duplicates"] for r in runs),
    }
    if args.json:
        print(json.dumps(summary))
        return
    for n, run in enumerate(runs, start=1):
        print(
            f"run {n}: {run['messages']} messages, {run['replies']}/{run['expected_replies']} "
            f"replies in {run['seconds']} s, {run['messages_per_second']} msg/s, "
            f"{run['duplicates']} duplicates, bot CPU {run['bot_cpu_seconds']} s"
        )
    print(
        f"median: {summary['median_messages_per_second']} handled messages/s; "
        f"bot process peak RSS {summary['peak_rss_mb']} MB; "
        f"duplicate replies: {summary['duplicates']}"
    )


if __name__ == "__main__":
    main()
