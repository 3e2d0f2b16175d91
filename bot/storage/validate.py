"""Checks on values before they reach SQL.

Bad input is a caller bug or a moderator typo, not a storage fault, so these raise
ValueError instead of being swallowed by the Store's fault handling. Setting keys
are also interpolated as column names, which is only safe because they are checked
against this fixed list first.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, cast

from bot.storage.models import (
    ANSWER_KINDS,
    CHANNEL_MODES,
    AnswerRecord,
    ChannelMode,
    SettingValue,
)


@dataclass(frozen=True, slots=True)
class _SettingSpec:
    integer: bool
    accepts: Callable[[float], bool]
    requirement: str


_SETTINGS: Final[dict[str, _SettingSpec]] = {
    "answer_threshold": _SettingSpec(False, lambda v: 0.0 <= v <= 1.0, "between 0 and 1"),
    "user_cooldown_s": _SettingSpec(True, lambda v: v >= 0, "a whole number of seconds >= 0"),
    "topic_cooldown_s": _SettingSpec(True, lambda v: v >= 0, "a whole number of seconds >= 0"),
    "retention_days": _SettingSpec(True, lambda v: v >= 1, "a whole number of days >= 1"),
    "escalation_role_id": _SettingSpec(True, lambda v: v > 0, "a role id"),
}

GUILD_SETTING_KEYS: Final[frozenset[str]] = frozenset(_SETTINGS)

# SQLite integers are 64-bit; a larger Python int would fail to bind.
_MIN_INT64: Final = -(2**63)
_MAX_INT64: Final = 2**63 - 1


def setting_value(key: str, value: object) -> SettingValue:
    """The stored form of ``value`` for ``key``; None clears the override."""
    spec = _SETTINGS.get(key)
    if spec is None:
        known = ", ".join(sorted(_SETTINGS))
        raise ValueError(f"unknown guild setting {key!r}; known settings: {known}")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{key} must be {spec.requirement}, got {value!r}")
    if spec.integer and value != int(value):
        raise ValueError(f"{key} must be {spec.requirement}, got {value!r}")
    number: float | int = int(value) if spec.integer else float(value)
    if not spec.accepts(number) or not _MIN_INT64 <= number <= _MAX_INT64:
        raise ValueError(f"{key} must be {spec.requirement}, got {value!r}")
    return number


def setting_text(value: SettingValue | str) -> str | None:
    """How a value is written to the config audit (None stays NULL)."""
    if value is None:
        return None
    return repr(value) if isinstance(value, float) else str(value)


def channel_mode(mode: str | None) -> ChannelMode | None:
    """A valid channel mode, or None meaning "remove the override"."""
    if mode is not None and mode not in CHANNEL_MODES:
        raise ValueError(f"channel mode must be one of {sorted(CHANNEL_MODES)}, got {mode!r}")
    return cast("ChannelMode | None", mode)


def vote(value: int) -> int:
    if isinstance(value, bool) or value not in (1, -1):
        raise ValueError(f"vote must be +1 or -1, got {value!r}")
    return value


def text(name: str, value: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string, got {value!r}")
    return value


def string_list(name: str, values: Sequence[str]) -> list[str]:
    if isinstance(values, str) or not all(isinstance(item, str) for item in values):
        raise ValueError(f"{name} must be a list of strings, got {values!r}")
    return list(values)


def confidence(value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"confidence must be a finite number, got {value!r}")
    return float(value)


def answer(record: AnswerRecord) -> None:
    """Reject records the schema would refuse, before a write is attempted."""
    if record.kind not in ANSWER_KINDS:
        raise ValueError(f"answer kind must be one of {sorted(ANSWER_KINDS)}, got {record.kind!r}")
    text("question", record.question)
    string_list("entry_ids", record.entry_ids)
    string_list("topics", record.topics)
    confidence(record.confidence)


def retention_days(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"retention must be a whole number of days >= 1, got {value!r}")
    return value
