"""The `disputebot` command line: one parser, one error path, exit codes not tracebacks."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from bot import __version__
from bot.cli import ask, check, db, evaluate, feedback, gaps, invite, kb, sync
from bot.cli import run as run_command  # `run` is the console-script function below
from bot.cli.common import EXIT_USAGE, CliError

COMMANDS = (ask, kb, evaluate, run_command, check, sync, invite, db, gaps, feedback)
EXIT_INTERNAL = 70


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="disputebot",
        description="Answers marketplace seller-dispute questions from a curated knowledge base.",
    )
    parser.add_argument("--version", action="version", version=f"disputebot {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except CliError as exc:
        print(f"disputebot: error: {exc.message}", file=sys.stderr)
        for line in exc.details:
            print(f"  {line}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print("disputebot: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:
        if os.environ.get("DISPUTEBOT_DEBUG"):
            raise
        print(
            f"disputebot: internal error: {exc.__class__.__name__}: {exc} "
            "(set DISPUTEBOT_DEBUG=1 for details)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())


__all__ = ["EXIT_USAGE", "build_parser", "main", "run"]
