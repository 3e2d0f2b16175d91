"""A FIFO, socket or folder among the knowledge files is refused before it is opened.

Opening a FIFO for reading blocks until something writes to it, so before this a
named pipe called `something.yaml` hung `/kb reload`, the watcher and
`disputebot kb validate` for ever. Every read below runs in a daemon thread or a
child process with a deadline, so the old behaviour fails the test instead of
hanging the suite, and each FIFO is unblocked afterwards.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.engine.engine import AnswerEngine
from bot.engine.knowledge.validation import Validated, validate_pack
from tests.conftest import ROOT as REPO_ROOT

DEADLINE_S = 10.0


@pytest.fixture
def fifos() -> Iterator[list[Path]]:
    """FIFOs made by a test; any reader still blocked on one is released at the end."""
    made: list[Path] = []
    yield made
    for path in made:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)  # succeeds only with a reader
        except OSError:
            continue
        os.close(fd)


def validate_within_deadline(root: Path, platform: str = "demo") -> Validated:
    results: list[Validated] = []
    worker = threading.Thread(
        target=lambda: results.append(validate_pack(root, platform)), daemon=True
    )
    worker.start()
    worker.join(DEADLINE_S)
    assert not worker.is_alive(), "reading the knowledge blocked on a non-regular file"
    return results[0]


PLACES = {
    "an entry file": "demo/fifo.yaml",
    "topics.yaml": "topics.yaml",
    "shorthand.yaml": "shorthand.yaml",
    "pack.yaml": "demo/pack.yaml",
    "a source snapshot": "sources/fifo.yaml",
}


@pytest.mark.parametrize("place", list(PLACES.values()), ids=list(PLACES))
def test_a_fifo_is_refused_with_a_located_error_without_blocking(
    demo_knowledge: Path, fifos: list[Path], place: str
) -> None:
    path = demo_knowledge / place
    path.unlink(missing_ok=True)
    os.mkfifo(path)
    fifos.append(path)
    result = validate_within_deadline(demo_knowledge)
    assert result.kb is None
    (problem,) = [p for p in result.errors if "not a regular file" in p.message]
    assert problem.file == f"knowledge/{place}"
    assert "named pipe (FIFO)" in problem.message


def test_a_socket_and_a_folder_in_place_of_a_file_are_refused(demo_knowledge: Path) -> None:
    (demo_knowledge / "topics.yaml").unlink()
    (demo_knowledge / "topics.yaml").mkdir()
    sock = socket.socket(socket.AF_UNIX)
    sock_path = demo_knowledge / "demo" / "sock.yaml"
    try:
        sock.bind(str(sock_path))
        result = validate_within_deadline(demo_knowledge)
    finally:
        sock.close()
    messages = {p.file: p.message for p in result.errors}
    assert "a socket" in messages["knowledge/demo/sock.yaml"]
    assert "a folder" in messages["knowledge/topics.yaml"]


def test_a_reload_meeting_a_fifo_keeps_the_running_knowledge(
    demo_knowledge: Path, fifos: list[Path]
) -> None:
    engine = AnswerEngine.load(demo_knowledge, "demo")
    before = engine.kb
    fifo = demo_knowledge / "demo" / "zz-fifo.yaml"
    os.mkfifo(fifo)
    fifos.append(fifo)
    outcomes = []
    worker = threading.Thread(target=lambda: outcomes.append(engine.reload()), daemon=True)
    worker.start()
    worker.join(DEADLINE_S)
    assert not worker.is_alive(), "the reload blocked on the FIFO"
    (outcome,) = outcomes
    assert not outcome.ok and engine.kb is before
    assert any("zz-fifo.yaml" in p.file for p in outcome.errors)


def test_kb_validate_names_the_fifo_and_exits_1(demo_knowledge: Path, fifos: list[Path]) -> None:
    fifo = demo_knowledge / "demo" / "fifo.yaml"
    os.mkfifo(fifo)
    fifos.append(fifo)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bot", "kb", "validate", str(demo_knowledge)],
            capture_output=True,
            text=True,
            timeout=30,
            cwd=REPO_ROOT,
            env={**os.environ, "DISPUTEBOT_INDEX_CACHE_DIR": "off"},
        )
    except subprocess.TimeoutExpired:
        pytest.fail("disputebot kb validate hung on a FIFO")
    assert done.returncode == 1, done.stderr
    assert "knowledge/demo/fifo.yaml: error: not a regular file" in done.stdout
    assert "Traceback" not in done.stderr
