"""The offline commands stay light: answering from a terminal never loads discord.py."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

PROBE = """
import sys
from bot.cli import main
code = main(sys.argv[1:])
heavy = sorted(m for m in ("discord", "sklearn", "scipy") if m in sys.modules)
print("HEAVY", ",".join(heavy))
sys.exit(code)
"""


def loaded_by(*argv: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.rsplit("HEAVY", 1)[1].strip()


def test_ask_and_match_import_neither_discord_nor_scikit_learn() -> None:
    assert loaded_by("ask", "buyer wants my whatsapp number") == ""
    assert loaded_by("match", "--json", "cx wants refund") == ""


def test_kb_validate_imports_neither() -> None:
    assert loaded_by("kb", "validate", "knowledge") == ""


def test_kb_schema_imports_neither() -> None:
    assert loaded_by("kb", "schema") == ""
