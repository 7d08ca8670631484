"""Stage 2 — validate: parsed YAML -> model records, with every reference resolved.

Checks run in order, each collecting problems rather than stopping:
1. each file against its record type (types, required and unknown fields, vocabularies);
2. names unique within a type, aliases unambiguous;
3. references (written as an id or a unique name/alias) resolved to ids;
4. no cycles in part-of/parent chains, and the rules no type annotation can express
   (figures stand in their excerpt, inferred fields exist, links are http(s));
5. optionally, every excerpt found verbatim in its original text (``--sources``).
"""

from __future__ import annotations

import datetime as dt

import difflib
import html
import re
import typing
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from pydantic import BaseModel, ValidationError

from . import text as textutil
from .load import RawRecord, locate
from .model import (
    REF_KEY,
    RECORD_TYPES,
    TYPES_BY_NAME,
    Citation,
    Completeness,
    Course,
    KnowledgeBase,
    Level,
    Organization,
    Practice,
    Record,
    Region,
    Source,
)
from .problems import Problems, field_path

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


_KIND_NAMES = {bool: "布尔值（是/否）", int: "数字", float: "数字", str: "文本", list: "列表", dict: "字段映射", type(None): "空值"}


def kind_of(value: Any) -> str:
    return _KIND_NAMES.get(type(value), type(value).__name__)


# --- model introspection ------------------------------------------------------------------


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    out = []
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    for arg in typing.get_args(annotation):
        out.extend(_models_in(arg))
    return out


def model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The nested model class that a pydantic error location points into."""
    current: type[BaseModel] | None = model
    for part in loc:
        if current is None:
            return None
        if isinstance(part, int):
            continue
        info = current.model_fields.get(part)
        if info is None:
            return current
        nested = _models_in(info.annotation)
        current = nested[0] if nested else None
    return current


def field_description(model: type[BaseModel], loc: tuple) -> str:
    parent = model_at(model, loc[:-1]) if loc else None
    if parent is None or not loc or not isinstance(loc[-1], str):
        return ""
    info = parent.model_fields.get(loc[-1])
    return (info.description or "") if info else ""


@dataclass(frozen=True)
class RefSite:
    """One reference inside a record: where it is, what it points to, how to rewrite it."""

    loc: tuple
    target: str
    value: str
    owner: BaseModel
    attr: str
    index: int | None

    def set(self, new_value: str) -> None:
        if self.index is None:
            setattr(self.owner, self.attr, new_value)
        else:
            getattr(self.owner, self.attr)[self.index] = new_value


@lru_cache(maxsize=None)
def _field_plan(model: type[BaseModel]) -> tuple[tuple[str, str | None, bool], ...]:
    """(field, ref target or None, may hold nested models) for each field, computed once per class."""
    plan = []
    for name, info in model.model_fields.items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        plan.append((name, extra.get(REF_KEY), bool(_models_in(info.annotation))))
    return tuple(plan)


def iter_refs(obj: BaseModel, loc: tuple = ()) -> Iterator[RefSite]:
    for name, target, nested in _field_plan(type(obj)):
        value = getattr(obj, name)
        if target:
            if isinstance(value, list):
                for i, item in enumerate(value):
                    yield RefSite(loc + (name, i), target, item, obj, name, i)
            elif value is not None:
                yield RefSite(loc + (name,), target, value, obj, name, None)
        elif nested:
            if isinstance(value, BaseModel):
                yield from iter_refs(value, loc + (name,))
            elif isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, BaseModel):
                        yield from iter_refs(item, loc + (name, i))


def iter_models(obj: BaseModel, kind: type[BaseModel], loc: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """Every nested model of class ``kind`` inside ``obj`` with its location."""
    for name, _target, nested in _field_plan(type(obj)):
        if not nested:
            continue
        value = getattr(obj, name)
        items = [(loc + (name,), value)] if isinstance(value, BaseModel) else [
            (loc + (name, i), v) for i, v in enumerate(value or []) if isinstance(v, BaseModel)
        ]
        for item_loc, item in items:
            if isinstance(item, kind):
                yield item_loc, item
            yield from iter_models(item, kind, item_loc)


def iter_strings(value: Any, loc: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """Every string in a record with its location, depth first in field order.

    Written with an explicit stack rather than nested generators: it runs over every field of
    every record twice per build (rules, mentions), and the recursive form was a tenth of
    ``kb check`` at 20,000 records."""
    stack: list[tuple[tuple, Any]] = [(loc, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            yield where, item
        elif isinstance(item, BaseModel):
            fields = item.__dict__
            stack.extend((where + (name,), fields[name]) for name in reversed(type(item).model_fields)
                         if fields[name] is not None and not isinstance(fields[name], (int, float, dt.date)))
        elif isinstance(item, list):
            stack.extend((where + (i,), item[i]) for i in range(len(item) - 1, -1, -1))


# --- 1. one file against its type -----------------------------------------------------------


def shown(value: Any, limit: int = 40) -> str:
    """A value quoted in a message: short, on one line (a 200 kB value must not flood the output)."""
    try:
        text = " ".join(str(value).split())
    except ValueError:  # an integer too long to print
        return "（过长的数字）"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def explain(error: dict, model: type[BaseModel]) -> tuple[tuple, str, bool]:
    """A pydantic error as (location, Chinese message, point at the key rather than the value)."""
    loc = tuple(error["loc"])
    kind = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        description = field_description(model, loc)
        hint = f"（{description}）" if description else ""
        return loc, f"缺少必填字段 {loc[-1]}{hint}", True
    if kind == "extra_forbidden":
        parent = model_at(model, loc[:-1]) or model
        allowed = list(parent.model_fields)
        key = str(loc[-1])
        guess = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6) if len(key) < 60 else []
        hint = f"；是否想写 {guess[0]}？" if guess else ""
        return loc, f"未知字段“{shown(key)}”{hint}（可用字段：{'、'.join(allowed)}）", True
    if kind in ("enum", "literal_error"):
        allowed = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        return loc, f"“{shown(value)}”不是允许的值；可选：{'、'.join(allowed)}", False
    if kind == "string_type":
        hint = "；YAML 会把 yes/no/on/off/true/false 读成布尔值，请给文本加引号" if isinstance(value, bool) else ""
        return loc, f"应为文本，实际是{kind_of(value)}{hint}", False
    if kind == "string_too_long":
        return loc, f"过长：{len(str(value))} 字，上限 {ctx.get('max_length')} 字", False
    if kind == "string_too_short":
        if ctx.get("min_length", 1) <= 1:
            return loc, "不能为空", False
        return loc, f"过短：至少 {ctx.get('min_length')} 个字", False
    if kind == "too_short":
        return loc, f"至少需要 {ctx.get('min_length')} 项", False
    if kind == "too_long":
        return loc, f"项数过多：上限 {ctx.get('max_length')} 项", False
    if kind == "list_type":
        return loc, f"应为列表（每项以“- ”开头），实际是{kind_of(value)}", False
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return loc, f"应为字段映射（如 name: …），实际是{kind_of(value)}", False
    if kind == "int_parsing_size":
        return loc, "数字过大，无法读取；若是文本（如编号）请加引号", False
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return loc, f"应为整数（如 2020），实际是“{shown(value)}”", False
    if kind in ("greater_than_equal", "less_than_equal"):
        return loc, f"超出范围：“{shown(value)}”", False
    if kind == "date_out_of_range":
        return loc, f"日期“{shown(value)}”不可能：须在 {ctx.get('first')} 到 {ctx.get('latest')} 之间（今天之后的日期多是笔误）", False
    if kind.startswith("date") or kind.startswith("datetime"):
        if isinstance(value, str) and re.match(r"\d{4}-\d{1,2}-\d{1,2}", value.strip()):
            return loc, f"日期或时间不存在（如 2 月 30 日、25 点）或格式不对：“{shown(value)}”；日期写作 2026-11-23，不带时间", False
        return loc, f"应为日期，格式如 2026-11-23，实际是“{shown(value)}”", False
    if kind == "string_pattern_mismatch":
        return loc, f"格式不对：“{shown(value)}”", False
    if kind == "invalid_key":
        return loc, "字段名须是文本（写了空的字段名，或 ~、null 作字段名）；请改为正确的字段名", True
    if kind in ("finite_number", "float_parsing", "float_type"):
        return loc, f"应为普通数字，实际是“{shown(value)}”", False
    if kind in ("bool_type", "bool_parsing"):
        return loc, f"应为是/否，实际是“{shown(value)}”", False
    # Never pydantic's English message: say where, what was given and what the field is for.
    description = field_description(model, loc)
    hint = f"（{description}）" if description else ""
    return loc, f"值“{shown(value)}”不合要求{hint}", False


def build_record(raw: RawRecord, problems: Problems) -> Record | None:
    try:
        record = raw.type.model_validate(raw.data)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            loc, message, at_key = explain(error, raw.type)
            line = locate(raw.text, loc, key=at_key)
            problems.error(raw.path, line, field_path(loc), message)
        return None
    record._id = raw.id
    record._path = raw.path
    return record


# --- 2 and 3. names and references -----------------------------------------------------------


@dataclass
class NameIndex:
    """How the records of one type can be referred to."""

    ids: dict[str, Record]
    names: dict[str, list[str]]
    aliases: dict[str, list[str]]

    @classmethod
    def of(cls, records: dict[str, Record]) -> "NameIndex":
        names: dict[str, list[str]] = defaultdict(list)
        aliases: dict[str, list[str]] = defaultdict(list)
        for record_id, record in records.items():
            names[record.name].append(record_id)
            for alias in dict.fromkeys(record.aliases):
                if alias != record.name:
                    aliases[alias].append(record_id)
        return cls(records, dict(names), dict(aliases))

    def resolve(self, value: str) -> list[str]:
        """Ids a reference may mean: an id wins over a name, a name over an alias."""
        if value in self.ids:
            return [value]
        return self.names.get(value) or self.aliases.get(value) or []

    def suggestions(self, value: str) -> list[str]:
        labels = list(self.names) + list(self.aliases)
        close = difflib.get_close_matches(value, labels, n=5, cutoff=0.5)
        close += [n for n in labels if value in n or (len(n) > 1 and n in value)][:5]
        return list(dict.fromkeys(close))[:5]


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


# Characters that show as nothing (or as a blank) but make two names different strings: a name
# pasted from a web page with a zero-width space looks exactly like one without.
_INVISIBLE_IN_NAME = re.compile("[\u00ad\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
                                "\u2060-\u206f\u2800\u3164\ufe00-\ufe0f\ufeff\uffa0]")
_WORDLIKE = re.compile(r"[^\W_]")  # a letter, digit or CJK character


def look_alike_key(name: str) -> str:
    """The form in which two names a reader cannot tell apart are equal: NFKC (full-width
    letters and digits), 繁→简, case, white space and invisible characters removed."""
    folded = _INVISIBLE_IN_NAME.sub("", unicodedata.normalize("NFKC", name))
    return textutil.fold_whitespace(textutil.to_simplified(folded)).casefold()


def check_name_text(ctx: Context, record: Record, problems: Problems) -> None:
    """A name or alias must be something a reader can see and tell apart."""
    for loc, value in [(("name",), record.name), *((("aliases", i), a) for i, a in enumerate(record.aliases))]:
        invisible = _INVISIBLE_IN_NAME.search(value)
        if not invisible and _WORDLIKE.search(value):
            continue  # the common case: no line number to look up
        where = (record.path, ctx.line(record, loc), field_path(loc))
        label = "名称" if loc == ("name",) else "别名"
        if invisible:
            problems.error(*where, f"{label}含有不可见字符 U+{ord(invisible.group()):04X}（常见于从网页或 Word 粘贴），"
                                   "读者看不出它与不含这个字符的名称有何不同；请删除")
        else:
            problems.error(*where, f"{label}“{shown(value)}”不含任何汉字、字母或数字；请写出真正的{label}")


def check_look_alikes(ctx: Context, record_type: type[Record], problems: Problems) -> None:
    """Names and aliases of one type that differ only in ways a reader cannot see."""
    seen: dict[str, tuple[Record, str, tuple]] = {}
    for record_id in sorted(ctx.kb.of(record_type)):
        record = ctx.kb.of(record_type)[record_id]
        own: set[str] = set()
        for loc, value in [(("name",), record.name), *((("aliases", i), a) for i, a in enumerate(record.aliases))]:
            key = look_alike_key(value)
            if not key or key in own:
                continue
            own.add(key)
            first = seen.get(key)
            if first is None:
                seen[key] = (record, value, loc)
                continue
            other, other_value, other_loc = first
            if other_value == value:
                continue  # the same string: check_names reports it
            if loc == ("name",) and other_loc != ("name",):
                # Reported on the alias: that is the one to change.
                record, value, loc, other, other_value, other_loc = other, other_value, other_loc, record, value, loc
            message = (f"“{shown(value)}”与 {other.path} 的“{shown(other_value)}”只差全角半角、繁简、大小写或不可见字符，"
                       "读者无法区分；请统一写法或改名")
            where = (record.path, ctx.line(record, loc), field_path(loc))
            if loc == ("name",) and other_loc == ("name",):
                problems.error(*where, message)
            else:
                problems.warning(*where, message)


def check_names(ctx: Context, problems: Problems) -> None:
    for record_type in RECORD_TYPES:
        index = ctx.indexes[record_type.type_name]
        records = ctx.kb.of(record_type)
        for record in records.values():
            check_name_text(ctx, record, problems)
        check_look_alikes(ctx, record_type, problems)
        for name, ids in index.names.items():
            for record_id in ids[1:]:
                first = records[ids[0]]
                record = records[record_id]
                problems.error(
                    record.path, ctx.line(record, ("name",)), "name",
                    f"{record_type.type_label}名称“{name}”与 {first.path} 重复；名称在同类记录中须唯一",
                )
        for alias, ids in index.aliases.items():
            owners = index.names.get(alias, []) + ids
            if len(owners) > 1:
                record = records[ids[-1]]
                others = "、".join(records[i].path for i in owners if i != record.id)
                problems.warning(
                    record.path, ctx.line(record, ("aliases",)), "aliases",
                    f"别名“{alias}”也属于 {others}；用它作引用时有歧义（名称优先于别名）",
                )


def resolve_references(ctx: Context, problems: Problems) -> None:
    for record_type in RECORD_TYPES:
        for record in ctx.kb.of(record_type).values():
            for site in list(iter_refs(record)):
                index = ctx.indexes[site.target]
                target_type = TYPES_BY_NAME[site.target]
                found = index.resolve(site.value)
                if len(found) == 1:
                    site.set(found[0])
                    continue
                if not found and (site.value in ctx.broken.get(site.target, ()) or site.target in problems.unreadable_types):
                    continue
                where = (record.path, ctx.line(record, site.loc), field_path(site.loc))
                if found:
                    listed = "、".join(f"{index.ids[i].name}（id: {i}）" for i in found)
                    problems.error(*where, f"“{site.value}”有歧义，可能是：{listed}；请改写为其中一个的 id")
                    continue
                if site.target == "theme":
                    allowed = "、".join(index.names)
                    problems.error(*where, f"“{site.value}”不是已有的主题；可选：{allowed}（新主题须先在 data/themes/ 中建立）")
                    continue
                hint = ""
                elsewhere = [t.type_label for t in RECORD_TYPES if t.type_name != site.target and ctx.indexes[t.type_name].resolve(site.value)]
                if elsewhere:
                    hint = f"；“{site.value}”是{'、'.join(elsewhere)}，不是{target_type.type_label}"
                close = index.suggestions(site.value)
                if close:
                    hint += f"；相近的有：{'、'.join(close)}"
                problems.error(*where, f"找不到{target_type.type_label}“{site.value}”{hint}")


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


def check_rules(ctx: Context, problems: Problems) -> None:
    kb = ctx.kb
    for record_type in RECORD_TYPES:
        field_names = set(record_type.model_fields)
        for record in kb.of(record_type).values():
            for loc, value in iter_strings(record):
                if unsafe_link(value):
                    problems.error(record.path, ctx.line(record, loc), field_path(loc),
                                   "含有不安全的链接（javascript:、data:、vbscript:、file: 等协议，以 // 开头的地址，"
                                   "或用空格、&#…; 伪装的写法）；链接只接受 http、https 或站内相对地址")
            if record.updated and record.added and record.updated < record.added:
                problems.error(record.path, ctx.line(record, ("updated",)), "updated",
                               f"最后更新日期 {record.updated} 早于收录日期 {record.added}")
            for i, inference in enumerate(getattr(record, "inferred", []) or []):
                root_field = re.split(r"[.\[]", inference.field, maxsplit=1)[0]
                if root_field not in field_names:
                    problems.error(record.path, ctx.line(record, ("inferred", i, "field")), f"inferred[{i}].field",
                                   f"“{inference.field}”不是{record_type.type_label}的字段；可用：{'、'.join(sorted(field_names))}")

    for source in kb.sources.values():
        if source.url and not safe_url(source.url):
            problems.error(source.path, ctx.line(source, ("url",)), "url",
                           "网址只接受 http:// 或 https:// 开头的完整地址，其中不能有空格、引号或尖括号"
                           "（javascript:、data:、file:、以 // 开头的地址等会被拒绝）")
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

    for practice in kb.practices.values():
        check_practice(ctx, practice, problems)

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


# --- 5. excerpts against the original texts -------------------------------------------------


def source_seed(kb: KnowledgeBase, source_id: str) -> str | None:
    seen: set[str] = set()
    current = kb.sources.get(source_id)
    while current is not None and current.id not in seen:
        if current.seed:
            return current.seed
        seen.add(current.id)
        current = kb.sources.get(current.part_of or "")
    return None


def verify_excerpts(ctx: Context, seeds_dir: Path, problems: Problems) -> int:
    """Check every excerpt stands verbatim in its source text. Returns how many were checked."""
    kb = ctx.kb
    texts: dict[str, str | None] = {}

    def seed_text(name: str) -> str | None:
        if name not in texts:
            path = seeds_dir / name
            try:
                texts[name] = textutil.normalize_for_match(path.read_text(encoding="utf-8-sig"))
            except (OSError, UnicodeDecodeError):
                texts[name] = None
        return texts[name]

    for source in kb.sources.values():
        if source.seed and seed_text(source.seed) is None:
            problems.error(source.path, ctx.line(source, ("seed",)), "seed", f"在 {seeds_dir} 中找不到原文 {source.seed}")

    checked = 0
    for record_type in RECORD_TYPES:
        for record in kb.of(record_type).values():
            for loc, citation in iter_models(record, Citation):
                seed = source_seed(kb, citation.source)
                if seed is None:
                    problems.warning(record.path, ctx.line(record, loc + ("source",)), field_path(loc + ("source",)),
                                     "来源没有原文文件（seed），无法核对摘录")
                    continue
                original = seed_text(seed)
                if original is None:
                    continue
                checked += 1
                if textutil.normalize_for_match(citation.excerpt) not in original:
                    problems.error(record.path, ctx.line(record, loc + ("excerpt",)), field_path(loc + ("excerpt",)),
                                   f"摘录在原文 {seed} 中找不到（已做繁→简和去空白处理）；摘录须逐字照录")
    from .originality import check_originality  # prose copied from the same texts (warnings)

    check_originality(kb, texts, problems, ctx.line)
    check_citation_fields(ctx, problems)
    return checked


def check_citation_fields(ctx: Context, problems: Problems) -> None:
    """Warn about sources that lack what a full GB/T 7714 citation needs (see citation.py)."""
    from .citation import missing_fields

    for source in ctx.kb.sources.values():
        missing = missing_fields(source, ctx.kb)
        if missing:
            problems.warning(source.path, ctx.line(source, ("name",)), missing[0][0],
                             "参考文献著录不完整（GB/T 7714—2015）：缺少" + "、".join(label for _, label in missing))


# --- entry point ------------------------------------------------------------------------------


@dataclass
class Validated:
    kb: KnowledgeBase
    problems: Problems
    excerpts_checked: int = 0


def validate(raws: list[RawRecord], root: Path, problems: Problems, seeds_dir: Path | None = None) -> Validated:
    kb = KnowledgeBase(root=root)
    by_key: dict[tuple[str, str], RawRecord] = {}
    broken: dict[str, set[str]] = defaultdict(set)
    for raw in raws:
        record = build_record(raw, problems)
        if record is not None:
            kb.of(raw.type)[raw.id] = record
            by_key[(raw.type.type_name, raw.id)] = raw
        else:
            names = [raw.data.get("name"), *(raw.data.get("aliases") or [] if isinstance(raw.data.get("aliases"), list) else [])]
            broken[raw.type.type_name].update([raw.id, *(n for n in names if isinstance(n, str))])
    ctx = Context(kb, by_key, broken)
    check_names(ctx, problems)
    resolve_references(ctx, problems)
    check_cycles(ctx, problems)
    check_rules(ctx, problems)
    checked = verify_excerpts(ctx, seeds_dir, problems) if seeds_dir is not None else 0
    return Validated(kb, problems, checked)
