"""The narrow door renderers read the knowledge base through, writing down what passed.

A renderer (a page, a data file, a row of one) is given a ``TrackedGraph`` instead of the graph.
It behaves exactly like the graph — the same indexes, the same records, the same methods — but
every lookup is recorded in the renderer's ``Reads``:

- ``("r", type, id)``    a record was read (``kb.practices[id]``, ``.get``, ``in``);
- ``("r", type, "*")``   all records of a type were looked at (iteration, ``len``);
- ``("r", type, "#")``   which records of a type exist (``ids``: their content is read elsewhere);
- ``("f", index, key)``  a fact of the linked graph was read (``g.by_theme[theme]``);
- ``("f", index, "*")``  a whole index was looked at;
- ``("l", type, id)``    a first-mention link to that record was written (its hover text shows);
- ``("t", template)``    a template's literal text is part of the output.

This is how Lektor records the sources of an artifact while building it (``Context.
record_dependency``): nothing declares its inputs by hand, so nothing can forget one. The
incremental generator (``generator.incremental``) keeps each output's reads and, after an edit,
rebuilds exactly the outputs whose reads changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Iterator

from .link import INDEX_FIELDS, Graph
from .model import TYPES_BY_NAME, KnowledgeBase

Key = tuple
ALL = "*"
MEMBERS = "#"


class Reads(set):
    """The keys one output read (a set of tuples, see the module docstring)."""


class TrackedMap(Mapping):
    """A read-only view of a dict that records each key looked up. Missing keys read as the
    dict's default (an empty list for the graph's defaultdicts) without being inserted, so
    rendering never changes the graph it reads."""

    __slots__ = ("_data", "_reads", "_tag", "_default")

    def __init__(self, data: Mapping, reads: Reads, tag: tuple):
        self._data = data
        self._reads = reads
        self._tag = tag
        factory = getattr(data, "default_factory", None)
        self._default = factory

    def __getitem__(self, key):
        self._reads.add(self._tag + (key,))
        try:
            return self._data[key]
        except KeyError:
            if self._default is None:
                raise
            return self._default()

    def get(self, key, default=None):
        self._reads.add(self._tag + (key,))
        return self._data.get(key, default)

    def __contains__(self, key) -> bool:
        self._reads.add(self._tag + (key,))
        return key in self._data

    def __iter__(self) -> Iterator:
        self._reads.add(self._tag + (ALL,))
        return iter(self._data)

    def __len__(self) -> int:
        self._reads.add(self._tag + (ALL,))
        return len(self._data)

    def ids(self) -> list:
        """The keys, depending only on which exist (not on what they hold)."""
        self._reads.add(self._tag + (MEMBERS,))
        return list(self._data)

    def items(self):
        self._reads.add(self._tag + (ALL,))
        return self._data.items()

    def values(self):
        self._reads.add(self._tag + (ALL,))
        return self._data.values()

    def keys(self):
        self._reads.add(self._tag + (ALL,))
        return self._data.keys()


class TrackedKB:
    """The knowledge base seen through the door: ``kb.practices``, ``kb.of(Practice)`` … record
    which records are read."""

    def __init__(self, kb: KnowledgeBase, reads: Reads):
        self._kb = kb
        self._reads = reads
        self.root = kb.root
        self._maps = {t.type_name: TrackedMap(kb.of(t), reads, ("r", t.type_name)) for t in TYPES_BY_NAME.values()}
        for record_type in TYPES_BY_NAME.values():  # kb.practices, kb.organizations …
            setattr(self, record_type.folder, self._maps[record_type.type_name])

    def of(self, record_type) -> TrackedMap:
        return self._maps[record_type.type_name]

    def get(self, record_type, record_id):
        return None if record_id is None else self.of(record_type).get(record_id)

    @property
    def records(self) -> dict[str, TrackedMap]:
        return {name: TrackedMap(records, self._reads, ("r", name)) for name, records in self._kb.records.items()}

    def counts(self) -> dict[str, int]:
        return {t.type_label: len(self.of(t)) for t in TYPES_BY_NAME.values()}


class TrackedGraph:
    """The linked graph seen through the door. Indexes are ``TrackedMap``s; ``kb`` is a
    ``TrackedKB``; the graph's own methods run against this view, so what they read is recorded
    too. The autolinker is the graph's own: ``render`` records the links it writes."""

    def __init__(self, graph: Graph, reads: Reads):
        self._graph = graph
        self.reads = reads
        self.kb = TrackedKB(graph.kb, reads)
        self.linker = graph.linker
        for name in INDEX_FIELDS:
            setattr(self, name, TrackedMap(getattr(graph, name), reads, ("f", name)))

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(Graph, name, None)
        if callable(attribute):
            return attribute.__get__(self)  # Graph's method, reading through this view
        raise AttributeError(name)

    @property
    def untracked(self) -> Graph:
        return self._graph


def record_ids(graph, record_type) -> list[str]:
    """The ids of a type's records; through the door, a read of which exist, not of their content."""
    records = graph.kb.of(record_type)
    return records.ids() if isinstance(records, TrackedMap) else list(records)
