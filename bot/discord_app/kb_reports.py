"""Embeds that explain the knowledge to moderators: reload results and /kb test.

A moderator fixing a file needs every error with its file, line and field in
one message, and one tuning a phrasing needs to see why the bot chose what it
chose. Both can be long, so each list keeps as many whole lines as fit and says
how many more there are and where to see them all.
"""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.discord_app.limits import (
    EMBED_DESCRIPTION_MAX,
    EMBED_FIELD_VALUE_MAX,
    EMBED_TITLE_MAX,
    clip,
    quote_user_text,
)
from bot.engine.engine import ReloadOutcome
from bot.engine.knowledge.problems import Problem
from bot.engine.matching.matcher import Candidate, MatchResult

OK_COLOUR = discord.Colour.green()
FAILED_COLOUR = discord.Colour.red()
INFO_COLOUR = discord.Colour.blurple()
VALIDATE_HINT = "run `disputebot kb validate` for the full list"


def lines_within(lines: Sequence[str], limit: int, more_hint: str = "") -> str:
    """Whole lines up to ``limit`` characters, then "…and K more" if any were left out.

    The first line is always shown, cut if it alone is too long, so a moderator
    sees at least one concrete problem.
    """
    text = "\n".join(lines)
    if len(text) <= limit:
        return text

    def tail(left: int) -> str:
        return f"…and {left} more" + (f"; {more_hint}" if more_hint else "")

    # sizes[k]: characters of the first k lines, each followed by a newline.
    sizes = [0]
    for line in lines:
        sizes.append(sizes[-1] + len(line) + 1)
    for keep in range(len(lines) - 1, 0, -1):
        if sizes[keep] + len(tail(len(lines) - keep)) <= limit:
            return "\n".join(lines[:keep]) + "\n" + tail(len(lines) - keep)
    if len(lines) == 1:
        return clip(lines[0], limit)
    rest = tail(len(lines) - 1)
    return clip(lines[0], max(1, limit - len(rest) - 1)) + "\n" + rest


def problem_line(problem: Problem) -> str:
    """``file:line`` · entry · field: message, with the message's markdown escaped."""
    where = problem.file if problem.line is None else f"{problem.file}:{problem.line}"
    parts = [f"`{where}`"]
    if problem.entry:
        parts.append(f"entry `{problem.entry}`")
    if problem.field:
        parts.append(f"field `{problem.field}`")
    return " · ".join(parts) + ": " + discord.utils.escape_markdown(problem.message)


def reload_embed(outcome: ReloadOutcome) -> discord.Embed:
    """What the reload changed, or every error that stopped it."""
    if not outcome.ok:
        errors = outcome.errors
        embed = discord.Embed(
            title="Reload refused: the running knowledge is unchanged",
            description=lines_within(
                [problem_line(p) for p in errors], EMBED_DESCRIPTION_MAX, VALIDATE_HINT
            ),
            colour=FAILED_COLOUR,
        )
        embed.set_footer(
            text=f"{len(errors)} error(s). Fix them and reload again; members keep getting "
            "answers from the knowledge that was already running."
        )
        return embed
    embed = discord.Embed(
        title="Knowledge reloaded",
        description=(
            f"{outcome.entries} entries: {len(outcome.added)} added, "
            f"{len(outcome.changed)} changed, {len(outcome.removed)} removed "
            f"({outcome.seconds:.1f} s)."
        ),
        colour=OK_COLOUR,
    )
    for name, ids in (
        ("Added", outcome.added),
        ("Changed", outcome.changed),
        ("Removed", outcome.removed),
    ):
        if ids:
            value = lines_within([f"`{i}`" for i in ids], EMBED_FIELD_VALUE_MAX)
            embed.add_field(name=name, value=value, inline=False)
    warnings = len(outcome.problems) - len(outcome.errors)
    if warnings:
        embed.set_footer(text=f"{warnings} warning(s), e.g. stale entries; {VALIDATE_HINT}.")
    return embed


def verdict(result: MatchResult) -> str:
    """Whether the bot would answer this unprompted (auto mode), in one sentence."""
    if result.ambiguous:
        return (
            f"**No: ambiguous.** Confidence {result.confidence:.2f} reaches the threshold "
            f"{result.threshold:.2f}, but the two best topics are about equally close, so "
            'the bot would ask "did you mean" instead.'
        )
    if result.answer:
        return (
            f"**Yes.** Confidence {result.confidence:.2f} ≥ threshold {result.threshold:.2f}."
            + _meaning(result)
        )
    if result.main is not None and result.main.suppressed_by and result.ranked:
        return (
            f"**No.** Confidence {result.confidence:.2f}, but a near miss fits better than "
            "the entry's phrasings (see below); the question would be logged as a gap."
            + _meaning(result)
        )
    return (
        f"**No.** Confidence {result.confidence:.2f} < threshold {result.threshold:.2f}; "
        "the question would be logged as a gap." + _meaning(result)
    )


def _meaning(result: MatchResult) -> str:
    """What the numbers are: the trained gate's calibrated probability, or stage 1's score."""
    if result.ranked:
        return (
            "\nConfidence is the trained gate's calibrated probability that the first topic "
            "is right; scores below are the ranker's probability that the question is about "
            "each topic."
        )
    return "\nNo trained ranker is loaded: confidence is stage 1's similarity score."


def candidate_line(rank: int, candidate: Candidate) -> str:
    entry = candidate.entry
    line = (
        f"{rank}. **{clip(entry.title, 120)}** (`{entry.id}`, {entry.topic}): "
        f"score {candidate.score:.2f}, similarity {candidate.similarity:.3f}"
    )
    if candidate.suppressed_by:
        miss = quote_user_text(candidate.suppressed_by, 120)
        line += f'\n   halved: the question is closer to the near miss "{miss}"'
    return line


def match_embed(result: MatchResult) -> discord.Embed:
    """/kb test: the ranking, the verdict, and why."""
    embed = discord.Embed(
        title=clip("How the bot would match this", EMBED_TITLE_MAX),
        description=f"> {quote_user_text(result.text)}\n\n{verdict(result)}",
        colour=INFO_COLOUR,
    )
    ranking = [candidate_line(n, c) for n, c in enumerate(result.candidates, start=1)]
    embed.add_field(
        name="Ranked entries",
        value=lines_within(ranking, EMBED_FIELD_VALUE_MAX) or "Nothing in the knowledge matched.",
        inline=False,
    )
    main = result.main
    if main is not None:
        words = ", ".join(f"`{w}`" for w in main.evidence) or "none stood out"
        embed.add_field(name="Words that mattered", value=clip(words, EMBED_FIELD_VALUE_MAX))
        if main.cue:
            embed.add_field(
                name="Closest phrasing in the entry",
                value=clip(quote_user_text(main.cue), EMBED_FIELD_VALUE_MAX),
                inline=False,
            )
    if len(result.covered) > 1:
        covered = [f"`{c.entry.id}` ({c.entry.topic})" for c in result.covered]
        embed.add_field(
            name="An answer would cover",
            value=lines_within(covered, EMBED_FIELD_VALUE_MAX),
            inline=False,
        )
    risks = [
        f'`{hit.rule.id}`: matched "{quote_user_text(hit.matched, 80)}"' for hit in result.risks
    ]
    embed.add_field(
        name="Risks",
        value=lines_within(risks, EMBED_FIELD_VALUE_MAX) if risks else "none",
        inline=False,
    )
    return embed
