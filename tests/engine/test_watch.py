"""Watching knowledge files: what counts as a change, and when a change has settled."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine.knowledge.watch import ChangeDebouncer, scan


def test_scan_sees_knowledge_files_only(demo_knowledge: Path) -> None:
    (demo_knowledge / "demo" / "notes.txt").write_text("not knowledge")
    state = scan(demo_knowledge)
    assert sorted(state) == [
        "demo/entries.yaml",
        "demo/pack.yaml",
        "sources/demo-policy.yaml",
        "topics.yaml",
    ]
    entries = demo_knowledge / "demo" / "entries.yaml"
    entries.write_text(entries.read_text() + "\n# reviewed again\n")
    assert scan(demo_knowledge)["demo/entries.yaml"] != state["demo/entries.yaml"]
    entries.unlink()
    assert "demo/entries.yaml" not in scan(demo_knowledge)


def test_scan_sees_a_retrained_ranker(demo_knowledge: Path) -> None:
    """`disputebot kb train` rewrites <pack>/ranker.npz: --watch must reload for it too."""
    model = demo_knowledge / "demo" / "ranker.npz"
    model.write_bytes(b"first")
    before = scan(demo_knowledge)["demo/ranker.npz"]
    model.write_bytes(b"second model")
    assert scan(demo_knowledge)["demo/ranker.npz"] != before


def test_a_change_fires_once_after_a_quiet_poll() -> None:
    debouncer = ChangeDebouncer({"a.yaml": (1, 10)})
    assert debouncer.observe({"a.yaml": (1, 10)}) is False
    assert debouncer.observe({"a.yaml": (2, 11)}) is False  # just changed: wait
    assert debouncer.pending
    assert debouncer.observe({"a.yaml": (2, 11)}) is True  # quiet for a poll: reload
    assert not debouncer.pending
    assert debouncer.observe({"a.yaml": (2, 11)}) is False  # and only once


def test_a_burst_of_saves_is_one_reload() -> None:
    debouncer = ChangeDebouncer({"a.yaml": (1, 10)})
    fired = [
        debouncer.observe(state)
        for state in (
            {"a.yaml": (2, 10)},
            {"a.yaml": (3, 10), "b.yaml": (3, 5)},
            {"a.yaml": (4, 12), "b.yaml": (3, 5)},
            {"a.yaml": (4, 12), "b.yaml": (3, 5)},
            {"a.yaml": (4, 12), "b.yaml": (3, 5)},
        )
    ]
    assert fired == [False, False, False, True, False]


def test_a_change_undone_before_it_settles_needs_no_reload() -> None:
    debouncer = ChangeDebouncer({"a.yaml": (1, 10)})
    assert debouncer.observe({}) is False
    assert debouncer.observe({"a.yaml": (1, 10)}) is False
    assert debouncer.observe({"a.yaml": (1, 10)}) is False


def test_settle_polls_waits_longer() -> None:
    debouncer = ChangeDebouncer({}, settle_polls=2)
    changed = {"a.yaml": (1, 1)}
    assert [debouncer.observe(changed) for _ in range(4)] == [False, False, True, False]
    with pytest.raises(ValueError):
        ChangeDebouncer({}, settle_polls=0)
