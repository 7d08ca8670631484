"""Turning untrusted record text into Markdown that can only ever be text.

Record fields are plain text. Before they enter a generated page, every character that
Markdown, its extensions or HTML would interpret is written as an HTML entity, so a name can
not open a heading, a table, a link, an attribute list or a tag. Entities render as the same
characters, so readers see exactly what the maintainer typed.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Characters with meaning inside a Markdown line (inline syntax, HTML, attr_list, tables,
# footnotes and abbreviations). Escaping them all costs nothing for Chinese text.
_INLINE = {c: f"&#{ord(c)};" for c in "\\`*_{}[]<>#|!&~^=$"}
_INLINE_TABLE = str.maketrans(_INLINE)
# At the start of a line these start blocks: list items ("- ", "1. "), rules ("---"),
# collapsible notes of pymdownx.details ("??? note").
_LINE_START = re.compile(r"^([ \t]*)([-+*](?=\s|$)|\d{1,9}[.)](?=\s|$)|[-=_*]{3,}(?=\s*$)|\?{3})", re.M)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")


def _escape_line_start(match: re.Match) -> str:
    lead, chars = match.group(1), match.group(2)
    return lead + "".join(f"&#{ord(c)};" for c in chars)


_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f\u2018-\u201d\u2026\u00b7"
# White space next to a Chinese character or punctuation is an artefact of line wrapping in
# the YAML file (a folded ">-" block turns each line break into a space), not a real space.
_SPACE_BY_CJK = re.compile(rf"(?<=[{_CJK}])\s+|\s+(?=[{_CJK}])")


def join_lines(text: str) -> str:
    """Fold white space: none next to Chinese text, one space between Latin words."""
    return _SPACE_BY_CJK.sub("", " ".join(text.split()))


@lru_cache(maxsize=1 << 16)  # names of organisations, regions, themes recur on thousands of pages
def escape_inline(text: str) -> str:
    """One line of plain text, safe anywhere inline (newlines fold to spaces)."""
    text = join_lines(_CONTROL.sub("", text))
    return _LINE_START.sub(_escape_line_start, text.translate(_INLINE_TABLE))


def escape_cell(text: str) -> str:
    """Safe inside a Markdown table cell: no pipe, no newline."""
    return escape_inline(text)


# Material's tooltips (the theme's content.tooltips feature) show an element's title by giving
# it to innerHTML: a correctly escaped title="&lt;img onerror=…&gt;" still becomes a live tag on
# hover. Hover text therefore never holds < > &: they become their full-width forms, which read
# the same and mean nothing to an HTML parser — with or without the theme's script.
_HOVER_TABLE = str.maketrans({"<": "＜", ">": "＞", "&": "＆"})

# Inside an HTML attribute or a Markdown link title, the inline patterns Python-Markdown runs
# (code spans, backslash escapes, links, images, autolinks, attribute lists) still apply, and
# a link's title ends at a quote or a parenthesis: "[x](url)" in a title would become an <a>
# tag in the middle of the attribute, and "丙('丁')" would end the link early and turn the rest
# into live Markdown. So every character those patterns need, and those HTML needs, is written
# as a numeric reference, which the browser reads back as the character.
_ATTRIBUTE_TABLE = str.maketrans({c: f"&#{ord(c)};" for c in "&<>\"'`\\[]()!*_{}#|~^=$:"})


def escape_attribute(text: str) -> str:
    """One line of plain text for a double-quoted HTML attribute inside generated Markdown
    (a title, an aria-label: text, never a URL built from record text)."""
    return join_lines(_CONTROL.sub("", text)).translate(_HOVER_TABLE).translate(_ATTRIBUTE_TABLE)


def escape_link_title(text: str, limit: int = 140) -> str:
    """Text for a Markdown link's "title" (the hover text), shortened to ``limit`` characters."""
    text = join_lines(_CONTROL.sub("", text))
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return escape_attribute(text)


def markdown_link(label: str, url: str, title: str = "") -> str:
    """A Markdown link. ``label`` is Markdown already (escaped text); ``url`` is one the
    generator made (``paths.href``), never record text; ``title`` is plain text."""
    hover = f' "{escape_link_title(title)}"' if title else ""
    return f"[{label}]({url}{hover})"


def escape_line(text: str) -> str:
    """Like ``escape_inline``, but spaces stay as written: in a GB/T 7714 citation the ". "
    between elements is part of the format, not a line-wrapping artefact."""
    text = " ".join(_CONTROL.sub("", text).split())
    return _LINE_START.sub(_escape_line_start, text.translate(_INLINE_TABLE))


def paragraphs(text: str) -> list[str]:
    """A plain-text field as escaped paragraphs (blank lines separate paragraphs)."""
    chunks = re.split(r"\n\s*\n", _CONTROL.sub("", text).strip())
    return [escape_inline(chunk) for chunk in chunks if chunk.strip()]


def block(text: str) -> str:
    return "\n\n".join(paragraphs(text))
