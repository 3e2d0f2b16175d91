"""The import graph of bot/ has no circle: layers import downwards only.

Module-level imports are followed as Python runs them; `from package import module`
counts as an import of that module. Imports under `if TYPE_CHECKING:` and inside
functions (deliberately deferred, e.g. discord.py for the CLI) are left out.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT


def module_names() -> dict[str, Path]:
    found = {}
    for path in (ROOT / "bot").rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def runtime_imports(path: Path, known: dict[str, Path]) -> set[str]:
    found: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.Import):
                found.update(alias.name for alias in inner.names if alias.name in known)
            elif isinstance(inner, ast.ImportFrom) and inner.module:
                for alias in inner.names:
                    full = f"{inner.module}.{alias.name}"
                    if full in known:
                        found.add(full)
                    elif inner.module in known:
                        found.add(inner.module)
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph[node]:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_bot_has_no_import_cycle() -> None:
    known = module_names()
    graph = {name: runtime_imports(path, known) for name, path in known.items()}
    assert cycles(graph) == []


def test_the_check_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c"]]
