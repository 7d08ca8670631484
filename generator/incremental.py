"""Incremental generation: after an edit, make again only the files whose inputs changed.

Every generated file (a page, a data file) is made by a ``Job`` reading the graph through the
tracking door (``generator.tracking``), so each file comes with the set of keys it read. Between
two runs, ``changes`` compares the old and the new knowledge base and graph and names what
differs: records, graph facts, first-mention links. A file is made again only when one of its
keys is among them (or its job's signature changed); everything else is the bytes of the last
run. A full run and a run after any sequence of edits give the same files — the tests check it
on random edit sequences.

Pieces of a file can be cached the same way (``TrackedGraph.piece``): the practice list is
assembled from one cached row per practice, so an edit re-makes one row, not twenty thousand.

Names are the one input that is not a lookup: when a practice, method or term is renamed, added
or removed, a page whose text merely contains the name gains or loses a link. Such pages are
found by searching the text of the records each file read (and the templates and the
generator's own literal text) for the names that changed.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Callable

from .link import INDEX_FIELDS, Graph
from .model import RECORD_TYPES
from .tracking import ALL, MEMBERS, Reads, TrackedGraph



@dataclass
class Entry:
    reads: frozenset
    value: Any
    signature: tuple = ()
    make: Callable | None = None  # kept for pieces, which are made again as soon as they go stale


class Gone(Exception):
    """A piece whose record no longer exists."""


@dataclass
class Memo:
    """Cached results keyed by job path or piece key, each with the keys it read, and the
    reverse index from a read key to the entries that read it.

    A file that uses a piece depends on the piece's value (``("p", key)``), not on what the
    piece read: when a practice's summary changes, its row in the A–Z list is made again, comes
    out the same, and the A–Z page is not touched ("early cutoff", as build systems call it)."""

    entries: dict[Any, Entry] = field(default_factory=dict)
    readers: dict[tuple, set] = field(default_factory=lambda: defaultdict(set))

    def store(self, key: Any, entry: Entry) -> None:
        self.forget(key)
        self.entries[key] = entry
        for read in entry.reads:
            self.readers[read].add(key)

    def forget(self, key: Any) -> None:
        old = self.entries.pop(key, None)
        if old is not None:
            for read in old.reads:
                holders = self.readers.get(read)
                if holders is not None:
                    holders.discard(key)
                    if not holders:
                        del self.readers[read]

    def refresh(self, changed: set, graph: Graph) -> None:
        """Drop every entry that read a changed key. Pieces among them are made again at once;
        a piece that comes out as before changes nothing further."""
        queue = list(changed)
        seen = set(changed)
        while queue:
            for holder in list(self.readers.get(queue.pop(), ())):
                entry = self.entries.get(holder)
                if entry is None:
                    continue
                self.forget(holder)
                if entry.make is None:
                    continue  # a file: made again by the run, if it still exists
                try:
                    value = self.run(holder, entry.make, graph, piece=True)
                except Gone:
                    value = Gone
                if value != entry.value and ("p", holder) not in seen:
                    seen.add(("p", holder))
                    queue.append(("p", holder))

    def run(self, key: Any, make: Callable[[TrackedGraph], Any], graph: Graph, signature: tuple = (),
            parent: Reads | None = None, piece: bool = False) -> Any:
        """The cached value of ``key``, or ``make`` run through the tracking door and cached."""
        entry = self.entries.get(key)
        if entry is None or entry.signature != signature:
            reads = Reads()
            tracked = TrackedGraph(graph, reads)
            tracked.piece = lambda piece_key, piece_make: self.run(piece_key, piece_make, graph, parent=reads, piece=True)
            try:
                value = make(tracked)
            except KeyError:
                if piece:
                    raise Gone from None
                raise
            entry = Entry(frozenset(reads), value, signature, make if piece else None)
            self.store(key, entry)
        if parent is not None:
            parent.add(("p", key))  # the file depends on the piece's value
        return entry.value


# --- what changed between two runs ----------------------------------------------------------------


def _same_index_value(a: Any, b: Any) -> bool:
    # A missing key and an empty list (a defaultdict's default) mean the same to a page.
    return (a or None) == (b or None)


def record_changes(old: Graph, new: Graph) -> set:
    changed: set = set()
    for record_type in RECORD_TYPES:
        before, after = old.kb.of(record_type), new.kb.of(record_type)
        name = record_type.type_name
        differs = False
        for record_id in before.keys() | after.keys():
            a, b = before.get(record_id), after.get(record_id)
            if a is b:
                continue
            if a is None or b is None or a != b or a.path != b.path:
                changed.add(("r", name, record_id))
                differs = True
        if differs:
            changed.add(("r", name, ALL))
        if before.keys() != after.keys():
            changed.add(("r", name, MEMBERS))
    return changed


def fact_changes(old: Graph, new: Graph) -> set:
    changed: set = set()
    for name in INDEX_FIELDS:
        before, after = getattr(old, name), getattr(new, name)
        differs = False
        for key in before.keys() | after.keys():
            if not _same_index_value(before.get(key), after.get(key)):
                changed.add(("f", name, key))
                differs = True
        if differs:
            changed.add(("f", name, ALL))
    return changed


def link_changes(old: Graph, new: Graph) -> tuple[set, set[str]]:
    """Links whose target or hover text changed (as keys), and the names that now link
    elsewhere or no longer link at all (searched for in the pages, see ``Incremental``)."""
    before = old.linker.targets if old.linker is not None else {}
    after = new.linker.targets if new.linker is not None else {}
    changed: set = set()
    surfaces: set[str] = set()
    for surface in before.keys() | after.keys():
        a, b = before.get(surface), after.get(surface)
        if a == b:
            continue
        for target in (a, b):
            if target is not None:
                changed.add(("l", *target.key))
        if a is None or b is None or a.key != b.key or a.priority != b.priority:
            surfaces.add(surface)
    return changed, surfaces


def changes(old: Graph, new: Graph) -> tuple[set, set[str]]:
    """What differs between two runs: keys (records, facts, links) and names to look for."""
    links, surfaces = link_changes(old, new)
    return record_changes(old, new) | fact_changes(old, new) | links, surfaces


# --- the generator ------------------------------------------------------------------------------


@dataclass
class Outcome:
    changed: set[str]  # files made in this run whose bytes differ from the last run's (written)
    removed: set[str]  # files of the last run that are gone (for the caller to delete)
    paths: list[str]  # every generated file now
    remade: set[str] = field(default_factory=set)  # every file made again (changed or not)


def _encode(value: Any) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class Incremental:
    """Generated files across the runs of one session (``kb serve``, or a build that kept the
    last build's state): the first run makes everything, later runs what an edit touched.

    Only a digest of each file is kept here; the files themselves are wherever the caller
    writes them (docs/), and ``read`` gives one back when the names to link have changed and
    the pages that show a changed name must be found."""

    def __init__(self, read: Callable[[str], bytes | None]):
        self.memo = Memo()
        self.graph: Graph | None = None
        self.read = read

    def jobs(self, graph: Graph) -> list:
        from .exports import data_jobs
        from .render import page_jobs

        return page_jobs(graph) + data_jobs(graph)

    def run(self, graph: Graph, write: Callable[[str, bytes], Any]) -> Outcome:
        """Make what the graph's changes since the last run touched; ``write`` is given every
        file whose bytes changed (in the first run, from forked workers too)."""
        digests = {key: entry.value for key, entry in self.memo.entries.items() if isinstance(key, str)}
        old_paths = set(digests)
        if self.graph is not None:
            keys, surfaces = changes(self.graph, graph)
            self.memo.refresh(keys, graph)
            for path in self.showing(surfaces, old_paths):
                self.memo.forget(path)
        jobs = self.jobs(graph)
        paths = [job.path for job in jobs]
        for gone in old_paths - set(paths):
            self.memo.forget(gone)
        stale = [job for job in jobs if job.path not in self.memo.entries
                 or self.memo.entries[job.path].signature != job.signature]
        changed: set[str] = set()
        if self.graph is None:
            from .render import run_jobs

            for path, (digest, reads, signature, pieces) in run_jobs(graph, stale, partial(_tracked_make, write)):
                for key, piece in pieces.items():
                    self.memo.store(key, piece)
                self.memo.store(path, Entry(reads, digest, signature))
                changed.add(path)
        else:
            for job in stale:
                data = _encode(self.memo.run(job.path, job.make, graph, job.signature))
                self.memo.entries[job.path].value = digest = _digest(data)  # the digest, not the bytes
                if digests.get(job.path) != digest:
                    write(job.path, data)
                    changed.add(job.path)
        self.graph = graph
        return Outcome(changed, old_paths - set(paths), paths, {job.path for job in stale})

    def showing(self, surfaces: set[str], paths: set[str]) -> set[str]:
        """The pages that show one of ``surfaces`` (a name that was added, removed or moved to
        another record): such a page may now link the name, or no longer. Read back from where
        the pages were written — at 20,000 records a few hundred megabytes, read only when a
        name changes."""
        if not surfaces:
            return set()
        from .markdown_text import escape_inline

        forms = [form.encode("utf-8") for s in surfaces for form in {s, escape_inline(s)}]
        found = set()
        for path in paths:
            if not path.endswith(".md"):
                continue  # data files are not linked
            data = self.read(path)
            if data is None or any(form in data for form in forms):
                found.add(path)
        return found

def _tracked_make(write: Callable[[str, bytes], Any], job, graph: Graph):
    """Make and write one job, recording what it read and the pieces it made (sent back to the
    parent process when the first run is shared between two, with the file's digest only)."""
    reads = Reads()
    tracked = TrackedGraph(graph, reads)
    pieces: dict = {}

    def piece(key, make):
        piece_reads = Reads()
        inner = TrackedGraph(graph, piece_reads)
        inner.piece = piece
        value = make(inner)
        pieces[key] = Entry(frozenset(piece_reads), value, (), make)
        reads.add(("p", key))
        return value

    tracked.piece = piece
    data = _encode(job.make(tracked))
    write(job.path, data)
    return _digest(data), frozenset(reads), job.signature, pieces


def regenerate_all(graph: Graph) -> dict[str, bytes]:
    """Every generated file from scratch: what an incremental run must equal."""
    return {job.path: _encode(job.make(graph)) for job in Incremental(lambda path: None).jobs(graph)}
