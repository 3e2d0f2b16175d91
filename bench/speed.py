"""Run worker.py several times per method and pack, and keep the median of each figure.

Latency p50 and p99 are taken within each run (one pass over every labelled
question, nearest-rank percentiles), then the median across runs is reported,
like start-up and memory. The runs are sequential: on a 2-core machine two
measurements at once would time each other.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from common import BENCH

WORKER = BENCH / "worker.py"


@dataclass
class Timing:
    """Medians over runs of one method on one pack; `error` when it could not run."""

    method: str
    runs: int = 0
    import_ms: float = 0.0
    startup_ms: float = 0.0
    startup_estimated: bool = False
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    rss_mb: float = 0.0
    data_mb: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    per_run: dict[str, list[float]] = field(default_factory=dict)
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile: a value that was actually measured."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def run_worker(
    method: str,
    knowledge: Path,
    platform: str,
    args: list[str],
    index_cache: Path | None = None,
) -> dict[str, Any]:
    """One fresh process. index_cache names disputebot's DISPUTEBOT_INDEX_CACHE_DIR; without
    it the run gets a new, empty cache folder: a first start as the bot is configured by
    default, which builds the index and writes the cache in the background."""
    command = [sys.executable, str(WORKER), method, "--knowledge", str(knowledge)]
    with TemporaryDirectory(prefix="disputebot-first-start-") as empty:
        cache = index_cache or Path(empty)
        done = subprocess.run(
            [*command, "--platform", platform, *args],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "DISPUTEBOT_INDEX_CACHE_DIR": str(cache)},
        )
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise RuntimeError(f"{method} worker failed: {tail}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(
    method: str,
    knowledge: Path,
    platform: str,
    runs: int,
    args: list[str],
    index_cache: Path | None = None,
) -> Timing:
    """Medians over `runs` fresh processes; a failure is recorded, not raised.

    With index_cache, one unmeasured run first fills the cache, so every measured
    run is a restart with unchanged knowledge.
    """
    reports = []
    try:
        if index_cache:
            run_worker(method, knowledge, platform, [], index_cache)
        for _ in range(runs):
            reports.append(run_worker(method, knowledge, platform, args, index_cache))
    except (RuntimeError, json.JSONDecodeError) as exc:
        return Timing(method, error=str(exc))
    return summarise_runs(method, reports)


def summarise_runs(method: str, reports: list[dict[str, Any]]) -> Timing:
    def median(key: str) -> float:
        return statistics.median(r[key] for r in reports)

    timing = Timing(method, runs=len(reports))
    timing.import_ms = median("import_ms")
    timing.startup_ms = median("startup_ms")
    timing.startup_estimated = any(r.get("startup_estimated") for r in reports)
    timing.p50_ms = statistics.median(percentile(r["latency_ms"], 50) for r in reports)
    timing.p99_ms = statistics.median(percentile(r["latency_ms"], 99) for r in reports)
    timing.rss_mb = statistics.median(r["rss_ready_mb"] - r["rss_start_mb"] for r in reports)
    timing.data_mb = statistics.median(r["rss_ready_mb"] - r["rss_imported_mb"] for r in reports)
    phases = [r["phases"] for r in reports if "phases" in r]
    if phases:
        timing.phases = {k: statistics.median(p[k] for p in phases) for k in phases[0]}
    timing.per_run = {
        "startup_ms": [r["startup_ms"] for r in reports],
        "p50_ms": [percentile(r["latency_ms"], 50) for r in reports],
        "p99_ms": [percentile(r["latency_ms"], 99) for r in reports],
    }
    timing.notes = sorted({r["encoded"] for r in reports if "encoded" in r})
    timing.notes.append(f"memory from {reports[0]['rss_source']}")
    return timing
