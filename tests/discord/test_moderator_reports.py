"""The moderators' embeds stay within Discord's limits, whatever they are given."""

from __future__ import annotations

import random
import string

import pytest

from bot.discord_app.kb_reports import lines_within, match_embed, reload_embed
from bot.discord_app.limits import EMBED_TOTAL_MAX
from bot.discord_app.usage_reports import UsageStats, gaps_embed, stats_embed
from bot.engine.engine import AnswerEngine, ReloadOutcome
from bot.engine.knowledge.problems import Problem, Severity
from bot.engine.tooling.gaps import GapQuestion, group_questions
from bot.storage.models import UNAVAILABLE, EntryFeedback


@pytest.mark.parametrize(
    ("lines", "limit", "expected"),
    [
        (["a", "b"], 10, "a\nb"),
        (["a" * 8, "b" * 8, "c" * 8], 20, "aaaaaaaa\n…and 2 more"),
        (["a" * 8, "b" * 8, "c" * 8], 25, "aaaaaaaa\n…and 2 more; see"),
        (["a" * 8, "b" * 8, "c" * 8], 26, "aaaaaaaa\nbbbbbbbb\ncccccccc"),
        (["x" * 50, "y"], 20, "xxxxxxx…\n…and 1 more"),
        (["x" * 50], 10, "xxxxxxxxx…"),
        ([], 10, ""),
    ],
)
def test_lines_within(lines: list[str], limit: int, expected: str) -> None:
    hint = "see" if limit == 25 else ""
    text = lines_within(lines, limit, hint)
    assert text == expected
    assert len(text) <= limit


def problem(n: int) -> Problem:
    return Problem(Severity.ERROR, f"fiverr/f{n}.yaml", n, f"e-{n}", "policy", "*bad* " * 40)


def test_a_refused_reload_lists_errors_within_the_embed_limits() -> None:
    outcome = ReloadOutcome(ok=False, problems=tuple(problem(n) for n in range(500)))
    embed = reload_embed(outcome)
    assert len(embed) <= EMBED_TOTAL_MAX and len(embed.description) <= 4096
    first = embed.description.splitlines()[0]
    assert first.startswith("`fiverr/f0.yaml:0` · entry `e-0` · field `policy`: \\*bad\\*")
    assert embed.footer.text.startswith("500 error(s).")


def test_a_big_reload_summary_stays_within_limits() -> None:
    ids = tuple(f"entry-{n:04d}" for n in range(400))
    warning = Problem(Severity.WARNING, "f.yaml", 1, "e", "reviewed", "stale")
    embed = reload_embed(
        ReloadOutcome(True, (warning,), added=ids, changed=ids, removed=ids, entries=800)
    )
    assert len(embed) <= EMBED_TOTAL_MAX
    assert [f.name for f in embed.fields] == ["Added", "Changed", "Removed"]
    assert embed.fields[0].value.endswith("more")
    assert embed.footer.text.startswith("1 warning(s)")


def test_match_embed_of_a_hostile_long_question_fits(shipped_engine: AnswerEngine) -> None:
    text = "@everyone <@&1> [link](https://evil.example) **buyer wants my whatsapp** " * 60
    embed = match_embed(shipped_engine.match(text))
    assert len(embed) <= EMBED_TOTAL_MAX
    assert "@everyone" not in embed.description and "https://evil" not in embed.description
    fields = {f.name: f.value for f in embed.fields}
    assert fields["Risks"] != "none"


def test_gaps_embed_fits_however_many_groups(shipped_engine: AnswerEngine) -> None:
    def unique(n: int) -> str:
        """Thirty made-up words: no two questions have anything in common."""
        letters = random.Random(n).choices(string.ascii_lowercase, k=240)
        return " ".join("".join(letters[i : i + 8]) for i in range(0, 240, 8))

    questions = [GapQuestion(n, unique(n), None, 0.3, float(n)) for n in range(200)]
    embed = gaps_embed(group_questions(questions), 30, shipped_engine.kb)
    assert len(embed) <= EMBED_TOTAL_MAX
    assert embed.description.startswith("200 question(s) in 200 group(s)")
    assert "more; export them all with `disputebot gaps export --days 30`" in embed.description


def test_stats_embed_says_when_storage_is_unavailable() -> None:
    embed = stats_embed(
        UsageStats(
            days=7,
            per_entry=UNAVAILABLE,
            feedback=[EntryFeedback("a", 3, 0, 0), EntryFeedback("b", 2, 1, 1)],
            disliked=UNAVAILABLE,
            per_channel=[],
            stale=[],
            stale_after_days=365,
        )
    )
    fields = {f.name: f.value for f in embed.fields}
    assert fields["Answers per entry"].startswith("Storage is unavailable")
    assert fields["Helpful ratio"] == "`b`: 👍 1 · 👎 1 (50% helpful)"
    assert fields["Answers per channel"] == "No answers in this period."
    assert fields["Stale entries (reviewed more than 365 days ago)"].startswith("None")
