"""gc_paused: builds run without cycle collection, and the previous setting always comes back."""

from __future__ import annotations

import argparse
import gc
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.engine.knowledge import validation
from bot.engine.knowledge.loader import load_pack
from bot.ops.gc_pause import gc_paused

KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"


@pytest.fixture(autouse=True)
def _restore_gc() -> Iterator[None]:
    was = gc.isenabled()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_pauses_and_resumes() -> None:
    gc.enable()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


class _Node:
    """An object that can sit in a reference cycle and be watched with a weak reference."""

    def __init__(self) -> None:
        self.partner: object = None


def test_cycles_made_during_a_pause_are_collected_when_it_ends() -> None:
    gc.enable()
    with gc_paused():
        first, second = _Node(), _Node()
        first.partner, second.partner = second, first
        watched = weakref.ref(first)
        del first, second
        assert watched() is not None, "nothing collects cycles while paused"
    assert watched() is None, "the pass at the end of the pause collected the cycle"


def test_nested_pauses_resume_only_at_the_outermost() -> None:
    gc.enable()
    with gc_paused():
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_disabled_before_stays_disabled() -> None:
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()


def test_an_exception_still_resumes() -> None:
    gc.enable()
    with pytest.raises(ValueError), gc_paused():
        raise ValueError("broken knowledge")
    assert gc.isenabled()


def test_overlapping_pauses_in_threads_resume_once_both_end() -> None:
    gc.enable()
    inside = threading.Event()
    release = threading.Event()

    def other_build() -> None:
        with gc_paused():
            inside.set()
            release.wait(5)

    worker = threading.Thread(target=other_build)
    worker.start()
    assert inside.wait(5)
    with gc_paused():
        pass
    assert not gc.isenabled(), "the other thread's build is still running"
    release.set()
    worker.join(5)
    assert gc.isenabled()


def _reads_with_collector(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether the collector was on each time a pack was read, from now on."""
    seen: list[bool] = []

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(gc.isenabled())
        return load_pack(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(validation, "load_pack", spy)
    gc.enable()
    return seen


def test_validation_reads_and_indexes_inside_the_build_context(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen = _reads_with_collector(monkeypatch)
    result = validation.validate_pack(KNOWLEDGE, "fiverr", consistency=False)
    assert result.ok
    result = validation.validate_pack(
        KNOWLEDGE, "fiverr", consistency=False, build_context=gc_paused
    )
    assert result.ok
    assert seen == [True, False], "the engine pauses nothing itself; its caller chooses"
    assert gc.isenabled()


def test_the_bot_and_the_command_line_load_with_the_collector_paused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.cli.common import load_engine
    from bot.cli.kb import run_validate
    from bot.discord_app.services import build_engine
    from bot.ops.preflight import check_knowledge
    from bot.settings import Settings

    settings = Settings(knowledge_dir=KNOWLEDGE, index_cache_dir=None)
    monkeypatch.setattr("bot.cli.common.load_settings", lambda: settings)
    monkeypatch.setattr("bot.cli.kb.load_settings", lambda: settings)
    seen = _reads_with_collector(monkeypatch)
    assert build_engine(settings).reload(consistency=False).ok  # start-up and every reload
    load_engine(argparse.Namespace(knowledge=None, platform=None, threshold=None))
    assert check_knowledge(settings).status == "ok"  # disputebot check
    assert run_validate(argparse.Namespace(dir=None, strict=False)) == 0  # kb validate
    assert seen == [False, False, False, False]
    assert gc.isenabled()
