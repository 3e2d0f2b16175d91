"""Reading labelled question files for `eval` and `kb train`, with one-line errors."""

from __future__ import annotations

from pathlib import Path

from bot.cli.common import CliError
from bot.engine.tooling.evaluate import EvalFileError, LabelledQuestion, read_labelled


def default_labelled_files(knowledge_root: Path) -> list[Path]:
    """Every eval/*.jsonl beside the knowledge folder, in name order."""
    return sorted((Path(knowledge_root).resolve().parent / "eval").glob("*.jsonl"))


def read_all(paths: list[Path]) -> list[LabelledQuestion]:
    items: list[LabelledQuestion] = []
    for path in paths:
        try:
            items.extend(read_labelled(path))
        except FileNotFoundError:
            raise CliError(f"{path} does not exist") from None
        except EvalFileError as exc:
            raise CliError(str(exc)) from None
    if not items:
        raise CliError("the labelled files hold no questions")
    seen: dict[str, str] = {}
    for item in items:
        if item.id in seen and seen[item.id] != item.text:
            raise CliError(f"question id {item.id!r} is used twice with different texts")
        seen[item.id] = item.text
    return items
