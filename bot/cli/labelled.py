"""Reading labelled question files for `eval` and `kb train`, with one-line errors."""

from __future__ import annotations

from pathlib import Path

from bot.cli.common import CliError
from bot.engine.tooling.evaluate import EvalFileError, LabelledQuestion, read_labelled


def default_labelled_files(knowledge_root: Path) -> list[Path]:
    """Every eval/*.jsonl beside the knowledge folder, in name order."""
    return sorted((Path(knowledge_root).resolve().parent / "eval").glob("*.jsonl"))


def default_calibration_files(knowledge_root: Path) -> list[Path]:
    """Every eval/calibration/*.jsonl: held-out questions that only set the answer threshold."""
    return sorted((Path(knowledge_root).resolve().parent / "eval" / "calibration").glob("*.jsonl"))


def read_all(paths: list[Path], *, allow_empty: bool = False) -> list[LabelledQuestion]:
    items: list[LabelledQuestion] = []
    for path in paths:
        try:
            items.extend(read_labelled(path))
        except FileNotFoundError:
            raise CliError(f"{path} does not exist") from None
        except EvalFileError as exc:
            raise CliError(str(exc)) from None
    if not items and not allow_empty:
        raise CliError("the labelled files hold no questions")
    seen: dict[str, str] = {}
    for item in items:
        if item.id in seen and seen[item.id] != item.text:
            raise CliError(f"question id {item.id!r} is used twice with different texts")
        seen[item.id] = item.text
    return items


def check_held_out(items: list[LabelledQuestion], calibration: list[LabelledQuestion]) -> None:
    """Calibration questions must be new to the models, or their figures flatter them."""
    trained = {item.text for item in items}
    shared = [item.id for item in calibration if item.text in trained]
    if shared:
        raise CliError(
            f"{len(shared)} calibration question(s) are also training questions "
            f"(first: {shared[0]!r}); a held-out question must not be trained on"
        )


def read_held_out(
    paths: list[Path] | None, knowledge_root: Path, items: list[LabelledQuestion]
) -> list[LabelledQuestion]:
    """The held-out calibration questions (paths, or eval/calibration/ by default; there
    may be none), checked to share no question with the training items."""
    calibration = read_all(
        default_calibration_files(knowledge_root) if paths is None else paths, allow_empty=True
    )
    check_held_out(items, calibration)
    return calibration
