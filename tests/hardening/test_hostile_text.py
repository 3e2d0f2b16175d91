"""Hostile text, property-based: whatever members type, nothing crashes, pings or overflows.

Inputs mix arbitrary Unicode with the things pranksters send: zalgo, right-to-left
marks, zero-width characters, emoji, mentions, Markdown, code fences, masked and
invite links, and very long messages.
"""

from __future__ import annotations

import re

import discord
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.discord_app.embeds import answer_embed
from bot.discord_app.limits import (
    CONTENT_MAX,
    EMBED_DESCRIPTION_MAX,
    EMBED_FIELD_VALUE_MAX,
    EMBED_TOTAL_MAX,
    clip,
    fit_lines,
    quote_user_text,
)
from bot.engine.answers.render import render_markdown, render_no_answer
from bot.engine.engine import AnswerEngine
from bot.engine.matching.normalise import MAX_MATCH_CHARS, normalise

HOSTILE_PIECES = [
    "@everyone",
    "@here",
    "<@123456789012345678>",
    "<@!123456789012345678>",
    "<@&123456789012345678>",
    "<#123456789012345678>",
    "**bold**",
    "__u__",
    "~~s~~",
    "```python\nprint(1)\n```",
    "`code`",
    "> quote",
    "||spoiler||",
    "[free nitro](https://evil.example/x)",
    "discord.gg/abcdef",
    "https://discord.com/invite/x",
    "Z̸̢̧̛̛a̸l̵g̷o̴",
    "\u202eevil\u202c",
    "\u200b\u200c\u200d\ufeff",
    "👍🏽🔥💀🤡",
    "\x00\x07\x1b[31m",
    "\n" * 30,
    "buyer wants refund",
    "whatsapp",
    "g-m-a-i-l",
    "cx pls",
    "1* review",
]

hostile = st.lists(
    st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(max_size=60)), max_size=25
).map(" ".join)

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(text=st.one_of(st.text(), hostile))
def test_normalise_never_fails_and_is_capped(
    shipped_synonyms: tuple[tuple[str, str], ...], text: str
) -> None:
    result = normalise(text, shipped_synonyms)
    assert len(result.text) <= MAX_MATCH_CHARS
    assert len(result.tokens) == len(result.stems)
    assert all(" " not in token for token in result.tokens)


@FAST
@given(text=hostile)
def test_matching_and_rendering_never_fail(shipped_engine: AnswerEngine, text: str) -> None:
    result, answer = shipped_engine.answer(text, details=True)
    assert 0.0 <= result.confidence <= 1.0
    assert len(result.covered) <= 3
    assert len({c.entry.topic for c in result.covered}) == len(result.covered)
    if answer is not None:
        markdown = render_markdown(answer)
        assert markdown.rstrip().endswith(f"_{shipped_engine.kb.pack.disclaimer}_")
        embed = answer_embed(answer)
        assert len(embed) <= EMBED_TOTAL_MAX
        assert len(embed.description or "") <= EMBED_DESCRIPTION_MAX
        assert all(len(f.value) <= EMBED_FIELD_VALUE_MAX for f in embed.fields)
        assert embed.footer.text == shipped_engine.kb.pack.disclaimer
    else:
        assert shipped_engine.kb.pack.disclaimer in render_no_answer(
            result, shipped_engine.kb.pack.disclaimer
        )


def test_very_long_messages_are_capped_before_matching(shipped_engine: AnswerEngine) -> None:
    text = ("my buyer wants a refund because he doesn't like the logo " * 2000)[:100_000]
    result = shipped_engine.match(text)
    assert len(result.normal.text) <= MAX_MATCH_CHARS
    assert result.main is not None


@FAST
@given(text=hostile)
def test_quoted_user_text_stays_inert(text: str) -> None:
    quoted = quote_user_text(text)
    assert len(quoted) <= 300
    assert "\n" not in quoted
    assert "@everyone" not in quoted and "@here" not in quoted
    assert "<@" not in quoted and "<#" not in quoted
    assert "://" not in quoted
    assert "```" not in quoted
    assert re.search(r"(?<!\\)\*\*", quoted) is None


@FAST
@given(lines=st.lists(st.one_of(hostile, st.text()), max_size=40), limit=st.integers(1, 4096))
def test_fit_lines_and_clip_respect_any_limit(lines: list[str], limit: int) -> None:
    assert len(fit_lines(lines, limit, "https://example.test/entry")) <= limit
    assert len(clip(" ".join(lines), limit)) <= limit


def test_no_mentions_object_parses_nothing() -> None:
    from bot.discord_app.limits import NO_MENTIONS

    assert NO_MENTIONS.to_dict() == {"parse": []}
    assert isinstance(NO_MENTIONS, discord.AllowedMentions)
    assert CONTENT_MAX == 2000
