"""The Excel fill-in workbook (``kb template TYPE -o x.xlsx``) and reading it back (``kb import``).

Layout, chosen so that an office fills it in as it fills in any list:
- ``填写说明``: how to fill it in;
- one sheet per record type (``实践``, ``政协组织`` …): one row per record, one column per
  field; row 1 the headings (``*`` = required), row 2 grey hints, records from row 3;
- one sheet per repeated group (``实践-运行步骤``, ``实践-出处`` …): one row per item, the first
  column naming the record it belongs to (its 名称, as in the main sheet), items in order;
  a nested model (a step's 依据) is flattened into columns (``依据·来源文献`` …);
- ``可选名称``: the names of the records a reference may use, one column per type, and the
  closed vocabularies.
Closed vocabularies have drop-down lists (a wrong value typed or pasted is still reported by
``kb import``); single references offer the existing names without refusing new ones; several
values in one cell go one per line. Every column is formatted as text, so 2020.10 or 007 stay
what was typed.

Reading goes by the headings, not by positions (columns may be moved or added), understands
merged cells (a value merged down several rows belongs to each), skips empty rows and the hint
row, and places every problem at its cell: ``实践!D7``.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from pathlib import Path

from .office_form import (
    Cells,
    Column,
    Entry,
    Form,
    Group,
    OfficeFileError,
    Place,
    Read,
    check_zip,
    label_key,
    strip_hint,
)
from .yaml_write import display_width

HOW_TO_SHEET = "填写说明"
NAMES_SHEET = "可选名称"
FIRST_ROW = 3  # records start here: row 1 headings, row 2 hints
VALIDATED_ROWS = 2000  # drop-down lists reach this far down
FONT = "等线"
GREY = "FF7F7F7F"
SEPARATORS = "-－—_ "


def group_sheet(form: Form, group: Group) -> str:
    return f"{form.label}-{group.label}"[:31]


def key_heading(form: Form) -> str:
    return f"所属{form.label} *"


def key_hint(form: Form) -> str:
    return f"填写“{form.label}”表中这条记录的名称；同一条记录的各项按顺序一行一项"


HOW_TO = [
    "每类记录一张表（“实践”“政协组织”“通用做法”……），一行填写一条记录；第 2 行的灰色字是填写说明，从第 3 行起填写。",
    "组成部分、运行步骤、成效、出处等一条记录有好几项的，填在“实践-运行步骤”这样的分表里：每项一行，第一列写它所属记录的名称"
    "（与主表中的名称一字不差），同一条记录的各项按先后顺序排列。",
    "带 * 的列必须填写；有下拉箭头的列从列表中选择（层级、协商环节、关系种类、完整程度等只能填列出的值）。",
    "一个单元格要填几项（别名、主题、标签、数字等）时，每项占一行：在单元格内换行按 Alt+Enter（WPS 相同，Mac 上按 Option+Return）；也可用“；”隔开。",
    "填写政协组织、地区、主题、来源文献等时，写它们的中文名称：“可选名称”表列出了知识库中已有的名称；"
    "同一份表格中新填写的记录也可以引用。",
    "概要、说明用自己的话写；“原文摘录”须逐字照录原文（不超过 80 字），不要改字。数字须出自原文摘录。",
    "“编号（文件名）”列新记录不填。填好后保存为 .xlsx（WPS 里“另存为”选 Excel 文件），发给知识库维护人员；"
    "维护人员用 kb import 导入，有问题会指出是哪张表的哪个单元格（如 实践!D7）。",
]


def _width(column: Column) -> float:
    return round(min(60, max(10, column.weight * 13)), 1)


def _letter(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(n)


def _rows_for(text: str, width: float) -> int:
    lines = text.split("\n") if text else [""]
    return sum(max(1, math.ceil(display_width(line) / max(4.0, width - 1))) for line in lines)


class Styles:
    def __init__(self):
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

        thin = Side(style="thin", color="FFBFBFBF")
        self.heading_font = Font(name=FONT, charset=134, bold=True, size=11)
        self.hint_font = Font(name=FONT, charset=134, size=9, color=GREY)
        self.body_font = Font(name=FONT, charset=134, size=11)
        self.title_font = Font(name=FONT, charset=134, size=14, bold=True)
        self.fill = PatternFill("solid", fgColor="FFF2F2F2")
        self.border = Border(bottom=thin, right=thin)
        self.wrap_top = Alignment(wrap_text=True, vertical="top")
        self.center = Alignment(wrap_text=True, vertical="center")


def _text(cell, value: str, styles: Styles, font=None) -> None:
    cell.value = value
    cell.data_type = "s"  # text, never a formula, whatever it starts with
    cell.number_format = "@"
    cell.font = font or styles.body_font
    cell.alignment = styles.wrap_top


def _sheet(wb, title: str, columns: list[tuple[str, str, float]], styles: Styles):
    """A sheet with headings (row 1), hints (row 2), text-formatted columns, frozen panes."""
    ws = wb.create_sheet(title)
    hint_lines = 1
    for n, (heading, hint, width) in enumerate(columns, start=1):
        letter = _letter(n)
        dim = ws.column_dimensions[letter]
        dim.width = width
        dim.number_format = "@"
        dim.alignment = styles.wrap_top
        dim.font = styles.body_font
        head = ws.cell(row=1, column=n)
        _text(head, heading, styles, styles.heading_font)
        head.fill, head.border, head.alignment = styles.fill, styles.border, styles.center
        tip = ws.cell(row=2, column=n)
        _text(tip, hint, styles, styles.hint_font)
        hint_lines = max(hint_lines, _rows_for(hint, width * 1.2))  # 9 pt: more characters per line
    ws.row_dimensions[1].height = 30
    ws.row_dimensions[2].height = min(160, 12 * hint_lines + 4)
    ws.freeze_panes = f"B{FIRST_ROW}"
    ws.print_title_rows = "1:2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    return ws


def _fit_height(ws, r: int, texts: list[tuple[str, float]]) -> None:
    """A filled row tall enough for its wrapped text (LibreOffice keeps a row's height as written)."""
    lines = max([_rows_for(text, width) for text, width in texts if text] or [1])
    if lines > 1:
        ws.row_dimensions[r].height = min(409, 15 * lines + 3)


def _choices(ws, letter: str, column: Column) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    listed = ",".join(column.choices)
    check = DataValidation(type="list", formula1=f'"{listed}"', allow_blank=True, showDropDown=False,
                           showErrorMessage=True, errorStyle="stop", errorTitle="不是可选的值",
                           error=f"请从下拉列表中选择：{'、'.join(column.choices)}")
    check.add(f"{letter}{FIRST_ROW}:{letter}{VALIDATED_ROWS}")
    ws.add_data_validation(check)


def _suggest(ws, letter: str, source: str, title: str) -> None:
    """A drop-down of existing names that still accepts any other (a record in the same file)."""
    from openpyxl.worksheet.datavalidation import DataValidation

    check = DataValidation(type="list", formula1=source, allow_blank=True, showErrorMessage=False,
                           promptTitle=title, prompt="可从列表中选择已有的名称，也可直接填写", showInputMessage=False)
    check.add(f"{letter}{FIRST_ROW}:{letter}{VALIDATED_ROWS}")
    ws.add_data_validation(check)


def template_xlsx(forms: list[Form], records: list[tuple[Form, Cells]], names: dict[str, list[str]], day: str) -> bytes:
    """The workbook: a how-to sheet, the sheets of each form (blank, or a row per record), and
    the names references may use (``names``: type label -> names)."""
    from openpyxl import Workbook

    from .model import TYPES_BY_NAME

    styles = Styles()
    wb = Workbook()
    how = wb.active
    how.title = HOW_TO_SHEET
    how.column_dimensions["A"].width = 100
    how.page_setup.orientation = "landscape"
    how.page_setup.paperSize = how.PAPERSIZE_A4
    how.page_setup.fitToWidth, how.page_setup.fitToHeight = 1, 0
    how.sheet_properties.pageSetUpPr.fitToPage = True
    title = (forms[0].label if len(forms) == 1 else "协商实践知识库") + "填报模板"
    _text(how.cell(row=1, column=1), title, styles, styles.title_font)
    _text(how.cell(row=2, column=1), f"协商实践知识库　数据截至 {day}" if day else "协商实践知识库", styles, styles.hint_font)
    for i, line in enumerate(HOW_TO, start=1):
        _text(how.cell(row=2 + i, column=1), f"{i}. {line}", styles)
        how.row_dimensions[2 + i].height = 16 * _rows_for(f"{i}. {line}", 96) + 4

    # The names sheet is written last but referred to by the drop-downs.
    name_columns = [label for label, values in names.items()]
    name_range = {label: f"'{NAMES_SHEET}'!${_letter(i + 1)}$2:${_letter(i + 1)}${max(2, len(names[label]) + 1)}"
                  for i, label in enumerate(name_columns)}
    by_form = {form.type.type_name: [cells for f, cells in records if f is form] for form in forms}
    for form in forms:
        ws = _sheet(wb, form.label, [(c.heading, c.hint, _width(c)) for c in form.columns], styles)
        for n, column in enumerate(form.columns, start=1):
            if column.choices:
                _choices(ws, _letter(n), column)
            elif column.target and not column.many:
                label = TYPES_BY_NAME[column.target].type_label
                if names.get(label):
                    _suggest(ws, _letter(n), name_range[label], column.label)
        for r, cells in enumerate(by_form[form.type.type_name], start=FIRST_ROW):
            for n, column in enumerate(form.columns, start=1):
                value = cells.values.get(column.key, "")
                if value:
                    _text(ws.cell(row=r, column=n), value, styles)
            _fit_height(ws, r, [(cells.values.get(c.key, ""), _width(c)) for c in form.columns])
        name_letter = _letter(next(i for i, c in enumerate(form.columns, start=1) if c.path == ("name",)))
        for group in form.groups:
            heads = [(key_heading(form), key_hint(form), 16.0)] + [(c.heading, c.hint, _width(c)) for c in group.columns]
            gs = _sheet(wb, group_sheet(form, group), heads, styles)
            _suggest(gs, "A", f"'{form.label}'!${name_letter}${FIRST_ROW}:${name_letter}${VALIDATED_ROWS}", heads[0][0])
            for n, column in enumerate(group.columns, start=2):
                if column.choices:
                    _choices(gs, _letter(n), column)
                elif column.target and not column.many:
                    label = TYPES_BY_NAME[column.target].type_label
                    if names.get(label):
                        _suggest(gs, _letter(n), name_range[label], column.label)
            r = FIRST_ROW
            for cells in by_form[form.type.type_name]:
                for item in cells.groups.get(group.field) or []:
                    _text(gs.cell(row=r, column=1), cells.values.get("name", ""), styles)
                    for n, column in enumerate(group.columns, start=2):
                        if item.get(column.key):
                            _text(gs.cell(row=r, column=n), item[column.key], styles)
                    _fit_height(gs, r, [(item.get(c.key, ""), _width(c)) for c in group.columns])
                    r += 1

    ns = wb.create_sheet(NAMES_SHEET)
    for i, label in enumerate(name_columns, start=1):
        head = ns.cell(row=1, column=i)
        _text(head, label, styles, styles.heading_font)
        head.fill, head.border = styles.fill, styles.border
        ns.column_dimensions[_letter(i)].width = min(40, max(12, max((display_width(v) for v in names[label]), default=8) + 2))
        for r, value in enumerate(names[label], start=2):
            _text(ns.cell(row=r, column=i), value, styles)
    ns.freeze_panes = "A2"
    wb.active = 0
    stamp = dt.datetime.combine(dt.date.fromisoformat(day), dt.time()) if day else dt.datetime(2026, 1, 1)
    wb.properties.creator = "协商实践知识库"
    wb.properties.title = title
    wb.properties.created = stamp
    wb.properties.modified = stamp
    buffer = io.BytesIO()
    wb.save(buffer)
    return _dated(buffer.getvalue(), stamp)


def _dated(data: bytes, stamp: dt.datetime) -> bytes:
    """The workbook with the data date wherever openpyxl wrote the time of saving (the modified
    property and every zip entry): the same data gives the same file, build after build."""
    import re
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            content = src.read(item)
            if item.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", lambda m: m.group(1) + stamp.strftime(
                    "%Y-%m-%dT%H:%M:%SZ").encode(), content)
            info = zipfile.ZipInfo(item.filename, stamp.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, content)
    return out.getvalue()


# --- reading -----------------------------------------------------------------------------------------


def cell_string(value) -> str:
    """A cell's value as the text a person sees."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _sheet_key(title: str) -> tuple[str, str]:
    """(type label, group label) of a sheet title, in compared form; group "" for a main sheet."""
    plain = title.strip()
    for sep in SEPARATORS:
        if sep in plain:
            head, _, tail = plain.partition(sep)
            return label_key(head), label_key(tail)
    return label_key(plain), ""


class Grid(dict):
    """Cell texts by (row, column); ``merged`` holds the cells whose text comes from a merge."""

    merged: set


def _grid(ws) -> Grid:
    """Every non-empty cell's text by (row, column); a value merged over several rows belongs to
    each of them (in the merge's first column)."""
    grid = Grid()
    grid.merged = set()
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is not None and not type(cell).__name__ == "MergedCell":
                text = cell_string(cell.value)
                if text.strip():
                    grid[(cell.row, cell.column)] = text
    for merged in ws.merged_cells.ranges:
        value = grid.get((merged.min_row, merged.min_col))
        if value is None:
            continue
        for r in range(merged.min_row + 1, merged.max_row + 1):
            grid[(r, merged.min_col)] = value
            grid.merged.add((r, merged.min_col))
    return grid


def _blank(grid: Grid, r: int, texts: dict[int, str]) -> bool:
    """A row with nothing typed in it: empty, the hint row, or only values merged into it."""
    return not any(t.strip() and (r, c) not in grid.merged for c, t in texts.items())


def _headings(grid, columns_of, shown: str, title: str, read: Read, first_key: str | None = None):
    """The heading row (the first of the top rows holding a known heading) and column -> Column."""
    rows = sorted({r for r, _ in grid})[:6]
    for r in rows:
        found = {c: columns_of(text) for (rr, c), text in grid.items() if rr == r}
        if any(col is not None for col in found.values()):
            mapping = {}
            for c, col in sorted(found.items()):
                if col is None:
                    read.problem(Place(shown, f"{title}!{_letter(c)}{r}", grid[(r, c)].strip()[:20]), "不认识的列名，这一列没有导入")
                elif col not in mapping.values():
                    mapping[c] = col
            return r, mapping
    return None, {}


def read_xlsx(path: Path, shown: str) -> Read:
    import openpyxl

    from .office_form import forms

    check_zip(path, shown, required="xl/workbook.xml")
    try:
        with open(path, "rb") as handle:
            wb = openpyxl.load_workbook(io.BytesIO(handle.read()), data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise OfficeFileError(f"{shown}: 文件已损坏或不是 Excel 文件，无法读取（{type(exc).__name__}）；"
                              "请在 Excel/WPS 中打开后另存为 .xlsx") from None
    read = Read()
    by_label = {label_key(f.label): f for f in forms()}
    mains: dict[str, tuple] = {}
    groups: list[tuple] = []
    for ws in wb.worksheets:
        type_key, group_key = _sheet_key(ws.title)
        form = by_label.get(type_key)
        if form is None:
            continue
        if not group_key:
            mains[form.type.type_name] = (ws, form)
            continue
        group = form.group(group_key)
        if group is None:
            read.problem(Place(shown, f"{ws.title}"), f"不认识的分表；{form.label}的分表有："
                                                      f"{'、'.join(group_sheet(form, g) for g in form.groups)}")
            continue
        groups.append((ws, form, group))
    entries: dict[str, dict[str, Entry]] = {}
    for ws, form in mains.values():
        entries[form.type.type_name] = _read_main(ws, form, shown, read)
    for ws, form, group in groups:
        _read_group(ws, form, group, entries.get(form.type.type_name, {}), shown, read, form.type.type_name in mains)
    return read


def _read_main(ws, form: Form, shown: str, read: Read) -> dict[str, Entry]:
    grid = _grid(ws)
    head, mapping = _headings(grid, form.column, shown, ws.title, read)
    by_name: dict[str, Entry] = {}
    if head is None:
        if grid:
            read.problem(Place(shown, ws.title), "找不到标题行（第 1 行应是“名称 *”等列名）；请从模板复制表头")
        return by_name
    name_key = "name"
    for r in sorted({r for r, _ in grid if r > head}):
        texts = {c: strip_hint(grid.get((r, c), ""), col.hint) for c, col in mapping.items()}
        if _blank(grid, r, texts):
            continue
        entry = Entry(form, Place(shown, f"{ws.title} 第 {r} 行"))
        for c, col in mapping.items():
            entry.set(col, texts[c], Place(shown, f"{ws.title}!{_letter(c)}{r}", col.label))
        for col in form.columns:  # a column the sheet lacks: problems point at the row
            if col.key not in entry.texts:
                entry.set(col, "", Place(shown, f"{ws.title} 第 {r} 行", col.label))
        name_place = entry.texts["name"][1]
        for group in form.groups:  # a group's own problems (none given, too many) point at the record
            entry.group_place(group, Place(shown, name_place.where, f"{group.label}（填在“{group_sheet(form, group)}”表）"))
        read.entries.append(entry)
        key = label_key(entry.text(name_key))
        if key in by_name:
            first = by_name[key].texts["name"][1].where
            read.problem(name_place, f"与 {first} 同名：一条记录只占一行，它的步骤、出处等各项填在分表中")
        elif key:
            by_name[key] = entry
    return by_name


def _read_group(ws, form: Form, group: Group, by_name: dict[str, Entry], shown: str, read: Read, has_main: bool) -> None:
    grid = _grid(ws)
    key_label = label_key(key_heading(form))

    def columns_of(text: str):
        if label_key(text) == key_label:
            return KEY
        return group.column(text)

    head, mapping = _headings(grid, columns_of, shown, ws.title, read)
    if head is None:
        if grid:
            read.problem(Place(shown, ws.title), f"找不到标题行（第 1 行应是“{key_heading(form)}”等列名）")
        return
    key_column = next((c for c, col in mapping.items() if col is KEY), None)
    for r in sorted({r for r, _ in grid if r > head}):
        texts = {c: strip_hint(grid.get((r, c), ""), col.hint if col is not KEY else key_hint(form)) for c, col in mapping.items()}
        values = {col: (texts[c], Place(shown, f"{ws.title}!{_letter(c)}{r}", col.label))
                  for c, col in mapping.items() if col is not KEY}
        if _blank(grid, r, {c: texts[c] for c, col in mapping.items() if col is not KEY}):
            continue
        owner_text = texts.get(key_column, "") if key_column is not None else ""
        where = Place(shown, f"{ws.title}!{_letter(key_column or 1)}{r}", f"所属{form.label}")
        entry = by_name.get(label_key(" ".join(owner_text.split())))
        if entry is None:
            if not owner_text.strip():
                read.problem(where, f"没有写这一项属于哪条{form.label}（第一列填写“{form.label}”表中的名称）")
            else:
                where_main = f"“{form.label}”表" if has_main else f"“{form.label}”表（这份文件里没有这张表）"
                read.problem(where, f"{where_main}中没有名为“{owner_text.strip()[:40]}”的{form.label}；"
                                    f"名称须与主表一字不差（补充已有记录时，须在主表中填写整条记录）")
            continue
        entry.add_item(group, values, where)


class _Key:
    hint = ""
    label = "所属"


KEY = _Key()
