"""`disputebot check`: the pre-flight, one line per check, without connecting to Discord."""

from __future__ import annotations

import argparse
import sys

from bot.cli.common import EXIT_FAILED, EXIT_OK


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "check",
        help="pre-flight: settings, token, knowledge, database, intents (connects to nothing)",
    )
    parser.add_argument(
        "--verbose", action="store_true", help="also print every setting (the token masked)"
    )
    parser.set_defaults(handler=run_check)


def run_check(args: argparse.Namespace) -> int:
    from bot.discord_app.client import bot_intents
    from bot.ops.preflight import run_checks

    results, settings = run_checks(intents=dict(bot_intents()))
    for result in results:
        print(result.line())
    if args.verbose and settings is not None:
        for name, value in settings.redacted().items():
            print(f"     {name} = {value}")
    failed = sum(result.failed for result in results)
    if failed:
        print(f"disputebot: {failed} check(s) failed", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK
