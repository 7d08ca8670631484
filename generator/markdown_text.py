"""Turning untrusted record text into Markdown that can only ever be text.

Record fields are plain text. Before they enter a generated page, every character that
Markdown, its extensions or HTML would interpret is written as an HTML entity, so a name can
not open a heading, a table, a link, an attribute list or a tag. Entities render as the same
characters, so readers see exactly what the maintainer typed.
"""

from __future__ import annotations

import re

# Characters with meaning inside a Markdown line (inline syntax, HTML, attr_list, tables,
# footnotes and abbreviations). Escaping them all costs nothing for Chinese text.
_INLINE = {c: f"&#{ord(c)};" for c in "\\`*_{}[]<>#|!&~^=$"}
_INLINE_TABLE = str.maketrans(_INLINE)
# At the start of a line these also start blocks (lists, rules, headings, quotes).
_LINE_START = re.compile(r"^([ \t]*)([-+.0-9]+)", re.M)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")


def _escape_line_start(match: re.Match) -> str:
    lead, chars = match.group(1), match.group(2)
    return lead + "".join(f"&#{ord(c)};" for c in chars)


def escape_inline(text: str) -> str:
    """One line of plain text, safe anywhere inline (newlines fold to spaces)."""
    text = _CONTROL.sub("", text)
    text = " ".join(text.split())
    return _LINE_START.sub(_escape_line_start, text.translate(_INLINE_TABLE))


def escape_cell(text: str) -> str:
    """Safe inside a Markdown table cell: no pipe, no newline."""
    return escape_inline(text)


def escape_link_title(text: str, limit: int = 140) -> str:
    """Text for a link's "title" (the hover text)."""
    text = " ".join(_CONTROL.sub("", text).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;").replace("\\", "&#92;")


def paragraphs(text: str) -> list[str]:
    """A plain-text field as escaped paragraphs (blank lines separate paragraphs)."""
    chunks = re.split(r"\n\s*\n", _CONTROL.sub("", text).strip())
    return [escape_inline(chunk) for chunk in chunks if chunk.strip()]


def block(text: str) -> str:
    return "\n\n".join(paragraphs(text))
