"""Every benchmark in one go: quality, speed, size and growth, and the bot's throughput.

Quality comes twice: five-fold cross-validated (quality_cv.py, the headline; it
retrains disputebot's ranker five times) and on the older tune/holdout split
(quality.py).

Usage: python bench/run_all.py [--quick] [--runs N] [--factors 1,10,100]

Writes bench/results/results.json (every figure and run setting) and
bench/results/report.md (the Markdown tables it also prints). Needs the bench
extra (pip install -e ".[bench]"); works offline. Everything is recomputed from
the current knowledge and matcher on each run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from common import BENCH, EVAL_DIR, KNOWLEDGE, PLATFORM, RESULTS, eval_files, eval_items
from machine import describe
from quality import run_quality
from quality_cv import run_quality_cv
from report import render
from scaling import FACTORS, RUNS, run_scaling

from bot.engine.knowledge.loader import load_pack
from bot.engine.tooling.evaluate import split

BOT_BENCH = BENCH / "bot_throughput.py"
BOT_TIMEOUT_S = 600


def bot_throughput() -> dict[str, Any]:
    """Run the Discord bot's own benchmark when someone has written it."""
    if not BOT_BENCH.exists():
        return {"available": False}
    try:
        done = subprocess.run(
            [sys.executable, str(BOT_BENCH)],
            capture_output=True,
            text=True,
            timeout=BOT_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"available": True, "returncode": -1, "output": f"timed out after {BOT_TIMEOUT_S}s"}
    output = done.stdout.strip()
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or ["(no error output)"]
        output = "\n".join([output, *tail]).strip()
    return {"available": True, "returncode": done.returncode, "output": output}


def eval_info() -> dict[str, Any]:
    items = eval_items()
    parts = {"tune": split(items, "tune"), "holdout": split(items, "holdout"), "full": items}
    return {
        "files": [str(p.relative_to(EVAL_DIR.parent)) for p in eval_files()],
        "splits": {
            name: {
                "questions": len(part),
                "dispute": sum(i.is_dispute for i in part),
                "none": sum(not i.is_dispute for i in part),
            }
            for name, part in parts.items()
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--knowledge", type=Path, default=KNOWLEDGE, help=argparse.SUPPRESS)
    parser.add_argument("--platform", default=PLATFORM)
    parser.add_argument("--quick", action="store_true", help="1x and 10x only, fewer runs")
    parser.add_argument("--runs", type=int, help="runs per timing on the shipped pack")
    parser.add_argument("--factors", help="pack sizes, e.g. 1,10,100")
    args = parser.parse_args()
    factors = FACTORS[:2] if args.quick else FACTORS
    runs = {1: 3, 10: 1} if args.quick else dict(RUNS)
    if args.factors:
        factors = tuple(int(f) for f in args.factors.split(","))
    if args.runs:
        runs[1] = args.runs

    loaded = load_pack(args.knowledge, args.platform)
    if not loaded.ok:
        for problem in loaded.errors:
            print(problem, file=sys.stderr)
        sys.exit("the knowledge does not validate, so disputebot cannot start; fix it first")
    results: dict[str, Any] = {"meta": describe(), "eval": eval_info()}
    results["meta"]["settings"] = {"factors": factors, "runs": runs}
    _say("quality: scoring every labelled question with every method")
    items = eval_items()
    results["quality"] = [r.as_dict() for r in run_quality(args.knowledge, args.platform, items)]
    _say("quality: five-fold cross-validation, the same folds for every method")
    cv_rows, cv_info = run_quality_cv(args.knowledge, args.platform)
    results["quality_cv"] = {"info": cv_info, "rows": [r.as_dict() for r in cv_rows]}
    rows = run_scaling(args.knowledge, args.platform, factors, runs)
    results["scaling"] = [r.as_dict() for r in rows]
    _say("bot throughput")
    results["bot"] = bot_throughput()
    results["meta"]["load_average_end"] = os.getloadavg()[0]

    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    report = render(results)
    (RESULTS / "report.md").write_text(report)
    print(report)


def _say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
