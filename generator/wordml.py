"""The body of a Word handout as WordprocessingML text: headings with outline numbering and
bookmarks, a pre-filled table of contents, paragraphs, lists and tables.

``static/assets/kb/docx.js`` is the same writer in JavaScript (the site makes practice and
comparison handouts in the browser); the two are kept line for line alike, and a browser test
checks that both write the same document.xml for the same practices. The package around the
body (styles, numbering, settings, footer) is made once with python-docx in ``export_docx``.

Typography that every client must see the same way is written here, not left to a client:
- a run holding Chinese text carries ``w:hint="eastAsia"``, so ambiguous characters such as
  “ ” — · … are set in the Chinese font (full width), not the Latin one;
- no run is italic;
- every table has one width per column, written identically into ``w:tblGrid`` and each
  cell's ``w:tcW`` (Word reads the cells, LibreOffice and WPS the grid), summing to the text
  area; rows may break across pages and the header row repeats.
"""

from __future__ import annotations

import re

# A4 with 2.4 cm side margins: the text area is 9184 twips (16.2 cm) wide.
PAGE_WIDTH, PAGE_HEIGHT = 11906, 16838
MARGIN_SIDE, MARGIN_TOP, MARGIN_BOTTOM = 1361, 1418, 1247
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN_SIDE

# Numbering instances defined in numbering.xml (see export_docx.heading_numbering).
COURSE_HEADINGS = "901"  # 第一单元 (the label is text) › 一、 › （一） › 1.
PRACTICE_HEADINGS = "902"  # 一、 › （一） › 1.
CHINESE_DIGITS = "零一二三四五六七八九"

# Characters that make a run East Asian text: CJK ideographs, kana, CJK and full-width
# punctuation, and the ambiguous-width punctuation Chinese text uses (“”‘’—…·).
_CJK = re.compile("[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\u2014\u2018\u2019\u201c\u201d\u2026\u00b7\u3000-\u303f]")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


def esc(text: str) -> str:
    text = _XML_ILLEGAL.sub("", str(text))
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def chinese_number(n: int) -> str:
    """What Word's chineseCounting format shows: 1 一, 10 十, 12 十二, 21 二十一."""
    if n <= 0 or n >= 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else CHINESE_DIGITS[tens] + "十")
    return head + (CHINESE_DIGITS[ones] if ones else "")


def fit(weights: list[float], total: int = TEXT_WIDTH) -> list[int]:
    """Column widths in twips in proportion to ``weights``, adding up to ``total`` exactly."""
    whole = sum(weights)
    widths = [int(total * w // whole) for w in weights]
    widths[-1] += total - sum(widths)
    return widths


def comparison_widths(columns: int) -> list[int]:
    """The label column 2 cm, the practices sharing the rest equally."""
    label = 1134
    share = (TEXT_WIDTH - label) // columns
    widths = [label] + [share] * columns
    widths[-1] += TEXT_WIDTH - sum(widths)
    return widths


def run(text: str, bold: bool = False) -> str:
    props = ('<w:rFonts w:hint="eastAsia"/>' if _CJK.search(text) else "") + ("<w:b/><w:bCs/>" if bold else "")
    return ("<w:r>" + ("<w:rPr>" + props + "</w:rPr>" if props else "")
            + '<w:t xml:space="preserve">' + esc(text) + "</w:t></w:r>")


def runs(parts) -> str:
    """A string, or a list of strings and (text, bold) pairs."""
    if isinstance(parts, str):
        return run(parts) if parts else ""
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(run(part) if part else "")
        else:
            out.append(run(part[0], part[1]) if part[0] else "")
    return "".join(out)


def field(instruction: str, result: str = "") -> str:
    """A complex field as Word writes it: begin, instruction, separate, cached result, end."""
    return ('<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            '<w:r><w:instrText xml:space="preserve"> ' + esc(instruction) + " </w:instrText></w:r>"
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
            + run(result) + '<w:r><w:fldChar w:fldCharType="end"/></w:r>')


def ppr(style: str | None = None, *, keep_next: bool = False, page_break: bool = False, num: tuple[str, int] | None = None,
        tabs: str = "", after: int | None = None, indent: tuple[int, int] | None = None, align: str | None = None) -> str:
    """Paragraph properties, in the order the schema requires."""
    out = ""
    if style:
        out += '<w:pStyle w:val="' + style + '"/>'
    if keep_next:
        out += "<w:keepNext/>"
    if page_break:
        out += "<w:pageBreakBefore/>"
    if num is not None:
        out += '<w:numPr><w:ilvl w:val="' + str(num[1]) + '"/><w:numId w:val="' + num[0] + '"/></w:numPr>'
    out += tabs
    if after is not None:
        out += '<w:spacing w:before="0" w:after="' + str(after) + '"/>'
    if indent is not None:
        out += '<w:ind w:left="' + str(indent[0]) + '" w:hanging="' + str(indent[1]) + '"/>'
    if align:
        out += '<w:jc w:val="' + align + '"/>'
    return "<w:pPr>" + out + "</w:pPr>" if out else ""


def paragraph(content, style: str | None = None, **props) -> str:
    return "<w:p>" + ppr(style, **props) + runs(content) + "</w:p>"


def cell(width: int, items: list, *, bold: bool = False, fill: str | None = None) -> str:
    """A table cell: one paragraph per item; an item is text or a (bold label, text) pair."""
    shade = '<w:shd w:val="clear" w:color="auto" w:fill="' + fill + '"/>' if fill else ""
    body = ""
    for item in items or ["—"]:
        content = [(item[0] + "：", True), item[1]] if isinstance(item, (list, tuple)) else [(item, bold)]
        body += "<w:p>" + ppr(after=40) + runs(content) + "</w:p>"
    return '<w:tc><w:tcPr><w:tcW w:w="' + str(width) + '" w:type="dxa"/>' + shade + "</w:tcPr>" + body + "</w:tc>"


def table(widths: list[int], header: list[str], rows: list[list[list]], *, label_column: bool = False) -> str:
    """A full-width table: the same widths in the grid and in every cell; the header row
    (shaded, bold) repeats on every page; rows may break across pages."""
    grid = "".join('<w:gridCol w:w="' + str(w) + '"/>' for w in widths)
    out = ('<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="' + str(sum(widths)) + '" w:type="dxa"/>'
           '<w:tblLayout w:type="fixed"/><w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" '
           'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>' + grid + "</w:tblGrid>")
    out += "<w:tr><w:trPr><w:tblHeader/></w:trPr>"
    out += "".join(cell(w, [h], bold=True, fill="F2F2F2") for w, h in zip(widths, header)) + "</w:tr>"
    for row in rows:
        out += "<w:tr>" + "".join(cell(w, items, bold=label_column and i == 0) for i, (w, items) in enumerate(zip(widths, row)))
        out += "</w:tr>"
    return out + "</w:tbl>"


class Body:
    """The body of one handout, written in order; the table of contents is filled in at the
    end, when every heading is known. ``kind`` is "course" or "practices" (how headings are
    numbered)."""

    def __init__(self, kind: str):
        self.kind = kind
        self.chunks: list[str] = []
        self.toc_at: int | None = None
        self.entries: list[tuple[int, str, str]] = []  # (level, number + text, bookmark)
        self.counters = [0, 0, 0, 0]

    def add(self, xml: str) -> None:
        self.chunks.append(xml)

    def number(self, level: int, numbered: bool) -> str:
        """The number Word will show for a heading of this level (and count it)."""
        if not numbered:
            return ""
        self.counters[level - 1] += 1
        for i in range(level, len(self.counters)):
            self.counters[i] = 0
        n = self.counters[level - 1]
        depth = level - 1 if self.kind == "course" else level  # course: level 1 is 第一单元, written as text
        if depth == 0:
            return ""
        if depth == 1:
            return chinese_number(n) + "、"
        if depth == 2:
            return "（" + chinese_number(n) + "）"
        return str(n) + "."

    def heading(self, level: int, text: str, *, numbered: bool = True, page_break: bool = False) -> None:
        number = self.number(level, numbered)
        mark = "_Toc" + str(len(self.entries) + 1)
        self.entries.append((level, number + text, mark))
        num_id = COURSE_HEADINGS if self.kind == "course" else PRACTICE_HEADINGS
        numbering = (num_id, level - 1) if numbered else ("0", 0)
        bid = str(len(self.entries))
        self.add("<w:p>" + ppr("Heading" + str(level), page_break=page_break, num=numbering)
                 + '<w:bookmarkStart w:id="' + bid + '" w:name="' + mark + '"/>' + run(text)
                 + '<w:bookmarkEnd w:id="' + bid + '"/></w:p>')

    def para(self, content, style: str | None = None, **props) -> None:
        self.add(paragraph(content, style, **props))

    def labelled(self, pairs: list[tuple[str, str]], **props) -> None:
        content: list = []
        for label, value in pairs:
            if value:
                if content:
                    content.append("　")
                content += [(label + "：", True), value]
        self.para(content, **props)

    def bullet(self, content) -> None:
        self.para(content, "ListBullet")

    def page_break(self) -> None:
        self.add('<w:p><w:r><w:br w:type="page"/></w:r></w:p>')

    def toc(self) -> None:
        """Where the table of contents goes: 目录, then the entries once they are known."""
        self.add(paragraph("目录", "TOCHeading"))
        self.toc_at = len(self.chunks)
        self.add("")

    def toc_xml(self) -> str:
        """A TOC field (Word and WPS update it on open: settings.xml asks them to) whose cached
        result already lists every heading with its number, linked to the heading, so it reads
        right before any update. The cached entries carry no page numbers: they are not known
        until a client lays the pages out, and LibreOffice shows a TOC field's cached result as
        it is (never a guessed number)."""
        entries = [e for e in self.entries if e[0] <= 3]
        out = ""
        for i, (level, text, mark) in enumerate(entries):
            out += "<w:p>" + ppr("TOC" + str(level))
            if i == 0:
                out += ('<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve">'
                        ' TOC \\o "1-3" \\h \\z \\u </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>')
            out += '<w:hyperlink w:anchor="' + mark + '" w:history="1">' + run(text) + "</w:hyperlink>"
            if i == len(entries) - 1:
                out += '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
            out += "</w:p>"
        return out

    def xml(self) -> str:
        chunks = list(self.chunks)
        if self.toc_at is not None:
            chunks[self.toc_at] = self.toc_xml()
        return "".join(chunks)
