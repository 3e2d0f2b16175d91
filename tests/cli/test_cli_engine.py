"""The engine's command line: ask, match, kb validate/list and eval, with clear exit codes."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import FIXTURES, ROOT


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def demo(demo_knowledge: Path) -> list[str]:
    return ["--knowledge", str(demo_knowledge), "--platform", "demo"]


def test_ask_prints_the_rendered_answer(demo: list[str], capsys) -> None:
    code, out, _ = run(
        ["ask", "buyer", "dislikes", "my", "logo", "and", "wants", "a", "refund", *demo], capsys
    )
    assert code == 0
    assert out.startswith("## Buyer wants a refund because they dislike the work")
    assert out.rstrip().endswith("_Community guidance, not DemoMarket support._")


def test_ask_without_a_confident_answer_lists_closest(demo: list[str], capsys) -> None:
    code, out, _ = run(["ask", "refund", "--threshold", "1.0", *demo], capsys)
    assert code == 0
    assert out.startswith("No confident answer")
    assert "[refund-taste]" in out


def test_match_json_is_one_object(demo: list[str], capsys) -> None:
    code, out, _ = run(["match", "--json", "my order is late", *demo], capsys)
    data = json.loads(out)
    assert code == 0
    assert data["answer"] is True
    assert data["topics"][0] == {
        "topic": "late",
        "entry": "late-basics",
        "score": data["confidence"],
    }
    assert set(data) >= {"answer", "confidence", "ambiguous", "topics", "risks", "candidates"}


def test_match_jsonl_keeps_order_and_reports_bad_lines(
    demo: list[str], capsys, monkeypatch
) -> None:
    lines = [
        {"id": "a", "text": "my order is late"},
        {"id": 7, "text": "good morning everyone"},
        "not json",
        {"id": "c"},
        {"id": "d", "text": "buyer wants my whatsapp"},
    ]
    stdin = "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code, out, err = run(["match", "--jsonl", *demo], capsys)
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 1
    assert [row.get("id") for row in rows] == ["a", 7, None, "c", "d"]
    assert rows[0]["topics"][0]["topic"] == "late"
    assert rows[1]["answer"] is False
    assert "error" in rows[2] and "error" in rows[3]
    assert set(rows[4]) == {"id", "answer", "confidence", "ambiguous", "topics"}
    assert "stdin line 3: not JSON" in err


def test_kb_validate_passes_on_a_good_pack(demo_knowledge: Path, capsys) -> None:
    code, out, _ = run(["kb", "validate", str(demo_knowledge)], capsys)
    assert code == 0
    assert "demo: ok: 1 files, 3 entries, 0 error(s)" in out


def test_kb_validate_lists_every_error_and_exits_1(demo_knowledge: Path, capsys) -> None:
    for name in ("unknown_topic.yaml", "dangling_related.yaml"):
        (demo_knowledge / "demo" / name).write_bytes((FIXTURES / "broken" / name).read_bytes())
    code, out, _ = run(["kb", "validate", str(demo_knowledge)], capsys)
    assert code == 1
    assert "unknown topic 'refundz'" in out
    assert "related entry 'no-such-entry' does not exist" in out
    assert "demo: FAILED" in out


def test_kb_validate_missing_folder_is_one_line(tmp_path: Path, capsys) -> None:
    code, _, err = run(["kb", "validate", str(tmp_path / "nope")], capsys)
    assert code == 1
    assert err.strip().count("\n") == 0
    assert "is not a folder" in err


def test_kb_list_groups_entries_by_topic(demo: list[str], capsys) -> None:
    code, out, _ = run(["kb", "list", *demo], capsys)
    assert code == 0
    assert "refunds:\n  refund-taste: Buyer wants a refund" in out


def test_commands_on_broken_knowledge_fail_with_errors_not_tracebacks(demo_knowledge, capsys):
    (demo_knowledge / "demo" / "entries.yaml").write_text("entries: [\n")
    code, _, err = run(
        ["ask", "late", "--knowledge", str(demo_knowledge), "--platform", "demo"], capsys
    )
    assert code == 1
    assert "error(s); run 'disputebot kb validate'" in err
    assert "Traceback" not in err


def test_eval_prints_metrics_table_and_misses(demo: list[str], tmp_path: Path, capsys) -> None:
    labelled = tmp_path / "eval.jsonl"
    labelled.write_text(
        "\n".join(
            json.dumps(row)
            for row in [
                {"id": "q1", "text": "my order is late", "topics": ["late"]},
                {"id": "q2", "text": "buyer wants my whatsapp", "topics": ["contact"]},
                {"id": "q3", "text": "good morning everyone", "topics": []},
                {"id": "q4", "text": "buyer dislikes the logo, refund", "topics": ["late"]},
            ]
        )
    )
    code, out, _ = run(["eval", str(labelled), *demo], capsys)
    assert code == 0
    assert "4 questions: 3 dispute, 1 none" in out
    assert "forced_top1" in out and "coverage" in out
    assert "q4: ANSWERED" in out
    assert "0/1, 95% interval 0.0-79.3%" in out  # the false-answer tally and its interval
    code, out, _ = run(["eval", str(labelled), "--json", *demo], capsys)
    found = json.loads(out)
    metrics = found["metrics"]
    assert metrics["forced_top1"] == pytest.approx(2 / 3)
    assert metrics["false_answer_rate"] == 0.0
    assert found["tallies"]["forced_top1"] == [2, 3]


def test_eval_rejects_a_bad_file_with_its_line(demo: list[str], tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "text": "late", "topics": ["late"]}\n{"id": 2, "topics": "x"}\n')
    code, _, err = run(["eval", str(bad), *demo], capsys)
    assert code == 1
    assert f"{bad}:2:" in err


def test_installed_console_script_runs_offline_on_the_shipped_pack() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "buyer asks for my whatsapp number"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "Fiverr" in done.stdout
    assert "Community guidance, not Fiverr support" in done.stdout


def test_eval_cv_over_several_fold_draws_prints_each_and_their_mean(
    demo: list[str], tmp_path: Path, capsys
) -> None:
    """One fold draw is one sample; --draws repeats the whole cross-validation on other
    draws, and the mean is the mean of what each draw reports."""
    from tests.engine.test_ranker import DEMO_LABELLED

    labelled = tmp_path / "eval.jsonl"
    labelled.write_text(
        "\n".join(
            json.dumps({"id": i, "text": text, "topics": topics})
            for i, text, topics in DEMO_LABELLED
        )
    )
    code, out, _ = run(
        ["eval", str(labelled), "--cv", "3", "--draws", "2", "--json", *demo], capsys
    )
    assert code == 0
    found = json.loads(out)
    first, second = (draw["metrics"] for draw in found["draws"])
    assert found["metrics"] == first
    for name, value in found["mean"]["metrics"].items():
        assert value == pytest.approx((first[name] + second[name]) / 2)
    code, out, _ = run(["eval", str(labelled), "--cv", "3", "--draws", "2", *demo], capsys)
    assert code == 0
    assert "Over 2 fold draws (seeds 0-1):" in out
    assert "draw 1, all" in out and "mean, all" in out


def test_eval_draws_without_cv_is_refused(demo: list[str], tmp_path: Path, capsys) -> None:
    labelled = tmp_path / "eval.jsonl"
    labelled.write_text('{"id": "q1", "text": "my order is late", "topics": ["late"]}\n')
    code, _, err = run(["eval", str(labelled), "--draws", "3", *demo], capsys)
    assert code == 1
    assert "--draws needs --cv" in err
