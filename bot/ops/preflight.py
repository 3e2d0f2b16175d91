"""Pre-flight checks: everything `disputebot run` needs, verified without connecting.

Run before the first start, after an upgrade, and as the container's health check.
Each check returns one line, so an operator sees every problem at once instead of
fixing them one failed start at a time. Nothing here creates or migrates files:
a missing database is reported as "will be created at first start" after checking
that its folder accepts new files, and an existing one is opened (never created),
read, and write-locked for an instant to prove it is writable.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from bot.engine.knowledge.validation import validate_pack
from bot.engine.matching.matcher import MatchSettings
from bot.ops.gc_pause import gc_paused
from bot.ops.token import token_problem
from bot.settings import CONFIG_ENV, TOKEN_ENV, Settings, SettingsError
from bot.storage.maintenance import MaintenanceError, open_existing
from bot.storage.schema import latest_version

Status = Literal["ok", "FAIL", "note", "skip"]
PRIVILEGED_INTENTS = frozenset({"members", "presences", "message_content"})


@dataclass(frozen=True)
class CheckResult:
    """One line of `disputebot check`."""

    name: str
    status: Status
    detail: str

    @property
    def failed(self) -> bool:
        return self.status == "FAIL"

    def line(self) -> str:
        return f"{self.status:<4} {self.name}: {self.detail}"


def run_checks(
    environ: Mapping[str, str] | None = None, intents: Mapping[str, bool] | None = None
) -> tuple[list[CheckResult], Settings | None]:
    """Every check in order (settings, token, knowledge, database, intents)."""
    env = dict(os.environ if environ is None else environ)
    settings_result, settings = check_settings(env)
    results = [settings_result]
    token = settings.discord_token if settings else env.get(TOKEN_ENV, "").strip()
    results.append(check_token(token))
    if settings is None:
        results.append(CheckResult("knowledge", "skip", "settings did not parse"))
        results.append(CheckResult("database", "skip", "settings did not parse"))
    else:
        results.append(check_knowledge(settings))
        results.append(check_database(settings.database_path))
    if intents is not None:
        results.append(intents_note(intents))
    return results, settings


def check_settings(env: Mapping[str, str]) -> tuple[CheckResult, Settings | None]:
    try:
        settings = Settings.load(env)
    except SettingsError as exc:
        return CheckResult("settings", "FAIL", str(exc)), None
    source = f"environment and {env[CONFIG_ENV]}" if env.get(CONFIG_ENV) else "environment"
    shards = ""
    if settings.sharded:
        count = settings.shard_count or "auto"
        ids = settings.shard_ids if settings.shard_ids is not None else "all"
        shards = f", sharded ({count} shards, ids {ids})"
    detail = (
        f"from the {source}; platform {settings.platform}, "
        f"log {settings.log_level}/{settings.log_format}{shards}"
    )
    return CheckResult("settings", "ok", detail), settings


def check_token(token: str) -> CheckResult:
    """The token's shape only: whether Discord accepts it is known at login."""
    problem = token_problem(token)
    if problem is not None:
        return CheckResult("token", "FAIL", problem)
    return CheckResult("token", "ok", "set, shaped like a bot token (not shown)")


def check_knowledge(settings: Settings) -> CheckResult:
    root = settings.knowledge_dir
    if not root.is_dir():
        return CheckResult("knowledge", "FAIL", f"{root} is not a folder")
    result = validate_pack(
        root,
        settings.platform,
        settings=MatchSettings(threshold=settings.answer_threshold),
        stale_after_days=settings.stale_after_days,
        build_context=gc_paused,
    )
    if not result.ok or result.kb is None:
        first = str(result.errors[0]) if result.errors else "no entries"
        return CheckResult(
            "knowledge",
            "FAIL",
            f"{root} ({settings.platform}): {len(result.errors)} error(s), first: {first}; "
            "run 'disputebot kb validate' for all",
        )
    return CheckResult(
        "knowledge",
        "ok",
        f"{root} ({settings.platform}): {len(result.kb.entries)} entries in "
        f"{len(result.files)} files, {len(result.warnings)} warning(s)",
    )


def check_database(path: Path) -> CheckResult:
    latest = latest_version()
    if not path.exists():
        return _check_new_database(path, latest)
    try:
        conn = open_existing(path)
    except MaintenanceError as exc:
        return CheckResult("database", "FAIL", str(exc))
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
    except sqlite3.Error as exc:
        return CheckResult("database", "FAIL", f"{path}: {exc}")
    finally:
        conn.close()
    if version > latest:
        return CheckResult(
            "database",
            "FAIL",
            f"{path} has schema {version}, newer than this build's {latest}: it was "
            "written by a newer disputebot; upgrade, or restore a backup made by this version",
        )
    if version < latest:
        state = f"schema {version}; the bot migrates it to {latest} at start"
    else:
        state = f"schema {version} (current)"
    return CheckResult("database", "ok", f"{path} is writable, {state}")


def _check_new_database(path: Path, latest: int) -> CheckResult:
    """A database that does not exist yet: can the bot create it (and its folders)?"""
    existing = path.absolute().parent
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        return CheckResult("database", "FAIL", f"cannot create {path}: {existing} is not a folder")
    try:
        with tempfile.NamedTemporaryFile(dir=existing, prefix=".disputebot-check-"):
            pass
    except OSError as exc:
        return CheckResult(
            "database", "FAIL", f"cannot create {path}: {existing} is not writable ({exc.strerror})"
        )
    return CheckResult(
        "database",
        "ok",
        f"{path} does not exist yet; the bot creates it (schema {latest}) at first start",
    )


def intents_note(intents: Mapping[str, bool]) -> CheckResult:
    """Which gateway intents the bot asks for, and which must be enabled in the portal."""
    enabled = [name for name, on in intents.items() if on]
    privileged = [name for name in enabled if name in PRIVILEGED_INTENTS]
    detail = ", ".join(enabled)
    if privileged:
        detail += (
            f"; privileged: {', '.join(privileged)}: enable "
            + ", ".join(name.replace("_", " ").title() + " Intent" for name in privileged)
            + " under Bot in the Developer Portal, or login fails"
        )
    return CheckResult("intents", "note", detail)
