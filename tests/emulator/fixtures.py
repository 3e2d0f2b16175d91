"""Glue between the emulator and discord.py: URL overrides, bot start/stop, teardown checks.

The only discord.py internals touched are the two class attributes that hold the REST base
and the gateway URL (``Route.BASE``, ``DiscordWebSocket.DEFAULT_GATEWAY``); both are restored.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Iterator

import discord
import pytest_asyncio
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from .server import DiscordEmulator


@contextlib.contextmanager
def point_discord_at(emu: DiscordEmulator) -> Iterator[None]:
    """Send discord.py's REST calls and gateway connection to ``emu`` for the block."""
    old_base, old_gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE = emu.api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(emu.gateway_url)
    try:
        yield
    finally:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = old_base, old_gateway


@pytest_asyncio.fixture
async def discord_emulator() -> AsyncIterator[DiscordEmulator]:
    """A running emulator with discord.py pointed at it (for a conftest to import)."""
    async with DiscordEmulator() as emu:
        with point_discord_at(emu):
            yield emu


@contextlib.asynccontextmanager
async def running_bot(
    bot: discord.Client,
    emu: DiscordEmulator,
    *,
    token: str | None = None,
    ready_timeout: float = 5.0,
) -> AsyncIterator[discord.Client]:
    """Log in, connect in the background, wait for ``on_ready``; close and join on exit.

    ``login`` comes first because ``wait_until_ready`` needs the ready event it creates.
    A connect failure (bad token, 4014...) is raised here instead of timing out.
    """
    await bot.login(token or emu.token)
    connect = asyncio.create_task(bot.connect(), name="emulated-bot-connect")
    ready = asyncio.create_task(bot.wait_until_ready())
    try:
        done, _ = await asyncio.wait(
            {connect, ready}, timeout=ready_timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if connect in done:
            connect.result()  # re-raise the connect error
        if ready not in done:
            raise TimeoutError(f"bot not ready after {ready_timeout}s")
        yield bot
    finally:
        ready.cancel()
        await bot.close()
        with contextlib.suppress(asyncio.CancelledError):
            await connect


def shutdown_problems(bot: discord.Client) -> list[str]:
    """Why a closed bot is not cleanly shut down (empty list if it is)."""
    problems = []
    if not bot.is_closed():
        problems.append("bot.is_closed() is False")
    # discord.py has no public accessor for its aiohttp session; the name is mangled.
    session = getattr(bot.http, "_HTTPClient__session", None)
    if session is not None and not session.closed:
        problems.append("HTTP session left open")
    if bot.ws is not None and bot.ws.open:
        problems.append("gateway websocket left open")
    for thread in threading.enumerate():
        if type(thread).__name__ == "KeepAliveHandler":
            thread.join(timeout=1.0)
            if thread.is_alive():
                problems.append(f"heartbeat thread {thread.name} still running")
    return problems


class ErrorLogCollector(logging.Handler):
    """Collects ERROR records: discord.py logs handler exceptions instead of raising them."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    @contextlib.contextmanager
    def installed(self, logger: str = "") -> Iterator[ErrorLogCollector]:
        target = logging.getLogger(logger)
        target.addHandler(self)
        try:
            yield self
        finally:
            target.removeHandler(self)
