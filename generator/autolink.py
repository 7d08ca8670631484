"""First-mention links: the first time a page names a known practice, method or glossary term,
that mention links to its page (terms carry their definition as hover text).

Matching uses one Aho–Corasick automaton over every name and alias, so the cost per page does
not grow with the number of records. The longest name wins (六式协商议政工作法 before 六式).
Links are inserted only into prose: never inside headings, quotations, code, HTML tags,
existing links, attribute lists, character references or table and block syntax, and a page
never links to itself. A name is matched as written only when it holds no Markdown syntax;
otherwise only in its escaped form, which is how record text appears in generated pages — so a
name such as "a | b" can never match the pipes of a table row.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

import ahocorasick

from .markdown_text import escape_inline, markdown_link
from .paths import href

MIN_NAME_CHARS = 2


@dataclass(frozen=True)
class Target:
    key: tuple[str, str]  # (type name, record id)
    page: str  # docs-relative page
    anchor: str
    title: str  # hover text ("" for none)
    priority: int  # lower wins when two kinds of record share a name


# Regions of Markdown where a link must not be inserted.
_PROTECTED = re.compile(
    r"""
      \A---\n.*?\n---\n                          # YAML front matter
    | ^[ \t]*(?P<fence>```|~~~).*?^[ \t]*(?P=fence)[^\n]*$         # fenced code
    | ^[ \t]*\#{1,6}[ \t][^\n]*$                   # ATX heading
    | ^[ \t]*>[^\n]*$                              # quotation (evidence excerpts)
    | ^[ \t]*\[[^\]\n]+\]:[^\n]*$                  # link reference definition
    | <!--.*?-->                                   # HTML comment
    | ^[ \t]*<(?P<block>p|div|table|ul|ol|dl|section|figure|details|blockquote)\b(?![^>\n]*\bmarkdown\b)[^>\n]*>.*?</(?P=block)\s*>
                                                   # raw HTML block: Markdown inside it stays raw text
    | <(?P<tag>a|code|pre|script|style|svg|kbd|h[1-6]|summary|button|textarea|select|figcaption)\b.*?</(?P=tag)\s*>
    | <[^>\n]*>                                    # any other tag with its attributes
    | `[^`\n]*`                                    # inline code
    | !?\[[^\]\n]*\]\([^)\n]*\)                    # inline link or image
    | !?\[[^\]\n]*\]\[[^\]\n]*\]                   # reference link
    | \{[:#.][^}\n]*\}                             # attribute list
    | ^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)+\|?[ \t]*$    # table delimiter row
    | ^[ \t]*(?:[-=_*][ \t]*){3,}$                 # rule or setext underline
    | ^[ \t]*(?:[-+*]|\d{1,9}[.)])(?=[ \t])        # list marker
    | \[\^[^\]\n]*\]                               # footnote reference
    """,
    re.S | re.M | re.X | re.I,
)
_ASCII_WORD = re.compile(r"[A-Za-z0-9]")
# Escaped record text is full of character references (&#124;); a match may hold whole ones
# (an escaped name does) but must not begin or end inside one.
_REFERENCE = re.compile(r"&#?[A-Za-z0-9]+;")
_LONGEST_REFERENCE = 32
# A name must hold a letter, digit or CJK character to be linked ("---" or "!!!" would match
# syntax); kb check refuses such names, this guards the linker itself.
_WORDLIKE = re.compile(r"[^\W_]")


class Linker:
    def __init__(self, targets: dict[str, Target]):
        """``targets`` maps a surface name to what it should link to."""
        self.targets = dict(targets)  # surface -> target: what the incremental generator compares
        self.automaton = ahocorasick.Automaton()
        self.size = 0
        for surface, target in targets.items():
            if len(surface) < MIN_NAME_CHARS or not _WORDLIKE.search(surface):
                continue
            escaped = escape_inline(surface)
            for form in {surface, escaped} if escaped == surface.strip() else {escaped}:
                self.automaton.add_word(form, (form, target))
                self.size += 1
        if self.size:
            self.automaton.make_automaton()

    @classmethod
    def from_names(cls, entries: list[tuple[str, Target]]) -> "Linker":
        """Build from (name, target) pairs; a name claimed by several targets goes to the lowest priority."""
        chosen: dict[str, Target] = {}
        for name, target in entries:
            current = chosen.get(name)
            if current is None or (target.priority, target.key) < (current.priority, current.key):
                chosen[name] = target
        return cls(chosen)

    def matches(self, text: str) -> list[tuple[int, int, Target]]:
        """Non-overlapping longest matches as (start, end, target), left to right."""
        if not self.size or not text:
            return []
        found = []
        for end_index, (form, target) in self.automaton.iter_long(text):
            start = end_index - len(form) + 1
            end = end_index + 1
            # An ASCII name (1+N, 463) must not be a piece of a longer ASCII word.
            if _ASCII_WORD.match(form[0]) and start > 0 and _ASCII_WORD.match(text[start - 1]):
                continue
            if _ASCII_WORD.match(form[-1]) and end < len(text) and _ASCII_WORD.match(text[end]):
                continue
            found.append((start, end, target))
        return found

    def mentions(self, text: str) -> set[tuple[str, str]]:
        """Which records a plain text names (used for "mentioned on" backlinks)."""
        return {target.key for _, _, target in self.matches(text)}

    def link(self, markdown: str, page: str, skip: frozenset[tuple[str, str]] = frozenset()) -> tuple[str, set[tuple[str, str]]]:
        """Link the first mention of each target in ``markdown`` (a page at docs path ``page``).

        Returns the new Markdown and the keys that were linked.
        """
        matches = self.matches(markdown)
        if not matches:
            return markdown, set()
        starts, ends = [], []
        for m in _PROTECTED.finditer(markdown):
            starts.append(m.start())
            ends.append(m.end())

        def inside_reference(position: int) -> bool:
            """Whether ``position`` falls between the & and the ; of a character reference."""
            amp = markdown.rfind("&", max(0, position - _LONGEST_REFERENCE), position)
            if amp < 0:
                return False
            found = _REFERENCE.match(markdown, amp)
            return found is not None and amp < position < found.end()

        def protected(start: int, end: int) -> bool:
            if inside_reference(start) or inside_reference(end):
                return True
            i = bisect.bisect_right(starts, start) - 1
            if i >= 0 and ends[i] > start:
                return True
            j = bisect.bisect_left(starts, start)
            return j < len(starts) and starts[j] < end

        done: set[tuple[str, str]] = set(skip)
        linked: set[tuple[str, str]] = set()
        pieces: list[str] = []
        cursor = 0
        for start, end, target in matches:
            if target.key in done or (target.page == page and not target.anchor) or protected(start, end):
                continue
            if linked and start == cursor:
                continue  # two links touching ("协商在一线委员议事室") would read as one
            done.add(target.key)
            linked.add(target.key)
            url = href(page, target.page, target.anchor)
            pieces.append(markdown[cursor:start])
            pieces.append(markdown_link(markdown[start:end], url, target.title))
            cursor = end
        pieces.append(markdown[cursor:])
        return "".join(pieces), linked
