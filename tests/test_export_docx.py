"""`kb export` writes Word handouts; python-docx opens them and they are checked against the
records: module and practice headings, the comparison as a real table, GB/T 7714 citations,
a PAGE field in the footer, Chinese fonts for East Asian text, Chinese errors."""

from __future__ import annotations

import math
import shutil
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
