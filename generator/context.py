"""What the checks after the model need: the records, their YAML text (for line numbers, read
only when something is wrong) and the name indexes references are resolved through."""

from __future__ import annotations

from .load import RawRecord, locate
from .model import RECORD_TYPES, KnowledgeBase, Record
from .names import NameIndex


class Context:
    """What the reference checks need: records, their raw text for line numbers, name indexes."""

    def __init__(self, kb: KnowledgeBase, raws: dict[tuple[str, str], RawRecord], broken: dict[str, set[str]]):
        self.kb = kb
        self.raws = raws
        self.indexes = {t.type_name: NameIndex.of(kb.of(t)) for t in RECORD_TYPES}
        # Ids and names of records that failed validation: a reference to one of them is not
        # reported again (its own error says what to fix).
        self.broken = broken

    def line(self, record: Record, loc: tuple, key: bool = False) -> int:
        raw = self.raws.get((record.type_name, record.id))
        return locate(raw.text, loc, key=key) if raw else 0
