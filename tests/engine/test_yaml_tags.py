"""Knowledge files are data: every YAML tag that builds Python objects is refused by name.

SECURITY.md says `!!python/object` and friends are rejected. A tag on a scalar used to be
refused by PyYAML's safe constructor, but a tag on a mapping or a sequence (which the
reader converts itself, to keep line numbers) was dropped silently and the value read as
if untagged. Each case here is placed in a real entry of the demo pack, so the error must
name the file and line, the pack must not load, and a reload must keep the old knowledge.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.engine.engine import AnswerEngine
from bot.engine.knowledge.validation import validate_pack

MARKER = "/tmp/disputebot-yaml-tag-ran"  # what the payloads would create if they ran

# (tagged value for the entry's `summary`, the tag named in the error)
TAGS = {
    "python/object on a mapping": ("!!python/object:os.system {command: x}", "!!python/object"),
    "python/object/apply": (f'!!python/object/apply:os.system ["touch {MARKER}"]', "apply"),
    "python/object/new": (f'!!python/object/new:os.system ["touch {MARKER}"]', "new"),
    "python/name": ('!!python/name:os.system ""', "!!python/name:os.system"),
    "python/module": ('!!python/module:os ""', "!!python/module:os"),
    "python/tuple": ("!!python/tuple [a, b]", "!!python/tuple"),
    "python/str": ("!!python/str text", "!!python/str"),
    "set": ("!!set {a: null}", "!!set"),
    "binary": ("!!binary aGVsbG8=", "!!binary"),
    "a local tag": ("!secret text", "!secret"),
    "a full tag URI": ("!<tag:yaml.org,2002:python/object:os.system> {a: 1}", "!!python/object"),
}


def _tagged(knowledge: Path, value: str) -> int:
    """Replace the first entry's summary with the tagged value; returns its line."""
    path = knowledge / "demo" / "entries.yaml"
    lines = path.read_text().splitlines()
    index = next(i for i, line in enumerate(lines) if line.strip().startswith("summary:"))
    lines[index] = f"    summary: {value}"
    path.write_text("\n".join(lines) + "\n")
    return index + 1


@pytest.mark.parametrize("case", list(TAGS), ids=list(TAGS))
def test_python_and_other_tags_are_refused_with_a_located_error(
    demo_knowledge: Path, case: str
) -> None:
    value, named = TAGS[case]
    line = _tagged(demo_knowledge, value)
    result = validate_pack(demo_knowledge, "demo")
    assert result.kb is None
    tag_errors = [p for p in result.errors if "YAML tag" in p.message]
    assert tag_errors, [str(p) for p in result.errors]
    assert tag_errors[0].file.endswith("demo/entries.yaml")
    assert tag_errors[0].line == line
    assert named in tag_errors[0].message and "not allowed" in tag_errors[0].message
    assert not Path(MARKER).exists()


def test_a_tagged_file_keeps_the_running_knowledge_and_fails_kb_validate(
    demo_knowledge: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = AnswerEngine.load(demo_knowledge, "demo")
    before = engine.kb
    _tagged(demo_knowledge, TAGS["python/object/apply"][0])
    outcome = engine.reload()
    assert not outcome.ok and engine.kb is before
    assert main(["kb", "validate", str(demo_knowledge)]) == 1
    out = capsys.readouterr().out
    assert "demo/entries.yaml:" in out and "!!python/object/apply:os.system" in out
    assert not Path(MARKER).exists()


def test_plain_values_and_an_explicit_str_tag_still_load(demo_knowledge: Path) -> None:
    _tagged(demo_knowledge, "!!str Taste alone is usually not grounds for a refund.")
    assert validate_pack(demo_knowledge, "demo").ok
