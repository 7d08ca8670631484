"""Problems as values.

Every stage reports what is wrong with the data as ``Problem`` objects instead of raising, so
one bad field never hides the next and a maintainer sees every problem in one run. A problem
names the file, the line and the field, and says in Chinese what to do.
"""

from __future__ import annotations

import re
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
        path = printable(self.path)
        where = f"{path}:{self.line}" if self.line else path
        what = f" {printable(self.field)}:" if self.field else ""
        return f"{where}:{what} {printable(self.message)}"


# A file name can hold anything (a record file arrives by e-mail or in a zip): terminal escape
# sequences, or bytes that are not UTF-8 (which Python keeps as lone surrogates). Shown escaped.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` with control characters and undecodable bytes written as \\xNN / \\uNNNN."""
    if not _UNPRINTABLE.search(text):
        return text

    def escape(match: re.Match) -> str:
        code = ord(match.group())
        if 0xDC80 <= code <= 0xDCFF:  # a byte os.fsdecode could not decode
            return f"\\x{code - 0xDC00:02x}"
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _UNPRINTABLE.sub(escape, text)


@dataclass
class Problems:
    """An ordered collection of problems with convenience adders."""

    items: list[Problem] = field(default_factory=list)
    # Record types whose folder could not be read at all (a symlinked data/themes): every
    # reference to one of them would fail too, so those follow-on errors are not reported.
    unreadable_types: set[str] = field(default_factory=set)
    # Problems that explain others (a refused folder): listed first.
    causes: set[Problem] = field(default_factory=set)

    def error(self, path: str, line: int, field_path: str, message: str) -> None:
        self.items.append(Problem(path, line, field_path, message, Severity.ERROR))

    def cause(self, path: str, message: str) -> None:
        """An error that makes others follow (reported before everything else)."""
        problem = Problem(path, 0, "", message, Severity.ERROR)
        self.items.append(problem)
        self.causes.add(problem)

    def warning(self, path: str, line: int, field_path: str, message: str) -> None:
        self.items.append(Problem(path, line, field_path, message, Severity.WARNING))

    def extend(self, other: "Problems | list[Problem]") -> None:
        self.items.extend(other.items if isinstance(other, Problems) else other)
        if isinstance(other, Problems):
            self.causes |= other.causes
            self.unreadable_types |= other.unreadable_types

    @property
    def errors(self) -> list[Problem]:
        return sorted((p for p in self.items if p.severity is Severity.ERROR), key=lambda p: (p not in self.causes, p))

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


MAX_FIELD_PART = 40  # a field name quoted in a problem (a pasted 200 kB "key" must not flood it)


def field_path(loc: tuple) -> str:
    """('steps', 2, 'stage') -> 'steps[2].stage'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            name = " ".join(str(part).split())
            if len(name) > MAX_FIELD_PART:
                name = name[: MAX_FIELD_PART - 1] + "…"
            out += ("." if out else "") + name
    return out
