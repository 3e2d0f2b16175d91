"""Located problems found while loading knowledge.

Every problem names the file, line, entry id and field it is about, so a moderator
can fix all of them in one pass instead of one per reload.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong (or worth a look) in the knowledge files."""

    severity: Severity
    file: str
    line: int | None
    entry: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = [where, self.severity.value]
        if self.entry:
            parts.append(f"entry '{self.entry}'")
        if self.field:
            parts.append(f"field '{self.field}'")
        return ": ".join(parts) + f": {self.message}"


class SortsProblems:
    """errors and warnings of anything that holds `problems` (logs and load results)."""

    problems: Sequence[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]


class ProblemLog(SortsProblems):
    """Collects problems; loading never stops at the first one."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def error(
        self,
        file: str,
        line: int | None,
        message: str,
        *,
        entry: str | None = None,
        field: str | None = None,
    ) -> None:
        self.problems.append(Problem(Severity.ERROR, file, line, entry, field, message))

    def warning(
        self,
        file: str,
        line: int | None,
        message: str,
        *,
        entry: str | None = None,
        field: str | None = None,
    ) -> None:
        self.problems.append(Problem(Severity.WARNING, file, line, entry, field, message))


class KnowledgeError(Exception):
    """Raised when knowledge cannot be loaded; carries every error found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        errors = [p for p in problems if p.severity is Severity.ERROR]
        super().__init__(f"{len(errors)} knowledge error(s); first: {errors[0] if errors else '-'}")
