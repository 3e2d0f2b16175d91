"""Typed settings, read once at start-up from the environment and an optional TOML file.

Every setting has a default that works for a single small server; the environment
overrides the TOML file, and both are validated before anything connects. The
token is kept out of repr() so it cannot leak into logs or tracebacks.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

ENV_PREFIX = "DISPUTEBOT_"
CONFIG_ENV = "DISPUTEBOT_CONFIG"
TOKEN_ENV = "DISCORD_TOKEN"


def default_index_cache_dir() -> Path:
    """Where built indexes are kept: $XDG_CACHE_HOME/disputebot, else ~/.cache/disputebot."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "disputebot"


def default_knowledge_dir() -> Path:
    """The shipped knowledge folder beside the package, else ./knowledge."""
    beside = Path(__file__).resolve().parent.parent / "knowledge"
    return beside if beside.is_dir() else Path("knowledge")


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names it."""


@dataclass(frozen=True)
class Settings:
    """Everything the process can be configured with (see deploy/.env.example)."""

    discord_token: str = field(default="", repr=False)
    database_path: Path = Path("data/disputebot.sqlite3")
    knowledge_dir: Path = field(default_factory=default_knowledge_dir)
    # None turns the index cache off (the setting's value "off").
    index_cache_dir: Path | None = field(default_factory=default_index_cache_dir)
    platform: str = "fiverr"
    log_level: str = "INFO"
    log_format: str = "text"
    dev_guild_id: int | None = None
    api_base_url: str | None = None
    gateway_url: str | None = None
    # None: the trained ranker's threshold (a calibrated probability), 0.5 without a model.
    answer_threshold: float | None = None
    user_cooldown_seconds: int = 30
    topic_cooldown_seconds: int = 300
    retention_days: int = 30
    stale_after_days: int = 365
    watch_knowledge: bool = False
    watch_interval_seconds: float = 2.0
    # A reload (/kb reload or the watcher) still running after this is abandoned.
    reload_timeout_seconds: float = 60.0
    sharded: bool = False
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None

    @classmethod
    def load(
        cls,
        environ: Mapping[str, str] | None = None,
        config_file: Path | None = None,
    ) -> Settings:
        """Read settings from a TOML file (if any) and then the environment."""
        env = dict(os.environ if environ is None else environ)
        values: dict[str, Any] = {}
        path = config_file or (Path(env[CONFIG_ENV]) if env.get(CONFIG_ENV) else None)
        if path is not None:
            values.update(_read_toml(path))
        for spec in fields(cls):
            key = TOKEN_ENV if spec.name == "discord_token" else ENV_PREFIX + spec.name.upper()
            if key in env and env[key] != "":
                values[spec.name] = env[key]
        return cls.from_mapping(values)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> Settings:
        known = {spec.name for spec in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise SettingsError(f"unknown setting(s): {', '.join(unknown)}")
        parsed = {name: _PARSERS[name](name, value) for name, value in values.items()}
        settings = cls(**parsed)
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.log_level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise SettingsError(
                f"log_level must be DEBUG, INFO, WARNING or ERROR, not {self.log_level!r}"
            )
        if self.log_format not in {"text", "json"}:
            raise SettingsError(f"log_format must be 'text' or 'json', not {self.log_format!r}")
        if self.answer_threshold is not None and not 0.0 <= self.answer_threshold <= 1.0:
            raise SettingsError("answer_threshold must be between 0 and 1")
        if self.retention_days < 1:
            raise SettingsError("retention_days must be at least 1")
        for name in (
            "user_cooldown_seconds",
            "topic_cooldown_seconds",
            "stale_after_days",
        ):
            if getattr(self, name) < 0:
                raise SettingsError(f"{name} must not be negative")
        if self.watch_interval_seconds <= 0:
            raise SettingsError("watch_interval_seconds must be positive")
        if self.reload_timeout_seconds <= 0:
            raise SettingsError("reload_timeout_seconds must be positive")
        for name in ("api_base_url", "gateway_url"):
            url = getattr(self, name)
            if url and not url.startswith(("http://", "https://", "ws://", "wss://")):
                raise SettingsError(f"{name} must be a URL, not {url!r}")
        if self.shard_ids is not None and self.shard_count is None:
            raise SettingsError("shard_ids needs shard_count")
        if self.shard_ids and self.shard_count and max(self.shard_ids) >= self.shard_count:
            raise SettingsError("every shard id must be below shard_count")

    def redacted(self) -> dict[str, Any]:
        """The settings as a dict with the token masked, for `disputebot check` and logs."""
        data = {spec.name: getattr(self, spec.name) for spec in fields(self)}
        data["discord_token"] = "set" if self.discord_token else "missing"
        return data


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise SettingsError(f"config file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"config file {path} is not valid TOML: {exc}") from None
    section = data.get("disputebot", data)
    if not isinstance(section, dict):
        raise SettingsError(f"config file {path}: [disputebot] must be a table")
    if "discord_token" in section:
        raise SettingsError(f"config file {path}: put the token in {TOKEN_ENV}, not in a file")
    return dict(section)


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise SettingsError(f"{name} must be text")
    return value.strip()


def _optional_text(name: str, value: Any) -> str | None:
    return _text(name, value) or None


def _path(name: str, value: Any) -> Path:
    return Path(_text(name, value)).expanduser()


def _path_or_off(name: str, value: Any) -> Path | None:
    return None if _text(name, value).lower() in {"off", "none", "false"} else _path(name, value)


def _int(name: str, value: Any) -> int:
    if isinstance(value, bool):
        raise SettingsError(f"{name} must be a whole number")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise SettingsError(f"{name} must be a whole number, not {value!r}") from None


def _optional_int(name: str, value: Any) -> int | None:
    return None if value in (None, "") else _int(name, value)


def _optional_float(name: str, value: Any) -> float | None:
    return None if value in (None, "") else _float(name, value)


def _float(name: str, value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise SettingsError(f"{name} must be a number, not {value!r}") from None


def _bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be true or false, not {value!r}")


def _int_tuple(name: str, value: Any) -> tuple[int, ...] | None:
    if value in (None, ""):
        return None
    items = value if isinstance(value, list) else str(value).replace(",", " ").split()
    if len(items) == 1 and isinstance(items[0], str) and "-" in items[0]:
        low, _, high = items[0].partition("-")
        return tuple(range(_int(name, low), _int(name, high) + 1))
    return tuple(_int(name, item) for item in items)


def _level(name: str, value: Any) -> str:
    return _text(name, value).upper()


_PARSERS: dict[str, Callable[[str, Any], Any]] = {
    "discord_token": _text,
    "database_path": _path,
    "knowledge_dir": _path,
    "index_cache_dir": _path_or_off,
    "platform": _text,
    "log_level": _level,
    "log_format": _text,
    "dev_guild_id": _optional_int,
    "api_base_url": _optional_text,
    "gateway_url": _optional_text,
    "answer_threshold": _optional_float,
    "user_cooldown_seconds": _int,
    "topic_cooldown_seconds": _int,
    "retention_days": _int,
    "stale_after_days": _int,
    "watch_knowledge": _bool,
    "watch_interval_seconds": _float,
    "reload_timeout_seconds": _float,
    "sharded": _bool,
    "shard_count": _optional_int,
    "shard_ids": _int_tuple,
}
