"""Stage 4 — render: the linked graph -> Markdown pages, one small renderer per page kind.

Layouts are Jinja templates in ``templates/pages``. Escaping is on by default: every
``{{ value }}`` is written as Markdown-safe text unless it is a ``Safe`` string produced by a
helper here (a link, a table cell, a quotation). A template therefore cannot forget to escape.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import json
import multiprocessing
import os
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any, Callable, Iterable

import jinja2

from . import paths
from .citation import gbt7714
from .link import Graph
from .markdown_text import block, escape_attribute, escape_cell, escape_inline, escape_line, join_lines, markdown_link
from .model import (
    FIELD_LABELS,
    RELATION_LABEL,
    STAGE_HINTS,
    Citation,
    Completeness,
    Course,
    Level,
    Method,
    Organization,
    Practice,
    Record,
    Region,
    Source,
    Stage,
    Term,
    TYPES_BY_NAME,
    Theme,
)
from .text import initial, pinyin_key
from .tracking import record_ids


class Safe(str):
    """Markdown produced by a helper; the template writes it as it is."""


# The section a record page belongs to, as the navigation (mkdocs.yml) names its index page.
SECTION_LABELS = {
    Practice.type_name: "全部实践", Organization.type_name: "政协组织", Region.type_name: "按地区",
    Theme.type_name: "按主题", Method.type_name: "通用做法", Source.type_name: "来源文献", Course.type_name: "培训课程",
}


def _finalize(value: Any) -> str:
    if type(value) is str:  # the common case, first
        return escape_inline(value)
    if value is None:
        return ""
    if isinstance(value, Safe):
        return value
    if isinstance(value, (Level, Stage)) or hasattr(value, "value") and isinstance(getattr(value, "value"), str):
        value = value.value
    return escape_inline(str(value))


def safe_title(text: str) -> str:
    """A page title for front matter. The theme writes titles unescaped (and ``striptags``
    un-escapes entities), so characters that could form a tag become their full-width forms."""
    text = join_lines(text)
    return text.translate(str.maketrans({"<": "＜", ">": "＞", "&": "＆", '"': "＂", "\\": "＼"}))


@dataclass
class PageOut:
    path: str  # docs-relative
    content: str


class Page:
    """Helpers bound to the page being rendered, so every link is relative to it."""

    def __init__(self, path: str, graph: Graph):
        self.path = path
        self.g = graph
        self.kb = graph.kb

    # links
    def url(self, record: Record) -> str:
        return paths.href(self.path, paths.page_of(record), paths.record_anchor(record.type_name, record.id))

    def to(self, docs_path: str, anchor: str = "") -> str:
        return paths.href(self.path, docs_path, anchor)

    @staticmethod
    def built(link: str) -> str:
        """A link as the built site's URL, for raw HTML (mkdocs rewrites .md links only in Markdown)."""
        return paths.built_href(link)

    def link(self, record: Record | None, text: str | None = None, title: str | None = None) -> Safe:
        if record is None:
            return Safe("")
        label = escape_inline(text if text is not None else record.name)
        return Safe(markdown_link(label, self.url(record), title or ""))

    def link_page(self, docs_path: str, text: str, anchor: str = "") -> Safe:
        return Safe(markdown_link(escape_inline(text), self.to(docs_path, anchor)))

    def lookup(self, type_name: str, ids: Iterable[str]) -> list[Record]:
        records = self.kb.of(TYPES_BY_NAME[type_name])
        return [records[i] for i in ids if i in records]

    def links(self, records: Iterable[Record], sep: str = "、") -> Safe:
        return Safe(sep.join(self.link(r) for r in records))

    def region_links(self, region_id: str | None) -> list[Safe]:
        return [self.link(r) for r in self.g.regions_of(region_id)]

    def region_trail(self, region_id: str | None) -> Safe:
        return self.trail_links(self.g.regions_of(region_id))

    def trail_links(self, regions: Iterable[Region]) -> Safe:
        """A region trail (``Place.regions``) as links: ``Place.region_text`` on a page."""
        return Safe(" › ".join(self.link(r) for r in regions))

    def place_line(self, practice: Practice) -> Safe:
        """组织 · 地区 · 层级 with links: ``Place.line`` in a list on a page."""
        place = self.g.place(practice)
        region = [self.trail_links(place.regions)] if place.regions else []
        return Safe(" · ".join([self.link(place.organization), *region, md(place.level.value)]))

    def practice_rows(self, practices: Iterable[Practice], show_org: bool = True) -> list[Safe]:
        """The rows of a practice table on this page, one cached piece per practice (a theme
        page of 3,000 practices is joined from rows, not rendered again, after an edit)."""
        return [Safe(piece(self.g, ("practice-row", self.path, practice.id, show_org),
                           partial(_practice_row, self.path, practice.id, show_org))) for practice in practices]

    def trail(self, record: Record) -> list[Safe]:
        """The breadcrumb above a record page, up to (not including) the record itself:
        首页 › its section › where it sits (region, compilation)."""
        section = SECTION_LABELS[record.type_name]
        links = [self.link_page("index.md", "首页"), self.link_page(paths.index_page(paths.PAGE_FOLDERS[record.type_name]), section)]
        if isinstance(record, (Practice, Organization)):
            links += [self.link(r) for r in self.g.place(record).regions]
        elif isinstance(record, Region):
            links += self.region_links(record.parent)
        elif isinstance(record, Source) and record.part_of in self.kb.sources:
            links.append(self.link(self.kb.sources[record.part_of]))
        return links

    def cite(self, citation: Citation) -> Safe:
        """A citation as a quotation followed by its source."""
        source = self.kb.sources.get(citation.source)
        where = f"，{escape_inline(citation.locator)}" if citation.locator else ""
        # Notes on a quotation (the copy's typos, machine-replaced words) matter to checkers, not to
        # most readers: folded under "注" so a page quoting a spun source stays readable.
        note = (f' <details class="kb-note"><summary>注</summary>{escape_inline(citation.note)}</details>'
                if citation.note else "")
        return Safe(f"“{escape_inline(citation.excerpt)}”<br>—— {self.link(source)}{where}{note}")

    def quote(self, citation: Citation, indent: int = 0) -> Safe:
        pad = " " * indent
        return Safe(f"{pad}> {self.cite(citation)}")


def _practice_row(page_path: str, practice_id: str, show_org: bool, g: Graph) -> str:
    """One row of a practice table (``practice_table`` in _macros.j2 lays out the header)."""
    page = Page(page_path, g)
    practice = g.kb.practices[practice_id]
    place = g.place(practice)
    cells = [page.link(practice)]
    if show_org:
        cells.append(page.link(place.organization))
    cells += [page.trail_links(place.regions), md(place.level.value), cell(excerpt_text(practice.summary, SUMMARY_CHARS))]
    return "| " + " | ".join(cells) + " |"


def piece(g: Graph, key: tuple, make: Callable[[Graph], Any]) -> Any:
    """A part of a page cached on its own (``incremental.Memo``); made directly without one."""
    cached = getattr(g, "piece", None)
    return cached(key, make) if cached else make(g)


def md(text: Any) -> Safe:
    return Safe(escape_inline("" if text is None else str(text)))


def raw(text: Any) -> Safe:
    """Output of a template macro: its variables were escaped inside it already."""
    return Safe(str(text))


def attr(text: Any) -> Safe:
    """Text inside a double-quoted HTML attribute (Markdown syntax in it stays text too)."""
    return Safe(escape_attribute(str(text or "")))


def cell(text: Any) -> Safe:
    return Safe(escape_cell("" if text is None else str(text)))


def line(text: Any) -> Safe:
    """One line of text whose spaces matter (a citation to copy)."""
    return Safe(escape_line("" if text is None else str(text)))


def paragraphs(text: str | None) -> Safe:
    return Safe(block(text or ""))


# Characters YAML's reader treats as line breaks or refuses as non-printable; JSON leaves them raw.
_YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")


def _yaml_safe(json_text: str) -> str:
    return _YAML_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", json_text)


def front_matter(**fields: Any) -> Safe:
    """YAML front matter written as JSON values, one key per line. JSON is a subset of YAML
    (once the few characters above are escaped), it cannot be misread as a tag or anchor, and
    dumping it is an order of magnitude faster than yaml.safe_dump, which topped the render
    profile."""
    lines = [f"{key}: {_yaml_safe(json.dumps(value, ensure_ascii=False))}" for key, value in fields.items() if value not in (None, [], "")]
    return Safe("---\n" + "\n".join(lines) + "\n---\n")


# A field path as the validator accepts it: name, optional [index], joined by dots.
_FIELD_PATH = re.compile(r"[A-Za-z_]+(?:\[\d+\])?(?:\.[A-Za-z_]+(?:\[\d+\])?)*")


def field_label(path: str) -> str:
    """``steps[2].description`` -> 运行步骤（第 3 项）的简介; unknown names stay as written.

    Only a well-formed path is translated: picking the words out of anything else would show
    fragments of the record's text as if they were field names (and drop the rest)."""
    if not _FIELD_PATH.fullmatch(path):
        return path
    parts = re.findall(r"([A-Za-z_]+)(?:\[(\d+)\])?", path)
    words = []
    for name, index in parts:
        label = FIELD_LABELS.get(name, name)
        words.append(f"{label}（第 {int(index) + 1} 项）" if index else label)
    return "的".join(words) or path


# A practice's one-line summary in tables and lists (browse, theme and region pages).
SUMMARY_CHARS = 40
# Rows of a practice table on a theme, region, organization or method page (and the browse
# page's no-script fallback). A national knowledge base puts thousands of practices under one
# theme: a page lists the first ones and links to the browse view, which filters all of them.
LIST_LIMIT = 300


def excerpt_text(text: str, limit: int = 120) -> str:
    text = join_lines(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([jinja2.PackageLoader("generator", "templates/pages"), jinja2.PrefixLoader({"snippets": jinja2.PackageLoader("generator", "templates/snippets")})]),
        autoescape=False,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        auto_reload=False,  # templates are package files: no stat() per page to see if they changed
    )
    env.filters.update(md=md, cell=cell, line=line, attr=attr, raw=raw, paragraphs=paragraphs, pinyin=pinyin_key, excerpt=excerpt_text,
                       safe_title=safe_title, field_label=field_label)
    env.globals.update(
        SUMMARY_CHARS=SUMMARY_CHARS, LIST_LIMIT=LIST_LIMIT,
        Stage=Stage, Level=Level, STAGE_HINTS=STAGE_HINTS, RELATION_LABEL=RELATION_LABEL,
        front_matter=front_matter, gbt7714=gbt7714, Safe=Safe, json=json,
    )
    return env


ENV = _env()


def render(template: str, path: str, graph: Graph, **context: Any) -> PageOut:
    page = Page(path, graph)
    reads = getattr(graph, "reads", None)  # a TrackedGraph records what the page is made of
    if reads is not None:
        reads.add(("t", template))
    text = ENV.get_template(template).render(p=page, g=graph, kb=graph.kb, **context)
    if graph.linker is not None:
        skip = frozenset(context.get("self_keys", ()))
        text, linked = graph.linker.link(text, path, skip)
        if reads is not None:
            reads.update(("l", *key) for key in linked)  # their hover texts are in this page
    return PageOut(path, text)


# --- page kinds ------------------------------------------------------------------------------


def render_practice(practice: Practice, g: Graph) -> PageOut:
    path = paths.page_of(practice)
    related: dict[str, list] = {}
    for link in g.related.get(practice.id, []):
        related.setdefault(link.label, []).append(link)
    mentioned = [g.record(k) for k in g.mentioned_on.get((practice.type_name, practice.id), [])]
    inferred = {i.field.split(".")[0].split("[")[0]: i.reason for i in practice.inferred}
    stages_present = [s for s in Stage if any(step.stage is s for step in practice.steps)]
    return render(
        "practice.md.j2", path, g,
        practice=practice,
        place=g.place(practice),
        parent=g.kb.practices.get(practice.part_of or ""),
        parts=[g.kb.practices[i] for i in g.parts.get(practice.id, [])],
        related=related,
        mentioned=[m for m in mentioned if m is not None],
        inferred=inferred,
        stages_present=stages_present,
        self_keys=[(practice.type_name, practice.id)],
    )


def render_organization(org: Organization, g: Graph) -> PageOut:
    kb = g.kb
    return render(
        "organization.md.j2", paths.page_of(org), g,
        org=org,
        parent=kb.organizations.get(org.parent or ""),
        children=[kb.organizations[i] for i in g.org_children.get(org.id, [])],
        practices=[kb.practices[i] for i in g.by_org.get(org.id, [])],
        speeches=[kb.sources[i] for i in g.org_sources.get(org.id, [])],
        inferred={i.field.split(".")[0]: i.reason for i in org.inferred},
        self_keys=[(org.type_name, org.id)],
    )


def render_region(region: Region, g: Graph) -> PageOut:
    kb = g.kb
    children = [kb.regions[i] for i in g.region_children.get(region.id, [])]
    return render(
        "region.md.j2", paths.page_of(region), g,
        region=region,
        children=[(c, len(g.by_region.get(c.id, []))) for c in children],
        orgs=[kb.organizations[i] for i in g.orgs_by_region.get(region.id, [])],
        practices=[kb.practices[i] for i in g.by_region.get(region.id, [])],
        # The browse view filters by province; below that, by the region's name in its text.
        browse_filter=("province", region.name) if region.parent is None else ("q", region.name),
        self_keys=[(region.type_name, region.id)],
    )


def render_theme(theme: Theme, g: Graph) -> PageOut:
    return render("theme.md.j2", paths.page_of(theme), g, theme=theme,
                  practices=[g.kb.practices[i] for i in g.by_theme.get(theme.id, [])],
                  self_keys=[(theme.type_name, theme.id)])


def render_method(method: Method, g: Graph) -> PageOut:
    return render("method.md.j2", paths.page_of(method), g, method=method,
                  practices=[g.kb.practices[i] for i in g.by_method.get(method.id, [])],
                  self_keys=[(method.type_name, method.id)])


def render_source(source: Source, g: Graph) -> PageOut:
    kb = g.kb
    drawn: dict[tuple, list] = {}
    for cited in g.cited_by.get(source.id, []):
        drawn.setdefault(cited.key, []).append(cited.citation)
    drawn_records = sorted(((g.record(k), cs) for k, cs in drawn.items() if g.record(k) is not None),
                           key=lambda rc: (rc[0].type_label, pinyin_key(rc[0].name)))
    return render("source.md.j2", paths.page_of(source), g, source=source,
                  container=kb.sources.get(source.part_of or ""),
                  children=[kb.sources[i] for i in g.source_children.get(source.id, [])],
                  organization=kb.organizations.get(source.organization or ""),
                  drawn=drawn_records,
                  self_keys=[(source.type_name, source.id)])


def render_glossary(g: Graph) -> PageOut:
    terms = sorted(g.kb.terms.values(), key=lambda t: pinyin_key(t.name))
    groups: dict[str, list[Term]] = {}
    for term in terms:
        groups.setdefault(initial(term.name), []).append(term)
    return render("glossary.md.j2", paths.GLOSSARY_PAGE, g, groups=groups)


def _sorted(records: Iterable[Record]) -> list:
    return sorted(records, key=lambda r: pinyin_key(r.name))


def render_regions_index(g: Graph) -> PageOut:
    from .tilemap import COLUMNS, ROWS, province_tiles

    provinces = [r for r in _sorted(g.kb.regions.values()) if r.parent is None]
    return render("regions_index.md.j2", paths.index_page("regions"), g, provinces=provinces,
                  tiles=province_tiles(g), tile_columns=COLUMNS, tile_rows=ROWS)


def render_themes_index(g: Graph) -> PageOut:
    return render("themes_index.md.j2", paths.index_page("themes"), g, themes=_sorted(g.kb.themes.values()))


def render_organizations_index(g: Graph) -> PageOut:
    orgs = sorted(g.kb.organizations.values(), key=lambda o: (list(Level).index(o.level), pinyin_key(o.name)))
    return render("organizations_index.md.j2", paths.index_page("organizations"), g, orgs=orgs)


def render_methods_index(g: Graph) -> PageOut:
    return render("methods_index.md.j2", paths.index_page("methods"), g, methods=_sorted(g.kb.methods.values()))


def render_sources_index(g: Graph) -> PageOut:
    sources = [s for s in _sorted(g.kb.sources.values()) if s.part_of is None]
    return render("sources_index.md.j2", paths.index_page("sources"), g, sources=sources)


def render_tags(g: Graph) -> PageOut:
    return render("tags.md.j2", paths.explore_page("tags"), g)


def render_search(g: Graph) -> PageOut:
    return render("search.md.j2", paths.explore_page("search"), g)


def render_indexes(g: Graph) -> list[PageOut]:
    return [make(g) for _path, make in INDEX_PAGES]


def render_stats(g: Graph) -> PageOut:
    kb = g.kb
    path = paths.explore_page("stats")
    page = Page(path, g)

    def by(mapping, records, order=None):
        rows = [(records[k].name, len(v), page.url(records[k])) for k, v in mapping.items() if k in records and v]
        return sorted(rows, key=order or (lambda r: (-r[1], pinyin_key(r[0]))))

    levels = Counter(g.level[p] for p in kb.practices)
    completeness = Counter(p.completeness for p in kb.practices.values())
    provinces = {r: ids for r, ids in g.by_region.items() if r in kb.regions and kb.regions[r].parent is None}
    charts = [
        ("按省份", by(provinces, kb.regions)),
        ("按层级", [(level.value, levels[level], "") for level in Level if levels[level]]),
        ("按主题", by(g.by_theme, kb.themes)),
        ("按通用做法", by(g.by_method, kb.methods)),
        ("按协商环节（写明该环节步骤的实践）", [(s.value, len(g.by_stage.get(s, [])), page.to(paths.explore_page("compare"), "")) for s in Stage]),
        ("按起始年份", [(str(y), len(ids), page.to(paths.explore_page("timeline"))) for y, ids in sorted(g.by_year.items())]),
        ("按完整程度", [(c.value, completeness[c], "") for c in Completeness]),
    ]
    charts = [(name, [(label, count, paths.built_href(link)) for label, count, link in rows]) for name, rows in charts if rows]
    return render("stats.md.j2", path, g, charts=charts, total=len(kb.practices))


def render_practices_index(g: Graph) -> PageOut:
    return render("practices_index.md.j2", paths.index_page("practices"), g,
                  practices=g.practices_sorted(g.kb.practices))


A_TO_Z_TYPES = (Practice, Organization, Method, Term)


def _a_to_z_lines(type_name: str, record_id: str, g: Graph) -> list[tuple]:
    """A record's lines in the A–Z index, one for its name and one per alias: (sort key,
    letter, Markdown). A piece, so that an edit that leaves names alone leaves the index alone."""
    record = g.kb.of(TYPES_BY_NAME[type_name])[record_id]
    page = Page(paths.explore_page("a-z"), g)
    lines = []
    for label in (record.name, *record.aliases):
        target = f" → {md(record.name)}" if label != record.name else ""
        lines.append(((pinyin_key(label), type_name), initial(label),
                      f"- {page.link(record, label)}{target}（{md(record.type_label)}）"))
    return lines


def render_a_to_z(g: Graph) -> PageOut:
    lines = []
    for record_type in A_TO_Z_TYPES:
        for record_id in record_ids(g, record_type):
            lines += piece(g, ("a-z", record_type.type_name, record_id), partial(_a_to_z_lines, record_type.type_name, record_id))
    lines.sort(key=lambda line: line[0])
    groups: dict[str, list] = {}
    for _key, letter, text in lines:
        groups.setdefault(letter, []).append(Safe(text))
    return render("a_to_z.md.j2", paths.explore_page("a-z"), g, groups=dict(sorted(groups.items())))


def _timeline_line(practice_id: str, g: Graph) -> tuple:
    """A practice in the timeline: (sort key, Markdown of its dated line, of its undated mention)."""
    practice = g.kb.practices[practice_id]
    page = Page(paths.explore_page("timeline"), g)
    inferred = any(i.field == "start_year" for i in practice.inferred)
    mark = '<abbr class="kb-inferred" title="年份是推断">推断</abbr>' if inferred else ""
    dated = f"- {page.link(practice)}（{page.link(g.kb.organizations.get(practice.organization))}）{mark}"
    undated = f"{page.link(practice)}（{md(practice.period)}）" if practice.period else str(page.link(practice))
    return pinyin_key(practice.name), dated, undated


def render_timeline(g: Graph) -> PageOut:
    lines = {pid: piece(g, ("timeline", pid), partial(_timeline_line, pid)) for pid in record_ids(g, Practice)}
    years = sorted(g.by_year.items())
    dated = {pid for _year, ids in years for pid in ids}
    undated = sorted((lines[pid] for pid in lines if pid not in dated), key=lambda line: line[0])
    return render("timeline.md.j2", paths.explore_page("timeline"), g,
                  years=[(y, [Safe(lines[i][1]) for i in ids]) for y, ids in years],
                  undated=[Safe(line[2]) for line in undated])


def render_course(course: Course, g: Graph) -> PageOut:
    from .courses import course_references, module_views

    from .export_docx import safe_filename

    return render("course.md.j2", paths.page_of(course), g, course=course,
                  modules=module_views(g, course), references=course_references(g, course),
                  data_date=data_date(g), docx_name=safe_filename(course.name) + ".docx",
                  self_keys=[(course.type_name, course.id)])


def render_courses_index(g: Graph) -> PageOut:
    return render("courses_index.md.j2", paths.index_page("courses"), g, courses=_sorted(g.kb.courses.values()))


# The static comparison is one page; past this many practices it shows the ones whose steps
# cover the most stages (the interactive view above it compares any others), so the page
# stays readable and its size stays flat as the knowledge base grows.
STATIC_COMPARE_LIMIT = 200


def render_compare(g: Graph) -> PageOut:
    practices = [p for p in g.practices_sorted(g.kb.practices) if len({s.stage for s in p.steps}) >= 2]
    total = len(practices)
    if total > STATIC_COMPARE_LIMIT:
        chosen = {p.id for p in sorted(practices, key=lambda p: -len({s.stage for s in p.steps}))[:STATIC_COMPARE_LIMIT]}
        practices = [p for p in practices if p.id in chosen]
    return render("compare.md.j2", paths.explore_page("compare"), g, practices=practices, total=total)


# --- all pages --------------------------------------------------------------------------------

RECORD_RENDERERS: tuple[tuple[type[Record], Callable[[Any, Graph], PageOut]], ...] = (
    (Practice, render_practice),
    (Organization, render_organization),
    (Region, render_region),
    (Theme, render_theme),
    (Method, render_method),
    (Source, render_source),
    (Course, render_course),
)


# Every page that is not a record's own, with the path it is written to.
INDEX_PAGES: tuple[tuple[str, Callable[[Graph], PageOut]], ...] = (
    (paths.GLOSSARY_PAGE, render_glossary),
    (paths.index_page("regions"), render_regions_index),
    (paths.index_page("themes"), render_themes_index),
    (paths.index_page("organizations"), render_organizations_index),
    (paths.index_page("methods"), render_methods_index),
    (paths.index_page("sources"), render_sources_index),
    (paths.index_page("practices"), render_practices_index),
    (paths.explore_page("a-z"), render_a_to_z),
    (paths.explore_page("timeline"), render_timeline),
    (paths.explore_page("compare"), render_compare),
    (paths.index_page("courses"), render_courses_index),
    (paths.explore_page("tags"), render_tags),
    (paths.explore_page("stats"), render_stats),
    (paths.explore_page("search"), render_search),
)


@dataclass(frozen=True)
class Job:
    """One generated file: where it goes and how it is made from the graph. ``signature`` is
    whatever else decides its content (the practices a data shard holds): a job whose signature
    changed is made again even if nothing it read did."""

    path: str
    make: Callable[[Graph], str | bytes]
    signature: tuple = ()


def _record_page(renderer: Callable[[Any, Graph], PageOut], record_type: type[Record], record_id: str, g: Graph) -> str:
    return renderer(g.kb.of(record_type)[record_id], g).content


def _index_page(make: Callable[[Graph], PageOut], g: Graph) -> str:
    return make(g).content


@lru_cache(maxsize=None)  # the same job object run after run: kb serve asks for them on every edit
def _record_job(record_type: type[Record], record_id: str) -> Job:
    renderer = dict(RECORD_RENDERERS)[record_type]
    return Job(paths.record_page(record_type.type_name, record_id), partial(_record_page, renderer, record_type, record_id))


def page_jobs(g: Graph) -> list[Job]:
    """Every page the generator writes: record pages, then the glossary and index pages."""
    jobs = [_record_job(record_type, record_id)
            for record_type, _renderer in RECORD_RENDERERS
            for record_id in sorted(g.kb.of(record_type))]
    jobs += [Job(path, partial(_index_page, make)) for path, make in INDEX_PAGES]
    return jobs


# Record pages are independent of each other once the graph is linked, so a large knowledge
# base renders them in two processes (the build machines have two cores). Forked workers
# inherit the graph; only the rendered text travels back. KB_JOBS=1 turns this off.
PARALLEL_FROM = 1500  # pages; below this, starting a worker costs more than it saves
_FORKED: dict[str, Any] = {}


def _render_slice(start: int, stop: int) -> list[tuple[str, str]]:
    g, jobs, make = _FORKED["graph"], _FORKED["jobs"], _FORKED["make"]
    return [(job.path, make(job, g)) for job in jobs[start:stop]]


def _workers(pages: int) -> int:
    wanted = os.environ.get("KB_JOBS")
    if wanted is not None:
        return max(1, int(wanted)) if wanted.isdigit() else 1
    if pages < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return min(2, os.cpu_count() or 1)


def _plain(job: Job, g: Graph):
    return job.make(g)


def run_jobs(g: Graph, jobs: list[Job], make: Callable[[Job, Graph], Any] = _plain) -> list[tuple[str, Any]]:
    """(path, result) for every job, in two processes when there are many. ``make`` runs one
    job (the incremental generator passes one that records what the job read)."""
    workers = _workers(len(jobs))
    if workers == 1:
        return [(job.path, make(job, g)) for job in jobs]
    # The parent takes the pages at the end (the index pages: about a quarter of the work,
    # measured) and a smaller share of the records while the workers take the rest.
    records = [job for job in jobs if job.path not in _INDEX_PATHS]
    last = [job for job in jobs if job.path in _INDEX_PATHS]
    share = int(len(records) * 0.7 / workers)
    rest = -(-(len(records) - share) // (workers - 1))
    _FORKED.update(graph=g, jobs=records, make=make)
    try:
        context = multiprocessing.get_context("fork")
        with concurrent.futures.ProcessPoolExecutor(workers - 1, mp_context=context) as pool:
            futures = [pool.submit(_render_slice, start, start + rest) for start in range(share, len(records), rest)]
            done = [(job.path, make(job, g)) for job in last]
            done += [(job.path, make(job, g)) for job in records[:share]]
            for future in futures:
                done.extend(future.result())
    finally:
        _FORKED.clear()
    order = {job.path: i for i, job in enumerate(jobs)}
    return sorted(done, key=lambda item: order[item[0]])


_INDEX_PATHS = frozenset(path for path, _ in INDEX_PAGES)


def render_all(g: Graph) -> list[PageOut]:
    return [PageOut(path, content) for path, content in run_jobs(g, page_jobs(g))]


def counts(g: Graph) -> Counter:
    return Counter({t.type_label: len(g.kb.of(t)) for t in (Practice, Organization, Method, Term, Source, Region, Theme)})


def data_date(g: Graph) -> dt.date | None:
    """The newest date any record was added or updated: "data as of", and the build's
    reproducible timestamp."""
    dates = [r.last_updated for records in g.kb.records.values() for r in records.values() if r.last_updated]
    return max(dates) if dates else None


def render_snippet_context(g: Graph) -> dict[str, Any]:
    """What the hand-written pages' live blocks may show."""
    kb = g.kb
    from .feed import recent_practices

    recent = recent_practices(g, 8)
    from .tilemap import COLUMNS, ROWS, province_tiles

    return {
        "counts": counts(g),
        "recent": recent,
        "tiles": province_tiles(g), "tile_columns": COLUMNS, "tile_rows": ROWS,
        "themes": sorted(kb.themes.values(), key=lambda t: (-len(g.by_theme.get(t.id, [])), pinyin_key(t.name))),
        "provinces": sorted((r for r in kb.regions.values() if r.parent is None), key=lambda r: pinyin_key(r.name)),
        "data_date": data_date(g),
    }
