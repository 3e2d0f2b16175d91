"""The WAL index (-shm) made immutable, then deleted, under a running store (issue 14.2).

SQLite maps the -shm file into memory in WAL mode. When the file turns immutable
(`chattr +i`) or is truncated while mapped, the next write to the mapping is a SIGBUS
that kills the process holding the mapping. The connection therefore lives in a worker
process (bot.storage.worker): the SIGBUS kills the worker, the store reports an `io`
fault and answers keep flowing; reads are served again at once, and writes resume once
the -shm is mutable again (here: deleted, then recreated by a fresh worker).

The scenario runs in a child process, standing in for the bot, so that a crash would be
seen as its exit status. Before the worker, it died of SIGBUS (exit -7) on the first
write after `chattr +i`.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

from .helpers import is_root, raw, set_immutable

CHILD = r"""
import asyncio, json, os, subprocess, sys
from pathlib import Path
from bot.storage import AnswerRecord, Store

def record(n):
    return AnswerRecord(guild_id=1, channel_id=10, asker_id=100 + n, question=f"q{n}",
                        entry_ids=["x"], topics=["t"], confidence=0.8, kind="auto",
                        source_message_id=n)

async def main(path):
    store = await Store.open(path, retry_interval_s=0.0)
    report = {"bot_pid": os.getpid(), "first_worker": store.database.worker_pid}
    report["before"] = [await store.record_answer(record(n)) for n in range(1, 6)]
    shm = Path(str(path) + "-shm")
    report["shm_existed"] = shm.exists()
    subprocess.run(["chattr", "+i", str(shm)], check=True)
    writes, reads = [], []
    for n in range(6, 56):
        writes.append(await store.record_answer(record(n)))
        if n == 6:
            report["first_error"] = store.health()["last_error"]
        reads.append(await store.get_answer(1) is not None)
    report["immutable_writes"] = [w if isinstance(w, int) else None for w in writes]
    report["immutable_reads"] = reads
    report["health_immutable"] = store.health()
    subprocess.run(["chattr", "-i", str(shm)], check=True)
    shm.unlink()
    report["after_delete"] = [await store.record_answer(record(n)) for n in range(56, 106)]
    report["health_after"] = store.health()
    report["last_worker"] = store.database.worker_pid
    await store.close()
    print(json.dumps(report), flush=True)
    print("still answering", flush=True)

asyncio.run(main(Path(sys.argv[1])))
"""


@pytest.mark.skipif(
    not (is_root() and shutil.which("chattr")), reason="needs root and chattr for chattr +i"
)
def test_an_immutable_then_deleted_shm_never_kills_the_process(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    shm = Path(str(db) + "-shm")
    try:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(db)],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
        )
    finally:
        if shm.exists():
            set_immutable(shm, False)
    assert done.returncode != -signal.SIGBUS, "killed by SIGBUS"
    assert done.returncode == 0, done.stderr[-2000:]
    assert "still answering" in done.stdout
    report = json.loads(done.stdout.splitlines()[0])
    assert report["shm_existed"] and report["before"] == [1, 2, 3, 4, 5]
    # The first write after chattr +i is the SIGBUS: it kills the worker, not the bot,
    # and is reported as an I/O fault naming the signal.
    assert report["immutable_writes"][0] is None
    during = report["health_immutable"]
    assert during["ok"] is False and during["faults_seen"].get("io") == 1
    assert report["first_error"] == "StorageWorkerDied: storage worker died (signal SIGBUS)"
    # A fresh worker opens the immutable -shm read-only: reads are served meanwhile,
    # writes fail softly as read-only.
    assert all(report["immutable_reads"])
    assert set(during["faults_seen"]) <= {"io", "read-only"}
    # Once the -shm is gone, a fresh worker recreates it and every write is recorded.
    after = report["after_delete"]
    assert all(isinstance(answer_id, int) for answer_id in after), after
    assert report["health_after"]["ok"] is True
    assert report["last_worker"] not in (report["first_worker"], report["bot_pid"])
    with raw(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        recorded = conn.execute("SELECT count(*) FROM answers").fetchone()[0]
    assert recorded == 5 + len(after)
