"""disputebot's matching speed on the shipped pack, on its own: p50/p99 per question, start-up.

Usage: python bench/matching_speed.py [--runs 5]

Needs only disputebot itself (psutil is used for memory when installed). Each
run is a fresh process (worker.py) that times AnswerEngine.load and then one
pass over every labelled question; the figures are medians over the runs.
Start-up is timed both ways the bot starts: a restart with unchanged knowledge
(read and validate the YAML, restore the index from the index cache, which one
unmeasured run fills first) and a first start with an empty cache folder (read,
validate, build the index; the cache file is written by a background thread,
which each run lets finish before timing questions). Targets: p99 <= 5 ms,
start-up <= 300 ms.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from tempfile import TemporaryDirectory

from common import KNOWLEDGE, PLATFORM
from report import P99_TARGET_MS, STARTUP_TARGET_MS, ms
from speed import measure


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--knowledge", type=Path, default=KNOWLEDGE, help=argparse.SUPPRESS)
    args = parser.parse_args()
    timing = measure("disputebot", args.knowledge, PLATFORM, args.runs, ["--phases"])
    with TemporaryDirectory(prefix="disputebot-index-cache-") as cache:
        restart = measure("disputebot", args.knowledge, PLATFORM, args.runs, [], Path(cache))
    if timing.error or restart.error:
        print(f"matching_speed: {timing.error or restart.error}", file=sys.stderr)
        return 1
    p = timing.phases
    print(f"disputebot on the shipped pack, medians of {timing.runs} runs")
    print(
        f"  per question  p50 {ms(timing.p50_ms)} ms   p99 {ms(timing.p99_ms)} ms"
        f"   (target p99 <= {P99_TARGET_MS:g} ms)"
    )
    print(
        f"  start-up      {ms(restart.startup_ms)} ms AnswerEngine.load on a restart: read and"
        f" validate, index from the cache   (target <= {STARTUP_TARGET_MS:g} ms)"
    )
    print(
        f"                {ms(timing.startup_ms)} ms on a first start or after the knowledge"
        " changed: read, validate and build the index (cache written in the background)"
    )
    print(
        f"    phases, timed again warm: read {ms(p['read_ms'])} ms, index {ms(p['index_ms'])} ms;"
        f" reloads also run the not_example check: {ms(p['check_ms'])} ms"
    )
    print(
        f"  memory        {timing.rss_mb:.0f} MB RSS after start-up "
        f"({timing.data_mb:.0f} MB for the knowledge and index)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
