"""Copied runs: prose fields that repeat a long stretch of their source word for word.

Summaries, descriptions, definitions and notes are to be written in the contributor's own
words; quotations belong in ``excerpt`` fields, where they are checked and shown as quotations.
This check (run by ``kb check --sources``) warns about a prose field that shares a run of
``MIN_RUN`` or more characters with one of the source texts its record cites.

Text is compared in the form excerpts are (``text.normalize_for_match``: Simplified, NFKC, no
white space). Two things may keep the source's words and are not reported: document titles
(text inside 《》) and lists of short items (the eight items of 八个一, the six steps of 六事),
recognised by the length of the pieces between list separators (``is_short_list``).

Speed: every source text is read into a set of the hashes of all its ``MIN_RUN``-character
windows once; a field is then checked with one set lookup per character, and only fields that
hit are compared against the text itself. The work grows with the length of the prose, not
with its product with the sources.
"""

from __future__ import annotations

import re
import typing
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Iterator

from pydantic import BaseModel, StringConstraints

from . import text as textutil
from .model import MAX_TEXT_CHARS, RECORD_TYPES, Citation, KnowledgeBase, Record, Source
from .problems import Problems, field_path
from .excerpts import source_seed
from .walk import iter_models

MIN_RUN = 30  # characters in common that make a field a copy
LIST_ITEM_CHARS = 8  # the longest piece between list separators that counts as a list item
# Separators of a list, in normalized text (NFKC turns ，； into , ;).
_LIST_SEPARATORS = re.compile(r"[、,;]")
# Quotation marks and brackets around a list item do not count towards its length.
_ITEM_MARKS = re.compile(r"[“”‘’\"'「」『』()（）]")
_TITLE = re.compile(r"《[^《》]*》")
_MASK = "\uffff"  # stands for a title's characters: no window that holds one can match
# Fields never checked, whatever their type: quotations, names and identifiers.
_NOT_PROSE = frozenset({"excerpt", "name", "aliases", "tags", "id", "url", "seed", "field"})

LineOf = Callable[[Record, tuple], int]


# --- which fields are prose --------------------------------------------------------------


def _is_text(annotation: Any, metadata: list) -> bool:
    """Whether a field holds free text (the model's ``Text``: a string of up to MAX_TEXT_CHARS)."""
    found = list(metadata)
    stack = [annotation]
    while stack:
        item = stack.pop()
        found.extend(getattr(item, "__metadata__", ()))
        stack.extend(typing.get_args(item))
    return any(isinstance(m, StringConstraints) and m.max_length == MAX_TEXT_CHARS for m in found)


def _nested(annotation: Any) -> bool:
    stack = [annotation]
    while stack:
        item = stack.pop()
        if isinstance(item, type) and issubclass(item, BaseModel):
            return True
        stack.extend(typing.get_args(item))
    return False


@lru_cache(maxsize=None)
def _plan(model: type[BaseModel]) -> tuple[tuple[str, bool, bool], ...]:
    """(field, is prose, may hold nested models) for the fields worth visiting, once per class."""
    plan = []
    for name, info in model.model_fields.items():
        if name in _NOT_PROSE:
            continue
        prose = _is_text(info.annotation, info.metadata)
        nested = _nested(info.annotation)
        if prose or nested:
            plan.append((name, prose, nested))
    return tuple(plan)


def prose_fields(obj: BaseModel, loc: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """Every prose string in a record with its location (excerpts, names, ids and urls skipped)."""
    for name, prose, nested in _plan(type(obj)):
        value = getattr(obj, name)
        items = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
        for index, item in items:
            where = loc + ((name,) if index is None else (name, index))
            if prose and isinstance(item, str):
                yield where, item
            elif nested and isinstance(item, BaseModel):
                yield from prose_fields(item, where)


# --- source texts ------------------------------------------------------------------------------


@dataclass
class SeedIndex:
    """One normalized source text and the hashes of all its MIN_RUN-character windows."""

    name: str
    text: str
    windows: frozenset[int]

    @classmethod
    def of(cls, name: str, text: str) -> "SeedIndex":
        return cls(name, text, frozenset(hash(text[i:i + MIN_RUN]) for i in range(len(text) - MIN_RUN + 1)))


def record_seeds(kb: KnowledgeBase, record: Record) -> list[str]:
    """File names of the source texts a record rests on: those of every source it cites, and a
    source's own (or its compilation's)."""
    ids = [record.id] if isinstance(record, Source) else []
    ids += [citation.source for _loc, citation in iter_models(record, Citation)]
    seeds = (source_seed(kb, source_id) for source_id in ids)
    return list(dict.fromkeys(s for s in seeds if s))


# --- runs ------------------------------------------------------------------------------------------


def _mask_titles(text: str) -> str:
    return _TITLE.sub(lambda m: _MASK * len(m.group()), text)


def window_hashes(field: str) -> list[int]:
    """Hashes of every MIN_RUN-character window of a (normalized) field, in order."""
    return [hash(field[i:i + MIN_RUN]) for i in range(len(field) - MIN_RUN + 1)]


def common_runs(field: str, seed: SeedIndex, hashes: list[int] | None = None) -> list[tuple[int, int]]:
    """Maximal stretches ``field[start:end]`` of at least MIN_RUN characters that also stand in
    the seed text, found from the window hashes and confirmed against the text."""
    if hashes is None:
        hashes = window_hashes(field)
    if seed.windows.isdisjoint(hashes):  # the common case, at C speed
        return []
    runs: list[tuple[int, int]] = []
    covered = 0  # windows ending at or before this are inside a run already found
    for start, value in enumerate(hashes):
        if value not in seed.windows or start + MIN_RUN <= covered or field[start:start + MIN_RUN] not in seed.text:
            continue
        # The longest prefix of field[start:] found in the text: being found is monotone in the
        # length (a prefix of a found string is found), so a binary search finds it.
        low, high = start + MIN_RUN, len(field)
        while low < high:
            middle = (low + high + 1) // 2
            if field[start:middle] in seed.text:
                low = middle
            else:
                high = middle - 1
        runs.append((start, low))
        covered = low
    return runs


def is_short_list(run: str) -> bool:
    """Whether a copied run is a list of short items, such as 八个一's eight items.

    The run is cut at list separators (、，；) into at least three pieces, each of at most
    LIST_ITEM_CHARS characters (quotation marks and brackets not counted), except one that may
    be up to twice as long (an item such as 制作一部电视专题片或PPT, or the words that lead into
    the list). Prose made of clauses (给党委搭建……的平台，给政府搭建……的平台) has longer pieces
    and is reported, as is a short list with a sentence of copied prose around it."""
    lengths = [len(_ITEM_MARKS.sub("", piece)) for piece in _LIST_SEPARATORS.split(run)]
    longer = [n for n in lengths if n > LIST_ITEM_CHARS]
    return len(lengths) >= 3 and len(longer) <= 1 and all(n <= 2 * LIST_ITEM_CHARS for n in longer)


def longest_copy(field: str, seeds: list[SeedIndex]) -> tuple[int, str, str] | None:
    """(length, seed name, run) of the longest reportable copied run in a normalized field."""
    masked = _mask_titles(field)
    hashes = window_hashes(masked)
    best: tuple[int, str, str] | None = None
    for seed in seeds:
        for start, end in common_runs(masked, seed, hashes):
            run = masked[start:end]
            if is_short_list(run):
                continue
            if best is None or len(run) > best[0]:
                best = (len(run), seed.name, run)
    return best


def quoted(run: str, limit: int = 40) -> str:
    return run if len(run) <= limit else run[: limit - 11] + "…" + run[-10:]


# --- the check ---------------------------------------------------------------------------------


def check_originality(kb: KnowledgeBase, seed_texts: dict[str, str | None], problems: Problems,
                      line_of: LineOf) -> int:
    """Warn about every prose field that copies MIN_RUN or more characters from a source text its
    record cites. ``seed_texts`` maps seed file names to their normalized text (None when the
    file could not be read). Returns how many fields were compared."""
    indexes: dict[str, SeedIndex] = {}

    def index(name: str) -> SeedIndex | None:
        if name not in indexes:
            text = seed_texts.get(name)
            if text is None:
                return None
            indexes[name] = SeedIndex.of(name, text)
        return indexes[name]

    compared = 0
    for record_type in RECORD_TYPES:
        for record in kb.of(record_type).values():
            seeds = [s for s in (index(n) for n in record_seeds(kb, record)) if s is not None]
            if not seeds:
                continue
            for loc, value in prose_fields(record):
                if len(value) < MIN_RUN:  # too short to hold a run (normalizing does not lengthen Chinese text)
                    continue
                compared += 1
                found = longest_copy(textutil.normalize_for_match(value), seeds)
                if found is None:
                    continue
                length, seed_name, run = found
                problems.warning(
                    record.path, line_of(record, loc), field_path(loc),
                    f"有 {length} 字与原文 {seed_name} 连续相同（“{quoted(run)}”）；"
                    "请用自己的话改写（名单、文件标题可保留原文）",
                )
    return compared
