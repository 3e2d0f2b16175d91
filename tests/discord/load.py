"""Push many messages through the emulator into a running bot, and check what came back.

Shared by the load test in the suite and bench/bot_throughput.py, so the figures the
benchmark prints come from exactly the code path the test asserts on.
"""

from __future__ import annotations

import asyncio
import resource
import time
from collections import Counter
from dataclasses import dataclass, field

from tests.discord.harness import World

# Everyday chatter mixed into the load: the bot must stay silent on all of it.
CHATTER = (
    "good morning everyone",
    "anyone else having a slow week?",
    "lol same",
    "thanks for the tips yesterday!",
    "what do you all use for invoices",
    "happy friday folks",
    "just finished a big order, time for a nap",
    "nice one 👍",
)


@dataclass
class LoadReport:
    sent: int
    replies: int
    seconds: float
    duplicates: int
    replies_per_user: Counter[int] = field(default_factory=Counter)
    peak_rss_mb: float = 0.0

    @property
    def messages_per_second(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0


def peak_rss_mb() -> float:
    """The process's peak resident memory so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def push(
    world: World,
    traffic: list[tuple[int, int, str]],
    *,
    expect_replies: int | None = None,
    settle: float = 0.5,
    timeout: float = 120.0,
) -> LoadReport:
    """Send (channel, author, text) messages as fast as the gateway takes them.

    Waits until `expect_replies` bot messages exist (or, without it, until no new
    reply arrived for `settle` seconds), then counts replies per question message.
    """
    emu = world.emu
    bot_id = str(emu.bot_user_id)
    channels = {channel for channel, _, _ in traffic}

    def bot_replies() -> list:
        return [
            m
            for c in channels
            for m in emu.channel_messages(c)
            if m.payload["author"]["id"] == bot_id
        ]

    started = time.perf_counter()
    sent_ids: dict[int, int] = {}
    for channel, author, text in traffic:
        message = await emu.send_message(channel, author, text)
        sent_ids[int(message["id"])] = author
    deadline = started + timeout
    last_count, last_change = -1, time.perf_counter()
    while time.perf_counter() < deadline:
        count = len(bot_replies())
        if expect_replies is not None and count >= expect_replies:
            break
        if count != last_count:
            last_count, last_change = count, time.perf_counter()
        elif expect_replies is None and time.perf_counter() - last_change >= settle:
            break
        await asyncio.sleep(0.02)
    seconds = time.perf_counter() - started
    replies = bot_replies()
    referenced = Counter(
        int(m.body["message_reference"]["message_id"])
        for m in replies
        if m.body.get("message_reference")
    )
    per_user: Counter[int] = Counter()
    for message_id, count in referenced.items():
        per_user[sent_ids.get(message_id, 0)] += count
    return LoadReport(
        sent=len(traffic),
        replies=len(replies),
        seconds=seconds,
        duplicates=sum(count - 1 for count in referenced.values() if count > 1),
        replies_per_user=per_user,
        peak_rss_mb=peak_rss_mb(),
    )
