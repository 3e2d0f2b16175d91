"""Render an answer as the Markdown the bot posts (and the command line prints).

Rendering goes through sections so that the Discord embed builder and the
plain-text renderer show the same content in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.engine.answers.answer import Answer
from bot.engine.knowledge.models import PolicyQuote
from bot.engine.matching.matcher import MatchResult


@dataclass(frozen=True, slots=True)
class Section:
    """A titled block of an answer; `lines` are rendered one per line."""

    key: str
    heading: str
    lines: tuple[str, ...]


def quote_lines(quote: PolicyQuote) -> tuple[str, ...]:
    """A block quote with its linked source and date, labelled if it may be outdated."""
    title = quote.source_title or quote.source
    label = " · ToS as quoted on the forum, may be outdated" if quote.is_forum_copy else ""
    if quote.wording == "earlier" and not label:
        label = " · earlier wording"
    lines = [f"> {line}" for line in quote.text.splitlines() if line.strip()]
    lines.append(f"> — [{_link_text(title)}]({quote.source}), as of {quote.as_of}{label}")
    if quote.note:
        lines.append(f"> _{quote.note}_")
    return tuple(lines)


def _link_text(text: str) -> str:
    """Square brackets would end a Markdown link early."""
    return text.replace("[", "(").replace("]", ")")


def answer_sections(answer: Answer) -> list[Section]:
    sections = [
        Section(
            "policy",
            f"What {answer.platform}'s policy says",
            tuple(line for quote in answer.quotes for line in (*quote_lines(quote), "")),
        ),
        Section(
            "advice",
            "Community advice (from sellers, not official)",
            tuple(f"• {item}" for item in answer.advice),
        ),
        Section("caveats", "Watch out", tuple(f"• {item}" for item in answer.caveats)),
    ]
    if answer.risks:
        sections.append(
            Section(
                "risk",
                "⚠️ Off-platform risk",
                tuple(dict.fromkeys(f"• {risk.text}" for risk in answer.risks)),
            )
        )
    if answer.extras:
        sections.append(
            Section(
                "also",
                "Also relevant",
                tuple(
                    f"• **{extra.title}**: {extra.summary}" + (f" [More]({url})" if url else "")
                    for extra, url in zip(answer.extras, answer.extra_urls, strict=True)
                ),
            )
        )
    if answer.related:
        sections.append(
            Section("related", "Related", (", ".join(entry.title for entry in answer.related),))
        )
    return sections


def footer(answer: Answer) -> str:
    return answer.disclaimer


def render_markdown(answer: Answer) -> str:
    """The full answer as Markdown, exactly as the bot would post it in text form."""
    parts = [f"## {answer.main.title}", answer.main.summary, ""]
    for section in answer_sections(answer):
        parts.append(f"**{section.heading}**")
        parts.extend(line for line in section.lines)
        if section.lines and section.lines[-1] != "":
            parts.append("")
    parts.append(f"_{footer(answer)}_")
    return "\n".join(parts).strip() + "\n"


def render_no_answer(result: MatchResult, disclaimer: str) -> str:
    """What the command line says when no entry is confident enough."""
    lines = [
        f"No confident answer (best confidence {result.confidence:.2f}, "
        f"threshold {result.threshold:.2f})."
    ]
    if result.ambiguous:
        lines[0] = "This question could mean several things. Did you mean:"
    if result.candidates:
        if not result.ambiguous:
            lines.append("Closest entries:")
        for candidate in result.candidates[:3]:
            lines.append(
                f"  - {candidate.entry.title} [{candidate.entry.id}] ({candidate.score:.2f})"
            )
    lines.append(f"_{disclaimer}_")
    return "\n".join(lines) + "\n"
