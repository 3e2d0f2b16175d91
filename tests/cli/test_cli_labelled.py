"""Reading labelled files for kb train and eval: held-out questions must stay held out."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli.common import CliError
from bot.cli.labelled import check_held_out, default_calibration_files, read_all, read_held_out
from bot.engine.tooling.evaluate import LabelledQuestion


def test_a_calibration_question_that_is_also_trained_on_is_refused() -> None:
    trained = [LabelledQuestion("a", "buyer wants a refund", ("refunds",))]
    fresh = [LabelledQuestion("x", "buyer asks for my number", ("contact",))]
    check_held_out(trained, fresh)
    leaked = [*fresh, LabelledQuestion("y", "buyer wants a refund", ("refunds",))]
    with pytest.raises(CliError, match=r"1 calibration question\(s\) are also training .*'y'"):
        check_held_out(trained, leaked)


def test_calibration_files_are_optional(tmp_path: Path) -> None:
    (tmp_path / "knowledge").mkdir()
    assert default_calibration_files(tmp_path / "knowledge") == []
    assert read_all([], allow_empty=True) == []
    with pytest.raises(CliError, match="hold no questions"):
        read_all([])
    folder = tmp_path / "eval" / "calibration"
    folder.mkdir(parents=True)
    (folder / "b.jsonl").write_text('{"id": "1", "text": "t", "topics": []}\n', "utf-8")
    (folder / "a.jsonl").write_text('{"id": "2", "text": "u", "topics": []}\n', "utf-8")
    assert [p.name for p in default_calibration_files(tmp_path / "knowledge")] == [
        "a.jsonl",
        "b.jsonl",
    ]
    assert [q.id for q in read_held_out(None, tmp_path / "knowledge", [])] == ["2", "1"]
    trained = [LabelledQuestion("t", "u", ())]
    with pytest.raises(CliError, match="also training"):
        read_held_out(None, tmp_path / "knowledge", trained)
    assert read_held_out([], tmp_path / "knowledge", trained) == []
