"""What a course page, a Word handout and the compare view share: the side-by-side comparison
of a few practices, and the references a course draws on.

Everything here is plain data computed from the linked graph; the Markdown template
(``_macros.j2``), the .docx writer (``export_docx``) and the compare view's data files
(``exports``) each format it their own way, so the three always show the same rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .link import Graph
from .markdown_text import join_lines
from .model import Course, Method, Module, Practice, Source, Stage, Term

CHINESE_DIGITS = "零一二三四五六七八九"
_SPACE = re.compile(r"\s")


def fold(text: str) -> str:
    """``join_lines`` with a fast path: most record text has no white space at all, and the
    compare view's data folds every step, component and outcome of every practice."""
    return join_lines(text) if _SPACE.search(text) else text


def chinese_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 20 -> 二十, 105 -> 105 (modules never get that far)."""
    if n <= 0 or n >= 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else CHINESE_DIGITS[tens] + "十")
    return head + (CHINESE_DIGITS[ones] if ones else "")


def module_label(index: int) -> str:
    """The heading prefix of the index-th module (from 1): 第一单元."""
    return f"第{chinese_number(index)}单元"


@dataclass
class Column:
    """One practice in a comparison, with what each row shows for it."""

    practice: Practice
    org: str
    region: str
    region_id: str | None
    level: str
    place: str  # the region once, with the level only where the region does not say it
    steps: dict[Stage, list[tuple[str, str]]]  # stage -> [(step name, description)]
    components: list[tuple[str, str]]  # (name, description)
    outcomes: list[tuple[str, list[str]]]  # (text, figures)
    sources: list[Source]


@dataclass
class Comparison:
    columns: list[Column]
    stages: list[Stage] = field(default_factory=list)  # stages at least one practice describes
    missing: list[Stage] = field(default_factory=list)  # stages none of them describes

    @property
    def practices(self) -> list[Practice]:
        return [c.practice for c in self.columns]


def practice_sources(g: Graph, practice: Practice) -> list[Source]:
    """The sources a practice cites, each once, in the order first cited."""
    seen: dict[str, Source] = {}
    citations = [c for c in practice.sources]
    citations += [x.evidence for x in (*practice.components, *practice.steps, *practice.outcomes) if x.evidence]
    for citation in citations:
        source = g.kb.sources.get(citation.source)
        if source is not None and source.id not in seen:
            seen[source.id] = source
    return list(seen.values())


def column(g: Graph, practice: Practice) -> Column:
    place = g.place(practice)
    steps: dict[Stage, list[tuple[str, str]]] = {}
    for step in practice.steps:
        steps.setdefault(step.stage, []).append((step.name, fold(step.description)))
    return Column(
        practice=practice,
        org=place.organization_name,
        region=place.region_text,
        region_id=place.region.id if place.region else None,
        level=place.level.value,
        place=place.text,
        steps=steps,
        components=[(c.name, fold(c.description)) for c in practice.components],
        outcomes=[(fold(o.text), list(o.figures)) for o in practice.outcomes],
        sources=practice_sources(g, practice),
    )


def compare(g: Graph, practices: list[Practice]) -> Comparison:
    columns = [column(g, p) for p in practices]
    stages = [s for s in Stage if any(s in c.steps for c in columns)]
    return Comparison(columns, stages, [s for s in Stage if s not in stages])


# --- courses ---------------------------------------------------------------------------------


@dataclass
class ModuleView:
    number: int
    label: str  # 第一单元
    module: Module
    practices: list[Practice]
    methods: list[Method]
    terms: list[Term]
    comparison: Comparison | None


def module_views(g: Graph, course: Course) -> list[ModuleView]:
    kb = g.kb
    views = []
    for i, module in enumerate(course.modules, start=1):
        compared = [kb.practices[x] for x in module.compare if x in kb.practices]
        views.append(ModuleView(
            number=i,
            label=module_label(i),
            module=module,
            practices=[kb.practices[x] for x in module.practices if x in kb.practices],
            methods=[kb.methods[x] for x in module.methods if x in kb.methods],
            terms=[kb.terms[x] for x in module.terms if x in kb.terms],
            comparison=compare(g, compared) if len(compared) >= 2 else None,
        ))
    return views


def course_practices(g: Graph, course: Course) -> list[Practice]:
    """Every practice a course reads or compares, each once, in course order."""
    seen: dict[str, Practice] = {}
    for module in course.modules:
        for pid in (*module.practices, *module.compare):
            if pid in g.kb.practices and pid not in seen:
                seen[pid] = g.kb.practices[pid]
    return list(seen.values())


def references(g: Graph, practices: list[Practice], terms: list[Term] = (), methods: list[Method] = ()) -> list[Source]:
    """The sources behind a handout, each once, in the order the handout first uses them."""
    seen: dict[str, Source] = {}
    for practice in practices:
        for source in practice_sources(g, practice):
            seen.setdefault(source.id, source)
    for record in (*terms, *methods):
        for citation in record.sources:
            source = g.kb.sources.get(citation.source)
            if source is not None:
                seen.setdefault(source.id, source)
    return list(seen.values())


def course_references(g: Graph, course: Course) -> list[Source]:
    kb = g.kb
    terms = dict.fromkeys(t for m in course.modules for t in m.terms if t in kb.terms)
    methods = dict.fromkeys(x for m in course.modules for x in m.methods if x in kb.methods)
    return references(g, course_practices(g, course), [kb.terms[t] for t in terms], [kb.methods[x] for x in methods])
