"""Offline source checks: every quote against its stored snapshot, even in a broken pack."""

from __future__ import annotations

from pathlib import Path

from bot.engine.tooling.source_check import check_offline, collect_quotes


def test_a_sound_pack_has_every_quote_in_its_snapshot(demo_knowledge: Path) -> None:
    quotes = collect_quotes(demo_knowledge, "demo")
    assert len(quotes.quotes) == 4
    assert quotes.problems == ()
    assert check_offline(quotes) == []
    assert sorted(quotes.by_source()) == [
        "https://example.test/contact",
        "https://example.test/late",
        "https://example.test/old-tos",
        "https://example.test/refunds",
    ]


def test_every_misquote_and_unknown_source_is_listed_with_its_place(
    demo_knowledge: Path,
) -> None:
    entries = demo_knowledge / "demo" / "entries.yaml"
    text = entries.read_text()
    text = text.replace("is not enough grounds", "is never grounds")
    text = text.replace("https://example.test/late", "https://example.test/moved")
    entries.write_text(text)
    quotes = collect_quotes(demo_knowledge, "demo")
    failures = check_offline(quotes)
    assert [(f.quote.entry_id, f.quote.number) for f in failures] == [
        ("refund-taste", 1),
        ("late-basics", 1),
    ]
    assert "not found verbatim in the snapshot of https://example.test/refunds" in str(failures[0])
    assert str(failures[0]).startswith(
        "knowledge/demo/entries.yaml:15: entry 'refund-taste' policy[1]"
    )
    assert "no stored snapshot of https://example.test/moved" in str(failures[1])


def test_unreadable_files_are_reported_and_other_files_still_checked(
    demo_knowledge: Path,
) -> None:
    (demo_knowledge / "demo" / "zz-broken.yaml").write_text("entries: [\n")
    quotes = collect_quotes(demo_knowledge, "demo")
    assert len(quotes.quotes) == 4
    assert [p.file for p in quotes.problems] == ["knowledge/demo/zz-broken.yaml"]


def test_a_missing_pack_is_a_problem_not_a_crash(demo_knowledge: Path) -> None:
    quotes = collect_quotes(demo_knowledge, "nowhere")
    assert quotes.quotes == ()
    assert "no knowledge pack folder 'nowhere'" in quotes.problems[0].message
