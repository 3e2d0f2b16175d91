"""Run the bot: point it at Discord (or a proxy), start it, stop it cleanly.

`disputebot run` and the end-to-end tests both go through serve(), so the tests
start the bot exactly the way an operator does. SIGINT and SIGTERM close the
connection, the HTTP session and the database before the process exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Callable, Iterator

import discord
import yarl

from bot.discord_app.client import AnyDisputeBot, create_bot
from bot.discord_app.components.pick import did_you_mean_view
from bot.discord_app.components.views import answer_view
from bot.discord_app.services import Services, open_services
from bot.engine.knowledge.problems import KnowledgeError
from bot.ops.heap import trim_heap_every
from bot.ops.token import token_problem
from bot.settings import Settings

log = logging.getLogger("disputebot.run")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CONFIG = 2


class StartupError(Exception):
    """A start-up failure to report as one line with an exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


@contextlib.contextmanager
def discord_endpoints(settings: Settings) -> Iterator[None]:
    """Point discord.py at the configured REST base and gateway, restoring them afterwards."""
    route_base = discord.http.Route.BASE
    gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    if settings.api_base_url:
        discord.http.Route.BASE = settings.api_base_url.rstrip("/")
    if settings.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE = route_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway


def check_token(token: str) -> None:
    """The same shape check as `disputebot check`, so both accept exactly the same tokens."""
    if not token:
        raise StartupError(
            "DISCORD_TOKEN is not set; put the bot token from the Developer Portal in it",
            EXIT_CONFIG,
        )
    problem = token_problem(token)
    if problem is not None:
        raise StartupError(f"DISCORD_TOKEN {problem}", EXIT_CONFIG)


@contextlib.asynccontextmanager
async def bot_services(settings: Settings) -> AsyncIterator[Services]:
    """Open the store and load the knowledge for a bot (the runner wires the components
    in); a knowledge base with errors is the StartupError `disputebot run` reports."""
    try:
        async with open_services(
            settings, answer_view=answer_view, choices_view=did_you_mean_view
        ) as services:
            yield services
    except KnowledgeError as exc:
        raise startup_error(exc) from None


async def serve(
    settings: Settings,
    *,
    stop: asyncio.Event | None = None,
    bot_factory: Callable[[Settings, Services], AnyDisputeBot] = create_bot,
    handle_signals: bool = True,
    started: Callable[[AnyDisputeBot], None] | None = None,
) -> int:
    """Open the services, hand them to the bot, run until stopped (signal or `stop`);
    returns the exit code. The store is closed after the bot. Beside the bot, free heap
    memory goes back to the system every minute (bot.ops.heap)."""
    check_token(settings.discord_token)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    installed = []
    if handle_signals:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
                installed.append(sig)
    try:
        with discord_endpoints(settings):
            async with bot_services(settings) as services:
                bot = bot_factory(settings, services)
                if started is not None:
                    started(bot)
                trimming = asyncio.create_task(trim_heap_every(), name="heap-trim")
                try:
                    return await _run_until_stopped(bot, settings.discord_token, stop)
                finally:
                    trimming.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await trimming
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


async def _run_until_stopped(bot: AnyDisputeBot, token: str, stop: asyncio.Event) -> int:
    async with bot:
        running = asyncio.create_task(bot.start(token), name="discord-client")
        stopping = asyncio.create_task(stop.wait(), name="stop-signal")
        done, _ = await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if stopping in done:
            log.info("stopping: closing the gateway, HTTP session and database")
            await bot.close()
            with contextlib.suppress(Exception):
                await running
            return EXIT_OK
        stopping.cancel()
        error = running.exception()
    if error is None:
        return EXIT_OK
    raise startup_error(error)


def startup_error(error: BaseException) -> StartupError | BaseException:
    """The one-line StartupError for failures an operator can fix; others unchanged."""
    if isinstance(error, discord.LoginFailure):
        return StartupError("Discord rejected the token (401); check DISCORD_TOKEN", EXIT_CONFIG)
    if isinstance(error, discord.PrivilegedIntentsRequired):
        return StartupError(
            "the Message Content intent is not enabled for this bot in the Developer Portal",
            EXIT_CONFIG,
        )
    if isinstance(error, KnowledgeError):
        first = next((str(p) for p in error.problems if p.severity.value == "error"), "?")
        return StartupError(
            f"the knowledge base has errors (first: {first}); run 'disputebot kb validate'",
            EXIT_FAILED,
        )
    return error
