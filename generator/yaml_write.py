"""Records written as YAML in the style of the hand-written files in ``data/``.

Block style; keys in model order; Chinese as it is (never escaped); short lists in flow style
(``themes: [基层协商, 委员履职]``); long text as a folded ``>-`` block broken only where the text
has a space (a fold turns a line break into a space, so breaking elsewhere would change the
text), text with line breaks as a literal ``|-`` block; dates and years plain; any text that
YAML 1.1 would read as something else (``2020``, ``2020.10``, ``yes``, ``~``, ``2026-11-23``)
or that holds characters YAML cannot show as they are, double-quoted. ``load.parse_text``
reads every file written here back to the same values; ``kb import`` checks that it does.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

WIDTH = 100  # display columns (a Chinese character is two) a line may take before text is folded
FOLD_MIN = 40  # characters on a folded line before it may break at a space
INDENT = "  "

# Characters a YAML stream cannot hold as they are (and the breaks YAML 1.1 reads as line ends).
_UNSHOWABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def quoted(text: str) -> str:
    """A double-quoted scalar: only the quote, the backslash and unshowable characters escaped."""
    out = ['"']
    for char in text:
        if char == '"':
            out.append('\\"')
        elif char == "\\":
            out.append("\\\\")
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif _UNSHOWABLE.match(char):
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def _loads(text: str) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError:
        return _FAILED


_FAILED = object()


def plain_ok(text: str, *, in_flow: bool = False, in_list: bool = False) -> bool:
    """Whether ``text`` reads back as the same text when written plain — under YAML 1.1's rules,
    so anything another YAML tool would take for a number, date, boolean or null is quoted."""
    if not text or text != text.strip() or "\n" in text or "\t" in text or _UNSHOWABLE.search(text):
        return False
    if in_flow:
        return _loads(f"k: [{text}]") == {"k": [text]}
    if in_list:
        return _loads(f"- {text}") == [text]
    return _loads(f"k: {text}") == {"k": text}


def _block_ok(text: str) -> bool:
    return not _UNSHOWABLE.search(text) and "\t" not in text and text == text.strip()


def _fold(text: str, nested: bool = False) -> list[str]:
    """Lines of a folded block: broken only at single spaces, each line at least FOLD_MIN long
    (and, inside a list, no short last line: a space near the end is not worth a block)."""
    if "  " in text:
        return [text]
    words = text.split(" ")
    lines, current = [], words[0]
    for i, word in enumerate(words[1:], start=1):
        rest = len(" ".join(words[i:]))
        if len(current) >= FOLD_MIN and (not nested or rest >= FOLD_MIN // 2):
            lines.append(current)
            current = word
        else:
            current += " " + word
    lines.append(current)
    return lines


def scalar(value: Any, indent: str, used: int, *, in_list: bool = False) -> list[str]:
    """A scalar after ``key: `` (or ``- ``): the first element continues that line, the rest are
    whole lines. ``used`` is the display width already taken on the first line."""
    if isinstance(value, bool):  # not a record value; written as text to stay text
        value = str(value)
    if isinstance(value, (int, dt.date)):
        return [value.isoformat() if isinstance(value, dt.date) else str(value)]
    text = str(value)
    inner = indent + INDENT
    if "\n" in text:
        lines = text.split("\n")
        if _block_ok(text) and not any(line[:1] in (" ", "\t") for line in lines):
            return ["|-", *[(inner + line) if line else "" for line in lines]]
        return [quoted(text)]
    lines = _fold(text, bool(indent) or in_list) if _block_ok(text) and used + display_width(text) > WIDTH else []
    # A long top-level text is a block even on one line (the files' style for summaries); deeper
    # down, a line that cannot be broken stays where it is.
    if len(lines) > 1 or (lines and not indent and not in_list):
        return [">-", *[inner + line for line in lines]]
    return [text if plain_ok(text, in_list=in_list) else quoted(text)]


def _flow(items: list[str], used: int) -> str | None:
    parts = [item if plain_ok(item, in_flow=True) else quoted(item) for item in items]
    line = "[" + ", ".join(parts) + "]"
    if used + display_width(line) > WIDTH or any(_UNSHOWABLE.search(i) or "\n" in i for i in items):
        return None
    return line


def mapping(data: dict, indent: str = "") -> list[str]:
    out: list[str] = []
    for key, value in data.items():
        head = f"{indent}{key}:"
        if isinstance(value, dict):
            out.append(head)
            out.extend(mapping(value, indent + INDENT))
        elif isinstance(value, list):
            if all(not isinstance(v, (dict, list)) for v in value):
                flow = _flow([str(v) for v in value], display_width(head) + 1)
                if flow is not None:
                    out.append(f"{head} {flow}")
                    continue
            out.append(head)
            out.extend(sequence(value, indent + INDENT))
        else:
            first, *rest = scalar(value, indent, display_width(head) + 1)
            out.append(f"{head} {first}")
            out.extend(rest)
    return out


def sequence(items: list, indent: str) -> list[str]:
    out: list[str] = []
    for item in items:
        if isinstance(item, dict):
            lines = mapping(item, indent + INDENT)
            out.append(indent + "- " + lines[0][len(indent) + len(INDENT):])
            out.extend(lines[1:])
        else:
            first, *rest = scalar(item, indent, display_width(indent) + 2, in_list=True)
            out.append(f"{indent}- {first}")
            out.extend(rest)
    return out


def dump(data: dict, comment: str | None = None) -> str:
    """A record's YAML text (``comment`` becomes the first line, e.g. the editor schema)."""
    lines = [f"# {comment}"] if comment else []
    lines.extend(mapping(data))
    return "\n".join(lines) + "\n"


def as_loaded(value: Any) -> Any:
    """What the record loader gives for a value written by ``dump``: every scalar as text."""
    if isinstance(value, dict):
        return {k: as_loaded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_loaded(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value
