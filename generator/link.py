"""Stage 3 — link: the whole knowledge base as one graph, computed once before any page exists.

Every index a page needs (practices by organization, region, theme, method, stage, year;
reverse relations; parts; backlinks from mentions) is built here, so renderers only look
things up and page output never depends on the order files were read in.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from . import paths
from .autolink import Linker, Target
from .model import (
    NOT_PROSE_FIELDS,
    RELATION_INVERSE,
    RELATION_LABEL,
    Citation,
    KnowledgeBase,
    Level,
    Method,
    Organization,
    Practice,
    Record,
    Region,
    Stage,
    TYPES_BY_NAME,
    Term,
)
from .load import locate
from .problems import Problems
from .text import pinyin_key
from .walk import iter_models, iter_strings

Key = tuple[str, str]  # (type name, id)

PART_OF_LABEL = "属于"
PARTS_LABEL = "组成部分"
# Linking priority when a practice, a method and a term share a name: the most specific wins.
LINK_PRIORITY = {Practice.type_name: 0, Method.type_name: 1, Term.type_name: 2}


@dataclass(frozen=True)
class RelatedLink:
    label: str
    practice_id: str
    note: str | None


@dataclass(frozen=True)
class CitedBy:
    key: Key
    loc: tuple
    citation: Citation


@dataclass(frozen=True)
class Place:
    """Who runs a practice and where: the one answer every output (pages, tables, the compare
    view, Word handouts, the search index) gives for a practice's organization, region and level.
    Organizations and regions have a place too (``Graph.place``): their region trail and level."""

    organization: Organization | None  # None for a region
    regions: tuple[Region, ...]  # from the province down to the record's own region
    level: Level

    @property
    def region(self) -> Region | None:
        return self.regions[-1] if self.regions else None

    @property
    def province(self) -> Region | None:
        return self.regions[0] if self.regions else None

    @property
    def organization_name(self) -> str:
        return self.organization.name if self.organization else ""

    @property
    def province_name(self) -> str:
        return self.province.name if self.province else ""

    @property
    def region_text(self) -> str:
        """湖北省 › 黄冈市"""
        return " › ".join(r.name for r in self.regions)

    @property
    def text(self) -> str:
        """The region, with the level only where it differs from the region's own ("湖北省 › 英山县
        （乡镇街道）", never "湖北省（省）")."""
        if not self.regions:
            return "全国" if self.level is Level.NATIONAL else f"（地区未详，{self.level.value}）"
        return self.region_text if self.regions[-1].level is self.level else f"{self.region_text}（{self.level.value}）"

    @property
    def line(self) -> str:
        """组织 · 地区 · 层级, as search results and lists show it."""
        return " · ".join(x for x in (self.organization_name, self.region_text, self.level.value) if x)


@dataclass
class Graph:
    kb: KnowledgeBase
    level: dict[str, Level] = field(default_factory=dict)  # practice -> effective level
    region: dict[str, str | None] = field(default_factory=dict)  # practice -> effective region id
    region_path: dict[str, list[str]] = field(default_factory=dict)  # region -> ids from province down
    province: dict[str, str | None] = field(default_factory=dict)  # practice -> province region id
    parts: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    related: dict[str, list[RelatedLink]] = field(default_factory=lambda: defaultdict(list))
    by_org: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    org_children: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    org_sources: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    by_region: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # incl. sub-regions
    orgs_by_region: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    region_children: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    by_theme: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    by_method: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    by_stage: dict[Stage, list[str]] = field(default_factory=lambda: defaultdict(list))
    by_year: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    by_tag: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    cited_by: dict[str, list[CitedBy]] = field(default_factory=lambda: defaultdict(list))  # source -> citations
    source_children: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    mentions: dict[Key, set[Key]] = field(default_factory=lambda: defaultdict(set))  # record -> what it names
    mentioned_on: dict[Key, list[Key]] = field(default_factory=lambda: defaultdict(list))
    page_mentions: dict[str, set[Key]] = field(default_factory=dict)  # hand-written page -> what it names
    linker: Linker | None = None

    def practices_sorted(self, ids) -> list[Practice]:
        practices = self.kb.practices
        return sorted((practices[i] for i in ids), key=lambda p: pinyin_key(p.name))

    def record(self, key: Key) -> Record | None:
        type_name, record_id = key
        return self.kb.of(TYPES_BY_NAME[type_name]).get(record_id)

    def regions_of(self, region_id: str | None) -> tuple[Region, ...]:
        """A region and its ancestors, from the province down."""
        regions = self.kb.regions
        return tuple(regions[r] for r in self.region_path.get(region_id or "", ()))

    def place(self, record: Practice | Organization | Region) -> Place:
        """Where a record sits: for a practice, its organization and its effective region and level
        (its own, or else its organization's); for an organization, itself, its region and level;
        for a region, its trail and level."""
        if isinstance(record, Practice):
            return Place(self.kb.organizations.get(record.organization), self.regions_of(self.region.get(record.id)),
                         self.level[record.id])
        if isinstance(record, Organization):
            return Place(record, self.regions_of(record.region), record.level)
        return Place(None, self.regions_of(record.id), record.level)


# The graph's indexes (every field but the knowledge base and the linker): what the tracking
# door wraps and what the incremental generator compares between two runs.
INDEX_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Graph) if f.name not in ("kb", "linker"))


def _ancestors(kb: KnowledgeBase, region_id: str | None) -> list[str]:
    chain: list[str] = []
    while region_id and region_id in kb.regions and region_id not in chain:
        chain.append(region_id)
        region_id = kb.regions[region_id].parent
    return list(reversed(chain))


def build_linker(kb: KnowledgeBase) -> Linker:
    entries: list[tuple[str, Target]] = []
    for record_type in (Practice, Method, Term):
        for record in kb.of(record_type).values():
            title = ""
            if isinstance(record, Term):
                title = f"{record.name}：{record.definition}"
            elif isinstance(record, Method):
                title = f"通用做法：{record.name}"
            target = Target(
                key=(record.type_name, record.id),
                page=paths.page_of(record),
                anchor=paths.record_anchor(record.type_name, record.id),
                title=title,
                priority=LINK_PRIORITY[record.type_name],
            )
            for name in record.names:
                entries.append((name, target))
    return Linker.from_names(entries)


def prose_of(record: Record) -> str:
    """A record's prose, where a mention of another record means something (``Role.prose``)."""
    return "\n".join(value for loc, value in iter_strings(record) if loc and not set(
        p for p in loc if isinstance(p, str)) & NOT_PROSE_FIELDS)


class LinkMemo:
    """What the link stage keeps between the runs of a session, per version of a record (the
    validation memo hands over the same record object while its file is unchanged): its
    citations, its prose, and the records its prose mentions. Mentions are found again for a
    changed record, and for an unchanged one only when a name its prose contains now links
    elsewhere (or no longer, or newly does)."""

    def __init__(self):
        self.cited_by_record: dict[int, tuple[Record, list]] = {}
        self.prose_by_record: dict[int, tuple[Record, str]] = {}
        self.mentions: dict[int, tuple[Record, set]] = {}
        self.targets: dict[str, Target] | None = None

    def cited(self, record: Record) -> list:
        kept = self.cited_by_record.get(id(record))
        if kept is None or kept[0] is not record:
            kept = self.cited_by_record[id(record)] = (record, list(iter_models(record, Citation)))
        return kept[1]

    def prose(self, record: Record) -> str:
        kept = self.prose_by_record.get(id(record))
        if kept is None or kept[0] is not record:
            kept = self.prose_by_record[id(record)] = (record, prose_of(record))
        return kept[1]

    def __setstate__(self, state: dict) -> None:
        # The tables are keyed by id(record), which records read back from kb build's cache
        # (generator.buildcache) do not keep: key them by the ids of the records they hold.
        self.__dict__.update(state)
        for name in ("cited_by_record", "prose_by_record", "mentions"):
            setattr(self, name, {id(kept[0]): kept for kept in getattr(self, name).values()})

    def forget_others(self, kb: KnowledgeBase) -> None:
        alive = {id(r) for records in kb.records.values() for r in records.values()}
        for table in (self.cited_by_record, self.prose_by_record, self.mentions):
            for gone in table.keys() - alive:
                del table[gone]


def _changed_surfaces(before: dict[str, Target] | None, after: dict[str, Target]) -> set[str] | None:
    """Names whose link target changed; None when everything must be looked at again."""
    if before is None:
        return None
    return {s for s in before.keys() | after.keys()
            if (before.get(s) is None) != (after.get(s) is None) or (before.get(s) and before[s].key != after[s].key)}


def link(kb: KnowledgeBase, problems: Problems | None = None, handwritten: dict[str, str] | None = None,
         memo: LinkMemo | None = None) -> Graph:
    """Build the graph. ``handwritten`` maps docs-relative hand-written pages to their Markdown;
    ``memo`` keeps per-record work between the runs of a session (same result, less work)."""
    problems = problems if problems is not None else Problems()
    memo = memo if memo is not None else LinkMemo()
    g = Graph(kb)

    for region_id in sorted(kb.regions):
        path = _ancestors(kb, region_id)
        g.region_path[region_id] = path
        parent = kb.regions[region_id].parent
        if parent in kb.regions:
            g.region_children[parent].append(region_id)

    for org in kb.organizations.values():
        if org.parent in kb.organizations:
            g.org_children[org.parent].append(org.id)
        if org.region:
            g.orgs_by_region[org.region].append(org.id)

    for practice in kb.practices.values():
        pid = practice.id
        org = kb.organizations.get(practice.organization)
        g.level[pid] = practice.level or (org.level if org else Level.COUNTY)
        region = practice.region or (org.region if org else None)
        g.region[pid] = region
        chain = g.region_path.get(region or "", [])
        g.province[pid] = chain[0] if chain else None
        for ancestor in chain:
            g.by_region[ancestor].append(pid)
        g.by_org[practice.organization].append(pid)
        for theme in practice.themes:
            g.by_theme[theme].append(pid)
        for method in practice.methods:
            g.by_method[method].append(pid)
        for stage in dict.fromkeys(step.stage for step in practice.steps):
            g.by_stage[stage].append(pid)
        if practice.start_year:
            g.by_year[practice.start_year].append(pid)
        for tag in practice.tags:
            g.by_tag[tag].append(pid)
        if practice.part_of in kb.practices:
            g.parts[practice.part_of].append(pid)
            g.related[pid].append(RelatedLink(PART_OF_LABEL, practice.part_of, None))
            g.related[practice.part_of].append(RelatedLink(PARTS_LABEL, pid, None))
        for relation in practice.relations:
            if relation.target not in kb.practices:
                continue
            g.related[pid].append(RelatedLink(RELATION_LABEL[relation.kind], relation.target, relation.note))
            inverse = RELATION_INVERSE[relation.kind] or RELATION_LABEL[relation.kind]
            g.related[relation.target].append(RelatedLink(inverse, pid, relation.note))

    for source in kb.sources.values():
        if source.part_of in kb.sources:
            g.source_children[source.part_of].append(source.id)
        if source.organization in kb.organizations:
            g.org_sources[source.organization].append(source.id)

    for record_type_records in kb.records.values():
        for record in record_type_records.values():
            for loc, citation in memo.cited(record):
                g.cited_by[citation.source].append(CitedBy((record.type_name, record.id), loc, citation))

    # Mentions: one automaton pass over every record's prose and every hand-written page (in a
    # session, over the records that changed and those showing a name that now links elsewhere).
    g.linker = build_linker(kb)
    surfaces = _changed_surfaces(memo.targets, g.linker.targets)
    memo.targets = g.linker.targets
    for record_type_records in kb.records.values():
        for record in record_type_records.values():
            key = (record.type_name, record.id)
            kept = memo.mentions.get(id(record))
            if kept is not None and kept[0] is record and surfaces is not None and not (
                    surfaces and any(s in memo.prose(record) for s in surfaces)):
                found = kept[1]
            else:
                found = g.linker.mentions(memo.prose(record)) - {key}
                memo.mentions[id(record)] = (record, found)
            if found:
                g.mentions[key] = found
                for target in found:
                    g.mentioned_on[target].append(key)
    for page, markdown in sorted((handwritten or {}).items()):
        found = g.linker.mentions(markdown)
        g.page_mentions[page] = found

    _sort_lists(g)
    _warn(g, problems)
    memo.forget_others(kb)
    return g


def _sort_lists(g: Graph) -> None:
    """Deterministic order everywhere: two builds of the same data give the same bytes."""
    kb = g.kb
    ranks: dict[int, dict[str, int]] = {}

    def by_name(records: dict[str, Record]):
        # Every list is sorted by one ranking of its records (sorted once, by pinyin), not by
        # pinyin keys compared again in each of thousands of lists.
        rank = ranks.get(id(records))
        if rank is None:
            order = sorted(records, key=lambda i: pinyin_key(records[i].name))
            rank = ranks[id(records)] = {record_id: n for n, record_id in enumerate(order)}
        missing = len(rank)
        return lambda i: (rank[i], "") if i in rank else (missing, i)

    for mapping in (g.parts, g.by_org, g.by_region, g.by_theme, g.by_method, g.by_year, g.by_tag):
        for key in mapping:
            mapping[key] = sorted(set(mapping[key]), key=by_name(kb.practices))
    for stage in g.by_stage:
        g.by_stage[stage] = sorted(set(g.by_stage[stage]), key=by_name(kb.practices))
    for key in g.org_children:
        g.org_children[key] = sorted(g.org_children[key], key=by_name(kb.organizations))
    for key in g.orgs_by_region:
        g.orgs_by_region[key] = sorted(g.orgs_by_region[key], key=by_name(kb.organizations))
    for key in g.region_children:
        g.region_children[key] = sorted(g.region_children[key], key=by_name(kb.regions))
    for key in g.source_children:
        g.source_children[key] = sorted(g.source_children[key])
    for key in g.org_sources:
        g.org_sources[key] = sorted(g.org_sources[key])
    practice_rank = by_name(kb.practices)
    for key in g.related:
        g.related[key] = sorted(set(g.related[key]), key=lambda r: (r.label, practice_rank(r.practice_id), r.note or ""))
    for key in g.mentioned_on:
        g.mentioned_on[key] = sorted(set(g.mentioned_on[key]))
    for key in g.cited_by:
        g.cited_by[key].sort(key=lambda c: (c.key, str(c.loc)))


def _line(kb: KnowledgeBase, record: Record, loc: tuple) -> int:
    """The line of ``loc`` in a record's file, read again only for the few records warned about
    here (the graph keeps records, not their YAML text). 1 — the top — where the field is missing."""
    try:
        text = (kb.root / record.path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return 0
    return locate(text, loc, key=True) or 1


def _warn(g: Graph, problems: Problems) -> None:
    kb = g.kb
    for practice in kb.practices.values():
        if not g.related.get(practice.id):
            problems.warning(practice.path, _line(kb, practice, ("relations",)), "relations",
                             "没有任何关联实践（relations 或 part_of）；读者无法从它走到相近的做法")
    used_terms = {key[1] for found in g.mentions.values() for key in found if key[0] == Term.type_name}
    used_terms |= {key[1] for found in g.page_mentions.values() for key in found if key[0] == Term.type_name}
    for term in kb.terms.values():
        if term.id not in used_terms:
            problems.warning(term.path, _line(kb, term, ("name",)), "name", "这个术语没有在任何记录或页面中出现")


def read_handwritten(docs_dir: Path) -> dict[str, str]:
    """Hand-written Markdown pages (everything outside the generated folders)."""
    pages: dict[str, str] = {}
    if not docs_dir.is_dir():
        return pages
    files = [f for f in docs_dir.glob("*.md")]
    for child in docs_dir.iterdir():  # the generated folders hold thousands of pages: not walked
        if child.is_dir() and not child.is_symlink() and child.name not in paths.GENERATED_FOLDERS:
            files.extend(child.rglob("*.md"))
    for file in sorted(files):
        rel = file.relative_to(docs_dir).as_posix()
        if file.is_symlink():
            continue
        try:
            pages[rel] = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue
    return pages
