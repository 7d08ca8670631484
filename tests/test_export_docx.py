"""`kb export` writes Word handouts; python-docx opens them and they are checked against the
records: module and practice headings, the comparison as a real table, GB/T 7714 citations,
a PAGE field in the footer, Chinese fonts for East Asian text, Chinese errors."""

from __future__ import annotations

import math
import os
import re
import shutil
import stat
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn

from conftest import ROOT, run_kb
from generator.citation import gbt7714
from generator.courses import course_references, module_views
from generator.export_docx import clean
from generator.model import Stage
from generator.pipeline import check
from generator.project import Project
from kbfixture import make_kb

COURSE = Path(__file__).parent / "fixtures" / "courses" / "jia-ke-cheng.yaml"
STAGES = {s.value for s in Stage}


def kb_with_course(tmp_path):
    kb = make_kb(tmp_path)
    (kb.root / "data" / "courses").mkdir(exist_ok=True)
    shutil.copy(COURSE, kb.root / "data" / "courses" / COURSE.name)
    return kb


def headings(doc, level: int) -> list[str]:
    return [p.text for p in doc.paragraphs if p.style.name == f"Heading {level}"]


def comparison_tables(doc):
    return [t for t in doc.tables if t.rows[0].cells[0].text == "对比项"]


def east_asia_font(doc, style: str) -> str | None:
    fonts = doc.styles[style].element.rPr.find(qn("w:rFonts"))
    return None if fonts is None else fonts.get(qn("w:eastAsia"))


def assert_handout_basics(doc) -> None:
    """Page numbers in the footer; 宋体/黑体 named for East Asian text; no theme font overrides."""
    footer = doc.sections[0].footer._element.xml
    assert "<w:instrText" in footer and " PAGE " in footer and 'w:fldCharType="begin"' in footer
    assert east_asia_font(doc, "Normal") == "宋体"
    for style in ("Title", "Heading 1", "Heading 2", "Heading 3"):
        assert east_asia_font(doc, style) == "黑体", style
        fonts = doc.styles[style].element.rPr.find(qn("w:rFonts"))
        assert fonts.get(qn("w:eastAsiaTheme")) is None  # a theme font would win over 黑体
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert defaults.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "宋体"
    assert defaults.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"


def assert_course_handout(path: Path, graph, course) -> None:
    doc = Document(str(path))
    kb = graph.kb
    views = module_views(graph, course)
    assert [p.text for p in doc.paragraphs if p.style.name == "Title"] == [clean(course.name)]
    text = "\n".join(p.text for p in doc.paragraphs)
    assert f"对象：{clean(course.audience)}" in text and f"时长：{clean(course.duration)}" in text
    assert "数据截至：" in text

    # A Heading 1 per module, in order; a Heading 3 for every practice read in it.
    modules = [h for h in headings(doc, 1) if h.startswith("第") and "单元" in h]
    assert modules == [f"{v.label}　{clean(v.module.title)}" for v in views]
    practice_headings = headings(doc, 3)
    for v in views:
        for practice in v.practices:
            assert clean(practice.name) in practice_headings

    # Objectives as bullets, questions as a numbered list.
    bullets = [p.text for p in doc.paragraphs if p.style.name == "List Bullet"]
    numbered = [p.text for p in doc.paragraphs if p.style.name == "List Number"]
    for v in views:
        assert all(clean(o) in bullets for o in v.module.objectives)
        assert all(clean(q) in numbered for q in v.module.questions)

    # Each comparison is a real table: header row (repeated on every page) with the practice
    # names, a row per stage the practices describe, in lifecycle order.
    expected = [v.comparison for v in views if v.comparison]
    tables = comparison_tables(doc)
    assert len(tables) == sum(math.ceil(len(c.columns) / 4) for c in expected)
    tables = iter(tables)
    for cmp in expected:
        for start in range(0, len(cmp.columns), 4):
            table = next(tables)
            header = table.rows[0]
            assert [c.text for c in header.cells[1:]] == [clean(c.practice.name) for c in cmp.columns[start:start + 4]]
            assert header._tr.trPr.find(qn("w:tblHeader")) is not None
            labels = [row.cells[0].text for row in table.rows[1:]]
            assert [x for x in labels if x in STAGES] == [s.value for s in cmp.stages]
            assert labels[:2] == ["组织", "地区"] and labels[-3:] == ["组成部分", "成效", "出处"]
            for i, column in enumerate(cmp.columns[start:start + 4], start=1):
                for stage in cmp.stages:
                    cell = table.rows[labels.index(stage.value) + 1].cells[i].text
                    steps = column.steps.get(stage, [])
                    assert all(clean(name) in cell for name, _ in steps) and (steps or cell == "—")

    # Every source the course draws on is cited in GB/T 7714 in the reference list.
    assert "参考文献" in headings(doc, 1)
    references = [p.text for p in doc.paragraphs if p.text.startswith("[")]
    for n, source in enumerate(course_references(graph, course), start=1):
        assert f"[{n}] {gbt7714(source, kb)}" in references
    assert_handout_basics(doc)


def test_course_export_matches_the_record(tmp_path):
    kb = kb_with_course(tmp_path)
    out = tmp_path / "讲义.docx"
    result = run_kb("--project", str(kb.root), "export", "course", "甲培训", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"已导出课程“甲课程”（2 个单元）：{out}"
    graph = kb.check().graph
    assert_course_handout(out, graph, graph.kb.courses["jia-ke-cheng"])
    doc = Document(str(out))
    # The fixture's own details: the practice read twice is described once, then referred to.
    assert headings(doc, 3).count("乙协商") == 2
    assert "见第一单元。" in [p.text for p in doc.paragraphs]
    assert headings(doc, 2)[:5] == ["学习目标", "阅读材料", "对比：甲工作法、乙协商", "讨论题", "讲师提示"]
    table = comparison_tables(doc)[0]
    assert [r.cells[1].text for r in table.rows] == [
        "甲工作法", "甲市政协", "甲省 › 甲市", "开门选题：向群众征集议题。", "现场协商：在议事会上协商。",
        "—", "每年开展许多协商活动。", "[1] 测试文献"]
    assert [p.text for p in doc.paragraphs if p.text.startswith("[1]")] == ["[1] 测试文献[Z]. 测试网, 2024-01-02."]
    assert doc.core_properties.title == "甲课程" and doc.core_properties.language == "zh-CN"



def test_each_question_list_counts_from_one(tmp_path):
    kb = kb_with_course(tmp_path)
    out = tmp_path / "讲义.docx"
    assert run_kb("--project", str(kb.root), "export", "course", "甲课程", "-o", str(out)).returncode == 0
    doc = Document(str(out))
    lists: dict[str, list[str]] = {}
    for p in doc.paragraphs:
        if p.style.name == "List Number":
            num_id = p._p.pPr.find(qn("w:numPr")).find(qn("w:numId")).get(qn("w:val"))
            lists.setdefault(num_id, []).append(p.text)
    # One numbering instance per module's questions, so Word numbers each list 1, 2, …
    assert list(lists.values()) == [["你所在的地方怎样选题？", "议事会怎样才能开得有实效？"], ["借鉴外地做法时要注意什么？"]]
    numbering = doc.part.numbering_part.element
    for num_id in lists:
        num = next(n for n in numbering.findall(qn("w:num")) if n.get(qn("w:numId")) == num_id)
        assert num.find(qn("w:lvlOverride")).find(qn("w:startOverride")).get(qn("w:val")) == "1"


def test_practices_export_has_a_heading_each_and_a_comparison(tmp_path):
    kb = make_kb(tmp_path)
    out = tmp_path / "out.docx"
    result = run_kb("--project", str(kb.root), "export", "practices", "甲法", "乙协商", "甲工作法", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "已导出实践 2 项（甲工作法、乙协商）" in result.stdout  # the same practice twice is exported once
    doc = Document(str(out))
    assert headings(doc, 1) == ["甲工作法", "乙协商", "对比：甲工作法、乙协商", "参考文献"]
    assert headings(doc, 2) == ["运行步骤", "成效"]  # 甲工作法 has steps and outcomes; 乙协商 neither
    steps = [t for t in doc.tables if t.rows[0].cells[0].text == "环节"][0]
    assert [[c.text for c in r.cells] for r in steps.rows[1:]] == [["选题", "开门选题", "向群众征集议题。"],
                                                                   ["协商", "现场协商", "在议事会上协商。"]]
    assert [c.text for c in comparison_tables(doc)[0].rows[0].cells] == ["对比项", "甲工作法", "乙协商"]
    assert "每年开展许多协商活动。（原文数字：30多场次）" in [p.text for p in doc.paragraphs]
    assert_handout_basics(doc)


def test_unknown_course_is_a_chinese_error_with_candidates(tmp_path):
    kb = kb_with_course(tmp_path)
    out = tmp_path / "x.docx"
    result = run_kb("--project", str(kb.root), "export", "course", "甲课", "-o", str(out))
    assert result.returncode == 1
    assert result.stderr.strip() == "错误：找不到培训课程“甲课”；相近的有：甲课程"
    assert "Traceback" not in result.stdout + result.stderr and not out.exists()
    result = run_kb("--project", str(kb.root), "export", "course", "毫不相干", "-o", str(out))
    assert result.returncode == 1 and "已有的培训课程：甲课程" in result.stderr
    result = run_kb("--project", str(kb.root), "export", "practices", "甲法", "丁法", "-o", str(out))
    assert result.returncode == 1 and "找不到实践“丁法”" in result.stderr and not out.exists()


def test_export_refuses_a_missing_folder_and_bad_data_without_traceback(tmp_path):
    kb = kb_with_course(tmp_path)
    result = run_kb("--project", str(kb.root), "export", "course", "甲课程", "-o", str(tmp_path / "nope" / "x.docx"))
    assert result.returncode == 1 and "文件夹不存在" in result.stderr
    kb.edit("courses/jia-ke-cheng.yaml", "practices: [乙协商]", "practices: [丙协商]")
    result = run_kb("--project", str(kb.root), "export", "course", "甲课程", "-o", str(tmp_path / "x.docx"))
    assert result.returncode == 1 and "找不到实践“丙协商”" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_shipped_courses_export(tmp_path):
    checked = check(Project(ROOT))
    assert checked.graph is not None, [e.format() for e in checked.problems.errors]
    courses = checked.graph.kb.courses
    assert len(courses) >= 2, "the knowledge base ships at least two courses"
    for course in courses.values():
        out = tmp_path / f"{course.id}.docx"
        result = run_kb("export", "course", course.name, "-o", str(out))
        assert result.returncode == 0, result.stderr
        assert_course_handout(out, checked.graph, course)
        assert len(comparison_tables(Document(str(out)))) >= 1


@pytest.mark.parametrize("name", ["六式", "四双"])
def test_shipped_practices_export(tmp_path, name):
    out = tmp_path / "p.docx"
    result = run_kb("export", "practices", name, "协商在一线", "-o", str(out))
    assert result.returncode == 0, result.stderr
    doc = Document(str(out))
    assert len(headings(doc, 1)) == 4 and len(comparison_tables(doc)) == 1


# --- the XML a client reads (issue 15) ----------------------------------------------------------

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
CJK = re.compile("[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef\u201c\u201d]")
CHINESE_PUNCTUATION = "“”‘’—…·"


@pytest.fixture(scope="module")
def shipped(tmp_path_factory) -> dict[str, Path]:
    """Both shipped courses, a 3-practice comparison and a single practice, exported (under
    umask 022, whatever the test runner's is)."""
    umask = os.umask(0o022)
    try:
        return shipped_handouts(tmp_path_factory.mktemp("handouts"))
    finally:
        os.umask(umask)


def shipped_handouts(tmp_path) -> dict[str, Path]:
    out = {}
    checked = check(Project(ROOT))
    for course in checked.graph.kb.courses.values():
        out[course.id] = tmp_path / f"{course.id}.docx"
        assert run_kb("export", "course", course.id, "-o", str(out[course.id])).returncode == 0
    out["compare"] = tmp_path / "compare.docx"
    assert run_kb("export", "practices", "六式", "吉思广益", "协商在基层", "-o", str(out["compare"])).returncode == 0
    out["practice"] = tmp_path / "practice.docx"
    assert run_kb("export", "practices", "四双", "-o", str(out["practice"])).returncode == 0
    return out


def test_handout_xml_is_what_every_client_reads_the_same(shipped):
    for name, path in shipped.items():
        doc = Document(str(path))
        body = doc.element.body
        # One width per column, identical in the grid and in every cell, filling the text area.
        tables = body.iter(f"{W}tbl")
        count = 0
        for tbl in tables:
            count += 1
            grid = [int(c.get(f"{W}w")) for c in tbl.find(f"{W}tblGrid")]
            assert sum(grid) == 9184, name
            for tr in tbl.findall(f"{W}tr"):
                cells = [int(tc.find(f"{W}tcPr").find(f"{W}tcW").get(f"{W}w")) for tc in tr.findall(f"{W}tc")]
                assert cells == grid, name
                assert tr.find(f"{W}trPr/{W}cantSplit") is None  # rows may break across pages
            assert tbl.find(f"{W}tr/{W}trPr/{W}tblHeader") is not None
        assert count >= 1, name
        # 目录: a TOC field whose cached result lists the headings, with their numbers.
        assert 'TOC \\o "1-3"' in "".join(t.text or "" for t in body.iter(f"{W}instrText"))
        toc = [p.text for p in doc.paragraphs if p.style.name.lower().startswith("toc ")]
        assert toc and any(t.startswith("一、") for t in toc), (name, toc[:5])
        assert "目录" in [p.text for p in doc.paragraphs if p.style.name == "TOC Heading"]
        # Heading numbering from a multilevel list: 一、 （一） 1.
        numbered = [p for p in doc.paragraphs if p.style.name.startswith("Heading") and p._p.pPr.numPr is not None]
        assert numbered, name
        # No italic run with Chinese text; runs with Chinese punctuation carry the East Asian hint.
        for run in body.iter(f"{W}r"):
            text = "".join(t.text or "" for t in run.iter(f"{W}t"))
            rpr = run.find(f"{W}rPr")
            if CJK.search(text):
                assert rpr is None or rpr.find(f"{W}i") is None, text
            if any(ch in text for ch in CHINESE_PUNCTUATION):
                fonts = rpr.find(f"{W}rFonts") if rpr is not None else None
                assert fonts is not None and fonts.get(f"{W}hint") == "eastAsia", text
        for style in doc.styles:
            if style.type == 1 and style.font.italic:
                raise AssertionError(f"style {style.name} is italic")


def test_handout_package_hygiene(shipped):
    paths = shipped
    graph = check(Project(ROOT)).graph
    for name, path in paths.items():
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, name  # the umask's, not mkstemp's 0600
        with zipfile.ZipFile(path) as z:
            assert z.testzip() is None
            names = z.namelist()
            assert not any("thumbnail" in n for n in names)
            assert "Microsoft Macintosh Word" not in z.read("docProps/app.xml").decode()
            assert all(i.compress_type == zipfile.ZIP_DEFLATED and i.date_time[0] >= 2020 for i in z.infolist())
        props = Document(str(path)).core_properties
        assert props.author == "协商实践知识库" and props.language == "zh-CN"
        assert "数据截至" in props.comments and props.created.date().isoformat() in props.comments
        assert props.title
    assert Document(str(paths["practice"])).core_properties.title == "四双"
    assert {Document(str(paths[c.id])).core_properties.title for c in graph.kb.courses.values()} == {
        c.name for c in graph.kb.courses.values()}


def test_short_exports_have_a_title_block_and_regions_read_once(shipped):
    paths = shipped
    doc = Document(str(paths["practice"]))
    xml = doc.element.body.xml
    assert 'w:type="page"' not in xml  # no cover page: title, subtitle, facts, 目录, text
    assert [p.style.name for p in doc.paragraphs[:2]] == ["Title", "Subtitle"]
    for path in paths.values():
        for table in Document(str(path)).tables:
            for row in table.rows:
                if row.cells[0].text == "地区":
                    for cell in row.cells[1:]:
                        assert not re.search(r"(省|市)（\1）", cell.text), cell.text  # not 湖北省（省）


# --- where kb export writes (issue 10, item 6) ----------------------------------------------------


def test_default_names_are_safe():
    from generator.export_docx import safe_filename

    assert safe_filename("../../etc/passwd") == "etc_passwd"
    assert safe_filename("/abs/name") == "abs_name"
    assert safe_filename("..") == "讲义" and safe_filename(".hidden") == "hidden"
    assert safe_filename("CON") == "_CON" and safe_filename("lpt1.txt") == "_lpt1.txt"
    assert safe_filename("a\x00b\x1fc\u202ed") == "a_b_c_d"
    assert safe_filename('a:b*c?"d<e>f|g\\h') == "a_b_c__d_e_f_g_h"
    assert len(safe_filename("协" * 500).encode("utf-8")) <= 200
    assert safe_filename("协商在一线") == "协商在一线"


def test_export_default_name_stays_in_the_folder_and_never_overwrites(tmp_path):
    kb = make_kb(tmp_path / "kb")
    kb.edit("practices/jia-gong-zuo-fa.yaml", "name: 甲工作法", "name: ../甲工作法")
    work = tmp_path / "work"
    work.mkdir()
    result = run_kb("--project", str(kb.root), "export", "practices", "甲法", cwd=work)
    assert result.returncode == 0, result.stderr
    assert [p.name for p in work.iterdir()] == ["甲工作法.docx"] and not (tmp_path / "甲工作法.docx").exists()
    before = (work / "甲工作法.docx").read_bytes()
    result = run_kb("--project", str(kb.root), "export", "practices", "甲法", cwd=work)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == "错误：文件已存在：甲工作法.docx；要覆盖它，请加 --force"
    assert (work / "甲工作法.docx").read_bytes() == before
    result = run_kb("--project", str(kb.root), "export", "practices", "甲法", "乙协商", "--force", "-o", str(work / "甲工作法.docx"), cwd=work)
    assert result.returncode == 0 and (work / "甲工作法.docx").read_bytes() != before
    assert [p.name for p in work.iterdir()] == ["甲工作法.docx"]  # no temporary file left


@pytest.mark.parametrize("target, message", [
    ("/proc/version", "无法写入 /proc/version.docx：这个位置不能新建文件"),
    ("/proc/version.docx", "无法写入 /proc/version.docx：这个位置不能新建文件"),
    ("/proc/kb-handout.docx", "无法写入 /proc/kb-handout.docx："),
    ("{tmp}/nope/x.docx", "无法写入 {tmp}/nope/x.docx：文件夹不存在"),
    ("{tmp}/locked/x.docx", "无法写入 {tmp}/locked/x.docx："),
])
def test_export_to_a_place_it_cannot_write_is_a_chinese_error(tmp_path, target, message):
    kb = make_kb(tmp_path / "kb")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    target, message = target.format(tmp=tmp_path), message.format(tmp=tmp_path)
    try:
        result = run_kb("--project", str(kb.root), "export", "practices", "甲法", "-o", target)
        if os.geteuid() == 0 and "locked" in target:  # root ignores permission bits: the write succeeds
            assert result.returncode == 0
            return
        assert result.returncode == 1, result.stdout
        assert result.stderr.startswith("错误：" + message), result.stderr
        assert "Traceback" not in result.stderr and "内部错误" not in result.stderr
        result = run_kb("--project", str(kb.root), "export", "practices", "甲法", "-o", target, "--force")
        assert result.returncode == 1 and "Traceback" not in result.stderr and "内部错误" not in result.stderr
        assert target in result.stderr
    finally:
        locked.chmod(0o700)
