"""`disputebot invite-url`: the OAuth2 link that adds the bot with the permissions it needs."""

from __future__ import annotations

import argparse
import os

from bot.cli.common import EXIT_OK, EXIT_USAGE, CliError
from bot.ops.token import bot_id_from_token
from bot.settings import TOKEN_ENV


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "invite-url", help="print the link that invites the bot (scopes bot, applications.commands)"
    )
    parser.add_argument(
        "--client-id",
        type=int,
        metavar="ID",
        help="the application's client id (default: read from DISCORD_TOKEN's first part)",
    )
    parser.add_argument(
        "--explain", action="store_true", help="also list each permission and why it is needed"
    )
    parser.set_defaults(handler=run_invite)


def client_id_for(option: int | None) -> int:
    """The --client-id option, else the bot id encoded in DISCORD_TOKEN."""
    if option is not None:
        if option <= 0:
            raise CliError("--client-id must be a positive number", EXIT_USAGE)
        return option
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise CliError(
            f"give --client-id, or set {TOKEN_ENV} to read it from the token", EXIT_USAGE
        )
    client_id = bot_id_from_token(token)
    if client_id is None:
        raise CliError(
            f"{TOKEN_ENV}'s first part does not encode a client id; give --client-id", EXIT_USAGE
        )
    return client_id


def run_invite(args: argparse.Namespace) -> int:
    from bot.discord_app.permissions import PERMISSION_REASONS, invite_url, required_permissions

    print(invite_url(client_id_for(args.client_id)))
    if args.explain:
        print(f"permissions {required_permissions().value}:")
        for name, reason in PERMISSION_REASONS.items():
            print(f"  {name}: {reason}")
    return EXIT_OK
