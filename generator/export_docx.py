"""``kb export``: a course, or a chosen set of practices, as a Word handout (.docx).

The handout is meant to be handed out as it comes and edited in Word, WPS or LibreOffice, so it
is built from real Word structure rather than look-alikes: Heading 1–4 styles numbered 一、
（一） 1. by a multilevel list (the navigation pane and the 目录 work), a TOC field pre-filled
with every heading, list styles for objectives and questions, real tables whose column widths
agree between grid and cells, a PAGE field for page numbers, and Chinese fonts named for East
Asian text in every style (宋体 for the body, 黑体 for headings).

Two parts make a handout:
- the package around the body — styles, numbering, settings, footer, theme — is made once with
  python-docx (``base_package``); the build also writes it into ``explore/data/docx-base.js``
  for the browser's writer;
- the body is WordprocessingML written by ``wordml`` (here) or ``docx.js`` (in the browser) from
  the same practice data the site's compare view reads (``practice_view``), so a handout made
  on the site and one made by ``kb export`` are the same document.
"""

from __future__ import annotations

import datetime as dt
import errno
import io
import os
import re
import tempfile
import unicodedata
import zipfile
from functools import lru_cache
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Pt, RGBColor

from . import wordml
from .citation import gbt7714
from .courses import course_practices, course_references, module_views
from .link import Graph
from .markdown_text import join_lines
from .model import Course, Practice, Record, Stage
from .problems import UserError
from .names import NameIndex
from .wordml import Body, comparison_widths, fit, table

BODY_FONT = ("Times New Roman", "宋体")
HEADING_FONT = ("Arial", "黑体")
GENERATOR = "协商实践知识库"
MAX_COLUMNS = 4  # practices per comparison table; more are split over several tables
STEP_WIDTHS = fit([2, 3, 9])  # 环节 / 步骤 / 做法
SCHEDULE_WIDTHS = fit([2.4, 9.4, 2.6])  # 单元 / 标题 / 时长

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


# --- the package around the body (python-docx) ----------------------------------------------------


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
    style.font.italic = False  # Chinese has no italic; Word would slant the glyphs
    style.font.color.rgb = RGBColor(0, 0, 0)


# Styles the handouts use (and those they are based on or linked to); the rest of python-docx's
# template (about 340 KB of styles no handout uses) is dropped.
KEEP_STYLES = {"Normal", "DefaultParagraphFont", "TableNormal", "NoList", "Title", "TitleChar", "Subtitle", "SubtitleChar",
               "Heading1", "Heading2", "Heading3", "Heading4", "Heading1Char", "Heading2Char", "Heading3Char",
               "Heading4Char", "TOCHeading", "TOC1", "TOC2", "TOC3", "ListBullet", "ListNumber", "TableGrid", "Footer",
               "FooterChar", "Hyperlink"}


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

    for name in ("TOC 1", "TOC 2", "TOC 3"):
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles["Normal"]
        level = int(name[-1])
        style.paragraph_format.left_indent = Pt(10.5 * 2 * (level - 1))
        style.paragraph_format.space_after = Pt(2)
        style.element.name_val = name.lower()  # Word knows its built-in TOC styles as "toc 1"…
    normal = styles["Normal"]
    _style_font(normal, BODY_FONT, 10.5)
    normal.paragraph_format.space_after = Pt(4)
    normal.paragraph_format.line_spacing = 1.25
    sizes = (("Title", 22), ("Subtitle", 14), ("Heading 1", 16), ("Heading 2", 14), ("Heading 3", 12),
             ("Heading 4", 10.5), ("TOC Heading", 16))
    for name, size in sizes:
        style = styles[name]
        _style_font(style, HEADING_FONT, size, bold=name not in ("Subtitle",))
        if f"{name} Char" in [s.name for s in styles]:
            _style_font(styles[f"{name} Char"], HEADING_FONT)
    for name in ("Title", "Subtitle"):  # the template's blue rule and list link would follow them
        ppr = styles[name].element.pPr
        for child in list(ppr) if ppr is not None else []:
            if child.tag in (qn("w:pBdr"), qn("w:numPr")):
                ppr.remove(child)
    styles["Title"].paragraph_format.space_after = Pt(12)
    styles["Subtitle"].paragraph_format.space_after = Pt(12)
    spacing = {"Heading 1": (18, 8), "Heading 2": (12, 6), "Heading 3": (10, 4), "Heading 4": (8, 2), "TOC Heading": (0, 10)}
    for name, (before, after) in spacing.items():
        styles[name].paragraph_format.space_before = Pt(before)
        styles[name].paragraph_format.space_after = Pt(after)
        styles[name].paragraph_format.keep_with_next = True
    for name in ("List Bullet", "List Number", "Footer", "Table Grid"):
        _set_fonts(styles[name].element.get_or_add_rPr(), *BODY_FONT)
    for style in list(styles.element.findall(qn("w:style"))):
        if style.get(qn("w:styleId")) not in KEEP_STYLES:
            styles.element.remove(style)
    latent = styles.element.find(qn("w:latentStyles"))
    if latent is not None:
        styles.element.remove(latent)


def _level(ilvl: int, fmt: str, text: str) -> str:
    return (f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:suff w:val="nothing"/>'
            f'<w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/><w:pPr><w:ind w:left="0" w:firstLine="0"/></w:pPr>'
            '<w:rPr><w:rFonts w:hint="eastAsia"/></w:rPr></w:lvl>')


def heading_numbering(doc: DocxDocument) -> None:
    """Two multilevel lists for headings. Course: level 1 (第一单元, written as text) counts
    without showing, so each unit's 一、 starts again; then 一、 › （一） › 1. Practices: 一、 › （一） › 1."""
    numbering = doc.part.numbering_part.element
    lists = {
        ("90", wordml.COURSE_HEADINGS): [_level(0, "none", ""), _level(1, "chineseCounting", "%2、"),
                                         _level(2, "chineseCounting", "（%3）"), _level(3, "decimal", "%4.")],
        ("91", wordml.PRACTICE_HEADINGS): [_level(0, "chineseCounting", "%1、"), _level(1, "chineseCounting", "（%2）"),
                                           _level(2, "decimal", "%3.")],
    }
    first_num = numbering.find(qn("w:num"))
    for (abstract_id, num_id), levels in lists.items():
        abstract = parse_xml(f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract_id}">'
                             f'<w:multiLevelType w:val="multilevel"/>{"".join(levels)}</w:abstractNum>')
        first_num.addprevious(abstract)
        numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/></w:num>'))


def setup_page(doc: DocxDocument) -> None:
    section = doc.sections[0]
    sect = section._sectPr
    for tag in ("w:pgSz", "w:pgMar"):
        old = sect.find(qn(tag))
        if old is not None:
            sect.remove(old)
    size = parse_xml(f'<w:pgSz {nsdecls("w")} w:w="{wordml.PAGE_WIDTH}" w:h="{wordml.PAGE_HEIGHT}"/>')
    margins = parse_xml(f'<w:pgMar {nsdecls("w")} w:top="{wordml.MARGIN_TOP}" w:right="{wordml.MARGIN_SIDE}" '
                        f'w:bottom="{wordml.MARGIN_BOTTOM}" w:left="{wordml.MARGIN_SIDE}" w:header="851" w:footer="567" w:gutter="0"/>')
    sect.find(qn("w:cols")).addprevious(size)
    sect.find(qn("w:cols")).addprevious(margins)
    footer = section.footer
    old = footer.paragraphs[0]._p
    new = parse_xml(f'<w:p {nsdecls("w")}>' + wordml.ppr("Footer", align="center")[0:] + wordml.run("第 ")
                    + wordml.field("PAGE", "1") + wordml.run(" 页，共 ") + wordml.field("NUMPAGES", "1") + wordml.run(" 页")
                    + "</w:p>")
    old.addnext(new)
    old.getparent().remove(old)


def setup_settings(doc: DocxDocument) -> None:
    """Word and WPS update fields (the 目录's page numbers) when the file is opened; no preview
    picture is asked for."""
    settings = doc.settings.element
    for tag in ("w:savePreviewPicture", "w:rsids"):
        for el in settings.findall(qn(tag)):
            settings.remove(el)
    settings.find(qn("w:compat")).addprevious(parse_xml(f'<w:updateFields {nsdecls("w")} w:val="true"/>'))
    lang = settings.find(qn("w:themeFontLang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")


APP_XML = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="http://schemas.openxmlformats.org/'
           'officeDocument/2006/extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/'
           f'docPropsVTypes"><Application>{GENERATOR}</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop>'
           '<LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged>'
           '</Properties>')


@lru_cache(maxsize=1)
def base_package() -> dict:
    """Every part of a handout but its text, as python-docx and the settings above make them:
    ``parts`` (name -> XML text, without document.xml and core.xml), the ``head`` of document.xml
    up to ``<w:body>`` and its section properties ``sectPr``."""
    doc = Document()
    setup_styles(doc)
    heading_numbering(doc)
    setup_page(doc)
    setup_settings(doc)
    # No embedded thumbnail (a blank page in the file browser), no template leftovers.
    package_rels = doc.part.package.rels
    for rid, rel in list(package_rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            package_rels.pop(rid)
    for rid, rel in list(doc.part.rels.items()):
        if rel.reltype.endswith(("/customXml", "/stylesWithEffects", "/webSettings")):
            doc.part.rels.pop(rid)
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    buffer = io.BytesIO()
    doc.save(buffer)
    parts: dict[str, str] = {}
    with zipfile.ZipFile(buffer) as z:
        for name in z.namelist():
            parts[name] = z.read(name).decode("utf-8")
    parts["docProps/app.xml"] = APP_XML
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        '<Default Extension="jpeg" ContentType="image/jpeg"/>', "")
    document = parts.pop("word/document.xml")
    parts.pop("docProps/core.xml")
    head = document[:document.index("<w:body>") + len("<w:body>")]
    sect = re.search(r"<w:sectPr\b.*</w:sectPr>", document, re.S).group(0)
    sect = re.sub(r' w:rsid\w*="[^"]*"', "", sect)
    return {"parts": parts, "head": head, "sectPr": sect}


def core_xml(title: str, subject: str, day: str) -> str:
    """Document properties: the title, the knowledge base as author, the data date."""
    e = wordml.esc
    stamp = f"{day}T00:00:00Z" if day else "2026-01-01T00:00:00Z"
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<cp:coreProperties xmlns:cp="http://schemas.'
            'openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:title>{e(title)}</dc:title><dc:subject>{e(subject)}</dc:subject><dc:creator>{GENERATOR}</dc:creator>"
            f"<cp:keywords>{GENERATOR}</cp:keywords><dc:description>{e(f'{GENERATOR}；数据截至 {day}')}</dc:description>"
            f"<cp:lastModifiedBy>{GENERATOR}</cp:lastModifiedBy><cp:revision>1</cp:revision><dc:language>zh-CN</dc:language>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified></cp:coreProperties>')


def package(body: Body, title: str, subject: str, day: str, *, title_page: bool = False,
            numbering: str | None = None) -> bytes:
    """The .docx file: the base parts, this document's text and properties; deflated, dated."""
    base = base_package()
    sect = base["sectPr"]
    if title_page:  # the cover carries no page number
        sect = sect.replace("<w:docGrid", "<w:titlePg/><w:docGrid")
    parts = dict(base["parts"])
    parts["word/document.xml"] = base["head"] + body.xml() + sect + "</w:body></w:document>"
    parts["docProps/core.xml"] = core_xml(title, subject, day)
    if numbering is not None:
        parts["word/numbering.xml"] = numbering
    stamp = dt.date.fromisoformat(day) if day else dt.date(2026, 1, 1)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name in ["[Content_Types].xml", *sorted(n for n in parts if n != "[Content_Types].xml")]:
            info = zipfile.ZipInfo(name, (stamp.year, stamp.month, stamp.day, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, parts[name].encode("utf-8"))
    return buffer.getvalue()


def base_script() -> bytes:
    """explore/data/docx-base.js: the fixed parts for the browser's writer (docx.js)."""
    from .exports import as_script

    base = base_package()
    return as_script("KB_DOCX_BASE", {
        **base,
        "stages": [s.value for s in Stage],
        "maxColumns": MAX_COLUMNS,
        "stepWidths": STEP_WIDTHS,
    })


# --- what a handout says (the same in docx.js) ------------------------------------------------------


def practice_view(graph: Graph, practice: Practice) -> dict:
    """A practice as the site's data files give it to the browser (row + details)."""
    from .exports import practice_detail, practice_row

    return {**practice_row(practice, graph), **practice_detail(practice, graph)}


class Refs:
    """Reference numbers, in the order the handout first uses the sources (keyed by their page)."""

    def __init__(self):
        self.numbers: dict[str, int] = {}
        self.cites: list[str] = []

    def add(self, sources: list[dict]) -> None:
        for s in sources:
            if s["url"] not in self.numbers:
                self.numbers[s["url"]] = len(self.numbers) + 1
                self.cites.append(s["cite"])

    def mark(self, s: dict) -> str:
        return f"[{self.numbers[s['url']]}] {s['name']}"


def practice_section(body: Body, v: dict, level: int, refs: Refs) -> None:
    """A practice in full: facts, summary, components, steps, outcomes, sources."""
    body.heading(level, v["name"])
    body.labelled([("组织", v["org"]), ("地区", v["region"]), ("层级", v["level"]), ("时间", v["when"])])
    if v["aliases"]:
        body.labelled([("又称", "、".join(v["aliases"]))])
    for text in v["summary"]:
        body.para(text)
    sub = level + 1
    if v["components"]:
        body.heading(sub, "组成部分")
        for name, text in v["components"]:
            body.bullet([(name + "：", True), text])
    if v["steps"]:
        body.heading(sub, "运行步骤")
        body.add(table(STEP_WIDTHS, ["环节", "步骤", "做法"], [[[s[0]], [s[1]], [s[2]]] for s in v["steps"]]))
    if v["outcomes"]:
        body.heading(sub, "成效")
        for text, figures in v["outcomes"]:
            body.bullet(text + ("（原文数字：" + "、".join(figures) + "）" if figures else ""))
    refs.add(v["sources"])
    body.labelled([("出处", "；".join(refs.mark(s) for s in v["sources"]))])


def comparison_section(body: Body, views: list[dict], refs: Refs) -> None:
    """Practices side by side: one column each, a row per stage any of them describes."""
    stages = [s.value for s in Stage]
    covered = [s for s in stages if any(step[0] == s for v in views for step in v["steps"])]
    for start in range(0, len(views), MAX_COLUMNS):
        columns = views[start:start + MAX_COLUMNS]
        for v in columns:
            refs.add(v["sources"])
        rows = [["组织"] + [[v["org"]] if v["org"] else [] for v in columns],
                ["地区"] + [[v["place"]] for v in columns]]
        for stage in covered:
            rows.append([stage] + [[[s[1], s[2]] for s in v["steps"] if s[0] == stage] for v in columns])
        rows.append(["组成部分"] + [[[c[0], c[1]] for c in v["components"]] for v in columns])
        rows.append(["成效"] + [[o[0] for o in v["outcomes"]] for v in columns])
        rows.append(["出处"] + [[refs.mark(s) for s in v["sources"]] for v in columns])
        rows = [[[row[0]], *row[1:]] for row in rows]
        body.add(table(comparison_widths(len(columns)), ["对比项"] + [v["name"] for v in columns], rows, label_column=True))
        body.para("")
    missing = [s for s in stages if s not in covered]
    if missing:
        body.para("以上实践均未写明的环节：" + "、".join(missing) + "。")


def reference_list(body: Body, refs: Refs, *, numbered: bool) -> None:
    if not refs.cites:
        return
    body.heading(1, "参考文献", numbered=numbered)
    for number, cite in enumerate(refs.cites, start=1):
        body.para(f"[{number}] {cite}", indent=(510, 510))
    body.para("著录格式依照 GB/T 7714—2015《信息与文献 参考文献著录规则》；没有网址的文献按其类型著录，不标 [EB/OL]。")


def practices_body(views: list[dict], day: str) -> tuple[Body, str, str]:
    """A practice handout (one practice) or a comparison (several): a title block, not a
    cover page; 目录; each practice; the comparison; references. Returns (body, title, subject)."""
    body = Body("practices")
    names = "、".join(v["name"] for v in views)
    title = views[0]["name"] if len(views) == 1 else "协商实践资料"
    subject = "协商实践资料" if len(views) == 1 else names
    body.para(title, "Title")
    body.para(subject, "Subtitle")
    body.labelled([("收录", f"{len(views)} 项实践"), ("数据截至", day), ("来源", GENERATOR)])
    body.toc()
    refs = Refs()
    for v in views:
        refs.add(v["sources"])
    for v in views:
        practice_section(body, v, 1, refs)
    if len(views) >= 2:
        body.heading(1, "对比：" + names if len(names) <= 40 else "对比")
        comparison_section(body, views, refs)
    reference_list(body, refs, numbered=False)
    return body, title, subject


# --- the two exports --------------------------------------------------------------------------


def _data_date(graph: Graph) -> str:
    from .render import data_date

    day = data_date(graph)
    return day.isoformat() if day else ""


def practices_handout(graph: Graph, practices: list[Practice]) -> bytes:
    day = _data_date(graph)
    body, title, subject = practices_body([practice_view(graph, p) for p in practices], day)
    return package(body, title, subject, day)


def course_handout(graph: Graph, course: Course) -> bytes:
    day = _data_date(graph)
    views = module_views(graph, course)
    body = Body("course")
    for _ in range(4):
        body.para("")
    body.para(clean(course.name), "Title", align="center")
    body.para("培训讲义", "Subtitle", align="center")
    body.para("")
    for label, value in (("对象", course.audience), ("时长", course.duration), ("单元", f"{len(views)} 个"),
                         ("数据截至", day)):
        if value:
            body.labelled([(label, clean(value))], align="center")
    body.para("")
    for text in paragraphs_of(course.summary):
        body.para(text)
    body.page_break()
    body.toc()

    # Sources are numbered in the order the handout first uses them.
    refs = Refs()
    practice_views: dict[str, dict] = {}
    for practice in course_practices(graph, course):
        practice_views[practice.id] = practice_view(graph, practice)
    refs.add(source_dicts(graph, course_references(graph, course)))

    body.heading(1, "课程安排")
    body.add(table(SCHEDULE_WIDTHS, ["单元", "标题", "时长"],
                   [[[v.label], [clean(v.module.title)], [clean(v.module.duration)] if v.module.duration else []] for v in views]))

    lists: list[str] = []
    detailed: dict[str, str] = {}
    for v in views:
        module = v.module
        body.heading(1, f"{v.label}　{clean(module.title)}", page_break=True)
        if module.duration:
            body.labelled([("时长", clean(module.duration))])
        body.heading(2, "学习目标")
        for o in module.objectives:
            body.bullet(clean(o))
        if v.practices or v.methods or v.terms:
            body.heading(2, "阅读材料")
            for practice in v.practices:
                if practice.id in detailed:
                    body.heading(3, practice.name)
                    body.para(f"见{detailed[practice.id]}。")
                    continue
                detailed[practice.id] = v.label
                practice_section(body, practice_views[practice.id], 3, refs)
            if v.methods:
                body.heading(3, "通用做法")
                for method in v.methods:
                    body.bullet([(clean(method.name) + "：", True), clean(method.description)])
            if v.terms:
                body.heading(3, "术语")
                for term in v.terms:
                    body.bullet([(clean(term.name) + "：", True), clean(term.definition)])
        if v.comparison:
            body.heading(2, "对比：" + "、".join(p.name for p in v.comparison.practices))
            comparison_section(body, [practice_views[p.id] for p in v.comparison.practices], refs)
        if module.questions:
            body.heading(2, "讨论题")
            num_id = str(1000 + len(lists))
            lists.append(num_id)
            for q in module.questions:
                body.para(clean(q), "ListNumber", num=(num_id, 0))
        if module.notes:
            body.heading(2, "讲师提示")
            for text in paragraphs_of(module.notes):
                body.para(text)
    reference_list(body, refs, numbered=True)
    return package(body, course.name, "培训讲义", day, title_page=True, numbering=question_numbering(lists))


def source_dicts(graph: Graph, sources) -> list[dict]:
    from . import paths

    return [{"name": s.name, "url": paths.page_url(paths.page_of(s)), "cite": gbt7714(s, graph.kb)} for s in sources]


def question_numbering(num_ids: list[str]) -> str:
    """numbering.xml with one instance of the "List Number" list per question list, each
    counting from 1 again (Word numbers paragraphs per instance)."""
    numbering = base_package()["parts"]["word/numbering.xml"]
    match = re.search(r'<w:style w:type="paragraph" w:styleId="ListNumber">.*?<w:numId w:val="(\d+)"/>',
                      base_package()["parts"]["word/styles.xml"], re.S)
    style_num = match.group(1)
    abstract = re.search(rf'<w:num w:numId="{style_num}"[^>]*>\s*<w:abstractNumId w:val="(\d+)"/>', numbering).group(1)
    extra = "".join(f'<w:num w:numId="{n}"><w:abstractNumId w:val="{abstract}"/><w:lvlOverride w:ilvl="0">'
                    f'<w:startOverride w:val="1"/></w:lvlOverride></w:num>' for n in num_ids)
    return numbering.replace("</w:numbering>", extra + "</w:numbering>")


# --- writing the file ---------------------------------------------------------------------------------

_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$", re.I)
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f-\x9f/\\:*?"<>|\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]')
MAX_NAME_BYTES = 200  # ext4 allows 255 bytes per name; room left for ".docx" and a temporary prefix


def safe_filename(name: str, fallback: str = "讲义") -> str:
    """A file name made from a record name: no separators, no leading dots, no control or
    invisible characters, no Windows device names, at most 200 bytes (without ``.docx``)."""
    text = unicodedata.normalize("NFC", name)
    text = _UNSAFE_NAME.sub("_", text)
    text = re.sub(r"\s+", " ", text).strip(" ._")
    text = re.sub(r"\.{2,}", ".", text)
    if not text:
        text = fallback
    if _WINDOWS_RESERVED.match(text):
        text = "_" + text
    while len(text.encode("utf-8")) > MAX_NAME_BYTES:
        text = text[:-1]
    return text.rstrip(" .") or fallback


_OS_ERRORS = {
    errno.EACCES: "没有写入权限",
    errno.EPERM: "没有写入权限",
    errno.EROFS: "所在的文件系统是只读的",
    errno.ENOSPC: "磁盘已满",
    errno.EDQUOT: "超出磁盘配额",
    errno.EISDIR: "这是一个文件夹",
    errno.ENOTDIR: "路径中有一段不是文件夹",
    errno.ENAMETOOLONG: "文件名太长",
    errno.ENOENT: "文件夹不存在",
}


def _why(exc: OSError) -> str:
    return _OS_ERRORS.get(exc.errno or 0, exc.strerror or type(exc).__name__)


def write_file(data: bytes, out: Path, *, force: bool = False) -> Path:
    """Write beside and rename: a failed export never leaves half a file, the new file gets
    the permissions the umask gives (not mkstemp's private 0600), and an existing file is
    replaced only with ``force``. Every failure is a Chinese message naming the path."""
    out = Path(out)
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise UserError(f"无法写入 {out}：文件夹不存在（{folder}）")
    if out.is_dir():
        raise UserError(f"无法写入 {out}：这是一个文件夹")
    if (out.exists() or out.is_symlink()) and not force:
        raise UserError(f"文件已存在：{out}；要覆盖它，请加 --force")
    umask = os.umask(0o022)
    os.umask(umask)
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".kb-export-", suffix=out.suffix)
    except OSError as exc:
        why = "这个位置不能新建文件" if exc.errno == errno.ENOENT else _why(exc)  # e.g. /proc
        raise UserError(f"无法写入 {out}：{why}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o666 & ~umask)
        if force:
            os.replace(tmp, out)
        else:
            try:
                os.link(tmp, out)  # fails if the file appeared meanwhile: never clobbers
            except FileExistsError:
                raise UserError(f"文件已存在：{out}；要覆盖它，请加 --force") from None
            except OSError:  # a file system without hard links
                if out.exists():
                    raise UserError(f"文件已存在：{out}；要覆盖它，请加 --force") from None
                os.replace(tmp, out)
    except UserError:
        raise
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM, errno.ETXTBSY):
            raise UserError(f"无法写入 {out}：没有权限，或文件正在 Word/WPS 中打开") from None
        raise UserError(f"无法写入 {out}：{_why(exc)}") from None
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)
    return out


def export(graph: Graph, kind: str, names: list[str], out: Path | None, *, force: bool = False) -> tuple[Path, str]:
    """Write the handout; returns the path and a one-line description of what it holds."""
    if kind == "course":
        if len(names) != 1:
            raise UserError("一次导出一门课程：kb export course 课程名称 -o 讲义.docx")
        course = find(graph, Course, names[0])
        data = course_handout(graph, course)
        what = f"课程“{course.name}”（{len(course.modules)} 个单元）"
        default = course.name
    else:
        practices: list[Practice] = []
        for name in names:
            practice = find(graph, Practice, name)
            if practice.id not in {p.id for p in practices}:
                practices.append(practice)
        data = practices_handout(graph, practices)
        what = f"实践 {len(practices)} 项（{'、'.join(p.name for p in practices)}）"
        default = practices[0].name if len(practices) == 1 else "协商实践资料"
    default_name = safe_filename(default) + ".docx"
    if out is None:
        path = Path(default_name)
    elif out.is_dir():
        path = out / default_name
    else:
        path = out if out.suffix.lower() == ".docx" else out.with_name(out.name + ".docx")
    return write_file(data, path, force=force), what
