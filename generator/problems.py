"""Problems as values.

Every stage reports what is wrong with the data as ``Problem`` objects instead of raising, so
one bad field never hides the next and a maintainer sees every problem in one run. A problem
names the file, the line and the field, and says in Chinese what to do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Severity(str, Enum):
    ERROR = "错误"
    WARNING = "警告"


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    field: str
    message: str
    severity: Severity = Severity.ERROR

    def format(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        what = f" {self.field}:" if self.field else ""
        return f"{where}:{what} {self.message}"


@dataclass
class Problems:
    """An ordered collection of problems with convenience adders."""

    items: list[Problem] = field(default_factory=list)

    def error(self, path: str, line: int, field_path: str, message: str) -> None:
        self.items.append(Problem(path, line, field_path, message, Severity.ERROR))

    def warning(self, path: str, line: int, field_path: str, message: str) -> None:
        self.items.append(Problem(path, line, field_path, message, Severity.WARNING))

    def extend(self, other: "Problems | list[Problem]") -> None:
        self.items.extend(other.items if isinstance(other, Problems) else other)

    @property
    def errors(self) -> list[Problem]:
        return sorted(p for p in self.items if p.severity is Severity.ERROR)

    @property
    def warnings(self) -> list[Problem]:
        return sorted(p for p in self.items if p.severity is Severity.WARNING)

    def __bool__(self) -> bool:
        return bool(self.items)


class UserError(Exception):
    """A problem the user can fix (a bad argument, a missing folder); printed as its message."""


class DataError(Exception):
    """Raised by pipeline entry points when the data has errors; carries them all."""

    def __init__(self, problems: Problems):
        self.problems = problems
        super().__init__(f"{len(problems.errors)} 个错误")


def field_path(loc: tuple) -> str:
    """('steps', 2, 'stage') -> 'steps[2].stage'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out
