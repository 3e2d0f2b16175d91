"""Every kind of broken knowledge file gets its own specific, located error."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from bot.engine.engine import AnswerEngine
from bot.engine.knowledge.validation import validate_pack
from tests.conftest import FIXTURES

BROKEN = FIXTURES / "broken"

# file -> (substring of the message, line, entry id, field)
CASES = {
    "bad_syntax.yaml": ("quoted scalar that starts on line 4", 6, None, None),
    "tabs.yaml": ("tab character", 3, None, None),
    "alias_bomb.yaml": ("anchors and aliases", 2, None, None),
    "latin1.yaml": ("not UTF-8 text: byte 0xe9", 2, None, None),
    "impossible_date.yaml": ("'reviewed' is not a valid date: day is out of range", 16, None, None),
    "wrong_types.yaml": ("must be text, not a list", 4, "wrong-types", "title"),
    "unknown_field.yaml": ("unknown field", 7, "unknown-field", "keyword"),
    "missing_field.yaml": ("missing required field", 2, "missing-field", "caveats"),
    "duplicate_id.yaml": (
        "duplicate id; also defined at knowledge/demo/duplicate_id.yaml:2",
        31,
        "late-basics",
        "id",
    ),
    "unknown_topic.yaml": ("unknown topic 'refundz'", 3, "unknown-topic", "topic"),
    "dangling_related.yaml": (
        "related entry 'no-such-entry' does not exist",
        15,
        "dangling-related",
        "related",
    ),
    "quote_without_source.yaml": ("a quote with no source", 10, "quote-without-source", "source"),
    "misquote.yaml": ("not verbatim in the stored source", 9, "misquote", "policy"),
    "not_example_matches.yaml": ("matches its own entry", 11, "self-contradicting", "not_examples"),
}


def _with_file(knowledge: Path, name: str) -> Path:
    shutil.copy(BROKEN / name, knowledge / "demo" / name)
    return knowledge


@pytest.mark.parametrize("name", sorted(CASES))
def test_broken_file_gets_its_specific_located_error(demo_knowledge: Path, name: str) -> None:
    message, line, entry, field = CASES[name]
    result = validate_pack(_with_file(demo_knowledge, name), "demo")
    assert result.kb is None
    matching = [p for p in result.errors if message in p.message]
    assert matching, [str(p) for p in result.errors]
    problem = matching[0]
    assert problem.file.endswith("entries.yaml" if name == "duplicate_id.yaml" else name)
    assert problem.line == line
    assert problem.entry == entry
    assert problem.field == field


def test_wrong_types_reports_every_problem_at_once(demo_knowledge: Path) -> None:
    result = validate_pack(_with_file(demo_knowledge, "wrong_types.yaml"), "demo")
    fields = {p.field for p in result.errors}
    assert {"title", "questions", "reviewed"} <= fields


def test_stale_review_date_is_a_warning_not_an_error(demo_knowledge: Path) -> None:
    result = validate_pack(_with_file(demo_knowledge, "stale_reviewed.yaml"), "demo")
    assert result.ok
    assert any("last reviewed 2019-01-01" in str(p) for p in result.warnings)
    assert not result.errors


def test_problem_text_names_file_line_entry_and_field(demo_knowledge: Path) -> None:
    result = validate_pack(_with_file(demo_knowledge, "unknown_topic.yaml"), "demo")
    text = str(result.errors[0])
    assert text.startswith("knowledge/demo/unknown_topic.yaml:3: error: entry 'unknown-topic': ")
    assert "field 'topic'" in text


def test_oversized_file_is_refused_before_reading(demo_knowledge: Path) -> None:
    big = demo_knowledge / "demo" / "huge.yaml"
    with big.open("wb") as handle:
        handle.write(b"entries:\n")
        handle.write(b"  # padding\n" * (20_000_000 // 12))
    started = time.perf_counter()
    result = validate_pack(demo_knowledge, "demo")
    assert time.perf_counter() - started < 5
    assert any(
        "the limit is 1.0 MB" in p.message and p.file.endswith("huge.yaml") for p in result.errors
    )


def test_binary_file_is_refused(demo_knowledge: Path) -> None:
    (demo_knowledge / "demo" / "blob.yaml").write_bytes(b"entries:\n" + bytes(range(256)))
    result = validate_pack(demo_knowledge, "demo")
    assert any("binary data" in p.message and p.line == 2 for p in result.errors)


def test_symlink_outside_the_knowledge_folder_is_refused(
    demo_knowledge: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text("entries: []\n")
    os.symlink(outside, demo_knowledge / "demo" / "escape.yaml")
    result = validate_pack(demo_knowledge, "demo")
    assert any(
        "symlink points outside" in p.message and p.file.endswith("escape.yaml")
        for p in result.errors
    )


def test_symlink_inside_the_folder_is_followed(demo_knowledge: Path) -> None:
    os.symlink(demo_knowledge / "demo" / "entries.yaml", demo_knowledge / "demo" / "alias.yml")
    result = validate_pack(demo_knowledge, "demo")
    assert any("duplicate id" in p.message for p in result.errors)


@pytest.mark.parametrize("name", sorted(CASES))
def test_reload_with_a_broken_file_keeps_the_running_knowledge(
    demo_knowledge: Path, name: str
) -> None:
    engine = AnswerEngine.load(demo_knowledge, "demo")
    before = engine.kb
    _with_file(demo_knowledge, name)
    outcome = engine.reload()
    assert not outcome.ok
    assert outcome.errors
    assert engine.kb is before
    assert (
        engine.match("buyer dislikes the logo and wants a refund").main.entry.id == "refund-taste"
    )


def _huge(folder: Path) -> None:
    with (folder / "huge.yaml").open("wb") as handle:
        handle.write(b"entries:\n" + b"  - x\n" * (20_000_000 // 6))


def _binary(folder: Path) -> None:
    (folder / "blob.yaml").write_bytes(b"entries:\n" + bytes(range(256)))


def _escaping_symlink(folder: Path) -> None:
    outside = folder.parent.parent / "outside.yaml"
    outside.write_text("entries: []\n")
    os.symlink(outside, folder / "escape.yaml")


# Broken files the test makes itself -> a substring of the error each must give.
GENERATED = {
    "20 MB file": (_huge, "the limit is 1.0 MB"),
    "binary bytes": (_binary, "binary data"),
    "symlink outside": (_escaping_symlink, "symlink points outside"),
}


@pytest.mark.parametrize("case", sorted(GENERATED))
def test_reload_with_a_generated_broken_file_keeps_the_running_knowledge(
    demo_knowledge: Path, case: str
) -> None:
    make, message = GENERATED[case]
    engine = AnswerEngine.load(demo_knowledge, "demo")
    before = engine.kb
    make(demo_knowledge / "demo")
    outcome = engine.reload()
    assert not outcome.ok
    assert any(message in p.message for p in outcome.errors), [str(p) for p in outcome.errors]
    assert engine.kb is before
    assert (
        engine.match("buyer dislikes the logo and wants a refund").main.entry.id == "refund-taste"
    )


def test_broken_files_are_refused_within_bounded_memory(demo_knowledge: Path) -> None:
    """An alias bomb and a 20 MB file are refused before they can be expanded or read."""
    import tracemalloc

    shutil.copy(BROKEN / "alias_bomb.yaml", demo_knowledge / "demo" / "alias_bomb.yaml")
    with (demo_knowledge / "demo" / "huge.yaml").open("wb") as handle:
        handle.write(b"entries:\n" + b"  - x\n" * (20_000_000 // 6))
    tracemalloc.start()
    try:
        result = validate_pack(demo_knowledge, "demo")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not result.ok
    assert peak < 20_000_000
