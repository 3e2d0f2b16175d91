"""gc_paused: builds run without cycle collection, and the previous setting always comes back."""

from __future__ import annotations

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


def test_validation_runs_with_the_collector_paused(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(gc.isenabled())
        return load_pack(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(validation, "load_pack", spy)
    gc.enable()
    result = validation.validate_pack(KNOWLEDGE, "fiverr", consistency=False)
    assert result.ok
    assert seen == [False]
    assert gc.isenabled()
