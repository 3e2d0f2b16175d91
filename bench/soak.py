"""Soak: the bot under steady traffic for a long time, its memory sampled as it goes.

Starts the Discord emulator in this process and the bot as a child process exactly as an
operator runs it (`python -m bot run`, pointed at the emulator by its URL settings), then
sends messages at a steady rate for --minutes: real questions and chatter across several
auto-mode channels, plus every so often a vote click on a recent answer and an /ask.
Every --interval seconds it reads the bot process's resident memory (VmRSS), its peak
(VmHWM) and CPU time from /proc. At the end it prints memory over time with the reply
latency, and a verdict on flatness: the least-squares slope of RSS over the second half
of the run (the first half is warm-up: caches filling, SQLite pages, allocator arenas).

    python bench/soak.py [--minutes 10] [--rate 75] [--csv bench/results/soak.csv]

Cooldowns are off by default so that every confident question is answered and written
to the database: the most work per message, the worst case for memory. Not part of the
test suite; it runs as long as it is told to.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bot_throughput import (  # noqa: E402
    bot_process,
    corpus,
    cpu_seconds,
)
from bot.engine.engine import AnswerEngine  # noqa: E402
from bot.storage.store import Store  # noqa: E402
from tests.discord.harness import FAKE_TOKEN, World, build_world  # noqa: E402
from tests.emulator import DiscordEmulator  # noqa: E402
from tests.emulator.interactions import InteractionRecord  # noqa: E402

SETTLE_SECONDS = 3.0  # after the last message: no new reply for this long means done
# Memory is called flat when the least-squares trend of RSS over the second half,
# projected to an hour, is below this. For scale: keeping 100 bytes per message at
# 75 messages/s is 27 MB/hour; the 15-minute views of ephemeral answers (fixed in
# bot.discord_app.replies) showed as +17 MB/hour in a 12-minute run.
FLAT_MB_PER_HOUR = 5.0
MIN_SECOND_HALF_MINUTES = 4.0  # shorter runs get the figures but no verdict


@dataclass
class Sample:
    seconds: float
    sent: int
    replies: int
    rss_mb: float
    hwm_mb: float
    cpu_seconds: float
    database_mb: float


@dataclass
class Soak:
    args: argparse.Namespace
    samples: list[Sample] = field(default_factory=list)
    expected_replies: int = 0
    interactions: list[InteractionRecord] = field(default_factory=list)
    latencies: list[tuple[float, float]] = field(default_factory=list)  # (at s, latency s)
    duplicates: int = 0
    exit_code: int | None = None
    stderr_problems: list[str] = field(default_factory=list)


def memory_of(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a running process in MB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


def fitted_slope(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of ys over xs."""
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


def bot_messages(world: World, channels: list[int]) -> list:
    bot_id = world.emu.bot_user_id
    return [m for c in channels for m in world.emu.channel_messages(c) if m.author_id == bot_id]


def latest_vote_button(world: World, channel: int) -> tuple[int, str] | None:
    """(message id, custom id) of a vote button on the newest answer in ``channel``."""
    for message in reversed(world.emu.channel_messages(channel)):
        if message.author_id != world.emu.bot_user_id or not message.body:
            continue
        for row in message.body.get("components", []):
            for item in row["components"]:
                if item.get("custom_id", "").startswith("dispute:vote:"):
                    return message.id, item["custom_id"]
    return None


async def run(args: argparse.Namespace) -> Soak:
    soak = Soak(args)
    rng = random.Random(args.seed)
    texts = corpus(2000)
    engine = AnswerEngine.load(ROOT / "knowledge", "fiverr")
    answerable = {t for t in set(texts) if (r := engine.match(t)).answer or r.ambiguous}
    with tempfile.TemporaryDirectory() as tmp:
        async with DiscordEmulator(token=FAKE_TOKEN) as emu:
            world = build_world(emu, Path(tmp))
            channels = [world.auto] + [
                emu.add_text_channel(world.guild, f"auto-{i}") for i in range(args.channels - 1)
            ]
            members = [world.alice, world.bob] + [
                emu.add_user(f"member{i}") for i in range(args.members - 2)
            ]
            async with await Store.open(world.settings.database_path) as store:
                for channel in channels:
                    await store.set_channel_mode(world.guild, channel, "auto", actor_id=world.mod)
            log = Path(tmp) / "bot-stderr.log"
            with log.open("wb") as stderr:
                async with bot_process(
                    world,
                    user_cooldown=args.user_cooldown,
                    topic_cooldown=args.topic_cooldown,
                    stderr=stderr,
                ) as process:
                    await drive(world, soak, process, rng, texts, answerable, channels, members)
            soak.exit_code = process.returncode
            soak.stderr_problems = [
                line
                for line in log.read_text(errors="replace").splitlines()
                if "Traceback" in line or " ERROR " in line or "CRITICAL" in line
            ]
            measure_replies(world, soak, channels)
    return soak


async def drive(
    world: World,
    soak: Soak,
    process: asyncio.subprocess.Process,
    rng: random.Random,
    texts: list[str],
    answerable: set[str],
    channels: list[int],
    members: list[int],
) -> None:
    """Send at a steady rate for the whole run while a second task samples the bot."""
    args = soak.args
    emu = world.emu
    loop = asyncio.get_running_loop()
    started = loop.time()
    duration = args.minutes * 60
    sent = 0
    db = world.settings.database_path
    pid = process.pid

    def sample() -> None:
        if process.returncode is not None:
            raise RuntimeError(f"the bot exited with {process.returncode} during the soak")
        rss, hwm = memory_of(pid)
        size = sum(p.stat().st_size for p in db.parent.glob(db.name + "*") if p.is_file())
        soak.samples.append(
            Sample(
                seconds=round(loop.time() - started, 1),
                sent=sent,
                replies=len(bot_messages(world, channels)),
                rss_mb=round(rss, 1),
                hwm_mb=round(hwm, 1),
                cpu_seconds=round(cpu_seconds(pid), 2),
                database_mb=round(size / 2**20, 2),
            )
        )

    async def sampler() -> None:
        while True:
            sample()
            await asyncio.sleep(args.interval)

    sampling = asyncio.create_task(sampler())
    try:
        while loop.time() - started < duration:
            if sampling.done():
                sampling.result()  # the bot died: say so now
            due = started + sent / args.rate
            if due > loop.time():
                await asyncio.sleep(due - loop.time())
            channel = rng.choice(channels)
            text = rng.choice(texts)
            await emu.send_message(channel, rng.choice(members), text)
            sent += 1
            soak.expected_replies += text in answerable
            if sent % args.click_every == 0 and (button := latest_vote_button(world, channel)):
                message_id, custom_id = button
                soak.interactions.append(
                    await emu.click_button(message_id, custom_id, user_id=rng.choice(members))
                )
            if sent % args.ask_every == 0:
                soak.interactions.append(
                    await emu.invoke_slash(
                        "ask",
                        user_id=rng.choice(members),
                        channel_id=channel,
                        options={"question": rng.choice(sorted(answerable))},
                    )
                )
        last, quiet_since = -1, loop.time()
        while loop.time() - quiet_since < SETTLE_SECONDS:
            count = len(bot_messages(world, channels))
            if count != last:
                last, quiet_since = count, loop.time()
            await asyncio.sleep(0.2)
        sample()
    finally:
        sampling.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sampling


def measure_replies(world: World, soak: Soak, channels: list[int]) -> None:
    """Duplicates, and each reply's latency from the emulator's own timestamps."""
    questions = {m.id: m for c in channels for m in world.emu.channel_messages(c) if m.body is None}
    replies = bot_messages(world, channels)
    references = Counter(
        int(m.body["message_reference"]["message_id"])
        for m in replies
        if m.body and m.body.get("message_reference")
    )
    soak.duplicates = sum(n - 1 for n in references.values() if n > 1)
    first = min((stamp(m) for m in questions.values()), default=0.0)
    for reply in replies:
        reference = (reply.body or {}).get("message_reference")
        question = questions.get(int(reference["message_id"])) if reference else None
        if question is not None:
            soak.latencies.append((stamp(reply) - first, stamp(reply) - stamp(question)))


def stamp(message: object) -> float:
    return datetime.fromisoformat(message.payload["timestamp"]).timestamp()  # type: ignore[attr-defined]


def report(soak: Soak) -> str:
    args, samples = soak.args, soak.samples
    lines = [
        f"soak: {args.minutes} min at {args.rate} msg/s, {args.channels} channels, "
        f"{args.members} members, cooldowns {args.user_cooldown}/{args.topic_cooldown} s",
        "",
        "| min | sent | replies | bot RSS MB | VmHWM MB | CPU % | DB MB | p50 ms | p95 ms |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    step = max(1, round(args.report_every / args.interval))
    shown = samples[::step] + ([samples[-1]] if (len(samples) - 1) % step else [])
    previous = None
    for s in shown:
        cpu = (
            100 * (s.cpu_seconds - previous.cpu_seconds) / (s.seconds - previous.seconds)
            if previous and s.seconds > previous.seconds
            else 0.0
        )
        window = [
            lat
            for at, lat in soak.latencies
            if (previous.seconds if previous else 0) <= at < s.seconds
        ]
        p50, p95 = (
            (statistics.median(window) * 1000, statistics.quantiles(window, n=20)[-1] * 1000)
            if len(window) >= 20
            else (float("nan"), float("nan"))
        )
        lines.append(
            f"| {s.seconds / 60:.1f} | {s.sent} | {s.replies} | {s.rss_mb:.1f} | {s.hwm_mb:.1f} "
            f"| {cpu:.0f} | {s.database_mb:.1f} | {p50:.0f} | {p95:.0f} |"
        )
        previous = s
    lines += ["", *verdict(soak)]
    return "\n".join(lines)


def verdict(soak: Soak) -> list[str]:
    samples = soak.samples
    half = samples[len(samples) // 2 :]
    minutes = [s.seconds / 60 for s in half]
    rss = [s.rss_mb for s in half]
    span = minutes[-1] - minutes[0]
    per_hour = fitted_slope(minutes, rss) * 60 if span > 0 else float("nan")
    if span < MIN_SECOND_HALF_MINUTES:
        call = f"none (the second half is under {MIN_SECOND_HALF_MINUTES:.0f} minutes)"
    else:
        call = "FLAT" if per_hour < FLAT_MB_PER_HOUR else "GROWING"
    answered = [i for i in soak.interactions if i.response_type is not None]
    last = samples[-1]
    return [
        f"RSS: {samples[0].rss_mb:.1f} MB at start, {last.rss_mb:.1f} MB at the end, "
        f"peak {last.hwm_mb:.1f} MB; second half ({span:.1f} min): "
        f"{min(rss):.1f}-{max(rss):.1f} MB, mean {statistics.fmean(rss):.1f} MB",
        f"second-half trend: {per_hour:+.1f} MB/hour (flat below {FLAT_MB_PER_HOUR:.0f})",
        f"verdict: {call}",
        f"messages {last.sent} ({last.sent / last.seconds:.1f}/s achieved), replies "
        f"{last.replies} of {soak.expected_replies} expected, duplicates {soak.duplicates}, "
        f"interactions answered {len(answered)}/{len(soak.interactions)}",
        f"bot CPU {last.cpu_seconds:.0f} s ({100 * last.cpu_seconds / last.seconds:.0f} % of "
        f"one core); database {last.database_mb:.1f} MB; "
        f"ERROR/traceback lines on stderr: {len(soak.stderr_problems)}; "
        f"exit code after SIGTERM: {soak.exit_code}",
    ]


def write_csv(soak: Soak, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(asdict(soak.samples[0])))
        writer.writeheader()
        writer.writerows(asdict(s) for s in soak.samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=75.0, help="messages per second")
    parser.add_argument("--channels", type=int, default=10)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between samples")
    parser.add_argument("--report-every", type=float, default=60.0, help="seconds per row")
    parser.add_argument("--click-every", type=int, default=40, help="a vote every N messages")
    parser.add_argument("--ask-every", type=int, default=100, help="an /ask every N messages")
    parser.add_argument("--user-cooldown", type=int, default=0)
    parser.add_argument("--topic-cooldown", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--csv", type=Path, help="write every sample to this CSV file")
    args = parser.parse_args()
    started = time.perf_counter()
    soak = asyncio.run(run(args))
    print(report(soak))
    print(f"wall time {time.perf_counter() - started:.0f} s")
    for line in soak.stderr_problems[:10]:
        print("  stderr:", line)
    if args.csv:
        write_csv(soak, args.csv)
        print(f"samples written to {args.csv}")


if __name__ == "__main__":
    main()
