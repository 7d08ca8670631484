"""The Word fill-in template (``kb template TYPE -o x.docx``) and reading it back (``kb import``).

The document: a title, a short how-to, then one table per record — blank, or filled from
records (``--from``) — and at the end the names a reference may use. One table holds one
record: a title row naming the type; a row per field (项目 | 填写内容 | 填写说明, hints grey);
then a section per repeated group (steps, components, outcomes, sources …): a title row, a row
of column headings, a grey row of hints, and one row per item. Rows are added with Word's or
WPS's "insert row"; a table is copied whole for the next record. Pages are landscape A4.

The package around the body (styles, fonts, footer with page numbers) is the handouts' one
(``export_docx.base_package``); runs and escaping come from ``wordml``.

Reading goes by the XML, not by positions: a table's type from its title row, a field row by
its label, a group's columns by their headings; merged cells (``gridSpan``, ``vMerge``), rows
and tables inside content controls, tracked insertions, line breaks and tabs are understood;
hint text left in a cell is not a value. Problems point at ``表 N 第 R 行 “标签”``.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from . import wordml
from .office_form import (
    Cells,
    Column,
    Entry,
    Form,
    Group,
    NAMES_NOTE,
    OfficeFileError,
    Place,
    Read,
    check_zip,
    form_by_label,
    label_key,
    strip_hint,
)
from .wordml import esc, fit, run

# Landscape A4 with 2 cm margins: the text area is 14570 twips (25.7 cm) wide.
PAGE_W, PAGE_H, MARGIN = 16838, 11906, 1134
TEXT_W = PAGE_W - 2 * MARGIN
FIELD_LAYOUT = fit([2.6, 7.6, 4.4], TEXT_W)  # 项目 | 填写内容 | 填写说明
GREY = "7F7F7F"
HEAD_FILL, TITLE_FILL, SECTION_FILL = "F2F2F2", "D9E2F3", "FBE5D6"
EMPTY_ROWS = 2  # blank item rows per group in a blank template

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


# --- writing ---------------------------------------------------------------------------------------


def grey(text: str, size: int = 18) -> str:
    """A hint run: grey, 9 pt, East Asian font hint for Chinese."""
    return ('<w:r><w:rPr><w:rFonts w:hint="eastAsia"/><w:color w:val="' + GREY + '"/><w:sz w:val="' + str(size)
            + '"/><w:szCs w:val="' + str(size) + '"/></w:rPr><w:t xml:space="preserve">' + esc(text) + "</w:t></w:r>")


def para(content: str, *, after: int = 0, style: str | None = None, keep_next: bool = False) -> str:
    return "<w:p>" + wordml.ppr(style, keep_next=keep_next, after=after) + content + "</w:p>"


def cell(width: int, span: int, paragraphs: list[str], fill: str | None = None) -> str:
    props = '<w:tcW w:w="' + str(width) + '" w:type="dxa"/>'
    if span > 1:
        props += '<w:gridSpan w:val="' + str(span) + '"/>'
    if fill:
        props += '<w:shd w:val="clear" w:color="auto" w:fill="' + fill + '"/>'
    return "<w:tc><w:tcPr>" + props + "</w:tcPr>" + "".join(paragraphs or [para("")]) + "</w:tc>"


def text_paragraphs(text: str, bold: bool = False) -> list[str]:
    """A value as a cell's paragraphs: one per line (an empty line stays an empty paragraph)."""
    return [para(run(line, bold) if line else "") for line in text.split("\n")] if text else [para("")]


class Grid:
    """Column boundaries shared by every row layout of one table (Word spans cells over them)."""

    def __init__(self, layouts: list[list[int]]):
        edges = {0}
        for widths in layouts:
            position = 0
            for width in widths:
                position += width
                edges.add(position)
        self.edges = sorted(edges)

    @property
    def columns(self) -> list[int]:
        return [b - a for a, b in zip(self.edges, self.edges[1:])]

    def row(self, widths: list[int], contents: list[list[str]], fills: list[str | None] | None = None,
            header: bool = False) -> str:
        out = "<w:tr>" + ("<w:trPr><w:tblHeader/></w:trPr>" if header else "")
        position = 0
        for i, (width, paragraphs) in enumerate(zip(widths, contents)):
            start, position = position, position + width
            span = self.edges.index(position) - self.edges.index(start)
            out += cell(width, span, paragraphs, (fills or [None] * len(widths))[i])
        return out + "</w:tr>"


def group_widths(group: Group) -> list[int]:
    return fit([c.weight for c in group.columns], TEXT_W)


def record_table(form: Form, cells: Cells | None, names_hint: dict[str, str]) -> str:
    """One record's table: blank when ``cells`` is None."""
    layouts = [[TEXT_W], FIELD_LAYOUT] + [group_widths(g) for g in form.groups]
    grid = Grid(layouts)
    rows = [grid.row([TEXT_W], [[para(run(form.label, True)),
                                 para(grey(f"一张表格填写一项{form.label}，带 * 的必须填写；填写下一项时，复制整张表格粘贴在下方"))]],
                     [TITLE_FILL], header=True)]
    for column in form.columns:
        value = cells.values.get(column.key, "") if cells else ""
        hint = column.hint + names_hint.get(column.key, "")
        rows.append(grid.row(FIELD_LAYOUT, [[para(run(column.heading, True))], text_paragraphs(value), [para(grey(hint))]],
                             [HEAD_FILL, None, None]))
    for group in form.groups:
        widths = group_widths(group)
        required = "（至少一项）" if group.required else ""
        rows.append(grid.row([TEXT_W], [[para(run(group.label + (" *" if group.required else ""), True)
                                             + grey(f"　{group.hint}{required}；每项一行，不够时在表格中插入行"))]],
                             [SECTION_FILL]))
        rows.append(grid.row(widths, [[para(run(c.heading, True))] for c in group.columns], [HEAD_FILL] * len(widths)))
        rows.append(grid.row(widths, [[para(grey(c.hint + names_hint.get(f"{group.field}.{c.key}", "")))]
                                      for c in group.columns]))
        items = (cells.groups.get(group.field) or []) if cells else [{}] * EMPTY_ROWS
        for item in items:
            rows.append(grid.row(widths, [text_paragraphs(item.get(c.key, "")) for c in group.columns]))
    table = ('<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="' + str(TEXT_W) + '" w:type="dxa"/>'
             '<w:tblLayout w:type="fixed"/><w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" '
             'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>'
             + "".join('<w:gridCol w:w="' + str(w) + '"/>' for w in grid.columns) + "</w:tblGrid>")
    return table + "".join(rows) + "</w:tbl>"


HOW_TO = [
    "用 Word 或 WPS 打开本文件，在表格的“填写内容”一栏和各分项的空行里填写；灰色小字是填写说明，可以不删。",
    "一张表格填写一条记录。要填写多条，把整张表格（从标题行到最后一行）复制，粘贴在下方空白处再填写。",
    "带 * 的必须填写。只能从几个值中选的（层级、协商环节、关系种类、完整程度等），照“填写说明”中列出的值填写。",
    "步骤、组成部分、成效、出处等每项占一行；行不够时，把光标放在最后一行，右键选“插入 → 在下方插入行”。",
    "填写政协组织、地区、主题、来源文献等时，写它们的中文名称（文末列出了知识库中已有的名称）；同一批材料中新填写的记录也可以引用。",
    "概要、说明用自己的话写；“原文摘录”须逐字照录原文（不超过 80 字），不要改字。数字须出自原文摘录。",
    "填好后保存为 .docx（WPS 里“另存为”选 Word 文件），发给知识库维护人员。维护人员用 kb import 导入，有问题会指出是哪张表、哪一行。",
]


def package_docx(body_xml: str, title: str, day: str) -> bytes:
    """The handouts' package (styles, fonts, footer) around this body, on landscape pages."""
    from .export_docx import base_package, core_xml

    base = base_package()
    sect = re.sub(r"<w:pgSz [^>]*/>", f'<w:pgSz w:w="{PAGE_W}" w:h="{PAGE_H}" w:orient="landscape"/>', base["sectPr"])
    sect = re.sub(r'w:right="\d+"', f'w:right="{MARGIN}"', re.sub(r'w:left="\d+"', f'w:left="{MARGIN}"', sect))
    sect = re.sub(r'w:top="\d+"', f'w:top="{MARGIN}"', re.sub(r'w:bottom="\d+"', f'w:bottom="{MARGIN}"', sect))
    parts = dict(base["parts"])
    # No table of contents here: Word must not ask to update fields when the file is opened.
    parts["word/settings.xml"] = re.sub(r"<w:updateFields [^>]*/>", "", parts["word/settings.xml"])
    parts["word/document.xml"] = base["head"] + body_xml + sect + "</w:body></w:document>"
    parts["docProps/core.xml"] = core_xml(title, "填报模板", day)
    stamp = tuple(int(x) for x in day.split("-")) if day else (2026, 1, 1)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name in ["[Content_Types].xml", *sorted(n for n in parts if n != "[Content_Types].xml")]:
            info = zipfile.ZipInfo(name, (*stamp, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, parts[name].encode("utf-8"))
    return buffer.getvalue()


def template_docx(forms: list[Form], records: list[tuple[Form, Cells]], names: dict[str, list[str]],
                  day: str) -> bytes:
    """The Word template: a blank table per form, or one filled table per record; ``names``
    are the names references may use, by type label (listed at the end)."""
    title = (forms[0].label if len(forms) == 1 else "协商实践知识库") + "填报模板"
    body = para(run(title), style="Title", after=120)
    body += para(run(f"协商实践知识库　数据截至 {day}" if day else "协商实践知识库"), style="Subtitle", after=120)
    body += para(run("填写说明", True), after=60, keep_next=True)
    for i, line in enumerate(HOW_TO, start=1):
        body += "<w:p>" + wordml.ppr(after=40, indent=(420, 420)) + run(f"{i}. ") + run(line) + "</w:p>"
    hints = names_hints(forms, names)
    tables = records or [(form, None) for form in forms]
    for form, cells in tables:
        what = cells.values.get("name") if cells else ""
        body += para(run(f"{form.label}" + (f"：{what}" if what else "")), style="Heading2", after=80, keep_next=True)
        body += record_table(form, cells, hints.get(form.type.type_name, {}))
        body += para("")
    if names:
        body += "<w:p>" + wordml.ppr("Heading2", page_break=True, after=80) + run("附：知识库中已有的名称") + "</w:p>"
        body += para(grey("引用这些记录时照写名称（也可写别名）；不在这里的，可以在同一批材料中另填一张表。", 20), after=80)
        for label, values in names.items():
            if values:
                body += "<w:p>" + wordml.ppr(after=60) + run(f"{label}（{len(values)}）：", True) + run("；".join(values)) + "</w:p>"
    return package_docx(body, title, day)


SHORT_LIST = 12  # a reference whose candidates are this few lists them in its hint


def names_hints(forms: list[Form], names_by_type: dict[str, list[str]]) -> dict[str, dict[str, str]]:
    """For each form, extra hint text per column key: the candidates when they are few (主题)."""
    from .model import TYPES_BY_NAME

    out: dict[str, dict[str, str]] = {}
    for form in forms:
        extra: dict[str, str] = {}
        # Only the field rows: their hint column is wide; a group's hint row is as narrow as its columns.
        for key, column in [(c.key, c) for c in form.columns]:
            if column.target:
                label = TYPES_BY_NAME[column.target].type_label
                values = names_by_type.get(label, [])
                if values and len(values) <= SHORT_LIST:
                    extra[key] = NAMES_NOTE + "：" + "、".join(values)
                elif values:
                    extra[key] = NAMES_NOTE + "的名称见文末"
        out[form.type.type_name] = extra
    return out


# --- reading -----------------------------------------------------------------------------------------


@dataclass
class CellText:
    start: int  # first grid column
    span: int
    text: str
    continues: bool  # a vertically merged cell continuing the one above


_WRAPPERS = {_w("customXml"), _w("smartTag"), _w("sdtContent")}


def _wrapped(parent, tag: str):
    """Children of ``parent`` with ``tag``, looking through content controls and custom XML."""
    for child in parent:
        if child.tag == tag:
            yield child
        elif child.tag == _w("sdt"):
            content = child.find(_w("sdtContent"))
            if content is not None:
                yield from _wrapped(content, tag)
        elif child.tag in _WRAPPERS:
            yield from _wrapped(child, tag)


# Text that is not the cell's text: deleted revisions, field codes, the fallback copy of
# alternate content, drawings and text boxes, nested tables.
_SKIP = {_w("del"), _w("moveFrom"), _w("instrText"), _w("delText"), f"{{{MC}}}Fallback", _w("drawing"), _w("pict"),
         _w("object"), _w("tbl"), _w("rPr"), _w("pPr")}


def paragraph_text(p) -> str:
    out: list[str] = []

    def walk(node) -> None:
        for child in node:
            tag = child.tag
            if tag in _SKIP:
                continue
            if tag == _w("t"):
                out.append(child.text or "")
            elif tag == _w("tab"):
                out.append(" ")
            elif tag in (_w("br"), _w("cr")):
                if child.get(_w("type")) not in ("page", "column"):
                    out.append("\n")
            elif tag == _w("noBreakHyphen"):
                out.append("-")
            else:
                walk(child)

    walk(p)
    return "".join(out)


def cell_text_of(tc) -> str:
    return "\n".join(paragraph_text(p) for p in _wrapped(tc, _w("p")))


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def table_rows(tbl) -> list[list[CellText]]:
    """Each row's cells with the grid column they start at (``gridBefore``, ``gridSpan``) and
    whether they continue a vertical merge."""
    rows = []
    for tr in _wrapped(tbl, _w("tr")):
        props = tr.find(_w("trPr"))
        before = props.find(_w("gridBefore")) if props is not None else None
        position = max(0, _int(before.get(_w("val")), 0)) if before is not None else 0
        cells = []
        for tc in _wrapped(tr, _w("tc")):
            tcpr = tc.find(_w("tcPr"))
            span, continues = 1, False
            if tcpr is not None:
                grid_span = tcpr.find(_w("gridSpan"))
                if grid_span is not None:
                    span = max(1, _int(grid_span.get(_w("val")), 1))
                vmerge = tcpr.find(_w("vMerge"))
                continues = vmerge is not None and vmerge.get(_w("val"), "continue") != "restart"
                hmerge = tcpr.find(_w("hMerge"))
                if hmerge is not None and hmerge.get(_w("val"), "continue") != "restart":
                    position += span  # an old-style horizontal merge: part of the cell before
                    continue
            cells.append(CellText(position, span, cell_text_of(tc), continues))
            position += span
        rows.append(cells)
    return rows


_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)


def read_docx(path: Path, shown: str) -> Read:
    """Every record table of a .docx as entries, with the problems found while reading."""
    archive = check_zip(path, shown, required="word/document.xml")
    try:
        document = etree.fromstring(archive.read("word/document.xml"), _SAFE_PARSER)
    except etree.XMLSyntaxError:
        raise OfficeFileError(f"{shown}: 文件已损坏，无法读取其中的文字；请在 Word/WPS 中打开后重新保存") from None
    read = Read()
    body = document.find(_w("body"))
    for number, tbl in enumerate(_wrapped(body, _w("tbl")) if body is not None else [], start=1):
        read_table(table_rows(tbl), number, shown, read)
    return read


def _first_line(text: str) -> str:
    for line in text.split("\n"):
        if line.strip():
            return line.strip()
    return ""


def _prefix_match(text: str, candidates: dict):
    """The candidate whose key starts ``text`` (the longest), or None: a title row may carry
    more words after its label."""
    key = label_key(text)
    best = None
    for label, value in candidates.items():
        if label and key.startswith(label) and (best is None or len(label) > len(best[0])):
            best = (label, value)
    return best[1] if best else None


def _record_labels() -> set[str]:
    from .office_form import forms

    return {label_key(c.label) for f in forms() for c in f.columns}


def read_table(rows: list[list[CellText]], number: int, shown: str, read: Read) -> None:
    def where(r: int, label: str = "") -> Place:
        return Place(shown, f"表 {number} 第 {r} 行", label)

    first = next((i for i, cells in enumerate(rows) if any(c.text.strip() for c in cells)), None)
    if first is None:
        return
    from .office_form import ALL_TYPES
    from .model import TYPES_BY_NAME

    forms_by_label = {label_key(TYPES_BY_NAME[t].type_label): form_by_label(TYPES_BY_NAME[t].type_label) for t in ALL_TYPES}
    form = _prefix_match(_first_line(rows[first][0].text), forms_by_label) if len(rows[first]) <= 2 else None
    if form is None:
        labels = _record_labels()
        hits = sum(1 for cells in rows if len(cells) >= 2 and label_key(_first_line(cells[0].text)) in labels)
        if hits >= 2:
            read.problem(Place(shown, f"表 {number}"), "认不出这张表格是哪类记录：第一行应是“实践”“政协组织”等标题行；"
                                                        "请从模板中复制整张表格（连同标题行）再填写")
        return
    entry = Entry(form, Place(shown, f"表 {number}"))
    groups = {label_key(g.label): g for g in form.groups}
    group: Group | None = None
    headings: list[tuple[int, int, Column]] = []  # (first, last + 1 grid column, column) of the group's headings
    expect_heading = False
    above: dict[int, str] = {}  # text by starting grid column in the row above (vertical merges)
    for index in range(first + 1, len(rows)):
        cells, r = rows[index], index + 1
        texts = {c.start: (above.get(c.start, "") if c.continues else c.text) for c in cells}
        above = texts
        if not any(t.strip() for t in texts.values()):
            continue
        if len(cells) == 1:
            found = _prefix_match(_first_line(cells[0].text), groups)
            if found is None:
                if _prefix_match(_first_line(cells[0].text), forms_by_label) is not form:
                    read.problem(where(r, _first_line(cells[0].text)[:20]),
                                 f"不认识的分项标题；{form.label}的分项有：{'、'.join(g.label for g in form.groups)}")
                continue
            group, expect_heading = found, True
            entry.group_place(group, where(r, group.label))
            continue
        if group is None:
            label = _first_line(texts[cells[0].start])
            column = form.column(label)
            if column is None:
                read.problem(where(r, label[:20]), f"不认识的项目；{form.label}的项目有：{'、'.join(c.label for c in form.columns)}")
                continue
            value = texts[cells[1].start] if len(cells) > 1 else ""
            entry.set(column, strip_hint(value, column.hint), where(r, column.label))
            continue
        if expect_heading:
            headings, expect_heading = [], False
            for c in cells:
                label = _first_line(texts[c.start])
                column = group.column(label)
                if column is not None:
                    headings.append((c.start, c.start + c.span, column))
                elif label:
                    read.problem(where(r, label[:20]), f"不认识的列名；“{group.label}”的列有：{'、'.join(x.label for x in group.columns)}")
            continue
        values: dict[Column, tuple[str, Place]] = {}
        for c in cells:
            column = next((col for start, end, col in headings if start <= c.start < end), None)
            if column is not None and column not in values:
                values[column] = (strip_hint(texts[c.start], column.hint), where(r, column.label))
        if any(text.strip() for text, _ in values.values()):  # not an empty row, nor the hint row
            entry.add_item(group, values, where(r, group.label))
    if not entry.empty:
        read.entries.append(entry)
