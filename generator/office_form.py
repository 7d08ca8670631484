"""The fill-in forms county offices get as Word and Excel templates, derived from the model.

Nothing here names a record field. Every record type's fields come from ``model_fields``, in
model order: their Chinese label (the field's ``title``, or the head of its description), the
description as the hint, whether they are required, the enumeration values of a closed
vocabulary, the target type of a reference (``REF_KEY``), and lists of nested models as
repeated groups (steps, components, outcomes, sources, relations, inferred …) whose nested
single models (a step's evidence) are flattened into more columns. A field added to the model
appears in both templates and is read back by ``kb import`` without a change here.

Both formats share this description (``Form``), the reading of one cell's text into a value
(``read_value``) and the writing of a value into a cell's text (``cell_text``), so a template
filled from a record reads back as the same record.
"""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
import unicodedata
from dataclasses import dataclass, field, replace
from enum import Enum
from functools import lru_cache
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from . import text as textutil
from .model import (
    MAX_EXCERPT_CHARS,
    MAX_TEXT_CHARS,
    REF_KEY,
    RECORD_TYPES,
    TYPES_BY_NAME,
    Inference,
    Record,
)


class Kind(str, Enum):
    LINE = "line"  # one line of text (names, titles)
    TEXT = "text"  # prose; paragraphs allowed
    EXCERPT = "excerpt"  # a quotation: kept verbatim (no 繁→简)
    ENUM = "enum"  # a closed vocabulary
    REF = "ref"  # a reference to another record, by name
    REFS = "refs"  # several references, one per line
    LIST = "list"  # several short texts, one per line
    TEXTS = "texts"  # several prose items, one per line
    INT = "int"
    DATE = "date"
    RAW = "raw"  # an address or file name: no 繁→简, no line joining
    FIELD = "field"  # the name of a field of the record (inferred[].field): written as its label


# Fields whose value names another field of the same record (written as that field's label).
FIELD_NAME_FIELDS = {(Inference, "field")}
ID_LABEL = "编号（文件名）"
ID_HINT = "由名称的拼音自动生成，新记录不填；修改已有记录时保留原样"
REQUIRED_MARK = " *"
# Width of a column (relative) by kind: prose gets room, vocabularies little.
WEIGHTS = {Kind.LINE: 1.3, Kind.TEXT: 3.2, Kind.EXCERPT: 2.6, Kind.ENUM: 1.2, Kind.REF: 1.5, Kind.REFS: 1.5,
           Kind.LIST: 1.3, Kind.TEXTS: 3.0, Kind.INT: 0.8, Kind.DATE: 1.1, Kind.RAW: 1.4, Kind.FIELD: 1.1}


@dataclass(frozen=True)
class Column:
    """One value in a form: a field, or a field of a nested model (``("evidence", "source")``)."""

    path: tuple[str, ...]
    label: str
    hint: str
    kind: Kind
    required: bool
    choices: tuple[str, ...] = ()
    target: str | None = None  # record type a reference points to

    @property
    def heading(self) -> str:
        return self.label + (REQUIRED_MARK if self.required else "")

    @property
    def key(self) -> str:
        return ".".join(self.path)

    @property
    def weight(self) -> float:
        return WEIGHTS[self.kind]

    @property
    def many(self) -> bool:
        return self.kind in (Kind.REFS, Kind.LIST, Kind.TEXTS)


@dataclass(frozen=True)
class Group:
    """A list of nested models: one row per item."""

    field: str
    label: str
    hint: str
    required: bool
    columns: tuple[Column, ...]

    def column(self, label: str) -> Column | None:
        return _by_label(self.columns).get(label_key(label))


@dataclass(frozen=True)
class Form:
    type: type[Record]
    columns: tuple[Column, ...]  # one value or one list of values each; the id last
    groups: tuple[Group, ...]

    @property
    def label(self) -> str:
        return self.type.type_label

    def column(self, label: str) -> Column | None:
        return _by_label(self.columns).get(label_key(label))

    def group(self, label: str) -> Group | None:
        key = label_key(label)
        return next((g for g in self.groups if label_key(g.label) == key or g.field == key), None)

    @property
    def field_labels(self) -> dict[str, str]:
        """Top-level field name -> label (how inferred[].field is written)."""
        out = {c.path[0]: c.label for c in self.columns if len(c.path) == 1 and c.path[0] != "id"}
        out.update({g.field: g.label for g in self.groups})
        return out


@lru_cache(maxsize=None)
def _by_label(columns: tuple[Column, ...]) -> dict[str, Column]:
    out: dict[str, Column] = {}
    for column in columns:
        out.setdefault(label_key(column.label), column)
        out.setdefault(label_key(column.key), column)  # the field name works too (summary, evidence.source)
    return out


# --- from the model ------------------------------------------------------------------------------

_HEAD = re.compile(r"[：:，,；;（(]| 如|，如")


def label_of(info: FieldInfo, name: str) -> str:
    """A field's short Chinese label: its title, or its description up to the first pause."""
    if info.title:
        return info.title
    head = _HEAD.split(info.description or "", maxsplit=1)[0].strip()
    return head or name


def _unwrap(annotation: Any) -> Any:
    """``X | None`` -> X."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _max_length(annotation: Any, info: FieldInfo | None = None) -> int | None:
    """The max_length of a string type (Name, Text, Excerpt …), looking inside Annotated."""
    metadata = list(info.metadata) if info is not None else []
    if typing.get_origin(annotation) is typing.Annotated:
        metadata += list(typing.get_args(annotation)[1:])
        annotation = typing.get_args(annotation)[0]
    for item in metadata:
        value = getattr(item, "max_length", None)
        if value is not None and annotation is str:
            return value
    return None


def _base(annotation: Any) -> Any:
    if typing.get_origin(annotation) is typing.Annotated:
        return typing.get_args(annotation)[0]
    return annotation


def _has_pattern(annotation: Any, info: FieldInfo | None) -> bool:
    metadata = list(info.metadata) if info is not None else []
    if typing.get_origin(annotation) is typing.Annotated:
        metadata += list(typing.get_args(annotation)[1:])
    return any(getattr(m, "pattern", None) for m in metadata)


def _kind(model: type[BaseModel], name: str, info: FieldInfo) -> tuple[Kind, tuple[str, ...], str | None]:
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    target = extra.get(REF_KEY)
    annotation = _unwrap(info.annotation)
    if (model, name) in FIELD_NAME_FIELDS:
        return Kind.FIELD, (), None
    if typing.get_origin(annotation) is list:
        item = _unwrap(typing.get_args(annotation)[0])
        if target:
            return Kind.REFS, (), target
        if _max_length(item) == MAX_TEXT_CHARS:
            return Kind.TEXTS, (), None
        return Kind.LIST, (), None
    base = _base(annotation)
    if isinstance(base, type) and issubclass(base, Enum):
        return Kind.ENUM, tuple(m.value for m in base), None
    if target:
        return Kind.REF, (), target
    if base is int:
        return Kind.INT, (), None
    if base is dt.date:
        return Kind.DATE, (), None
    length = _max_length(annotation, info)
    if length == MAX_EXCERPT_CHARS:
        return Kind.EXCERPT, (), None
    if length == MAX_TEXT_CHARS:
        return Kind.TEXT, (), None
    if _has_pattern(annotation, info) or (length is not None and length > MAX_TEXT_CHARS // 10 and length < MAX_TEXT_CHARS):
        return Kind.RAW, (), None  # a pattern (file name) or a long one-line value (an address)
    return Kind.LINE, (), None


def _nested_model(info: FieldInfo) -> type[BaseModel] | None:
    annotation = _unwrap(info.annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _list_model(info: FieldInfo) -> type[BaseModel] | None:
    annotation = _unwrap(info.annotation)
    if typing.get_origin(annotation) is list:
        item = _unwrap(typing.get_args(annotation)[0])
        if isinstance(item, type) and issubclass(item, BaseModel):
            return item
    return None


def _min_items(info: FieldInfo) -> int:
    return max([getattr(m, "min_length", 0) or 0 for m in info.metadata] or [0])


def _hint(info: FieldInfo, kind: Kind, choices: tuple[str, ...]) -> str:
    hint = (info.description or "").strip()
    if kind is Kind.ENUM and not all(c in hint for c in choices):
        hint += ("；" if hint else "") + "可选：" + "、".join(choices)
    if kind in (Kind.REFS, Kind.LIST, Kind.TEXTS):
        hint += ("；" if hint else "") + "每行一项"
    if kind is Kind.DATE and "2026-" not in hint:
        hint += ("；" if hint else "") + "如 2026-11-23"
    return hint


def _columns(model: type[BaseModel], prefix: tuple[str, ...] = (), label_prefix: str = "",
             parent_required: bool = True) -> list[Column]:
    out: list[Column] = []
    for name, info in model.model_fields.items():
        nested = _nested_model(info)
        label = label_of(info, name)
        required = info.is_required() and parent_required
        if nested is not None:
            out.extend(_columns(nested, prefix + (name,), label + "·", parent_required=required))
            continue
        if _list_model(info) is not None:
            raise TypeError(f"{model.__name__}.{name}: a list of models inside a repeated group has no form layout")
        kind, choices, target = _kind(model, name, info)
        hint = _hint(info, kind, choices)
        if info.is_required() and not parent_required:
            hint = f"填了“{label_prefix.rstrip('·')}”就必填；" + hint
        out.append(Column(prefix + (name,), label_prefix + label, hint, kind, required, choices, target))
    return out


# Fields every record has that say when it was added and changed: the end of the form (as in the
# YAML files), not the beginning where the base class declares them.
_LATE = tuple(f for f in Record.model_fields if f not in ("name", "aliases"))


@lru_cache(maxsize=None)
def form_for(record_type: type[Record]) -> Form:
    columns: list[Column] = []
    late: list[Column] = []
    groups: list[Group] = []
    for name, info in record_type.model_fields.items():
        item_model = _list_model(info)
        if item_model is not None:
            hint = (info.description or "").strip()
            minimum = _min_items(info)
            groups.append(Group(name, label_of(info, name), hint, minimum > 0, tuple(_columns(item_model))))
            continue
        nested = _nested_model(info)
        if nested is not None:  # a single nested model at the top level: flattened
            columns.extend(_columns(nested, (name,), label_of(info, name) + "·", info.is_required()))
            continue
        kind, choices, target = _kind(record_type, name, info)
        column = Column((name,), label_of(info, name), _hint(info, kind, choices), kind, info.is_required(), choices, target)
        (late if name in _LATE else columns).append(column)
    columns.extend(late)
    columns.append(Column(("id",), ID_LABEL, ID_HINT, Kind.RAW, False))
    # A field name is written as the label of that field in this form: say which labels.
    examples = "”“".join([c.label for c in columns if c.target][:2] or [columns[0].label])
    groups = [Group(g.field, g.label, g.hint, g.required, tuple(
        replace(c, hint=f"填本表中的项目名称，如“{examples}”；{c.hint}") if c.kind is Kind.FIELD else c
        for c in g.columns)) for g in groups]
    return Form(record_type, tuple(columns), tuple(groups))


def forms(type_names: list[str] | None = None) -> list[Form]:
    types = [TYPES_BY_NAME[n] for n in type_names] if type_names else list(RECORD_TYPES)
    return [form_for(t) for t in types]


# Main types first (what offices send most), then the rest in model order.
MAIN_TYPES = ("practice", "organization", "method", "term", "source")
ALL_TYPES = MAIN_TYPES + tuple(t.type_name for t in RECORD_TYPES if t.type_name not in MAIN_TYPES)


def form_by_label(label: str) -> Form | None:
    key = label_key(label)
    for type_name in ALL_TYPES:
        form = form_for(TYPES_BY_NAME[type_name])
        if label_key(form.label) == key or type_name == key:
            return form
    return None


# --- cell text -> values ----------------------------------------------------------------------

# Line breaks Word, WPS, Excel and web pages put into text: all are one line break here.
_BREAKS = re.compile("\r\n|[\r\u2028\u2029\x85\x0b\x0c]")
_CJK = re.compile("[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\u3000-\u303f\u2018-\u201d\u2026\u00b7\u2014]")
_SENTENCE_END = tuple("。！？；：…”’）》」』!?;")
_LIST_SEPARATORS = re.compile("[；;]")
_SPLITTERS = re.compile("[、，,]")
_MARKS = re.compile(r"[\s*＊]|（必填）|\(必填\)")
_ENUM_NOISE = re.compile(r"[\s\u3000\W_]+")


def label_key(text: str) -> str:
    """How labels are compared: no required mark, no white space, half-width, simplified."""
    return textutil.to_simplified(unicodedata.normalize("NFKC", _MARKS.sub("", text or ""))).casefold()


def lines_of(text: str) -> list[str]:
    """A cell's text as lines, each stripped; leading and trailing empty lines dropped."""
    lines = [line.strip() for line in _BREAKS.sub("\n", text or "").split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def join_wrapped(lines: list[str]) -> str:
    """Lines of one value broken by a cell's width or a paste: no space where Chinese meets."""
    out = ""
    for line in lines:
        if not line:
            continue
        if out and not (_CJK.match(out[-1]) or _CJK.match(line[0])):
            out += " "
        out += line
    return out


def join_paragraphs(lines: list[str]) -> str:
    """Prose: an empty line, or a line ending a sentence, ends a paragraph (written as an empty
    line in the record); other breaks are wrapping from a paste and are joined."""
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        if not line:
            if paragraphs[-1]:
                paragraphs.append([])
            continue
        paragraphs[-1].append(line)
        if line.endswith(_SENTENCE_END):
            paragraphs.append([])
    return "\n\n".join(join_wrapped(p) for p in paragraphs if p)


def simplified(text: str) -> str:
    return textutil.to_simplified(text)


def split_items(text: str) -> list[str]:
    """A cell holding several values: one per line, or separated by ；."""
    items = []
    for line in lines_of(text):
        items.extend(part.strip() for part in _LIST_SEPARATORS.split(line))
    return [item for item in items if item]


def split_loose(item: str) -> list[str]:
    """An item written as 甲、乙，丙 — the parts, when there are several."""
    parts = [p.strip() for p in _SPLITTERS.split(item)]
    return [p for p in parts if p]


def enum_value(text: str, choices: tuple[str, ...]) -> str:
    """A vocabulary value as an office writes it (县, 县级, 选题：, 「協商」) -> the value, or the text as
    it was when it is none of them (the model then says which values are allowed)."""
    plain = _ENUM_NOISE.sub("", simplified(unicodedata.normalize("NFKC", text)))
    if not plain:
        return text.strip()
    for candidate in (plain, plain.removesuffix("级")):
        if candidate in choices:
            return candidate
    containing = [c for c in choices if plain.removesuffix("级") and plain.removesuffix("级") in c]
    if len(containing) == 1:
        return containing[0]
    return " ".join(text.split())


_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def date_value(text: str) -> str | dt.date:
    plain = unicodedata.normalize("NFKC", text).strip()
    match = _DATE.match(plain)
    if match:
        try:
            return dt.date(*map(int, match.groups()))
        except ValueError:
            return plain
    return plain


def int_value(text: str) -> str | int:
    plain = unicodedata.normalize("NFKC", text).strip().removesuffix("年").strip()
    if re.fullmatch(r"\d{1,6}", plain):
        return int(plain)
    return plain


def read_value(column: Column, text: str, field_names: dict[str, str] | None = None) -> Any:
    """One cell's text as the value for ``column``; None when empty. References keep the
    names as written (resolved by the same check as every record); several references stay a
    list of lines, for the importer to split where a line holds several names."""
    lines = lines_of(text)
    if not lines:
        return None
    kind = column.kind
    if kind is Kind.EXCERPT:
        return join_wrapped(lines)  # verbatim: no 繁→简
    if kind is Kind.RAW:
        return "".join(lines)
    if kind is Kind.TEXT:
        return simplified(join_paragraphs(lines))
    if kind in (Kind.LINE, Kind.REF):
        return simplified(join_wrapped(lines))
    if kind is Kind.ENUM:
        return enum_value(join_wrapped(lines), column.choices)
    if kind is Kind.INT:
        return int_value(join_wrapped(lines))
    if kind is Kind.DATE:
        return date_value(join_wrapped(lines))
    if kind is Kind.FIELD:
        value = simplified(join_wrapped(lines))
        by_label = {label_key(label): name for name, label in (field_names or {}).items()}
        return by_label.get(label_key(value), value)
    if kind is Kind.TEXTS:  # prose items (objectives, questions) may hold a ；: one per line only
        return [simplified(line) for line in lines if line] or None
    items = [simplified(item) for item in split_items(text)]
    return items or None


# --- values -> cell text ------------------------------------------------------------------------


def cell_text(column: Column, value: Any, field_labels: dict[str, str] | None = None) -> str:
    """What a template cell holds for a record's value (read back by ``read_value``)."""
    if value is None or value == []:
        return ""
    if isinstance(value, list):
        return "\n".join(str(v.value) if isinstance(v, Enum) else str(v) for v in value)
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if column.kind is Kind.FIELD and field_labels:
        return field_labels.get(str(value), str(value))
    return str(value)


def get_path(data: Any, path: tuple[str, ...]) -> Any:
    """The value at ``path`` in a record — None where the record file did not set it (a default,
    such as 原文字体 简体, is left blank, so the form reads back as the same file)."""
    for part in path:
        if data is None:
            return None
        if isinstance(data, BaseModel):
            data = getattr(data, part, None) if part in data.model_fields_set else None
        else:
            data = data.get(part)
    return data


@dataclass
class Cells:
    """A record (or a group item) as cell texts by column key, for the template writers."""

    values: dict[str, str] = field(default_factory=dict)
    groups: dict[str, list[dict[str, str]]] = field(default_factory=dict)


def record_cells(form: Form, record: Record, names: dict[tuple[str, str], str]) -> Cells:
    """A validated record as cell texts: references written as the target's name
    (``names``: (type, id) -> name), everything else as the record holds it."""

    def text(column: Column, owner: Any) -> str:
        value = get_path(owner, column.path)
        if column.target and value is not None:
            if isinstance(value, list):
                value = [names.get((column.target, v), v) for v in value]
            else:
                value = names.get((column.target, value), value)
        return cell_text(column, value, form.field_labels)

    out = Cells()
    for column in form.columns:
        out.values[column.key] = record.id if column.path == ("id",) else text(column, record)
    for group in form.groups:
        out.groups[group.field] = [{c.key: text(c, item) for c in group.columns} for item in getattr(record, group.field) or []]
    return out


# --- what a reader found in an office file ---------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """Where a person finds a value: the file and ``表 2 第 5 行`` or ``实践!D7``, and its label."""

    file: str
    where: str
    label: str = ""

    def format(self) -> str:
        return f"{self.file}: {self.where}" + (f" “{self.label}”" if self.label else "")


class OfficeFileError(Exception):
    """A file that cannot be read at all (message in Chinese, naming the file)."""


@dataclass
class Item:
    texts: dict[str, tuple[str, Place]]  # column key -> (cell text, place)
    place: Place  # the row


class Entry:
    """One record as read from a table (Word) or a row and its group rows (Excel): cell texts
    and where each was, before they become values."""

    def __init__(self, form: Form, where: Place):
        self.form = form
        self.where = where
        self.texts: dict[str, tuple[str, Place]] = {}
        self.items: dict[str, list[Item]] = {g.field: [] for g in form.groups}
        self.group_places: dict[str, Place] = {}

    def set(self, column: Column, text: str, place: Place) -> None:
        self.texts[column.key] = (text, place)

    def add_item(self, group: Group, texts: dict[Column, tuple[str, Place]], place: Place) -> None:
        self.items[group.field].append(Item({c.key: v for c, v in texts.items()}, place))

    def group_place(self, group: Group, place: Place) -> None:
        self.group_places.setdefault(group.field, place)

    def text(self, key: str) -> str:
        return self.texts.get(key, ("", self.where))[0]

    @property
    def empty(self) -> bool:
        return not any(t.strip() for t, _ in self.texts.values()) and not any(self.items.values())


@dataclass
class Read:
    entries: list[Entry] = field(default_factory=list)
    problems: list[tuple[Place, str]] = field(default_factory=list)

    def problem(self, place: Place, message: str) -> None:
        self.problems.append((place, message))


def strip_hint(text: str, hint: str) -> str:
    """A cell's text without the template's hint, when the hint was left in the cell."""
    if not hint or not text:
        return text
    squeeze = lambda s: re.sub(r"\s+", "", s)  # noqa: E731
    plain, plain_hint = squeeze(text), squeeze(hint)
    if plain == plain_hint or (plain.startswith(plain_hint) and plain[len(plain_hint):].startswith(NAMES_NOTE)):
        return ""
    stripped = text.strip()
    if stripped.startswith(hint.strip()):
        return stripped[len(hint.strip()):]
    if stripped.endswith(hint.strip()):
        return stripped[: -len(hint.strip())]
    return text


# What the templates add to a reference's hint: the names it may use (not part of the model's hint).
NAMES_NOTE = "。已有"

MAX_OFFICE_BYTES = 30 * 1024 * 1024  # one .docx/.xlsx file
MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # everything inside it, unpacked


def check_zip(path, shown: str, *, required: str):
    """The opened package of an office file after the checks an untrusted archive needs: a
    readable zip of bounded size (no zip bomb), holding ``required``, with no DTD in any XML
    part (no entity expansion). Raises OfficeFileError with the reason in Chinese."""
    import zipfile

    kind = "Word" if required.startswith("word/") else "Excel"
    suffix = ".docx" if kind == "Word" else ".xlsx"
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise OfficeFileError(f"{shown}: 无法读取（{exc.strerror or exc}）") from None
    if size > MAX_OFFICE_BYTES:
        raise OfficeFileError(f"{shown}: 文件过大（{size // (1024 * 1024)} MB，上限 {MAX_OFFICE_BYTES // (1024 * 1024)} MB）")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        with open(path, "rb") as handle:
            head = handle.read(8)
        old = head.startswith(b"\xd0\xcf\x11\xe0")
        why = (f"是旧的 {'.doc' if kind == 'Word' else '.xls'} 格式或 WPS 格式" if old else f"不是 {kind} 文件，或已损坏")
        raise OfficeFileError(f"{shown}: {why}；请在 {kind}/WPS 中打开，“另存为” {suffix} 后再导入") from None
    infos = archive.infolist()
    if sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES or len(infos) > 10_000:
        raise OfficeFileError(f"{shown}: 解压后过大，不像正常的 {kind} 文件，未读取")
    names = {i.filename for i in infos}
    if required not in names:
        other = "Excel" if kind == "Word" else "Word"
        raise OfficeFileError(f"{shown}: 不是 {kind} 文件（扩展名是 {suffix}，内容却不是；也许是 {other} 文件改了扩展名）")
    for info in infos:
        if info.filename.endswith((".xml", ".rels")):
            with archive.open(info) as member:
                head = member.read(4096)
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise OfficeFileError(f"{shown}: 含有 XML 文档类型声明（{info.filename}），正常的 {kind} 文件没有；为安全起见未读取")
    return archive
