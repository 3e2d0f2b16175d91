"""The answer embed and the text helpers always stay inside Discord's limits."""

from __future__ import annotations

from dataclasses import replace

import discord
import pytest

from bot.discord_app.embeds import CUT_NOTE, answer_embed, full_entry_messages
from bot.discord_app.limits import (
    EMBED_DESCRIPTION_MAX,
    EMBED_FIELD_VALUE_MAX,
    EMBED_FIELDS_MAX,
    EMBED_TOTAL_MAX,
    clip,
    fit_lines,
    quote_user_text,
)
from bot.engine.answers.answer import compose_entry
from bot.engine.engine import AnswerEngine


def assert_within_limits(embed: discord.Embed) -> None:
    assert len(embed) <= EMBED_TOTAL_MAX
    assert len(embed.title or "") <= 256
    assert len(embed.description or "") <= EMBED_DESCRIPTION_MAX
    assert len(embed.fields) <= EMBED_FIELDS_MAX
    for field in embed.fields:
        assert len(field.name) <= 256
        assert 0 < len(field.value) <= EMBED_FIELD_VALUE_MAX
    assert len(embed.footer.text or "") <= 2048


def test_every_shipped_entry_fits(shipped_engine: AnswerEngine) -> None:
    kb = shipped_engine.kb
    for entry in kb.entries:
        embed = answer_embed(compose_entry(entry, kb))
        assert_within_limits(embed)
        assert embed.footer.text == kb.pack.disclaimer
        # The pack has no entry pages: the title links nowhere rather than to a policy
        # page that holds none of the advice.
        assert embed.url is None


def test_oversized_entry_is_trimmed_with_a_pointer_to_the_full_entry(
    shipped_engine: AnswerEngine,
) -> None:
    kb = shipped_engine.kb
    entry = kb.entries[0]
    huge = replace(
        entry,
        summary="S" * 300,
        advice=tuple(f"advice {i} " + "x" * 900 for i in range(20)),
        caveats=tuple("caveat " + "y" * 990 for _ in range(10)),
        policy=tuple(replace(q, text="q " * 480) for q in entry.policy * 5),
    )
    answer = compose_entry(huge, kb)
    answer = replace(answer, extras=tuple(kb.entries[1:3]), extra_urls=("https://e.test/a",) * 2)
    embed = answer_embed(answer)
    assert_within_limits(embed)
    assert (embed.description or "").endswith(CUT_NOTE)
    advice = next(f for f in embed.fields if f.name.startswith("Community advice"))
    assert advice.value.endswith(CUT_NOTE)
    assert "](http" not in advice.value
    assert embed.footer.text == kb.pack.disclaimer
    shown = "\n".join(f.value for f in embed.fields)
    assert huge.advice[-1] not in shown  # cut here, and found whole in the full entry:
    messages = full_entry_messages(answer)
    text = "\n".join(e.description or "" for m in messages for e in m)
    for item in (*huge.advice, *huge.caveats, huge.summary):
        assert item in text
    assert text.count("> q q") == len(huge.policy)
    for message in messages:
        assert 1 <= len(message) <= 10
        assert sum(len(e) for e in message) <= EMBED_TOTAL_MAX
        for part in message:
            assert_within_limits(part)
    assert messages[-1][-1].footer.text == kb.pack.disclaimer


def test_the_full_entry_of_every_shipped_entry_shows_all_of_it(
    shipped_engine: AnswerEngine,
) -> None:
    kb = shipped_engine.kb
    for entry in kb.entries:
        messages = full_entry_messages(compose_entry(entry, kb))
        text = "\n".join(e.description or "" for m in messages for e in m)
        for item in (*entry.advice, *entry.caveats):
            assert item in text, entry.id
        for quote in entry.policy:
            assert quote.text.splitlines()[0] in text, entry.id
        for message in messages:
            assert sum(len(e) for e in message) <= EMBED_TOTAL_MAX


def test_fit_lines_keeps_whole_lines_and_marks_the_cut() -> None:
    lines = [f"line {i}" for i in range(100)]
    text = fit_lines(lines, 60, "https://e.test")
    assert len(text) <= 60
    assert text.endswith("… [Full entry](https://e.test)")
    assert text.startswith("line 0\nline 1")
    assert fit_lines(["short"], 60) == "short"


def test_fit_lines_cuts_a_single_long_line() -> None:
    text = fit_lines(["z" * 5000], 100, "https://e.test")
    assert len(text) <= 100


@pytest.mark.parametrize("limit", [1, 2, 10])
def test_clip_never_exceeds_the_limit(limit: int) -> None:
    assert len(clip("abcdefghijklmnop", limit)) <= limit


def test_quoted_user_text_cannot_ping_format_or_embed_links() -> None:
    text = quote_user_text("@everyone **bold** `code` [x](https://evil.test)\n> quote <@123>")
    assert "@everyone" not in text
    assert "\n" not in text
    assert "https://" not in text
    assert "**" not in text.replace("\\*", "")
    assert "<@123>" not in text


def test_markdown_inside_links_is_escaped_too() -> None:
    text = quote_user_text("see https://x.test/a```b and [x](https://y.test/**z**)")
    assert "```" not in text
    assert "**" not in text.replace("\\*", "")
