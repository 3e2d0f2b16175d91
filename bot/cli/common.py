"""Shared pieces of the command line: one error type, settings and engine loading.

Every command reports problems as one clear line and an exit code; nothing
reaches the user as a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from bot.engine.engine import AnswerEngine
from bot.engine.knowledge.problems import KnowledgeError, Problem
from bot.engine.matching.matcher import MatchSettings
from bot.ops.gc_pause import gc_paused
from bot.settings import Settings, SettingsError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class CliError(Exception):
    """A failure to report as one line (plus optional detail lines) with an exit code."""

    def __init__(
        self, message: str, code: int = EXIT_FAILED, details: list[str] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = details or []


def add_knowledge_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--knowledge", type=Path, help="knowledge folder (default: from settings)")
    parser.add_argument("--platform", help="knowledge pack to use (default: from settings, fiverr)")
    parser.add_argument("--threshold", type=float, help="confidence needed to answer unprompted")


def load_settings() -> Settings:
    try:
        return Settings.load()
    except SettingsError as exc:
        raise CliError(f"settings: {exc}", EXIT_USAGE) from None


def load_engine(args: argparse.Namespace, settings: Settings | None = None) -> AnswerEngine:
    """Load the knowledge named by the options or settings, or fail with every problem."""
    settings = settings or load_settings()
    root = args.knowledge or settings.knowledge_dir
    platform = args.platform or settings.platform
    threshold = (
        args.threshold
        if getattr(args, "threshold", None) is not None
        else settings.answer_threshold
    )
    if threshold is not None and not 0.0 <= threshold <= 1.0:
        raise CliError("--threshold must be between 0 and 1", EXIT_USAGE)
    try:
        return AnswerEngine.load(
            root,
            platform,
            settings=MatchSettings(threshold=threshold),
            stale_after_days=settings.stale_after_days,
            index_cache_dir=settings.index_cache_dir,
            build_context=gc_paused,
        )
    except KnowledgeError as exc:
        errors = [str(p) for p in exc.problems if p.severity.value == "error"]
        raise CliError(
            f"the knowledge in {root} has {len(errors)} error(s); run 'disputebot kb validate'",
            EXIT_FAILED,
            errors,
        ) from None


def print_problems(problems: list[Problem] | tuple[Problem, ...], out: TextIO = sys.stdout) -> None:
    for problem in problems:
        print(str(problem), file=out)
