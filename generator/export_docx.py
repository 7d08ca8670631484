"""``kb export``: a course, or a chosen set of practices, as a Word handout (.docx).

The handout is meant to be edited by the trainer in Word or WPS, so it is built from real
Word structure rather than look-alikes: Heading 1/2/3 styles (the navigation pane and a table
of contents work), list styles for objectives and questions, real tables for comparisons
(the header row repeats on every page), a PAGE field for page numbers, and Chinese fonts
named for East Asian text in every style (宋体 for the body, 黑体 for headings) so neither
program falls back to a Latin font for Chinese.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from .citation import gbt7714
from .courses import Comparison, ModuleView, compare, course_references, module_views, practice_sources, references
from .link import Graph
from .markdown_text import join_lines
from .model import Course, Practice, Record, Source
from .problems import UserError
from .validate import NameIndex

BODY_FONT = ("Times New Roman", "宋体")
HEADING_FONT = ("Arial", "黑体")
GENERATOR = "协商实践知识库"
MAX_COLUMNS = 4  # practices per comparison table; more are split over several tables

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


def clean(text: str | None) -> str:
    """One line of record text: no characters XML refuses, wrapping spaces folded."""
    return join_lines(_XML_ILLEGAL.sub("", text or ""))


def paragraphs_of(text: str | None) -> list[str]:
    chunks = re.split(r"\n\s*\n", _XML_ILLEGAL.sub("", text or "").strip())
    return [clean(c) for c in chunks if c.strip()]


# --- finding what to export ---------------------------------------------------------------------


def find(graph: Graph, record_type: type[Record], value: str) -> Record:
    """A record by id, name or alias — or a Chinese message naming the candidates."""
    records = graph.kb.of(record_type)
    index = NameIndex.of(records)
    value = " ".join(value.split())
    found = index.resolve(value)
    if len(found) == 1:
        return records[found[0]]
    label = record_type.type_label
    if found:
        listed = "、".join(f"{records[i].name}（id: {i}）" for i in found)
        raise UserError(f"“{value}”有歧义，可能是：{listed}；请改用其中一个的 id")
    close = index.suggestions(value)
    if close:
        hint = f"；相近的有：{'、'.join(close)}"
    elif not records:
        hint = f"；知识库中还没有{label}"
    elif len(records) <= 30:
        hint = f"；已有的{label}：{'、'.join(sorted(r.name for r in records.values()))}"
    else:
        hint = "；可用名称、别名或 id（文件名）指定"
    raise UserError(f"找不到{label}“{value}”{hint}")


# --- Word structure helpers -----------------------------------------------------------------------


def _set_fonts(rpr, latin: str, east_asia: str) -> None:
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for theme_attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        if fonts.get(qn(theme_attr)) is not None:
            del fonts.attrib[qn(theme_attr)]
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)


def _style_font(style, fonts: tuple[str, str], size: float | None = None, bold: bool | None = None) -> None:
    _set_fonts(style.element.get_or_add_rPr(), *fonts)
    if size is not None:
        style.font.size = Pt(size)
    if bold is not None:
        style.font.bold = bold
    style.font.color.rgb = RGBColor(0, 0, 0)


def setup_styles(doc: DocxDocument) -> None:
    styles = doc.styles
    # Document defaults first: anything without a style of its own is still 宋体 and Chinese.
    defaults = styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(rpr, *BODY_FONT)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")

    normal = styles["Normal"]
    _style_font(normal, BODY_FONT, 10.5)
    normal.paragraph_format.space_after = Pt(4)
    normal.paragraph_format.line_spacing = 1.25
    for name, size in (("Title", 22), ("Subtitle", 14), ("Heading 1", 16), ("Heading 2", 13), ("Heading 3", 11.5)):
        style = styles[name]
        _style_font(style, HEADING_FONT, size, bold=name != "Subtitle")
        for char_style in (f"{name} Char",):
            if char_style in [s.name for s in styles]:
                _style_font(styles[char_style], HEADING_FONT)
    styles["Heading 1"].paragraph_format.space_before = Pt(18)
    styles["Heading 1"].paragraph_format.space_after = Pt(6)
    styles["Heading 2"].paragraph_format.space_before = Pt(12)
    styles["Heading 2"].paragraph_format.space_after = Pt(4)
    styles["Heading 3"].paragraph_format.space_before = Pt(8)
    styles["Heading 3"].paragraph_format.space_after = Pt(2)
    for name in ("List Bullet", "List Number", "Footer", "Header", "Quote", "Table Grid"):
        if name in [s.name for s in styles]:
            _set_fonts(styles[name].element.get_or_add_rPr(), *BODY_FONT)


def setup_page(doc: DocxDocument) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.4)
    section.top_margin, section.bottom_margin = Cm(2.5), Cm(2.2)
    section.different_first_page_header_footer = True  # no page number on the title page
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("第 ")
    add_field(footer, "PAGE", "1")
    footer.add_run(" 页，共 ")
    add_field(footer, "NUMPAGES", "1")
    footer.add_run(" 页")


def add_field(paragraph, instruction: str, placeholder: str) -> None:
    """A complex field (begin / instruction / separate / result / end), as Word itself writes it;
    WPS and LibreOffice read this form too."""

    def fld_char(kind: str):
        run = paragraph.add_run()
        char = OxmlElement("w:fldChar")
        char.set(qn("w:fldCharType"), kind)
        run._r.append(char)

    fld_char("begin")
    run = paragraph.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run._r.append(instr)
    fld_char("separate")
    paragraph.add_run(placeholder)
    fld_char("end")


def new_list_number(doc: DocxDocument) -> str | None:
    """A numbering instance of the "List Number" style that counts from 1 again.

    Word numbers paragraphs per numbering instance, so every list of questions gets its own
    instance (with a start override), and all paragraphs of that list point to it."""
    numbering = doc.part.numbering_part.element
    ppr = doc.styles["List Number"].element.pPr
    num_pr = ppr.find(qn("w:numPr")) if ppr is not None else None
    if num_pr is None:
        return None
    style_num = num_pr.find(qn("w:numId")).get(qn("w:val"))
    abstract = None
    for num in numbering.findall(qn("w:num")):
        if num.get(qn("w:numId")) == style_num:
            abstract = num.find(qn("w:abstractNumId")).get(qn("w:val"))
    if abstract is None:
        return None
    new_id = str(max(int(n.get(qn("w:numId"))) for n in numbering.findall(qn("w:num"))) + 1)
    num = OxmlElement("w:num")
    num.set(qn("w:numId"), new_id)
    abstract_ref = OxmlElement("w:abstractNumId")
    abstract_ref.set(qn("w:val"), abstract)
    num.append(abstract_ref)
    override = OxmlElement("w:lvlOverride")
    override.set(qn("w:ilvl"), "0")
    start = OxmlElement("w:startOverride")
    start.set(qn("w:val"), "1")
    override.append(start)
    num.append(override)
    numbering.append(num)
    return new_id


def use_numbering(paragraph, num_id: str) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    own = OxmlElement("w:numPr")
    ilvl = OxmlElement("w:ilvl")
    ilvl.set(qn("w:val"), "0")
    number = OxmlElement("w:numId")
    number.set(qn("w:val"), num_id)
    own.append(ilvl)
    own.append(number)
    style = ppr.find(qn("w:pStyle"))
    if style is not None:
        style.addnext(own)  # numPr follows pStyle (and keepNext…) in the schema's order
    else:
        ppr.insert(0, own)


def _row_flags(row, header: bool = False) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))  # a row is never broken across pages
    if header:
        tr_pr.append(OxmlElement("w:tblHeader"))  # repeated at the top of every page


def _cell_text(cell, items: list[tuple[str, str]] | list[str], bold_first: bool = False) -> None:
    """Fill a cell with one paragraph per item; an item may be (bold label, text)."""
    cell.paragraphs[0].text = ""
    if not items:
        items = ["—"]
    for i, item in enumerate(items):
        paragraph = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(2)
        if isinstance(item, tuple):
            label, text = item
            paragraph.add_run(label + "：").bold = True
            paragraph.add_run(text)
        else:
            run = paragraph.add_run(item)
            run.bold = bold_first


# --- the handout --------------------------------------------------------------------------------


@dataclass
class Handout:
    graph: Graph
    doc: DocxDocument = field(default_factory=Document)
    refs: dict[str, int] = field(default_factory=dict)  # source id -> number in the reference list
    detailed: dict[str, str] = field(default_factory=dict)  # practice id -> where it is described

    def __post_init__(self) -> None:
        setup_styles(self.doc)
        setup_page(self.doc)

    @property
    def kb(self):
        return self.graph.kb

    # text blocks
    def heading(self, text: str, level: int, *, cleaned: bool = False):
        return self.doc.add_heading(text if cleaned else clean(text), level=level)

    def subhead(self, text: str, level: int):
        """A heading below Heading 3 is a bold line kept with what follows."""
        if level <= 3:
            return self.heading(text, level)
        paragraph = self.doc.add_paragraph()
        paragraph.add_run(clean(text)).bold = True
        paragraph.paragraph_format.keep_with_next = True
        return paragraph

    def para(self, text: str = "", style: str | None = None, *, cleaned: bool = False):
        return self.doc.add_paragraph(text if cleaned else clean(text), style=style)

    def labelled(self, pairs: list[tuple[str, str]]):
        paragraph = self.doc.add_paragraph()
        for i, (label, value) in enumerate(p for p in pairs if p[1]):
            if i:
                paragraph.add_run("　")
            paragraph.add_run(f"{label}：").bold = True
            paragraph.add_run(clean(value))
        return paragraph

    def bullets(self, items: list[str]) -> None:
        for item in items:
            self.para(item, "List Bullet")

    def numbered(self, items: list[str]) -> None:
        num_id = new_list_number(self.doc) if items else None
        for item in items:
            paragraph = self.para(item, "List Number")
            if num_id is not None:
                use_numbering(paragraph, num_id)

    def page_break(self) -> None:
        self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    # references
    def number_sources(self, sources: list[Source]) -> None:
        for source in sources:
            self.refs.setdefault(source.id, len(self.refs) + 1)

    def marks(self, sources: list[Source]) -> str:
        return "".join(f"[{self.refs[s.id]}]" for s in sources if s.id in self.refs)

    def reference_list(self) -> None:
        if not self.refs:
            return
        self.heading("参考文献", 1)
        for source_id, number in sorted(self.refs.items(), key=lambda item: item[1]):
            citation = _XML_ILLEGAL.sub("", gbt7714(self.kb.sources[source_id], self.kb))
            paragraph = self.para(f"[{number}] {citation}", cleaned=True)
            paragraph.paragraph_format.left_indent = Cm(0.9)
            paragraph.paragraph_format.first_line_indent = Cm(-0.9)
        self.para("著录格式依照 GB/T 7714—2015《信息与文献 参考文献著录规则》。", cleaned=True).runs[0].italic = True

    # title page
    def title_page(self, title: str, subtitle: str, facts: list[tuple[str, str]], summary: str | None) -> None:
        for _ in range(4):
            self.doc.add_paragraph()
        self.doc.add_paragraph(clean(title), style="Title").alignment = WD_ALIGN_PARAGRAPH.CENTER
        self.doc.add_paragraph(clean(subtitle), style="Subtitle").alignment = WD_ALIGN_PARAGRAPH.CENTER
        self.doc.add_paragraph()
        for label, value in facts:
            if value:
                paragraph = self.labelled([(label, value)])
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if summary:
            self.doc.add_paragraph()
            for text in paragraphs_of(summary):
                self.para(text)
        self.page_break()

    # practices
    def practice(self, practice: Practice, level: int) -> None:
        """A practice in full: facts, summary, components, steps, outcomes, sources."""
        kb = self.kb
        g = self.graph
        self.heading(practice.name, level)
        org = kb.organizations.get(practice.organization)
        region = " › ".join(kb.regions[r].name for r in g.region_path.get(g.region.get(practice.id) or "", []))
        when = f"{practice.start_year} 年起" if practice.start_year else (practice.period or "")
        self.labelled([("组织", org.name if org else ""), ("地区", region), ("层级", g.level[practice.id].value),
                       ("时间", when)])
        if practice.aliases:
            self.labelled([("又称", "、".join(practice.aliases))])
        for text in paragraphs_of(practice.summary):
            self.para(text)
        if practice.components:
            self.subhead("组成部分", level + 1)
            for c in practice.components:
                paragraph = self.para("", "List Bullet")
                paragraph.add_run(clean(c.name) + "：").bold = True
                paragraph.add_run(clean(c.description))
        if practice.steps:
            self.subhead("运行步骤", level + 1)
            table = self.doc.add_table(rows=1, cols=3)
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, ("环节", "步骤", "做法")):
                _cell_text(cell, [text], bold_first=True)
            _row_flags(table.rows[0], header=True)
            for step in practice.steps:
                row = table.add_row()
                _row_flags(row)
                _cell_text(row.cells[0], [step.stage.value])
                _cell_text(row.cells[1], [clean(step.name)])
                _cell_text(row.cells[2], [clean(step.description)])
            self._widths(table, [Cm(2), Cm(3.5), Cm(10.7)])
        if practice.outcomes:
            self.subhead("成效", level + 1)
            for o in practice.outcomes:
                figures = f"（原文数字：{'、'.join(o.figures)}）" if o.figures else ""
                self.para(clean(o.text) + figures, "List Bullet")
        sources = practice_sources(g, practice)
        self.number_sources(sources)
        paragraph = self.doc.add_paragraph()
        paragraph.add_run("出处：").bold = True
        paragraph.add_run("；".join(f"[{self.refs[s.id]}] {clean(s.name)}" for s in sources))

    def _widths(self, table, widths) -> None:
        table.autofit = False
        for row in table.rows:
            for cell, width in zip(row.cells, widths):
                cell.width = width

    def comparison(self, cmp: Comparison) -> None:
        """Practices side by side: one column each, a row per stage any of them describes."""
        for start in range(0, len(cmp.columns), MAX_COLUMNS):
            columns = cmp.columns[start:start + MAX_COLUMNS]
            table = self.doc.add_table(rows=1, cols=len(columns) + 1)
            table.style = "Table Grid"
            table.alignment = WD_TABLE_ALIGNMENT.CENTER
            header = table.rows[0]
            _row_flags(header, header=True)
            _cell_text(header.cells[0], ["对比项"], bold_first=True)
            for cell, c in zip(header.cells[1:], columns):
                _cell_text(cell, [clean(c.practice.name)], bold_first=True)

            def row(label: str, cells: list[list]) -> None:
                r = table.add_row()
                _row_flags(r)
                _cell_text(r.cells[0], [label], bold_first=True)
                for cell, items in zip(r.cells[1:], cells):
                    _cell_text(cell, items)

            row("组织", [[c.org] if c.org else [] for c in columns])
            row("地区", [[f"{c.region or '（未详）'}（{c.level}）"] for c in columns])
            for stage in cmp.stages:
                row(stage.value, [[(clean(n), clean(t)) for n, t in c.steps.get(stage, [])] for c in columns])
            row("组成部分", [[(clean(n), clean(t)) for n, t in c.components] for c in columns])
            row("成效", [[clean(t) for t, _figures in c.outcomes] for c in columns])
            for c in columns:
                self.number_sources(c.sources)
            row("出处", [[f"[{self.refs[s.id]}] {clean(s.name)}" for s in c.sources] for c in columns])
            first = Cm(2.2)
            rest = (Cm(16.2) - first) // len(columns)
            self._widths(table, [first] + [rest] * len(columns))
            if cmp.missing:
                self.para(f"以上实践均未写明的环节：{'、'.join(s.value for s in cmp.missing)}。").runs[0].italic = True


# --- the two exports --------------------------------------------------------------------------


def _data_date(graph: Graph) -> str:
    from .render import data_date

    day = data_date(graph)
    return day.isoformat() if day else ""


def course_handout(graph: Graph, course: Course) -> DocxDocument:
    h = Handout(graph)
    views = module_views(graph, course)
    h.doc.core_properties.title = course.name
    h.doc.core_properties.subject = "培训讲义"
    _common_properties(h, course.added)
    h.title_page(course.name, "培训讲义", [("对象", course.audience), ("时长", course.duration),
                                          ("单元", f"{len(views)} 个"), ("数据截至", _data_date(graph))],
                 course.summary)
    # Sources are numbered in the order the handout first uses them.
    h.number_sources(course_references(graph, course))

    h.heading("课程安排", 1)
    table = h.doc.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("单元", "标题", "时长")):
        _cell_text(cell, [text], bold_first=True)
    _row_flags(table.rows[0], header=True)
    for v in views:
        row = table.add_row()
        _row_flags(row)
        _cell_text(row.cells[0], [v.label])
        _cell_text(row.cells[1], [clean(v.module.title)])
        _cell_text(row.cells[2], [clean(v.module.duration)] if v.module.duration else [])
    h._widths(table, [Cm(2.6), Cm(10.6), Cm(3)])

    for v in views:
        module_section(h, v)
    h.reference_list()
    return h.doc


def module_section(h: Handout, v: ModuleView) -> None:
    module = v.module
    h.heading(f"{v.label}　{clean(module.title)}", 1, cleaned=True)
    if module.duration:
        h.labelled([("时长", module.duration)])
    h.heading("学习目标", 2)
    h.bullets([clean(o) for o in module.objectives])
    if v.practices or v.methods or v.terms:
        h.heading("阅读材料", 2)
        for practice in v.practices:
            if practice.id in h.detailed:
                h.heading(practice.name, 3)
                h.para(f"见{h.detailed[practice.id]}。")
                continue
            h.detailed[practice.id] = v.label
            h.practice(practice, 3)
        if v.methods:
            h.heading("通用做法", 3)
            for method in v.methods:
                paragraph = h.para("", "List Bullet")
                paragraph.add_run(clean(method.name) + "：").bold = True
                paragraph.add_run(clean(method.description))
        if v.terms:
            h.heading("术语", 3)
            for term in v.terms:
                paragraph = h.para("", "List Bullet")
                paragraph.add_run(clean(term.name) + "：").bold = True
                paragraph.add_run(clean(term.definition))
    if v.comparison:
        h.heading("对比：" + "、".join(p.name for p in v.comparison.practices), 2)
        h.comparison(v.comparison)
    if module.questions:
        h.heading("讨论题", 2)
        h.numbered([clean(q) for q in module.questions])
    if module.notes:
        h.heading("讲师提示", 2)
        for text in paragraphs_of(module.notes):
            h.para(text)


def practices_handout(graph: Graph, practices: list[Practice]) -> DocxDocument:
    h = Handout(graph)
    names = "、".join(p.name for p in practices)
    title = practices[0].name if len(practices) == 1 else "协商实践资料"
    h.doc.core_properties.title = title
    h.doc.core_properties.subject = "协商实践资料"
    _common_properties(h, max(p.added for p in practices))
    h.title_page(title, "协商实践资料" if len(practices) == 1 else names,
                 [("收录", f"{len(practices)} 项实践"), ("数据截至", _data_date(graph))], None)
    h.number_sources(references(graph, practices))
    for practice in practices:
        h.practice(practice, 1)
    if len(practices) >= 2:
        h.heading("对比：" + names if len(names) <= 40 else "对比", 1)
        h.comparison(compare(graph, practices))
    h.reference_list()
    return h.doc


def _common_properties(h: Handout, day: dt.date) -> None:
    props = h.doc.core_properties
    props.author = GENERATOR
    props.last_modified_by = GENERATOR
    props.language = "zh-CN"
    props.comments = "由 kb export 生成"
    moment = dt.datetime.combine(day, dt.time(0, 0))
    props.created = moment
    props.modified = moment
    props.revision = 1


def save(doc: DocxDocument, out: Path) -> Path:
    """Write beside and rename: a failed export never leaves half a file where the old one was."""
    out = Path(out)
    if out.suffix.lower() != ".docx":
        out = out.with_name(out.name + ".docx")
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise UserError(f"文件夹不存在：{folder}")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".kb-export-", suffix=".docx")
    os.close(fd)
    try:
        doc.save(tmp)
        os.replace(tmp, out)
    except PermissionError:
        raise UserError(f"无法写入 {out}：没有权限，或文件正在 Word/WPS 中打开") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out


def export(graph: Graph, kind: str, names: list[str], out: Path | None) -> tuple[Path, str]:
    """Write the handout; returns the path and a one-line description of what it holds."""
    if kind == "course":
        if len(names) != 1:
            raise UserError("一次导出一门课程：kb export course 课程名称 -o 讲义.docx")
        course = find(graph, Course, names[0])
        doc = course_handout(graph, course)
        what = f"课程“{course.name}”（{len(course.modules)} 个单元）"
        default = course.name
    else:
        practices: list[Practice] = []
        for name in names:
            practice = find(graph, Practice, name)
            if practice.id not in {p.id for p in practices}:
                practices.append(practice)
        doc = practices_handout(graph, practices)
        what = f"实践 {len(practices)} 项（{'、'.join(p.name for p in practices)}）"
        default = practices[0].name if len(practices) == 1 else "协商实践资料"
    path = save(doc, out if out is not None else Path(f"{default}.docx"))
    return path, what
