"""`disputebot run`: start the Discord bot."""

from __future__ import annotations

import argparse
import asyncio

from bot.cli.common import CliError, load_settings
from bot.logging_setup import configure_logging


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("run", help="run the Discord bot (token from DISCORD_TOKEN)")
    parser.add_argument(
        "--watch", action="store_true", help="reload the knowledge when its files change"
    )
    parser.set_defaults(handler=run_bot)


def run_bot(args: argparse.Namespace) -> int:
    # discord.py is imported only by the commands that talk to Discord: `ask`, `eval`
    # and the kb tools stay light.
    from bot.discord_app.runner import StartupError, serve

    settings = load_settings()
    if args.watch:
        from dataclasses import replace

        settings = replace(settings, watch_knowledge=True)
    configure_logging(settings.log_level, settings.log_format, (settings.discord_token,))
    try:
        return asyncio.run(serve(settings))
    except StartupError as exc:
        raise CliError(str(exc), exc.code) from None
