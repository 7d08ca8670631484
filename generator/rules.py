"""The rules no type annotation can express: no cycles in part-of chains, safe links, levels
that fit their regions, figures that stand in their excerpt, completeness that matches the
content, teachable courses."""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

from . import text as textutil
from .explain import shown
from .model import (
    Completeness,
    Course,
    Level,
    Organization,
    Practice,
    Record,
    Region,
    Source,
)
from .problems import Problems, field_path
from .walk import iter_strings

if TYPE_CHECKING:
    from .context import Context


LEVEL_ORDER = {level: i for i, level in enumerate(Level)}
SAFE_URL = re.compile(r"^https?://[^\s<>\"'\\`]+$", re.I)
# A Markdown or HTML link in free text whose target is not http(s) or site-relative: a script
# scheme (javascript:, vbscript:, data:, file: …), any other scheme, or a protocol-relative
# "//host". Record text is always escaped, so such a link never becomes one on a page; it is
# refused anyway, because it can only be a mistake or an attack, and so that a future change
# that renders links cannot let one through. Checked on the text as a browser would read it:
# entities decoded (java&#x09;script:, &#106;avascript:), tabs, line breaks and invisible
# characters inside the scheme removed, white space before it skipped (" javascript:").
_LINK_START = r"(?:\]\(\s*<?\s*|\]:\s*|<|\b(?:href|src|action|formaction|data|poster|background|xlink:href)\s*=\s*[\"']?\s*)"
UNSAFE_LINK = re.compile(_LINK_START + r"(?:(?!https?:)[a-z][a-z0-9+.-]*:|[/\\]{2})")
_INVISIBLE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u00ad\u034f\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f"
                        "\u2028-\u202e\u2060-\u206f\u3164\ufeff\uffa0]")


def unsafe_link(text: str) -> bool:
    """Whether free text holds a link (Markdown, HTML or <…> autolink) to a target other than
    an http(s) address or a site-relative path, however its scheme is disguised."""
    if not any(c in text for c in "(<=:"):
        return False
    folded = text
    for _ in range(3):  # &amp;#106; -> &#106; -> j
        unescaped = html.unescape(folded)
        if unescaped == folded:
            break
        folded = unescaped
    folded = _INVISIBLE.sub("", folded.replace("\t", "")).lower()
    return bool(UNSAFE_LINK.search(folded))


def safe_url(url: str) -> bool:
    """An absolute http(s) address with a host and nothing a browser would read differently."""
    return bool(SAFE_URL.match(url)) and not _INVISIBLE.search(url) and url.split("/")[2] != ""


# --- 4. rules across fields ----------------------------------------------------------------

PARENT_FIELDS: tuple[tuple[type[Record], str], ...] = (
    (Practice, "part_of"),
    (Region, "parent"),
    (Organization, "parent"),
    (Source, "part_of"),
)


def check_cycles(ctx: Context, problems: Problems) -> None:
    for record_type, attr in PARENT_FIELDS:
        records = ctx.kb.of(record_type)
        reported: set[str] = set()
        for start in records:
            chain: list[str] = []
            current: str | None = start
            while current is not None and current in records and current not in chain:
                chain.append(current)
                current = getattr(records[current], attr)
            if current is None or current not in chain:
                continue
            cycle = chain[chain.index(current):]
            if reported.intersection(cycle):
                continue
            reported.update(cycle)
            first = records[min(cycle)]
            names = " → ".join(records[i].name for i in cycle + [cycle[0]]) if len(cycle) > 1 else first.name
            problems.error(
                first.path, ctx.line(first, (attr,)), attr,
                f"{attr} 形成了循环：{names}；一个{record_type.type_label}不能直接或间接属于自己",
            )


def record_rules(ctx: Context, record: Record, problems: Problems) -> None:
    """The rules about one record's own content (its names, links, dates, inferences, and for
    a practice its relations, figures and completeness): checked once per version of a record."""
    from .names import check_name_text

    record_type = type(record)
    check_name_text(ctx, record, problems)
    for loc, value in iter_strings(record):
        if unsafe_link(value):
            problems.error(record.path, ctx.line(record, loc), field_path(loc),
                           "含有不安全的链接（javascript:、data:、vbscript:、file: 等协议，以 // 开头的地址，"
                           "或用空格、&#…; 伪装的写法）；链接只接受 http、https 或站内相对地址")
    if record.updated and record.added and record.updated < record.added:
        problems.error(record.path, ctx.line(record, ("updated",)), "updated",
                       f"最后更新日期 {record.updated} 早于收录日期 {record.added}")
    field_names = set(record_type.model_fields)
    for i, inference in enumerate(getattr(record, "inferred", []) or []):
        root_field = re.split(r"[.\[]", inference.field, maxsplit=1)[0]
        if root_field not in field_names:
            problems.error(record.path, ctx.line(record, ("inferred", i, "field")), f"inferred[{i}].field",
                           f"“{inference.field}”不是{record_type.type_label}的字段；可用：{'、'.join(sorted(field_names))}")
    if isinstance(record, Source) and record.url and not safe_url(record.url):
        problems.error(record.path, ctx.line(record, ("url",)), "url",
                       "网址只接受 http:// 或 https:// 开头的完整地址，其中不能有空格、引号或尖括号"
                       "（javascript:、data:、file:、以 // 开头的地址等会被拒绝）")
    if isinstance(record, Practice):
        check_practice(ctx, record, problems)


def check_rules(ctx: Context, problems: Problems) -> None:
    """The rules across records (each record's own are ``record_rules``)."""
    kb = ctx.kb
    for source in kb.sources.values():
        parent = kb.sources.get(source.part_of or "")
        if parent and source.seed and parent.seed and source.seed != parent.seed:
            problems.error(source.path, ctx.line(source, ("seed",)), "seed",
                           f"seed 与所属文献 {parent.path} 的 seed 不同")

    from .tilemap import unmatched_provinces

    for region in unmatched_provinces(kb):
        problems.warning(region.path, ctx.line(region, ("name",)), "name",
                         f"“{shown(region.name)}”没有上级地区，却不是省级行政区的正式名称（如“湖北省”“广西壮族自治区”），"
                         "首页和“按地区”的省份图上不会出现；请改用正式名称，或把简称写进 aliases")
    for region in kb.regions.values():
        parent = kb.regions.get(region.parent or "")
        if parent and LEVEL_ORDER[parent.level] >= LEVEL_ORDER[region.level]:
            problems.error(region.path, ctx.line(region, ("parent",)), "parent",
                           f"上级地区“{parent.name}”（{parent.level.value}）的层级不高于本地区（{region.level.value}）")

    for org in kb.organizations.values():
        region = kb.regions.get(org.region or "")
        if region and org.level is not Level.NATIONAL and region.level != org.level:
            problems.warning(org.path, ctx.line(org, ("region",)), "region",
                             f"组织层级为“{org.level.value}”，所在地区“{region.name}”却是“{region.level.value}”级")

    for course in kb.courses.values():
        check_course(ctx, course, problems)


PLACEHOLDER = "待填"


def check_course(ctx: Context, course: Course, problems: Problems) -> None:
    """What makes a course teachable: comparisons of two or more distinct practices that have
    something to compare, module titles that tell modules apart, no scaffold text left."""
    kb = ctx.kb
    titles: dict[str, int] = {}
    for i, module in enumerate(course.modules):
        loc = ("modules", i, "compare")
        if len(module.compare) == 1:
            problems.error(course.path, ctx.line(course, loc), field_path(loc), "对比至少需要 2 项实践")
        seen: set[str] = set()
        for j, practice_id in enumerate(module.compare):
            item = loc + (j,)
            if practice_id in seen:
                problems.error(course.path, ctx.line(course, item), field_path(item), "同一项实践在对比中出现了两次")
            seen.add(practice_id)
            practice = kb.practices.get(practice_id)
            if practice is not None and not practice.steps and not practice.components:
                problems.warning(course.path, ctx.line(course, item), field_path(item),
                                 f"“{practice.name}”既没有运行步骤也没有组成部分，对比表中它的一列几乎是空的")
        for field_name in ("practices", "methods", "terms"):
            values = getattr(module, field_name)
            for j, value in enumerate(values):
                if value in values[:j]:
                    item = ("modules", i, field_name, j)
                    problems.warning(course.path, ctx.line(course, item), field_path(item), "重复列出")
        if module.title in titles:
            item = ("modules", i, "title")
            problems.warning(course.path, ctx.line(course, item), field_path(item),
                             f"与第 {titles[module.title] + 1} 个单元标题相同；单元标题应能区分各单元")
        titles.setdefault(module.title, i)
        if not (module.practices or module.methods or module.terms or module.compare):
            item = ("modules", i, "title")
            problems.warning(course.path, ctx.line(course, item), field_path(item),
                             "这个单元没有任何阅读材料（practices、methods、terms）或对比")
    for loc, value in iter_strings(course):
        if PLACEHOLDER in value:
            problems.warning(course.path, ctx.line(course, loc), field_path(loc), f"仍是模板中的占位文字“{PLACEHOLDER}”")


def check_practice(ctx: Context, practice: Practice, problems: Problems) -> None:
    seen_targets: set[tuple[str, str]] = set()
    for i, relation in enumerate(practice.relations):
        loc = ("relations", i, "target")
        if relation.target == practice.id:
            problems.error(practice.path, ctx.line(practice, loc), field_path(loc), "不能与自己建立关系")
        key = (relation.kind.value, relation.target)
        if key in seen_targets:
            problems.warning(practice.path, ctx.line(practice, loc), field_path(loc), "重复的关系")
        seen_targets.add(key)
    for i, outcome in enumerate(practice.outcomes):
        if outcome.figures and outcome.evidence is None:
            loc = ("outcomes", i, "figures")
            problems.error(practice.path, ctx.line(practice, loc), field_path(loc),
                           "写了数字就必须给出 evidence（来源和原文摘录），数字须出自原文")
            continue
        if outcome.evidence is None:
            continue
        excerpt = textutil.normalize_for_match(outcome.evidence.excerpt)
        for j, figure in enumerate(outcome.figures):
            if textutil.normalize_for_match(figure) not in excerpt:
                loc = ("outcomes", i, "figures", j)
                problems.error(practice.path, ctx.line(practice, loc), field_path(loc),
                               f"数字“{figure}”没有出现在本条 evidence 的摘录中；数字须逐字出自原文")
    expected = estimate_completeness(practice)
    if practice.completeness is not expected and _rank(practice.completeness) > _rank(expected):
        problems.warning(practice.path, ctx.line(practice, ("completeness",)), "completeness",
                         f"标为“{practice.completeness.value}”，但内容看起来只够“{expected.value}”"
                         "（完整：有组成部分或步骤、有成效、概要充分）")


def _rank(completeness: Completeness) -> int:
    return list(Completeness).index(completeness)


def estimate_completeness(practice: Practice) -> Completeness:
    """A rough, explainable measure: what a reader can learn from the record."""
    score = 0
    score += bool(practice.components or practice.steps)
    score += len(practice.steps) >= 3 or len(practice.components) >= 3
    score += bool(practice.outcomes)
    score += len(practice.summary) >= 60
    if score >= 4:
        return Completeness.FULL
    if score >= 2:
        return Completeness.FAIR
    return Completeness.BRIEF
