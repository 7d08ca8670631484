"""Courses: the course page (modules, readings linked, the comparison inline, questions, notes,
references), the course index, what `kb check` says about a bad course, `kb new course`, and
the data the compare view reads."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import yaml

from conftest import ROOT, run_kb
from generator.citation import gbt7714
from generator.courses import chinese_number, compare, module_label
from generator.exports import data_files
from generator.render import render_course, render_courses_index, render_compare
from kbfixture import make_kb, only_error

COURSE = Path(__file__).parent / "fixtures" / "courses" / "jia-ke-cheng.yaml"


def kb_with_course(tmp_path):
    kb = make_kb(tmp_path)
    (kb.root / "data" / "courses").mkdir(exist_ok=True)
    shutil.copy(COURSE, kb.root / "data" / "courses" / COURSE.name)
    return kb


def graph_of(kb):
    checked = kb.check()
    assert checked.problems.errors == [], [e.format() for e in checked.problems.errors]
    return checked.graph


def test_course_page_has_modules_readings_comparison_questions_and_references(tmp_path):
    g = graph_of(kb_with_course(tmp_path))
    page = render_course(g.kb.courses["jia-ke-cheng"], g)
    text = page.content
    assert page.path == "courses/jia-ke-cheng.md"
    assert text.startswith("---\ntitle: \"甲课程\"")
    assert "- **对象**　市县政协机关干部" in text and "- **时长**　半天（3学时）" in text
    # Modules in order, each a level-2 heading with its Chinese ordinal.
    headings = re.findall(r"^## (.+)$", text, re.M)
    assert headings == ["课程简介", "第一单元　认识甲工作法", "第二单元　从借鉴到创新", "参考文献"]
    assert "### 学习目标\n\n- 说出甲工作法的两个环节\n- 比较甲工作法与乙协商的异同\n" in text
    # Readings: practices with organization and region, the method, the term at its glossary anchor.
    assert "- [甲工作法](../practices/jia-gong-zuo-fa.md)　<span class=\"kb-muted\">[甲市政协](../organizations/jia-shi-zheng-xie.md)" in text
    assert "[甲省](../regions/jia-sheng.md) › [甲市](../regions/jia-shi.md) · 市</span>" in text
    assert "- 通用做法 [议事会](../methods/yi-shi-hui.md)：" in text
    assert "- 术语 [专门协商机构](../glossary/index.md#zhuan-men-xie-shang-ji-gou)：人民政协的定位。" in text
    # The comparison: a column per practice, a row per stage either describes.
    assert "### 对比：甲工作法、乙协商" in text
    assert "| 对比项 | [甲工作法](../practices/jia-gong-zuo-fa.md) | [乙协商](../practices/yi-xie-shang.md) |" in text
    assert "| **选题** | **开门选题**：向群众征集议题。 | — |" in text
    assert re.search(r"^\| \*\*协商\*\* \| \*\*现场协商\*\*：", text, re.M)
    assert "以上实践均未写明的环节：调研、筹备、成果" in text
    assert "### 讨论题\n\n1. 你所在的地方怎样选题？\n2. 议事会怎样才能开得有实效？\n" in text
    assert '!!! tip "讲师提示"\n\n    先请学员读甲工作法的两个步骤，再分组讨论。' in text
    # References in GB/T 7714, escaped for Markdown, linked to the source page.
    source = g.kb.sources["wen-xian"]
    assert gbt7714(source, g.kb) == "测试文献[Z]. 测试网, 2024-01-02."
    assert "1. 测试文献&#91;Z&#93;. 测试网, 2024-01-02.　[来源页面](../sources/wen-xian.md)" in text


def test_course_text_cannot_inject_markdown(tmp_path):
    kb = kb_with_course(tmp_path)
    kb.edit("courses/jia-ke-cheng.yaml", "- 你所在的地方怎样选题？", "- '# 标题 [链接](x.md) | 表格 <script>'")
    kb.edit("courses/jia-ke-cheng.yaml", "title: 认识甲工作法", "title: '认识 <b>甲</b> | 工作法'")
    g = graph_of(kb)
    text = render_course(g.kb.courses["jia-ke-cheng"], g).content
    assert "<script>" not in text and "<b>" not in text and "](x.md" not in text
    assert "1. &#35;标题&#91;链接&#93;(x.md) &#124;表格&#60;script&#62;" in text
    assert "## 第一单元　认识&#60;b&#62;甲&#60;/b&#62; &#124;工作法" in text


def test_course_index_lists_courses_and_points_to_the_compare_view(tmp_path):
    g = graph_of(kb_with_course(tmp_path))
    text = render_courses_index(g).content
    assert "## 甲课程" in text and "[进入课程](jia-ke-cheng.md)" in text
    assert "对象：市县政协机关干部" in text and "共 2 个单元" in text
    assert "[按环节对比](../explore/compare.md)" in text
    empty = graph_of(make_kb(tmp_path / "empty"))
    assert "暂无课程" in render_courses_index(empty).content


def test_compare_page_keeps_the_static_comparison_and_hosts_the_view(tmp_path):
    g = graph_of(kb_with_course(tmp_path))
    text = render_compare(g).content
    assert '<div id="kb-compare" class="kb-compare" data-kb-data="data/practices.js" hidden></div>' in text
    assert '<div class="kb-compare-static" markdown>' in text
    # the matrix macro, shared: a dot for the eye, 写明 for a screen reader (issue 17)
    assert '| [甲工作法](../practices/jia-gong-zuo-fa.md) | <span aria-hidden="true">●</span><span class="kb-sr">写明</span> |' in text


def test_chinese_ordinals():
    assert [chinese_number(n) for n in (1, 9, 10, 11, 20, 23, 99, 100)] == ["一", "九", "十", "十一", "二十", "二十三", "九十九", "100"]
    assert module_label(4) == "第四单元"


def test_comparison_rows_follow_the_records(tmp_path):
    g = graph_of(kb_with_course(tmp_path))
    cmp = compare(g, [g.kb.practices["jia-gong-zuo-fa"], g.kb.practices["yi-xie-shang"]])
    assert [s.value for s in cmp.stages] == ["选题", "协商"]
    assert len(cmp.missing) == 8
    first = cmp.columns[0]
    assert first.org == "甲市政协" and first.region == "甲省 › 甲市" and first.level == "市"
    assert [s.name for s in first.sources] == ["测试文献"]


# --- validation -------------------------------------------------------------------------------


def test_unknown_practice_in_a_module_names_file_line_and_field(tmp_path):
    kb = kb_with_course(tmp_path)
    kb.edit("courses/jia-ke-cheng.yaml", "practices: [甲工作法, 乙协商]", "practices: [甲工作法, 丙协商]")
    error = only_error(kb)
    assert error.path == "data/courses/jia-ke-cheng.yaml"
    assert error.line == 13
    assert error.field == "modules[0].practices[1]"
    assert error.message.startswith("找不到实践“丙协商”")
    assert "乙协商" in error.message  # the close match is suggested


def test_term_given_where_a_practice_belongs_is_explained(tmp_path):
    kb = kb_with_course(tmp_path)
    kb.edit("courses/jia-ke-cheng.yaml", "compare: [甲工作法, 乙协商]", "compare: [甲工作法, 专门协商机构]")
    error = only_error(kb)
    assert (error.line, error.field) == (19, "modules[0].compare[1]")
    assert "“专门协商机构”是术语，不是实践" in error.message


def test_comparison_of_one_practice_is_an_error(tmp_path):
    kb = kb_with_course(tmp_path)
    kb.edit("courses/jia-ke-cheng.yaml", "compare: [甲工作法, 乙协商]", "compare: [甲工作法]")
    error = only_error(kb)
    assert (error.line, error.field, error.message) == (19, "modules[0].compare", "对比至少需要 2 项实践")


def test_the_same_practice_twice_in_a_comparison_is_an_error(tmp_path):
    kb = kb_with_course(tmp_path)
    kb.edit("courses/jia-ke-cheng.yaml", "compare: [甲工作法, 乙协商]", "compare: [甲工作法, 甲法]")
    error = only_error(kb)
    assert (error.field, error.message) == ("modules[0].compare[1]", "同一项实践在对比中出现了两次")


def test_module_without_objectives_is_an_error(tmp_path):
    kb = kb_with_course(tmp_path)
    kb.edit("courses/jia-ke-cheng.yaml", "    objectives: [了解乙协商怎样借鉴甲工作法]\n", "")
    error = only_error(kb)
    assert (error.line, error.field) == (21, "modules[1].objectives")
    assert error.message.startswith("缺少必填字段 objectives")


def test_course_warnings(tmp_path):
    kb = kb_with_course(tmp_path)
    kb.edit("courses/jia-ke-cheng.yaml", "title: 从借鉴到创新", "title: 认识甲工作法")
    kb.edit("courses/jia-ke-cheng.yaml", "    practices: [乙协商]\n", "")
    kb.edit("courses/jia-ke-cheng.yaml", "audience: 市县政协机关干部", "audience: 待填")
    warnings = [w.format() for w in kb.warnings() if w.path.startswith("data/courses/")]
    assert "data/courses/jia-ke-cheng.yaml:21: modules[1].title: 与第 1 个单元标题相同；单元标题应能区分各单元" in warnings
    assert "data/courses/jia-ke-cheng.yaml:21: modules[1].title: 这个单元没有任何阅读材料（practices、methods、terms）或对比" in warnings
    assert "data/courses/jia-ke-cheng.yaml:4: audience: 仍是模板中的占位文字“待填”" in warnings
    # 乙协商 has neither steps nor components: its column would be empty.
    assert any("modules[0].compare[1]: “乙协商”既没有运行步骤也没有组成部分" in w for w in warnings)
    assert kb.errors() == []


# --- scaffold ------------------------------------------------------------------------------------


def test_new_course_scaffold_fills_in_to_a_clean_course(tmp_path):
    kb = make_kb(tmp_path)
    result = run_kb("--project", str(kb.root), "new", "course", "基层协商入门")
    assert result.returncode == 0, result.stderr
    rel = "courses/ji-ceng-xie-shang-ru-men.yaml"
    text = kb.read(rel)
    assert text.startswith("# yaml-language-server: $schema=../../schema/course.schema.json")
    assert yaml.safe_load(text)["name"] == "基层协商入门"
    # As scaffolded it is valid but says what is still to fill in.
    assert kb.errors() == []
    assert any("待填" in w.message for w in kb.warnings() if w.path == f"data/{rel}")
    kb.edit(rel, "audience: 待填", "audience: 乡镇干部")
    kb.edit(rel, "duration: 待填 ", "duration: 2 学时 ")
    kb.edit(rel, "title: 待填 ", "title: 甲工作法 ")
    kb.edit(rel, "- 待填：学完本单元，学员能……", "- 能讲清甲工作法的流程")
    kb.edit(rel, "practices: []  ", "practices: [甲工作法]  ")
    kb.edit(rel, "compare: []  ", "compare: [甲工作法, 乙协商]  ")
    assert kb.errors() == []
    assert [w.format() for w in kb.warnings() if w.path == f"data/{rel}" and "乙协商" not in w.message] == []


def test_course_schema_is_committed():
    schema = json.loads((ROOT / "schema" / "course.schema.json").read_text(encoding="utf-8"))
    module = schema["$defs"]["Module"]
    assert {"objectives", "practices", "compare", "questions", "notes"} <= set(module["properties"])


# --- the compare view's data ---------------------------------------------------------------------


def _script_payload(blob: bytes, variable: str) -> dict:
    text = blob.decode("utf-8").strip()
    if text.startswith(f"window.{variable}=Object.assign("):
        text = text[len(f"window.{variable}=Object.assign(window.{variable}||{{}},"):-2]
    else:
        text = text[len(f"window.{variable}="):-1]
    return json.loads(text)


def test_compare_view_data_has_details_in_shards(tmp_path):
    g = graph_of(kb_with_course(tmp_path))
    files = data_files(g)
    rows = _script_payload(files["explore/data/practices.js"], "KB_PRACTICES")["practices"]
    row = next(r for r in rows if r["id"] == "jia-gong-zuo-fa")
    assert row["detail"] == "explore/data/detail/000.js"  # one shard for a small knowledge base
    detail = _script_payload(files[row["detail"]], "KB_DETAIL")["jia-gong-zuo-fa"]
    assert detail["steps"] == [["选题", "开门选题", "向群众征集议题。"], ["协商", "现场协商", "在议事会上协商。"]]
    assert detail["outcomes"] == [["每年开展许多协商活动。", ["30多场次"]]]
    assert detail["sources"] == [{"name": "测试文献", "url": "sources/wen-xian.html", "cite": "测试文献[Z]. 测试网, 2024-01-02."}]
    assert b"</script" not in files[row["detail"]]


def test_detail_shards_scale_with_the_number_of_practices():
    from generator.exports import detail_shard, shard_count

    assert shard_count(30) == 1 and shard_count(100) == 1 and shard_count(101) == 2 and shard_count(20_000) == 200
    paths = {detail_shard(f"p-{i}", 200) for i in range(20_000)}
    assert len(paths) == 200
