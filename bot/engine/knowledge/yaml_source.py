"""The one door YAML enters through.

Knowledge files are written by people, so reading them must be safe and must
say exactly where a problem is. This module reads a file defensively (size cap,
symlinks that leave the knowledge folder, binary data, wrong encoding), parses
it with PyYAML's safe composer, refuses anchors and aliases (which make alias
bombs possible and have no use in knowledge files) and returns plain values that
remember the line each key and item came from.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml

from bot.engine.knowledge.problems import ProblemLog

MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 24


class LocatedDict(dict[str, Any]):
    """A mapping that knows its own line and the line of each key."""

    line: int
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LocatedList(list[Any]):
    """A sequence that knows its own line and the line of each item."""

    line: int
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


ALIAS_MESSAGE = "YAML anchors and aliases (& and *) are not allowed in knowledge files"


_STR_TAG = "tag:yaml.org,2002:str"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
# The plain values knowledge files need. Every other tag (!!python/object, !!python/name,
# !!python/apply, !!set, !!binary, local !tags ...) is refused by name, on mappings and
# sequences too: those are converted here, not by PyYAML, so a tag on them would otherwise
# be dropped silently instead of refused.
_SCALAR_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "timestamp")
)

# libyaml when PyYAML was built with it (the usual wheels are): about thirty times faster.
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _RejectedNodeError(Exception):
    """Stops conversion of a node tree with a located message."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def display_name(path: Path, root: Path) -> str:
    """Name a file the way moderators see it: relative to the knowledge folder's parent."""
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def read_yaml(path: Path, root: Path, log: ProblemLog, *, max_bytes: int = MAX_FILE_BYTES) -> Any:
    """Read one YAML file; return its located value, or None after logging why not."""
    name = display_name(path, root)
    text = _read_text(path, root, name, log, max_bytes)
    if text is None:
        return None
    try:
        alias = _first_alias(text) if "*" in text else None
        if alias is not None:
            log.error(name, alias, ALIAS_MESSAGE)
            return None
        node = yaml.compose(text, Loader=_FAST_LOADER)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        log.error(name, line, _yaml_message(exc))
        return None
    except yaml.YAMLError as exc:
        log.error(name, None, f"YAML error: {exc}")
        return None
    if node is None:
        log.error(name, 1, "the file is empty")
        return None
    try:
        return _convert(node, yaml.SafeLoader(""), set(), 0)
    except _RejectedNodeError as exc:
        log.error(name, exc.line, exc.message)
        return None


def _read_text(path: Path, root: Path, name: str, log: ProblemLog, max_bytes: int) -> str | None:
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        log.error(name, None, f"cannot open the file: {exc.__class__.__name__}")
        return None
    if not real.is_relative_to(root.resolve()):
        log.error(
            name, None, "symlink points outside the knowledge folder; files must live inside it"
        )
        return None
    try:
        kind = _not_regular(os.stat(real).st_mode)
        if kind is not None:
            log.error(name, None, f"{NOT_REGULAR_MESSAGE} (this is {kind})")
            return None
        raw = _read_regular(real, name, log, max_bytes)
    except OSError as exc:
        log.error(name, None, f"cannot read the file: {exc.strerror or exc}")
        return None
    if raw is None:
        return None
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        log.error(name, line, "binary data (a NUL byte); knowledge files must be UTF-8 text")
        return None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        log.error(
            name,
            line,
            f"not UTF-8 text: byte 0x{raw[exc.start]:02x} cannot be decoded; save it as UTF-8",
        )
        return None


NOT_REGULAR_MESSAGE = "not a regular file; knowledge files must be plain files"


def _not_regular(mode: int) -> str | None:
    """What a non-regular file is, for the message; None for a regular file.

    Checked before opening: opening a FIFO for reading blocks until a writer appears,
    which used to hang `/kb reload`, the file watcher and `kb validate` for ever.
    """
    if stat.S_ISREG(mode):
        return None
    kinds = {
        stat.S_ISFIFO: "a named pipe (FIFO)",
        stat.S_ISSOCK: "a socket",
        stat.S_ISCHR: "a character device",
        stat.S_ISBLK: "a block device",
        stat.S_ISDIR: "a folder",
    }
    return next((label for test, label in kinds.items() if test(mode)), "not a plain file")


def _read_regular(path: Path, name: str, log: ProblemLog, max_bytes: int) -> bytes | None:
    """The file's bytes, opened without blocking and checked again once open.

    The file can be swapped for a FIFO between the stat and the open; O_NONBLOCK makes
    that open return at once and fstat on the open descriptor tells what it really is.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        kind = _not_regular(info.st_mode)
        if kind is not None:
            log.error(name, None, f"{NOT_REGULAR_MESSAGE} (this is {kind})")
            return None
        if info.st_size > max_bytes:
            log.error(
                name,
                None,
                f"file is {info.st_size / 1_000_000:.1f} MB; "
                f"the limit is {max_bytes / 1_000_000:.1f} MB",
            )
            return None
        return handle.read(max_bytes + 1)


def _first_alias(text: str) -> int | None:
    """The line of the first alias, found before anything is composed (no alias bombs).

    Only texts that contain "*" can hold an alias, so the others skip this scan.
    """
    for event in yaml.parse(text, Loader=_FAST_LOADER):
        if isinstance(event, yaml.AliasEvent):
            mark = event.start_mark
            assert mark is not None  # the parser marks every event it emits
            return mark.line + 1
    return None


def _yaml_message(exc: yaml.MarkedYAMLError) -> str:
    problem = exc.problem or "invalid YAML"
    if "'\\t'" in problem or "\\t" in problem or "tab character" in problem:
        return "YAML syntax: a tab character is used for indentation; YAML needs spaces"
    context = ""
    if exc.context:
        context = f" ({exc.context}"
        if exc.context_mark and exc.problem_mark and exc.context_mark.line != exc.problem_mark.line:
            context += f" that starts on line {exc.context_mark.line + 1}"
        context += ")"
    return f"YAML syntax: {problem}{context}"


def _convert(
    node: yaml.Node, loader: yaml.SafeLoader, seen: set[int], depth: int, key: str | None = None
) -> Any:
    """The located value of a node; key is the mapping key it belongs to, for messages."""
    line = node.start_mark.line + 1
    if depth > MAX_DEPTH:
        raise _RejectedNodeError(line, f"nesting deeper than {MAX_DEPTH} levels")
    if id(node) in seen:
        raise _RejectedNodeError(
            line, "YAML anchors and aliases (& and *) are not allowed in knowledge files"
        )
    seen.add(id(node))
    allowed = (
        node.tag == _MAP_TAG
        if isinstance(node, yaml.MappingNode)
        else node.tag == _SEQ_TAG
        if isinstance(node, yaml.SequenceNode)
        else node.tag in _SCALAR_TAGS
    )
    if not allowed:
        raise _RejectedNodeError(
            line, f"YAML tag {_short_tag(node.tag)} is not allowed in knowledge files"
        )
    if isinstance(node, yaml.MappingNode):
        result = LocatedDict()
        result.line = line
        result.key_lines = {}
        for key_node, value_node in node.value:
            key = _convert(key_node, loader, seen, depth + 1)
            key_line = key_node.start_mark.line + 1
            if not isinstance(key, str):
                raise _RejectedNodeError(
                    key_line, f"mapping keys must be text, not {type(key).__name__}"
                )
            if key in result:
                raise _RejectedNodeError(key_line, f"duplicate key '{key}'")
            result[key] = _convert(value_node, loader, seen, depth + 1, key)
            result.key_lines[key] = key_line
        return result
    if isinstance(node, yaml.SequenceNode):
        items = LocatedList()
        items.line = line
        items.item_lines = []
        for item in node.value:
            items.append(_convert(item, loader, seen, depth + 1))
            items.item_lines.append(item.start_mark.line + 1)
        return items
    if node.tag == _STR_TAG:
        return node.value
    try:
        return loader.construct_object(node, deep=True)
    except yaml.YAMLError as exc:
        raise _RejectedNodeError(
            line, f"unsupported YAML value: {getattr(exc, 'problem', exc)}"
        ) from None
    except (ValueError, OverflowError) as exc:  # a date such as 2026-02-30
        expected = f"a valid {_TYPE_NAMES.get(node.tag, 'value')}"
        subject = f"'{key}' is not {expected}" if key else f"not {expected}"
        raise _RejectedNodeError(line, f"{subject}: {exc}") from None


def _short_tag(tag: str) -> str:
    """A tag as it was written: tag:yaml.org,2002:python/object becomes !!python/object."""
    prefix = "tag:yaml.org,2002:"
    return "!!" + tag[len(prefix) :] if tag.startswith(prefix) else tag


_TYPE_NAMES = {
    "tag:yaml.org,2002:timestamp": "date",
    "tag:yaml.org,2002:int": "number",
    "tag:yaml.org,2002:float": "number",
}
