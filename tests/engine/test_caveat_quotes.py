"""A caveat never talks about a quote the answer does not show (issue 14, point 7).

Before, the shipped "Watch out" of quality-cancellation discussed the "not eligible …
quality" sentence, the fourth quote, while answers show three.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.cli import main
from bot.engine.answers.answer import compose_entry
from bot.engine.answers.render import render_markdown
from bot.engine.engine import AnswerEngine
from bot.engine.knowledge.quotes import quotes_referred_to, shown_quote_indexes
from bot.engine.knowledge.validation import validate_pack
from tests.conftest import FIXTURES

CAVEATS = FIXTURES / "caveats"
OLD_WORDING = "Orders are not eligible for refunds based on taste."


def _with(knowledge: Path, name: str, text: str | None = None) -> Path:
    target = knowledge / "demo" / name
    if text is None:
        shutil.copy(CAVEATS / name, target)
    else:
        target.write_text(text, encoding="utf-8")
    return knowledge


def test_a_caveat_citing_a_quote_the_answer_hides_is_a_located_error(
    demo_knowledge: Path,
) -> None:
    result = validate_pack(_with(demo_knowledge, "unshown_quote.yaml"), "demo")
    assert result.kb is None
    [problem] = [p for p in result.errors if "cites policy[4]" in p.message]
    assert problem.file.endswith("unshown_quote.yaml")
    assert (problem.line, problem.entry, problem.field) == (26, "caveat-unshown-quote", "caveats")
    assert "quote: 4" in problem.message


def test_kb_validate_reports_it_and_exits_1(
    demo_knowledge: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["kb", "validate", str(_with(demo_knowledge, "unshown_quote.yaml"))])
    out = capsys.readouterr().out
    assert code == 1
    assert "unshown_quote.yaml:26: error: entry 'caveat-unshown-quote'" in out
    assert "cites policy[4] ('not eligible ... taste')" in out


def test_a_caveat_that_names_its_quote_always_shows_it(demo_knowledge: Path) -> None:
    engine = AnswerEngine.load(_with(demo_knowledge, "names_quote.yaml"), "demo")
    entry = engine.kb.entry("caveat-names-quote")
    assert entry is not None and entry.caveat_quotes == (None, 3)
    answer = compose_entry(entry, engine.kb)
    assert len(answer.quotes) == 3
    assert OLD_WORDING in [q.text for q in answer.quotes]
    text = render_markdown(answer)
    assert OLD_WORDING in text and "'not eligible ... taste'" in text


@pytest.mark.parametrize(
    ("caveat", "message"),
    [
        ("{text: about it, quote: 9}", "quote 9 does not exist; the entry has 4 policy quote(s)"),
        ("{text: about it, quote: first}", "quote must be the number of a policy quote"),
        ("{text: about it, quote: 1, why: x}", "unknown field 'why'"),
        ("{quote: 1}", "item 2 needs text"),
    ],
    ids=["no-such-quote", "not-a-number", "unknown-field", "no-text"],
)
def test_a_caveat_naming_a_quote_wrongly_is_a_located_error(
    demo_knowledge: Path, caveat: str, message: str
) -> None:
    text = (CAVEATS / "names_quote.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("      - text:"))
    lines[start : start + 2] = [f"      - {caveat}"]
    result = validate_pack(_with(demo_knowledge, "names_quote.yaml", "\n".join(lines)), "demo")
    assert result.kb is None
    assert any(message in p.message and p.field == "caveats" for p in result.errors), [
        str(p) for p in result.errors
    ]


def test_caveats_may_not_name_more_quotes_than_an_answer_shows(demo_knowledge: Path) -> None:
    text = (CAVEATS / "names_quote.yaml").read_text(encoding="utf-8")
    pins = "\n".join(f"      - {{text: note {n}, quote: {n}}}" for n in range(1, 5))
    text = text.replace("      - Support decides each case on its own facts.\n", pins + "\n")
    result = validate_pack(_with(demo_knowledge, "names_quote.yaml", text), "demo")
    assert any(
        "caveats name 4 quotes; an answer shows at most 3" in p.message for p in result.errors
    )


def test_no_shipped_caveat_cites_a_quote_its_answer_hides(shipped_engine: AnswerEngine) -> None:
    for entry in shipped_engine.kb.entries:
        shown = set(shown_quote_indexes(entry))
        for caveat in entry.caveats:
            for quote, passage in quotes_referred_to(caveat, entry.policy):
                assert quote in shown, (entry.id, passage)
