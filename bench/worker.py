"""Time one method in a fresh process: import, start-up, memory, per-question latency.

A fresh process per measurement keeps methods from sharing imports, caches or
memory (torch alone would inflate every later RSS reading). Prints one JSON
object; speed.py runs this several times and takes medians.

Resident memory is the process RSS (psutil when the bench extra is installed,
else /proc/self/statm), read before the method's libraries are imported, after
they are, and when the method is ready to answer.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

from common import eval_texts
from methods import create

WARM_UP = (
    "hello, quick question about my account",
    "buyer wants a refund after delivery",
    "can I share my email with a client",
)


def rss_mb() -> float:
    try:
        import psutil
    except ImportError:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    return psutil.Process().memory_info().rss / 2**20


def rss_source() -> str:
    try:
        import psutil  # noqa: F401
    except ImportError:
        return "/proc/self/statm"
    return "psutil"


def ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def measure(args: argparse.Namespace) -> dict[str, Any]:
    report: dict[str, Any] = {"method": args.method, "rss_source": rss_source()}
    texts = eval_texts()
    report["rss_start_mb"] = rss_mb()
    started = time.perf_counter()
    method = create(args.method, encode_limit=args.encode_limit)
    report["import_ms"] = ms_since(started)
    report["rss_imported_mb"] = rss_mb()
    started = time.perf_counter()
    method.load(args.knowledge, args.platform)
    report["startup_ms"] = ms_since(started)
    settle = getattr(method, "settle", None)
    if settle is not None:  # background work a load started (disputebot's cache write)
        settle()
    report["rss_ready_mb"] = rss_mb()
    report.update(startup_details(method, report["startup_ms"]))
    for text in WARM_UP:
        method.rank(text)
    latencies = []
    for text in texts:
        started = time.perf_counter()
        method.rank(text)
        latencies.append(ms_since(started))
    report["latency_ms"] = latencies
    report["rss_end_mb"] = rss_mb()
    if args.method == "disputebot" and args.phases:
        from disputebot_phases import measure_phases

        report["phases"] = measure_phases(args.knowledge, args.platform, args.check_sample)
    return report


def startup_details(method: Any, measured_ms: float) -> dict[str, Any]:
    """An extrapolated start-up when only part of the work was done (MiniLM, large packs)."""
    details: dict[str, Any] = {}
    encoded = getattr(method, "encoded", 0)
    rows = getattr(method, "rows", 0)
    if encoded and rows > encoded:
        encode_ms = method.encode_seconds * 1000
        details["startup_ms"] = measured_ms - encode_ms + encode_ms * rows / encoded
        details["startup_estimated"] = True
        details["encoded"] = f"{encoded} of {rows} phrasings embedded; the rest extrapolated"
    return details


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("method", help="disputebot, bm25 or minilm")
    parser.add_argument("--knowledge", type=Path, required=True)
    parser.add_argument("--platform", default="fiverr")
    parser.add_argument("--phases", action="store_true", help="disputebot: also time each phase")
    parser.add_argument("--check-sample", type=int, default=300, help="not_examples to time")
    parser.add_argument("--encode-limit", type=int, help="minilm: phrasings to embed for real")
    print(json.dumps(measure(parser.parse_args())))


if __name__ == "__main__":
    main()
