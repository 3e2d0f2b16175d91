"""Shorthand as data: knowledge/shorthand.yaml for every pack, then the pack's own synonyms."""

from __future__ import annotations

from pathlib import Path

from bot.engine.knowledge.loader import SHORTHAND_FILE, load_pack
from bot.engine.matching.normalise import normalise
from bot.engine.matching.ranker import knowledge_fingerprint

SHARED = """\
# yaml-language-server: $schema=schema.json
synonyms:
  cx: cancel
  pls: please
  gdrive: google drive
  pay pal: paypal
  customer care: customer support
  support team: customer support
"""


def _pack_synonyms(knowledge: Path, text: str) -> None:
    pack = knowledge / "demo" / "pack.yaml"
    pack.write_text(pack.read_text() + text, encoding="utf-8")


def test_a_folder_without_shorthand_loads_with_the_packs_own_synonyms(
    demo_knowledge: Path,
) -> None:
    assert not (demo_knowledge / SHORTHAND_FILE).exists()
    _pack_synonyms(demo_knowledge, "synonyms:\n  fivver: fiverr\n")
    result = load_pack(demo_knowledge, "demo")
    assert result.kb is not None, [str(p) for p in result.problems]
    assert not result.problems
    synonyms = result.kb.pack.synonyms
    assert synonyms == (("fivver", "fiverr"),)
    assert normalise("pls cx my fivver order", synonyms).text == "pls cx my fiverr order"


def test_shared_shorthand_comes_first_and_the_pack_wins(demo_knowledge: Path) -> None:
    (demo_knowledge / SHORTHAND_FILE).write_text(SHARED, encoding="utf-8")
    _pack_synonyms(demo_knowledge, "synonyms:\n  Fivver: FIVERR\n  cx: cancellation\n")
    result = load_pack(demo_knowledge, "demo")
    assert result.kb is not None, [str(p) for p in result.problems]
    synonyms = result.kb.pack.synonyms
    assert synonyms[:2] == (("cx", "cancellation"), ("pls", "please"))
    assert synonyms[-1] == ("fivver", "fiverr")
    text = normalise("pls CX my fivver order, ask customer care", synonyms).text
    assert text == "please cancellation my fiverr order ask customer support"


def test_phrases_join_whole_words_in_order(demo_knowledge: Path) -> None:
    (demo_knowledge / SHORTHAND_FILE).write_text(SHARED, encoding="utf-8")
    result = load_pack(demo_knowledge, "demo")
    assert result.kb is not None
    synonyms = result.kb.pack.synonyms
    assert normalise("pay  pal or\npay pal", synonyms).text == "paypal or paypal"
    assert normalise("repay palace", synonyms).text == "repay palace"
    # Joins apply in file order, each to what the earlier ones left.
    assert normalise("customer care team", synonyms).text == "customer customer support"
    assert normalise("files on gdrive", synonyms).text == "files on google drive"


def test_shorthand_is_part_of_the_knowledge_fingerprint(demo_knowledge: Path) -> None:
    before = load_pack(demo_knowledge, "demo").kb
    (demo_knowledge / SHORTHAND_FILE).write_text(SHARED, encoding="utf-8")
    after = load_pack(demo_knowledge, "demo").kb
    assert before is not None and after is not None
    assert knowledge_fingerprint(before) != knowledge_fingerprint(after)


def test_every_bad_synonym_gets_a_located_error_at_once(demo_knowledge: Path) -> None:
    (demo_knowledge / SHORTHAND_FILE).write_text(
        "synonyms:\n"  # line 1
        "  cx: cancel\n"
        "  w/o: without\n"  # 3: punctuation in the key
        "  t&c: terms and conditions\n"  # 4
        "  tnc: terms & conditions\n"  # 5: punctuation in the meaning
        "  pls:\n"  # 6: no meaning
        "  CX: cancel\n"  # 7: the same key as line 2 once lower-cased
        "  rev: [revision]\n"  # 8: not text
        "synonym:\n"  # 9: unknown field
        "  u: you\n",
        encoding="utf-8",
    )
    _pack_synonyms(demo_knowledge, "synonyms:\n  fiverr's: fiverr\n")
    result = load_pack(demo_knowledge, "demo")
    assert result.kb is None
    found = {(p.file, p.line, p.field) for p in result.errors}
    shorthand = "knowledge/shorthand.yaml"
    assert {
        (shorthand, 3, "synonyms"),
        (shorthand, 4, "synonyms"),
        (shorthand, 5, "synonyms"),
        (shorthand, 6, "synonyms"),
        (shorthand, 7, "synonyms"),
        (shorthand, 8, "synonyms"),
        (shorthand, 9, "synonym"),
        ("knowledge/demo/pack.yaml", 16, "synonyms"),
    } <= found, sorted(found)
    messages = {p.line: p.message for p in result.errors if p.file == shorthand}
    assert "'w/o' is not plain words" in messages[3]
    assert "'terms & conditions' is not plain words" in messages[5]
    assert "must map to text" in messages[6]
    assert "listed twice (as 'cx')" in messages[7]
    assert "unknown field" in messages[9]


def test_a_shorthand_file_needs_synonyms(demo_knowledge: Path) -> None:
    (demo_knowledge / SHORTHAND_FILE).write_text("synonyms: {}\n", encoding="utf-8")
    result = load_pack(demo_knowledge, "demo")
    assert result.kb is None
    assert any("at least 1 synonym" in p.message for p in result.errors)
