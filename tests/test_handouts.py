"""The trainer's and the county office's files, got from the site alone and opened as they
would be: course handouts through the course page's link, a practice's and a 3-practice
comparison's handout made in the browser, the browse page's Excel list — served under /kb/
and from file:// — then opened with python-docx/openpyxl and laid out by LibreOffice.

LibreOffice (Debian's libreoffice-writer-nogui / -calc-nogui) converts every file once per test
session (one xdist group); pages are read back with poppler's ``pdftotext -bbox-layout``, which
gives every word's box, to check what a reader would see: the 目录, no page left more than 40%
empty except before a new unit or the references, column widths in proportion."""

from __future__ import annotations

import posixpath
import re
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from docx import Document

from conftest import review_path, run_kb
from generator.export_docx import STEP_WIDTHS
from generator.pipeline import check
from generator.preview import to_pdf, to_png
from generator.project import Project
from generator.wordml import MARGIN_BOTTOM, MARGIN_TOP, comparison_widths

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("libreoffice")]

COMPARE = ["六式协商议政工作法", "吉思广益", "协商在基层"]
PRACTICE = "四双"
PT = 1 / 20  # twips to points


@pytest.fixture(scope="module")
def graph(built_site):
    checked = check(Project(built_site.parent))
    assert checked.graph is not None
    return checked.graph


def ids_of(graph, names):
    by_name = {p.name: p.id for p in graph.kb.practices.values()}
    for p in graph.kb.practices.values():
        for alias in p.aliases:
            by_name.setdefault(alias, p.id)
    return [by_name[n] for n in names]


def download(page, click: str, target: Path) -> Path:
    with page.expect_download() as info:
        page.click(click)
    info.value.save_as(target)
    target.with_suffix(".name").write_text(info.value.suggested_filename, encoding="utf-8")
    return target


def fetch_all(page, base: str, graph, out: Path) -> dict[str, Path]:
    """Everything a trainer downloads: each course's handout, a practice's, a comparison's, the Excel list."""
    out.mkdir(parents=True, exist_ok=True)
    files = {}
    for course in sorted(graph.kb.courses.values(), key=lambda c: c.id):
        page.goto(f"{base}courses/{course.id}.html")
        assert page.locator("a.kb-docx").inner_text() == "下载 Word 讲义"
        files[course.id] = download(page, "a.kb-docx", out / f"course-{course.id}.docx")
    practice_id = ids_of(graph, [PRACTICE])[0]
    page.goto(f"{base}practices/{practice_id}.html")
    files["practice"] = download(page, "button[data-kb-docx]:visible", out / "practice.docx")
    page.goto(f"{base}explore/compare.html?p=" + ",".join(ids_of(graph, COMPARE)))
    page.wait_for_selector(".kb-compare__result table")
    files["compare"] = download(page, ".kb-compare__result button[data-kb-docx]", out / "compare.docx")
    page.goto(f"{base}practices/index.html")
    page.wait_for_selector("[data-kb-download=xlsx]")
    files["xlsx"] = download(page, "[data-kb-download=xlsx]", out / "list.xlsx")
    return files


@pytest.fixture(scope="module")
def made(browser, site_url, built_site, graph, tmp_path_factory):
    """Downloaded from the site served under /kb/, converted by LibreOffice once."""
    out = tmp_path_factory.mktemp("handouts")
    context = browser.new_context(accept_downloads=True, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    files = fetch_all(page, site_url + "kb/", graph, out)
    context.close()
    assert errors == []
    pdfs = dict(zip(files, to_pdf(list(files.values()), out / "pdf")))
    return {"files": files, "pdfs": pdfs, "out": out}


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def kb_export(built_site: Path, target: Path, *args: str) -> Path:
    result = run_kb("--project", str(built_site.parent), "export", *args, "-o", str(target), "--force")
    assert result.returncode == 0, result.stderr
    return target


# --- what the files say -------------------------------------------------------------------------------


def test_course_link_gives_the_kb_export_handout(made, built_site, graph, tmp_path):
    for course in graph.kb.courses.values():
        got = made["files"][course.id]
        assert got.with_suffix(".name").read_text(encoding="utf-8") == f"{course.name}.docx"
        assert parts(got) == parts(kb_export(built_site, tmp_path / "c.docx", "course", course.id))
        doc = Document(str(got))
        units = [p.text for p in doc.paragraphs if p.style.name == "Heading 1" and "单元" in p.text]
        assert len(units) == len(course.modules)
        assert any(t.rows[0].cells[0].text == "对比项" for t in doc.tables)
        read = {p.text for p in doc.paragraphs if p.style.name == "Heading 3"}
        for module in course.modules:
            for pid in module.practices:
                assert graph.kb.practices[pid].name in read


def test_browser_handouts_are_the_kb_export_handouts(made, built_site, graph, tmp_path):
    """docx.js writes the same package as `kb export practices` (byte for byte, part by part)."""
    compare = made["files"]["compare"]
    assert parts(compare) == parts(kb_export(built_site, tmp_path / "c.docx", "practices", *COMPARE))
    practice = made["files"]["practice"]
    assert parts(practice) == parts(kb_export(built_site, tmp_path / "p.docx", "practices", PRACTICE))
    assert compare.with_suffix(".name").read_text(encoding="utf-8") == "协商实践资料.docx"
    doc = Document(str(compare))
    assert [p.text for p in doc.paragraphs if p.style.name == "Heading 1"][:3] == COMPARE
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "对比项")
    assert [c.text for c in table.rows[0].cells] == ["对比项", *COMPARE]
    name = graph.kb.practices[ids_of(graph, [PRACTICE])[0]].name
    doc = Document(str(practice))
    assert [p.text for p in doc.paragraphs if p.style.name == "Title"] == [name]
    assert practice.with_suffix(".name").read_text(encoding="utf-8") == f"{name}.docx"
    assert any(t.rows[0].cells[0].text == "环节" for t in doc.tables)


def test_handouts_from_file_url(page, built_site, graph, made, tmp_path, requests_log):
    files = fetch_all(page, built_site.resolve().as_uri() + "/", graph, tmp_path)
    for key in ("practice", "compare", *graph.kb.courses):
        assert parts(files[key]) == parts(made["files"][key]), key
    assert [u for u in requests_log.urls if not u.startswith(("file://", "blob:"))] == []
    assert page.js_errors == []


def test_packages_need_no_repair(made):
    """What Word's repair prompt complains about: bad zip, XML that does not parse, a part
    without a content type, a relationship to a part that is not there."""
    for key, path in made["files"].items():
        with zipfile.ZipFile(path) as z:
            assert z.testzip() is None, key
            names = set(z.namelist())
            assert all(i.compress_type == zipfile.ZIP_DEFLATED and i.date_time[0] >= 2020 for i in z.infolist()), key
            for name in names:
                ET.fromstring(z.read(name))
            types = ET.fromstring(z.read("[Content_Types].xml"))
            defaults = {e.get("Extension") for e in types if e.tag.endswith("Default")}
            overrides = {e.get("PartName").lstrip("/") for e in types if e.tag.endswith("Override")}
            assert overrides <= names, key
            for name in names:
                assert name in overrides or name.rsplit(".", 1)[-1] in defaults, (key, name)
            for rels in (n for n in names if n.endswith(".rels")):
                folder = posixpath.dirname(posixpath.dirname(rels))  # word/_rels/x.rels -> word
                for rel in ET.fromstring(z.read(rels)):
                    if rel.get("TargetMode") == "External":
                        continue
                    target = rel.get("Target")
                    resolved = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
                    assert resolved in names, (key, rels, target)


# --- laid out by LibreOffice --------------------------------------------------------------------------------


def words(pdf: Path) -> list[dict]:
    """Every page's size and words with their boxes (pdftotext -bbox-layout)."""
    html = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for match in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', html, re.S):
        lines = []
        for line in re.finditer(r"<line[^>]*>(.*?)</line>", match.group(3), re.S):
            ws = [(float(a), float(b), float(c), float(d), t) for a, b, c, d, t in re.findall(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', line.group(1))]
            if ws:
                lines.append(ws)
        pages.append({"width": float(match.group(1)), "height": float(match.group(2)), "lines": lines})
    return pages


def body_lines(page: dict) -> list[list]:
    bottom = page["height"] - MARGIN_BOTTOM * PT
    return [line for line in page["lines"] if line[0][1] < bottom]  # not the footer


def text_of(line) -> str:
    return "".join(w[4] for w in line)


def test_libreoffice_shows_the_toc(made, graph):
    for key, pdf in made["pdfs"].items():
        if key == "xlsx":
            continue
        pages = words(pdf)
        toc_page = next(i for i, p in enumerate(pages) if any(text_of(l) == "目录" for l in body_lines(p)))
        assert toc_page <= 1, key
        text = "".join(text_of(l) for l in pages[toc_page]["lines"])
        if key in graph.kb.courses:
            course = graph.kb.courses[key]
            assert "课程安排" in text and re.sub(r"\s", "", course.modules[0].title) in text
        else:
            assert "一、" in text and "参考文献" in text


def test_no_page_is_left_half_empty(made):
    """A page may end above 60% of the text area only where the next starts a unit or the
    references (or it is the cover, or the last page)."""
    text_height = None
    for key, pdf in made["pdfs"].items():
        if key == "xlsx":
            continue
        pages = words(pdf)
        top = MARGIN_TOP * PT
        for number, page in enumerate(pages[:-1], start=1):
            if number == 1 and key not in ("practice", "compare"):
                continue  # the course's cover page
            text_height = page["height"] - (MARGIN_TOP + MARGIN_BOTTOM) * PT
            lines = body_lines(page)
            filled = (max(w[3] for line in lines for w in line) - top) / text_height if lines else 0
            following = body_lines(pages[number])
            first = text_of(following[0]) if following else ""
            assert filled >= 0.6 or re.match(r"^第.{1,3}单元|^参考文献", first), (
                f"{key} p{number} ends at {filled:.0%}; next page starts {first[:20]!r}")
    assert text_height


def header_columns(pdf: Path, first: str) -> list[list[float]]:
    """Left edges of the cells of every table header row that starts with ``first``: the words
    on the baseline of ``first`` (each cell is a block of its own in pdftotext's layout)."""
    found = []
    for page in words(pdf):
        every = [w for line in page["lines"] for w in line]
        for word in every:
            if word[4] == first:
                same = sorted((w for w in every if abs(w[1] - word[1]) < 1 and w[0] >= word[0]), key=lambda w: w[0])
                row = [same[0]]
                for w in same[1:]:
                    if w[0] - row[-1][2] > 8:  # a new cell; a space within a cell is narrower
                        row.append(w)
                    else:
                        row[-1] = (row[-1][0], row[-1][1], w[2], w[3], row[-1][4] + " " + w[4])
                found.append([w[0] for w in row])
    return found


def test_column_widths_follow_the_intended_proportions(made, graph):
    steps = [w * PT for w in STEP_WIDTHS]
    for key, pdf in made["pdfs"].items():
        if key == "xlsx":
            continue
        rows = [r for r in header_columns(pdf, "环节") if len(r) == 3]
        assert rows, key
        for xs in rows:
            assert abs((xs[1] - xs[0]) - steps[0]) < 3 and abs((xs[2] - xs[1]) - steps[1]) < 3, (key, xs, steps)
        compared = [r for r in header_columns(pdf, "对比项")]
        if key == "practice":
            assert not compared
            continue
        assert compared, key
        for xs in compared:
            widths = [w * PT for w in comparison_widths(len(xs) - 1)]
            for i in range(len(xs) - 1):
                assert abs((xs[i + 1] - xs[i]) - widths[i]) < 3, (key, xs, widths)


def test_page_counts_and_images(made):
    """Page images for a person to look at (review/), and page counts in the test log."""
    counts = {}
    for key, pdf in made["pdfs"].items():
        images = to_png(pdf, review_path(f"handout-{key}"), dpi=50)
        counts[key] = len(images)
        assert images and all(p.stat().st_size > 2_000 for p in images)
    print("LibreOffice page counts:", counts)
    assert counts["practice"] <= 3 and counts["compare"] >= 3


# --- the Excel list -----------------------------------------------------------------------------------------


def test_excel_list_is_ready_to_work_in(made, graph, site_url):
    from openpyxl import load_workbook

    path = made["files"]["xlsx"]
    with zipfile.ZipFile(path) as z:
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in z.infolist())
    ws = load_workbook(path).active
    practices = graph.kb.practices
    rows = ws.max_row
    assert rows == len(practices) + 1
    header = [c.value for c in ws[1]]
    assert header[0] == "名称" and header[-1] == "页面" and len(header) == 14
    last = ws.cell(row=1, column=14).column_letter
    assert ws.auto_filter.ref == f"A1:{last}{rows}"
    assert ws.freeze_panes == "A2" and ws["A1"].font.b
    assert ws.print_title_rows == "$1:$1"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    # Widths from the content, a CJK character counting double: the name column fits the longest name,
    # or is as wide as a column may be and wraps.
    longest = max(len(p.name) for p in practices.values())
    assert ws.column_dimensions["A"].width >= min(2 * longest, 24)
    if 2 * longest > 24:
        assert any(ws.cell(row=r, column=1).alignment.wrap_text for r in range(2, rows + 1))
    assert ws.column_dimensions["D"].width < ws.column_dimensions["A"].width  # 省份 is narrow
    summary = header.index("概要") + 1
    letter = ws.cell(row=1, column=summary).column_letter
    assert ws.column_dimensions[letter].width <= 46 and ws.cell(row=2, column=summary).alignment.wrap_text
    assert ws.row_dimensions[2].height and ws.row_dimensions[2].height > 15  # tall enough for its wrapped text
    # The 页面 column links to each practice's page; empty cells are no cells.
    for row in range(2, rows + 1):
        cell = ws.cell(row=row, column=14)
        assert cell.hyperlink is not None and cell.hyperlink.target == cell.value
        assert cell.value.startswith(site_url + "kb/practices/")
    assert any(ws.cell(row=r, column=2).value is None for r in range(2, rows + 1))  # practices without aliases
    assert all(ws.cell(row=r, column=c).value != "" for r in range(2, rows + 1) for c in range(1, 15))


def test_excel_list_prints_landscape_one_page_wide(made):
    pages = words(made["pdfs"]["xlsx"])
    assert pages and all(p["width"] > p["height"] for p in pages)  # landscape
    first = " ".join(text_of(l) for l in pages[0]["lines"])
    for title in ("名称", "组织", "概要", "出处", "页面"):
        assert title in first  # every column on the first page: fit to one page wide
    for page in pages[1:]:
        assert text_of(page["lines"][0]).startswith("名称")  # the header row repeats
