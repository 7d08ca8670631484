"""``kb import``: filled Word/Excel templates -> checked YAML records in ``data/``.

1. Read every file (``office_docx``, ``office_xlsx``): each record's cell texts and where they were.
2. Turn texts into values (``office_form.read_value``): 繁→简 except in excerpts, full-width
   vocabulary values, dates and years, line breaks; references stay names, and a line naming
   several records (甲、乙) is split only when every part is a known name.
3. Give each record an id — the pinyin of its name, as ``kb new`` does, or the 编号 column — and
   refuse to overwrite an existing record unless ``--update`` (then ``updated`` is today).
4. Write each record's YAML text (``yaml_write``) and parse it with the record loader; check the
   whole knowledge base with the new records in place of files (``pipeline.check(extra=…)``) —
   the same model and checks as ``kb check``.
5. Any error: nothing is written, and every problem is shown at its place in the office file
   (``模板.docx: 表 2 第 5 行 “协商环节”: …``, ``汇总.xlsx: 实践!D7 “政协组织”: …``).
   Otherwise write (or, with ``--dry-run``, show) the files; an update shows its diff.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .load import RawRecord, check_id, parse_text
from .model import MAX_FILE_BYTES, Record
from .office_form import (
    _LATE,
    Column,
    Entry,
    Kind,
    OfficeFileError,
    Place,
    Read,
    read_value,
    split_loose,
)
from .problems import Problem, Problems, UserError, field_path
from .project import Project
from .text import slugify
from .yaml_write import as_loaded, dump

SUFFIXES = {".docx": "Word", ".xlsx": "Excel", ".xlsm": "Excel"}
OLD_FORMATS = {".doc": ".docx", ".wps": ".docx", ".rtf": ".docx", ".odt": ".docx", ".xls": ".xlsx", ".et": ".xlsx",
               ".ods": ".xlsx", ".csv": ".xlsx"}


def read_file(path: Path, shown: str) -> Read:
    suffix = path.suffix.lower()
    if suffix in OLD_FORMATS:
        raise OfficeFileError(f"{shown}: 不能直接导入 {suffix} 文件；请在 Word/WPS/Excel 中打开，“另存为” {OLD_FORMATS[suffix]} 后再导入")
    if suffix not in SUFFIXES:
        raise OfficeFileError(f"{shown}: 只能导入填好的 .docx（Word）或 .xlsx（Excel）模板")
    if not path.is_file():
        raise OfficeFileError(f"{shown}: 找不到这个文件" if not path.exists() else f"{shown}: 不是文件")
    if suffix == ".docx":
        from .office_docx import read_docx

        return read_docx(path, shown)
    from .office_xlsx import read_xlsx

    return read_xlsx(path, shown)


# --- values ---------------------------------------------------------------------------------------


@dataclass
class Planned:
    """One record the import would write."""

    entry: Entry
    record_type: type[Record]
    data: dict
    places: dict[str, Place]
    record_id: str = ""
    path: str = ""  # relative to the project root
    text: str = ""
    old_text: str | None = None  # the file an update replaces
    action: str = "new"  # new | update | unchanged

    @property
    def name(self) -> str:
        return str(self.data.get("name") or "（无名称）")

    def describe(self) -> str:
        return f"{self.record_type.type_label}“{self.name}”，来自 {self.entry.where.file} {self.entry.where.where}"


def _put(target: dict, path: tuple[str, ...], value: Any) -> None:
    for part in path[:-1]:
        target = target.setdefault(part, {})
    target[path[-1]] = value


_QUOTES = "《》〈〉“”\"'‘’「」『』"
_NUMBERED = re.compile(r"^\s*(?:\d{1,2}\s*[.、．)）]|[（(]\d{1,2}[)）]|[\u2460-\u2473])\s*")


class Names:
    """The names, aliases and ids each type can be referred to by: the knowledge base's and
    those of the records being imported."""

    def __init__(self, kb):
        from .model import RECORD_TYPES

        self.known: dict[str, set[str]] = {}
        for record_type in RECORD_TYPES:
            values: set[str] = set()
            for record in kb.of(record_type).values():
                values.update([record.id, *record.names])
            self.known[record_type.type_name] = values

    def add(self, type_name: str, values: list[str]) -> None:
        self.known.setdefault(type_name, set()).update(v for v in values if isinstance(v, str))

    def ref(self, target: str, value: str) -> str:
        """A reference as written, or without the quotes or 《》 around it, or the number in front
        of it (1. 甲, （2）乙, ③丙), when that is a name."""
        known = self.known.get(target, set())
        if value in known:
            return value
        for bare in (value.strip(_QUOTES).strip(), _NUMBERED.sub("", value).strip(_QUOTES).strip()):
            if bare in known:
                return bare
        return value

    def refs(self, target: str, values: list[str]) -> list[str]:
        """Lines of references; a line such as 甲、乙 becomes two when both are names."""
        out: list[str] = []
        known = self.known.get(target, set())
        for value in values:
            value = self.ref(target, value)
            parts = [self.ref(target, p) for p in split_loose(value)]
            if value not in known and len(parts) > 1 and all(p in known for p in parts):
                out.extend(parts)
            else:
                out.append(value)
        return out


def entry_values(entry: Entry, names: Names) -> tuple[dict, dict[str, Place], str | None]:
    """(record data in model order, field path -> place, the id written in the file)."""
    form = entry.form
    labels = form.field_labels
    values: dict = {}
    places: dict[str, Place] = {"": entry.where}

    def value_of(column: Column, text: str) -> Any:
        value = read_value(column, text, labels)
        if value is not None and column.target:
            value = names.refs(column.target, value) if column.kind is Kind.REFS else names.ref(column.target, value)
        return value

    for column in form.columns:
        text, place = entry.texts.get(column.key, ("", entry.where))
        places[field_path(column.path)] = place
        value = value_of(column, text)
        if value is not None:
            _put(values, column.path, value)
    record_id = values.pop("id", None)
    for group in form.groups:
        places[group.field] = entry.group_places.get(group.field, entry.where)
        items = []
        for item in entry.items.get(group.field, []):
            data: dict = {}
            index = len(items)
            for column in group.columns:
                text, place = item.texts.get(column.key, ("", item.place))
                places[field_path((group.field, index, *column.path))] = place
                value = value_of(column, text)
                if value is not None:
                    _put(data, column.path, value)
            if data:
                places[field_path((group.field, index))] = item.place
                items.append(data)
        if items:
            values[group.field] = items
    ordered = {name: values[name] for name in form.type.model_fields if name in values and name not in _LATE}
    ordered.update({name: values[name] for name in _LATE if name in values})
    return ordered, places, str(record_id) if record_id is not None else None


# --- placing problems -------------------------------------------------------------------------------

_PARENT = re.compile(r"(\[\d+\]|\.[^.\[]+)$")


def place_of(places: dict[str, Place], field: str) -> Place:
    """The place of a field path, or of its nearest parent that has one."""
    while True:
        if field in places:
            return places[field]
        shorter = _PARENT.sub("", field)
        if shorter == field:
            return places[""]
        field = shorter


def office_message(message: str) -> str:
    """A check's message as an office reads it: the place already names the field."""
    return re.sub(r"^缺少必填字段 [A-Za-z_]+", "必须填写", message)


@dataclass
class Report:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    plans: list[Planned] = field(default_factory=list)
    kb: Any = None  # the knowledge base as checked with the imported records in it


_CELL = re.compile(r"^(.*)!([A-Z]+)(\d+)$")


def _sort_key(text: str) -> tuple:
    """Places in reading order: 表 2 before 表 10; a sheet's cells row by row (实践!D3 before 实践!A4)."""
    cell = _CELL.match(text)
    if cell:
        text = f"{cell.group(1)}!{int(cell.group(3)):09d}{len(cell.group(2))}{cell.group(2)}"
    return tuple((0, int(n), "") if n.isdigit() else (1, 0, n) for n in re.split(r"(\d+)", text))


def plan_import(project: Project, files: list[str], *, update: bool = False, today: dt.date | None = None) -> Report:
    """Everything ``kb import`` would do, checked; nothing is written here."""
    from .pipeline import check

    today = today or dt.date.today()
    report = Report()
    reads: list[Read] = []
    for shown in files:
        try:
            reads.append(read_file(Path(shown), shown))
        except OfficeFileError as exc:
            report.errors.append(str(exc))
    order = {shown: i for i, shown in enumerate(files)}

    def key(place: Place) -> tuple:
        return (order.get(place.file, len(order)), _sort_key(place.where))

    located: list[tuple[tuple, str, bool]] = []  # (sort key, line, is error)
    for read in reads:
        for place, message in read.problems:
            located.append((key(place), f"{place.format()}: {message}", True))

    baseline = check(project)
    if baseline.problems.errors:
        report.errors.append(f"知识库本身有 {len(baseline.problems.errors)} 个错误（运行 kb check 查看），请先修正再导入；未写入任何文件")
        report.errors.extend(f"{p.format()}" for p in baseline.problems.errors[:20])
        return report
    kb = baseline.kb
    names = Names(kb)
    entries = [entry for read in reads for entry in read.entries]
    for entry in entries:
        name_text = entry.text("name")
        names.add(entry.form.type.type_name, [read_value(entry.form.column("name"), name_text) or ""])

    plans: list[Planned] = []
    taken: dict[str, set[str]] = {}
    for entry in entries:
        record_type = entry.form.type
        data, places, given_id = entry_values(entry, names)
        plan = Planned(entry, record_type, data, places)
        plans.append(plan)
        folder = project.data_dir / record_type.folder
        used = taken.setdefault(record_type.type_name, set())
        existing = kb.of(record_type)
        by_name = next((i for i, r in existing.items() if r.name == data.get("name")), None)
        if given_id is not None:
            why = check_id(given_id)
            if why:
                located.append((key(places["id"]), f"{places['id'].format()}: {why}", True))
                given_id = None
        target = given_id if given_id is not None and given_id in existing else (by_name if given_id is None else None)
        if target is not None:
            old = existing[target]
            if not update:
                where = places["id"] if given_id is not None else places["name"]
                located.append((key(where),
                                f"{where.format()}: 已有{record_type.type_label}“{old.name}”：{old.path}；导入不会覆盖已有记录。"
                                "要用这份材料修改它，请加 --update", True))
            plan.record_id, plan.path, plan.action = target, old.path, "update"
            plan.old_text = (project.root / old.path).read_text(encoding="utf-8")
        elif given_id is not None:
            plan.record_id = given_id
        else:
            base = slugify(str(data.get("name") or ""))
            candidate, n = base, 2
            while candidate in existing or candidate in used or any((folder / f"{candidate}{s}").exists() for s in (".yaml", ".yml")):
                candidate, n = f"{base}-{n}", n + 1
            plan.record_id = candidate
        if plan.record_id in used:
            where = places["name"]
            located.append((key(where),
                            f"{where.format()}: 与同一批导入中的另一条{record_type.type_label}编号相同（{plan.record_id}）；"
                            "同一条记录只填写一次", True))
        used.add(plan.record_id)
        if not plan.path:
            plan.path = f"data/{record_type.folder}/{plan.record_id}.yaml"
        if plan.action == "update":
            old = existing[plan.record_id]
            if "added" not in data and old.added is not None:
                data["added"] = old.added
            data.pop("updated", None)
            data["updated"] = today  # last, as in the files
        elif "added" not in data:
            data["added"] = today
            if "updated" in data:
                data["updated"] = data.pop("updated")

    raws = []
    new_problems = Problems()
    for plan in plans:
        comment = _leading_comments(plan.old_text or "") or \
            f"# yaml-language-server: $schema=../../schema/{plan.record_type.type_name}.schema.json"
        plan.text = comment + "\n" + dump(plan.data)
        size = len(plan.text.encode("utf-8"))
        if size > MAX_FILE_BYTES:
            place = plan.places[""]
            located.append((key(place),
                            f"{place.format()}: 内容过多（{size // 1024} KB，一条记录上限 {MAX_FILE_BYTES // 1024} KB）", True))
            continue
        data = parse_text(plan.text, plan.path, new_problems)
        if data is None:
            continue
        if data != as_loaded(plan.data):  # the writer must give back what it was given
            raise RuntimeError(f"YAML written for {plan.path} does not read back the same")
        raws.append(RawRecord(plan.record_type, plan.record_id, plan.path, plan.text, data))

    final = check(project, extra=raws)
    by_path = {plan.path: plan for plan in plans}
    before = {(p.path, p.field, p.message) for p in baseline.problems.items}

    def shown(problem: Problem, is_error: bool) -> tuple[tuple, str, bool] | None:
        message = problem.message
        for plan in plans:
            if plan.path in message:
                message = message.replace(plan.path, f"{plan.entry.where.file} {plan.entry.where.where}")
        plan = by_path.get(problem.path)
        if plan is not None:
            place = place_of(plan.places, problem.field)
            return (key(place), f"{place.format()}: {office_message(message)}", is_error)
        if (problem.path, problem.field, problem.message) in before:
            return None  # the knowledge base's own warning, not this import's
        return ((len(order) + 1, _sort_key(problem.path)), f"{problem.format().replace(problem.message, message)}（因本次导入而出现）", is_error)

    for problem in new_problems.errors + final.problems.errors:
        item = shown(problem, True)
        if item:
            located.append(item)
    for problem in new_problems.warnings + final.problems.warnings:
        item = shown(problem, False)
        if item:
            located.append(item)
    located.sort(key=lambda item: item[0])
    report.errors.extend(line for _, line, is_error in located if is_error)
    report.warnings.extend(line for _, line, is_error in located if not is_error)

    if not report.errors:
        for plan in plans:
            if plan.action == "update":
                old = kb.of(plan.record_type)[plan.record_id]
                new = final.kb.of(plan.record_type).get(plan.record_id)
                if new is not None and _same(old, new):
                    plan.action = "unchanged"
    report.plans = plans
    report.kb = final.kb
    return report


def _same(old: Record, new: Record) -> bool:
    skip = {"updated"}
    return old.model_dump(exclude=skip) == new.model_dump(exclude=skip)


def _leading_comments(text: str) -> str:
    lines = []
    for line in text.split("\n"):
        if not line.startswith("#"):
            break
        lines.append(line)
    return "\n".join(lines)


# --- the command ---------------------------------------------------------------------------------------


def diff(plan: Planned) -> str:
    return "".join(difflib.unified_diff((plan.old_text or "").splitlines(keepends=True), plan.text.splitlines(keepends=True),
                                        fromfile=f"{plan.path}（原来）", tofile=f"{plan.path}（导入后）"))


def write_all(project: Project, plans: list[Planned]) -> None:
    """Write every planned file; if one cannot be written, undo the others."""
    from .export_docx import write_file

    done: list[Planned] = []
    try:
        for plan in plans:
            path = project.root / plan.path
            path.parent.mkdir(parents=True, exist_ok=True)
            write_file(plan.text.encode("utf-8"), path, force=plan.action == "update")
            done.append(plan)
    except (UserError, OSError) as exc:
        for plan in done:
            path = project.root / plan.path
            if plan.action == "update" and plan.old_text is not None:
                write_file(plan.old_text.encode("utf-8"), path, force=True)
            elif plan.action == "new":
                path.unlink(missing_ok=True)
        raise UserError(f"写入失败，已撤销本次导入写出的文件：{exc}") from None


def run(project: Project, files: list[str], *, dry_run: bool = False, update: bool = False, out=None) -> int:
    out = out or sys.stdout
    report = plan_import(project, files, update=update)
    for line in report.errors:
        print(f"错误 {line}", file=out)
    if report.warnings:
        if report.errors:
            print("", file=out)
        print(f"—— {len(report.warnings)} 个警告 ——", file=out)
        for line in report.warnings:
            print(f"警告 {line}", file=out)
    if report.errors:
        print(f"导入未完成：{len(report.errors)} 个错误，没有写入任何文件；请按提示修改后重新导入", file=out)
        return 1
    changes = [p for p in report.plans if p.action != "unchanged"]
    if not report.plans:
        print("没有找到填写了内容的记录（空白模板不导入）", file=out)
        return 1
    for plan in report.plans:
        if plan.action == "unchanged":
            print(f"未改动 {plan.path}（{plan.describe()}）：内容与知识库中的相同", file=out)
            continue
        verb = ("将新增" if plan.action == "new" else "将更新") if dry_run else ("已新增" if plan.action == "new" else "已更新")
        print(f"{verb} {plan.path}（{plan.describe()}）", file=out)
        if plan.action == "update":
            print(diff(plan), file=out, end="")
        elif dry_run:
            print(plan.text, file=out)
    if dry_run:
        print(f"试运行：将新增 {sum(p.action == 'new' for p in changes)} 条、更新 {sum(p.action == 'update' for p in changes)} 条；"
              "没有写入任何文件", file=out)
        return 0
    write_all(project, changes)
    print(f"导入完成：新增 {sum(p.action == 'new' for p in changes)} 条、更新 {sum(p.action == 'update' for p in changes)} 条；"
          "请运行 kb check 和 kb serve 查看", file=out)
    return 0
