"""`disputebot sync`: register the slash commands on purpose, over REST only.

The bot is built and set up exactly as `disputebot run` builds it (the same
services: storage and knowledge; the same setup_hook: extensions), so the
command tree Discord gets is the one the running bot serves; only the gateway
connection and the automatic sync at start are left out. The stored tree hash is
updated too, so the next start does not sync the same tree again.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.discord_app.client import AnyDisputeBot, create_bot
from bot.discord_app.runner import bot_services, check_token, discord_endpoints, startup_error
from bot.discord_app.services import Services
from bot.discord_app.sync import sync_commands
from bot.settings import Settings


def _bot_without_start_sync(settings: Settings, services: Services) -> AnyDisputeBot:
    return create_bot(settings, services, sync_on_start=False)


async def sync_once(
    settings: Settings,
    *,
    guild_id: int | None = None,
    bot_factory: Callable[[Settings, Services], AnyDisputeBot] = _bot_without_start_sync,
) -> str:
    """Log in, run setup_hook, sync (to ``guild_id``, the dev guild, or globally), close.

    Returns sync_commands' summary; raises StartupError for a missing or
    rejected token and broken knowledge, as `disputebot run` does.
    """
    check_token(settings.discord_token)
    with discord_endpoints(settings):
        async with bot_services(settings) as services, bot_factory(settings, services) as bot:
            try:
                await bot.login(settings.discord_token)
            except Exception as exc:
                raise startup_error(exc) from None
            return await sync_commands(bot, force=True, guild_id=guild_id)
