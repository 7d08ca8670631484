"""Chinese text helpers shared by every stage: 繁→简, whitespace folding, pinyin."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_WHITESPACE = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")


@lru_cache(maxsize=1)
def _t2s():
    import opencc  # imported lazily: only excerpt checks and the search index need it

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional -> Simplified characters (OpenCC's t2s, phrase-aware)."""
    return _t2s().convert(text)


def fold_whitespace(text: str) -> str:
    """Remove all white space: Chinese has none between words, web copies add it at random."""
    return _WHITESPACE.sub("", text)


def normalize_for_match(text: str) -> str:
    """The form excerpts are compared in: Simplified, NFKC (full-width digits), no white space."""
    return fold_whitespace(unicodedata.normalize("NFKC", to_simplified(text)))


@lru_cache(maxsize=65536)
def pinyin_syllables(text: str) -> tuple[str, ...]:
    from pypinyin import Style, lazy_pinyin

    return tuple(lazy_pinyin(text, style=Style.NORMAL, errors=lambda chars: list(chars)))


@lru_cache(maxsize=None)  # sorting asks for the same names' keys hundreds of thousands of times
def pinyin_key(text: str) -> tuple[str, str]:
    """Sort key that orders Chinese names as a dictionary does (by pinyin), then by text."""
    return (" ".join(s.lower() for s in pinyin_syllables(text)), text)


def initial(text: str) -> str:
    """A–Z initial of a name for the pinyin index; '#' for names starting with a digit or sign."""
    for syllable in pinyin_syllables(text):
        for char in syllable:
            if "a" <= char.lower() <= "z":
                return char.upper()
            if not char.isspace():
                return "#"
    return "#"


def slugify(text: str, max_length: int = 60) -> str:
    """An ASCII id from a Chinese name: 协商在基层 -> xie-shang-zai-ji-ceng."""
    parts: list[str] = []
    for syllable in pinyin_syllables(unicodedata.normalize("NFKC", text)):
        for piece in re.findall(r"[a-z0-9]+", syllable.lower()):
            parts.append(piece)
    slug = "-".join(parts)
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0]
    return slug or "record"
