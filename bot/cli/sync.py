"""`disputebot sync`: register the slash commands now, globally or to one guild."""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import replace

from bot.cli.common import EXIT_FAILED, EXIT_OK, CliError, load_settings
from bot.logging_setup import configure_logging


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "sync",
        help="register the slash commands with Discord now (REST only; the bot need not run)",
    )
    target = parser.add_mutually_exclusive_group()
    target.add_argument(
        "--guild", type=int, metavar="ID", help="sync to this guild only (shows up at once)"
    )
    target.add_argument(
        "--global",
        dest="global_sync",
        action="store_true",
        help="sync globally even when DISPUTEBOT_DEV_GUILD_ID is set",
    )
    parser.set_defaults(handler=run_sync)


def run_sync(args: argparse.Namespace) -> int:
    from bot.discord_app.runner import StartupError
    from bot.discord_app.sync import SYNC_FAILED
    from bot.discord_app.sync_once import sync_once

    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format, (settings.discord_token,))
    if args.global_sync:
        settings = replace(settings, dev_guild_id=None)
    try:
        outcome = asyncio.run(sync_once(settings, guild_id=args.guild))
    except StartupError as exc:
        raise CliError(str(exc), exc.code) from None
    if outcome == SYNC_FAILED:
        raise CliError("Discord refused the command sync (see the warning above)", EXIT_FAILED)
    print(outcome)
    return EXIT_OK
