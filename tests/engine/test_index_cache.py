"""The index cache: a restored index answers exactly like a fresh build, and any
change to the indexed texts, or any damage to the file, means a fresh build."""

from __future__ import annotations

import io
import json
import logging
import os
import pickle
import shutil
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from bot.engine.engine import AnswerEngine
from bot.engine.matching.index_cache import IndexCache
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = [
    json.loads(line)["text"]
    for line in (ROOT / "eval/questions.jsonl").read_text(encoding="utf-8").splitlines()
]


def load(root: Path, platform: str, cache_dir: Path) -> AnswerEngine:
    """Load, then wait for the cache write a build starts, so the next load can hit."""
    engine = AnswerEngine.load(root, platform, index_cache_dir=cache_dir)
    assert engine.index_cache is not None
    engine.index_cache.wait()
    return engine


def outcomes(engine: AnswerEngine) -> list[tuple[object, ...]]:
    found = []
    for text in QUESTIONS:
        result = engine.matcher.match(text)
        found.append((result.answer, result.confidence, result.ambiguous, result.topics()))
    return found


@pytest.fixture(scope="module")
def fresh(shipped_engine: AnswerEngine) -> list[tuple[object, ...]]:
    return outcomes(shipped_engine)


def test_a_restored_index_answers_every_dev_question_like_a_fresh_build(
    tmp_path: Path, fresh: list[tuple[object, ...]]
) -> None:
    first = load(ROOT / "knowledge", "fiverr", tmp_path)
    assert first.index_cache is not None and first.index_cache.last_outcome == "stored"
    assert [p.name[:6] for p in tmp_path.iterdir()] == ["index-"]
    second = load(ROOT / "knowledge", "fiverr", tmp_path)
    assert second.index_cache is not None and second.index_cache.last_outcome == "hit"
    assert outcomes(second) == fresh


def test_changing_a_phrasing_is_a_miss_and_the_new_phrasing_counts(
    demo_knowledge: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    before = load(demo_knowledge, "demo", cache)
    question = "my parrot keeps eating the invoices"
    assert before.matcher.match(question).confidence < 0.5
    entries = demo_knowledge / "demo" / "entries.yaml"
    first = "      - buyer does not like the logo and wants a refund\n"
    entries.write_text(entries.read_text().replace(first, f"      - {question}\n{first}", 1))
    after = load(demo_knowledge, "demo", cache)
    assert after.index_cache is not None and after.index_cache.last_outcome == "stored"
    assert after.matcher.match(question).confidence > before.matcher.match(question).confidence
    assert len(list(cache.glob("index-*.pickle"))) == 2


def test_a_damaged_cache_file_is_rebuilt_with_a_warning(
    demo_knowledge: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    load(demo_knowledge, "demo", tmp_path)
    (cached,) = tmp_path.glob("index-*.pickle")
    cached.write_bytes(cached.read_bytes()[:1000])
    with caplog.at_level(logging.WARNING, logger="disputebot.index_cache"):
        engine = load(demo_knowledge, "demo", tmp_path)
    assert "ignoring unreadable cache" in caplog.text
    assert engine.matcher.match("buyer wants a refund").candidates
    again = load(demo_knowledge, "demo", tmp_path)
    assert again.index_cache is not None and again.index_cache.last_outcome == "hit"


class _Explodes:
    """Unpickling this would call shutil.rmtree: the cache must refuse to."""

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return shutil.rmtree, ("/nonexistent-disputebot-test",)


def test_a_cache_file_that_names_code_is_refused_not_run(
    demo_knowledge: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    load(demo_knowledge, "demo", tmp_path)
    (cached,) = tmp_path.glob("index-*.pickle")
    cached.write_bytes(pickle.dumps({"key": "x", "state": _Explodes()}))
    with caplog.at_level(logging.WARNING, logger="disputebot.index_cache"):
        engine = load(demo_knowledge, "demo", tmp_path)
    assert "UnpicklingError" in caplog.text
    assert engine.index_cache is not None and engine.index_cache.last_outcome == "stored"


def test_an_unwritable_cache_folder_costs_only_time(
    demo_knowledge: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    with caplog.at_level(logging.WARNING, logger="disputebot.index_cache"):
        engine = load(demo_knowledge, "demo", blocked / "cache")
    assert "cannot write the index cache" in caplog.text
    assert engine.matcher.match("buyer wants a refund").candidates


def test_the_key_follows_the_indexed_texts_only(shipped_engine: AnswerEngine) -> None:
    cache = IndexCache(Path("unused"))
    kb = shipped_engine.kb
    first, rest = kb.entries[0], kb.entries[1:]
    assert cache.key(kb) == cache.key(replace(kb))
    reworded = replace(first, questions=(*first.questions, "a phrasing added"))
    assert cache.key(replace(kb, entries=(reworded, *rest))) != cache.key(kb)
    moved = replace(first, topic=kb.entries[-1].topic)
    assert cache.key(replace(kb, entries=(moved, *rest))) != cache.key(kb)
    readvised = replace(first, advice=("advice is not indexed",))
    assert cache.key(replace(kb, entries=(readvised, *rest))) == cache.key(kb)


def test_the_setting_turns_the_cache_off_or_points_it_anywhere(tmp_path: Path) -> None:
    assert Settings.load(environ={"DISPUTEBOT_INDEX_CACHE_DIR": "off"}).index_cache_dir is None
    chosen = Settings.load(environ={"DISPUTEBOT_INDEX_CACHE_DIR": str(tmp_path)})
    assert chosen.index_cache_dir == tmp_path


def test_a_first_start_answers_before_the_cache_is_written(
    demo_knowledge: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    real_store = IndexCache._store

    def held_store(self: IndexCache, key: str, state: dict[str, object]) -> None:
        assert release.wait(10)
        real_store(self, key, state)

    monkeypatch.setattr(IndexCache, "_store", held_store)
    engine = AnswerEngine.load(demo_knowledge, "demo", index_cache_dir=tmp_path)
    assert engine.index_cache is not None
    assert engine.index_cache.last_outcome == "storing"
    assert engine.matcher.match("buyer wants a refund").candidates
    assert not list(tmp_path.glob("index-*.pickle"))
    release.set()
    engine.index_cache.wait(10)
    assert engine.index_cache.last_outcome == "stored"
    assert len(list(tmp_path.glob("index-*.pickle"))) == 1


def test_a_command_that_exits_at_once_still_leaves_the_cache_written(
    demo_knowledge: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    env = {**os.environ, "DISPUTEBOT_INDEX_CACHE_DIR": str(cache)}
    command = [sys.executable, "-m", "bot", "match", "--json", "buyer wants a refund"]
    ran = subprocess.run(
        [*command, "--knowledge", str(demo_knowledge), "--platform", "demo"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["topics"]
    (written,) = cache.glob("index-*.pickle")
    assert not list(cache.glob(".index-*.tmp"))
    again = load(demo_knowledge, "demo", cache)
    assert again.index_cache is not None and again.index_cache.last_outcome == "hit"
    assert written.exists()


def test_a_cache_file_with_a_misplaced_piece_is_rebuilt(
    demo_knowledge: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    load(demo_knowledge, "demo", tmp_path)
    (cached,) = tmp_path.glob("index-*.pickle")
    header = pickle.Unpickler(io.BytesIO(cached.read_bytes())).load()
    misplaced = io.BytesIO()
    pickle.dump({**header, "pieces": 1}, misplaced)
    pickle.dump(((), {}), misplaced)
    cached.write_bytes(misplaced.getvalue())
    with caplog.at_level(logging.WARNING, logger="disputebot.index_cache"):
        engine = load(demo_knowledge, "demo", tmp_path)
    assert "ignoring unreadable cache" in caplog.text
    assert engine.matcher.match("buyer wants a refund").candidates
