"""knowledge/schema.json: derived from the schema tables, current, and true to the validator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import main
from bot.cli.kb import schema_text
from bot.engine.knowledge.problems import ProblemLog
from bot.engine.knowledge.schema import (
    ENTRY,
    PACK,
    json_schema,
    parse_entry,
    parse_pack,
    parse_shorthand,
)
from bot.engine.knowledge.yaml_source import read_yaml
from tests.conftest import SHIPPED_KNOWLEDGE

SCHEMA_FILE = SHIPPED_KNOWLEDGE / "schema.json"


class _PlainLoader(yaml.SafeLoader):
    """Reads dates as the text editors see (YAML 1.2 has no timestamp type)."""


_PlainLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _plain(text: str) -> Any:
    return yaml.load(text, Loader=_PlainLoader)  # a SafeLoader: no arbitrary objects


def _shipped_files() -> list[Path]:
    return sorted((SHIPPED_KNOWLEDGE / "fiverr").glob("*.yaml"))


def test_committed_schema_is_what_kb_schema_prints_now(capsys) -> None:
    assert main(["kb", "schema"]) == 0
    printed = capsys.readouterr().out
    assert printed == schema_text()
    assert SCHEMA_FILE.read_text(encoding="utf-8") == printed, (
        "knowledge/schema.json is stale; run: disputebot kb schema > knowledge/schema.json"
    )


def test_schema_lists_the_fields_the_validator_knows() -> None:
    definitions = json_schema()["definitions"]
    for shape in (ENTRY, PACK):
        schema = definitions[shape.name]
        assert list(schema["properties"]) == [spec.name for spec in shape]
        assert schema["required"] == list(shape.required)
        assert schema["additionalProperties"] is False
    assert definitions["quote"]["properties"]["wording"]["enum"] == ["current", "earlier", None]


def test_every_shipped_file_carries_the_editor_schema_line() -> None:
    for path in _shipped_files():
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=../schema.json", path.name


def _validator() -> Any:
    """A validator for knowledge/schema.json; skips when jsonschema (a test extra) is absent."""
    jsonschema = pytest.importorskip("jsonschema")
    schema = _plain(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


@pytest.mark.parametrize("path", _shipped_files(), ids=lambda p: p.name)
def test_every_shipped_knowledge_file_passes_the_json_schema(path: Path) -> None:
    errors = list(_validator().iter_errors(_plain(path.read_text(encoding="utf-8"))))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]


ENTRY_TEXT = """\
entries:
  - id: late-basics
    topic: late-delivery
    title: Late delivery
    summary: What happens when an order is late.
    questions: [order is late]
    keywords: [late]
    not_examples: []
    policy:
      - quote: some words
        source: https://example.com/x
        as_of: 2025-06
    advice: [deliver]
    caveats:
      - plain
      - {text: pinned, quote: 1}
    related: []
    reviewed: 2026-01-31
"""

# Each is refused both by the validator and by the JSON Schema.
BROKEN = [
    ("id: late-basics", "id: Late_Basics"),
    ("title: Late delivery", "title: [Late delivery]"),
    ("title: Late delivery", "titel: Late delivery"),
    ("    questions: [order is late]\n", ""),
    ("    questions: [order is late]", "    questions: []"),
    ("        as_of: 2025-06", "        as_of: June 2025"),
    ("        as_of: 2025-06", "        as_of: 2025-06\n        wording: later"),
    ("        source: https://example.com/x", "        source: example.com/x"),
    ("{text: pinned, quote: 1}", "{text: pinned, quote: 0}"),
    ("{text: pinned, quote: 1}", "{text: pinned, quote: 1, why: x}"),
    ("reviewed: 2026-01-31", "reviewed: soon"),
    ("    advice: [deliver]", "    advice: deliver"),
]


def _validator_errors(text: str, tmp_path: Path) -> list[str]:
    path = tmp_path / "k" / "demo" / "f.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    log = ProblemLog()
    data = read_yaml(path, tmp_path / "k", log)
    parse_entry(data["entries"][0], log, "f.yaml", 2)
    return [str(p) for p in log.errors]


def test_a_sound_entry_passes_both(tmp_path: Path) -> None:
    assert _validator_errors(ENTRY_TEXT, tmp_path) == []
    assert list(_validator().iter_errors(_plain(ENTRY_TEXT))) == []


@pytest.mark.parametrize(("old", "new"), BROKEN)
def test_what_the_validator_refuses_the_json_schema_refuses(
    old: str, new: str, tmp_path: Path
) -> None:
    text = ENTRY_TEXT.replace(old, new, 1)
    assert text != ENTRY_TEXT
    assert _validator_errors(text, tmp_path)
    assert list(_validator().iter_errors(_plain(text)))


SHORTHAND_TEXT = """\
synonyms:
  cx: cancel
  pay pal: paypal
  Customer Care: customer support
"""

# Each is refused both by the validator and by the JSON Schema.
BROKEN_SHORTHAND = [
    ("  cx: cancel", "  w/o: without"),
    ("  cx: cancel", "  tnc: terms & conditions"),
    ("  cx: cancel", "  cx: [cancel]"),
    ("  cx: cancel", "  cx:"),
    ("synonyms:", "synonym:"),
    ("synonyms:", "words: {}\nsynonyms:"),
]


def _shorthand_errors(text: str, tmp_path: Path) -> list[str]:
    path = tmp_path / "k" / "shorthand.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    log = ProblemLog()
    parse_shorthand(read_yaml(path, tmp_path / "k", log), log, "shorthand.yaml")
    return [str(p) for p in log.errors]


def test_a_sound_shorthand_file_passes_both(tmp_path: Path) -> None:
    assert _shorthand_errors(SHORTHAND_TEXT, tmp_path) == []
    assert list(_validator().iter_errors(_plain(SHORTHAND_TEXT))) == []


@pytest.mark.parametrize(("old", "new"), BROKEN_SHORTHAND)
def test_what_the_validator_refuses_in_shorthand_the_json_schema_refuses(
    old: str, new: str, tmp_path: Path
) -> None:
    text = SHORTHAND_TEXT.replace(old, new, 1)
    assert text != SHORTHAND_TEXT
    assert _shorthand_errors(text, tmp_path)
    assert list(_validator().iter_errors(_plain(text)))


def test_the_shipped_shorthand_file_passes_the_json_schema() -> None:
    path = SHIPPED_KNOWLEDGE / "shorthand.yaml"
    if not path.exists():
        pytest.skip("no shared shorthand file shipped")
    assert path.read_text(encoding="utf-8").splitlines()[0] == (
        "# yaml-language-server: $schema=schema.json"
    )
    errors = list(_validator().iter_errors(_plain(path.read_text(encoding="utf-8"))))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]


def test_a_pack_synonym_with_punctuation_is_refused_by_both(tmp_path: Path) -> None:
    shipped = (SHIPPED_KNOWLEDGE / "fiverr" / "pack.yaml").read_text(encoding="utf-8")
    text = shipped.replace("synonyms:\n", "synonyms:\n  t&c: terms and conditions\n", 1)
    assert text != shipped
    path = tmp_path / "k" / "demo" / "pack.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    log = ProblemLog()
    assert parse_pack(read_yaml(path, tmp_path / "k", log), log, "pack.yaml") is None
    assert ["'t&c' is not plain words" in p.message for p in log.errors] == [True]
    assert list(_validator().iter_errors(_plain(text)))
