"""Contributions without the command line: `kb template` writes Word and Excel forms derived
from the model, an office fills them in (here: programmatically, as Word/WPS/Excel would leave
them), and `kb import` turns them into records through the same loader and checks as `kb check`
— or says, at the table row or cell, what to fix, and writes nothing.

The round trip covers every shipped practice in both formats: filled from the record, read
back into a knowledge base without practices, checked, and compared with the record."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import time
from copy import deepcopy
from pathlib import Path

import openpyxl
import pytest
from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from pydantic import Field

from conftest import ROOT, copy_project, review_path, run_kb
from generator import cli
from generator.load import parse_text
from generator.model import MAX_NAME_CHARS, TYPES_BY_NAME, Practice, Stage
from generator.office_form import Kind, form_for, forms, label_key
from generator.office_import import plan_import
from generator.pipeline import check
from generator.problems import Problems
from generator.project import Project
from generator.validate import iter_refs
from kbfixture import make_kb

TODAY = dt.date.today().isoformat()


# --- filling forms as an office would ---------------------------------------------------------------


def _text(tc) -> str:
    return "\n".join("".join(t.text or "" for t in p.iter(qn("w:t"))) for p in tc.iter(qn("w:p")))


def _set(tc, text: str) -> None:
    for p in tc.findall(qn("w:p")):
        tc.remove(p)
    for line in text.split("\n"):
        p, r, t = OxmlElement("w:p"), OxmlElement("w:r"), OxmlElement("w:t")
        t.text = line
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        r.append(t)
        p.append(r)
        tc.append(p)


def _plain(label: str) -> str:
    return label_key(label)


class DocxForm:
    """A Word template being filled in: fields by label, group rows by column heading."""

    def __init__(self, path: Path):
        self.doc = Document(str(path))

    def rows(self, table: int):
        return self.doc.tables[table]._tbl.findall(qn("w:tr"))

    def field(self, table: int, label: str, text: str) -> int:
        for r, tr in enumerate(self.rows(table), start=1):
            tcs = tr.findall(qn("w:tc"))
            if len(tcs) == 3 and _plain(_text(tcs[0])) == _plain(label):
                _set(tcs[1], text)
                return r
        raise AssertionError(f"no field {label}")

    def section(self, table: int, group: str) -> tuple[list[str], list]:
        rows = self.rows(table)
        for i, tr in enumerate(rows):
            tcs = tr.findall(qn("w:tc"))
            if len(tcs) == 1 and _plain(_text(tcs[0])).startswith(_plain(group)):
                headings = [_plain(_text(tc)) for tc in rows[i + 1].findall(qn("w:tc"))]
                data = []
                for tr2 in rows[i + 3:]:
                    if len(tr2.findall(qn("w:tc"))) == 1:
                        break
                    data.append(tr2)
                return headings, data
        raise AssertionError(f"no group {group}")

    def items(self, table: int, group: str, items: list[dict[str, str]]) -> list[int]:
        """Fill the group's rows, inserting rows (a copy of the last, as Word does) when needed."""
        headings, data = self.section(table, group)
        for k, item in enumerate(items):
            if k >= len(data):
                copy = deepcopy(data[-1])
                for tc in copy.findall(qn("w:tc")):
                    _set(tc, "")
                data[-1].addnext(copy)
                data.append(copy)
            tcs = data[k].findall(qn("w:tc"))
            for label, text in item.items():
                _set(tcs[headings.index(_plain(label))], text)
        rows = self.rows(table)
        return [rows.index(tr) + 1 for tr in data[:len(items)]]

    def copy_table(self, table: int) -> None:
        """A second record: the whole table copied below, as the how-to says."""
        tbl = self.doc.tables[table]._tbl
        gap = OxmlElement("w:p")
        tbl.addnext(gap)
        gap.addnext(deepcopy(tbl))

    def save(self, path: Path) -> Path:
        self.doc.save(str(path))
        return path


class XlsxForm:
    def __init__(self, path: Path):
        self.wb = openpyxl.load_workbook(str(path))

    def row(self, sheet: str, values: dict[str, str], r: int | None = None) -> int:
        ws = self.wb[sheet]
        headings = {_plain(str(c.value)): c.column for c in ws[1] if c.value}
        if r is None:
            r = 3
            while any(ws.cell(row=r, column=c).value not in (None, "") for c in headings.values()):
                r += 1
        for label, text in values.items():
            ws.cell(row=r, column=headings[_plain(label)]).value = text
        return r

    def column(self, sheet: str, label: str) -> str:
        ws = self.wb[sheet]
        return next(c.column_letter for c in ws[1] if c.value and _plain(str(c.value)) == _plain(label))

    def save(self, path: Path) -> Path:
        self.wb.save(str(path))
        return path


PRACTICE = {"名称": "丙协商", "政协组织": "甲市政协", "主题": "基层协商", "概要": "丙县政协推行的协商，每月在村里开一次。",
            "完整程度": "简要"}
SOURCE = {"来源文献": "测试文献", "原文摘录": "甲市政协创立了甲工作法"}
STEPS = [{"协商环节": "选题", "步骤名称": "群众出题", "做法": "向村民征集议题。"},
         {"协商环节": "协商", "步骤名称": "院里协商", "做法": "在院子里协商。", "依据·来源文献": "测试文献",
          "依据·原文摘录": "每年开展协商活动30多场次"},
         {"协商环节": "反馈", "步骤名称": "张榜公布", "做法": "把结果贴在村务公开栏。"}]


def kb_template(kb, *args: str) -> Path:
    out = Path(args[args.index("-o") + 1])
    assert cli.main(["--project", str(kb.root), "template", *args]) == 0
    return out


def kb_import(kb, capsys, *args) -> tuple[int, str]:
    capsys.readouterr()
    code = cli.main(["--project", str(kb.root), "import", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "data").rglob("*")) if p.is_file()}


def filled_docx(kb, tmp_path, practice=PRACTICE, steps=STEPS, sources=(SOURCE,), name="模板.docx") -> tuple[Path, DocxForm]:
    form = DocxForm(kb_template(kb, "practice", "-o", str(tmp_path / "blank.docx"), "--force"))
    for label, text in practice.items():
        form.field(0, label, text)
    form.items(0, "运行步骤", list(steps))
    form.items(0, "出处", list(sources))
    return form.save(tmp_path / name), form


def filled_xlsx(kb, tmp_path, practice=PRACTICE, steps=STEPS, sources=(SOURCE,), name="汇总.xlsx") -> tuple[Path, XlsxForm]:
    form = XlsxForm(kb_template(kb, "practice", "-o", str(tmp_path / "blank.xlsx"), "--force"))
    form.row("实践", practice)
    for step in steps:
        form.row("实践-运行步骤", {"所属实践": practice["名称"], **step})
    for source in sources:
        form.row("实践-出处", {"所属实践": practice["名称"], **source})
    return form.save(tmp_path / name), form


def written(kb, rel: str) -> str:
    return (kb.root / "data" / rel).read_text(encoding="utf-8")


# --- the forms come from the model ------------------------------------------------------------------


def test_every_field_of_every_type_is_in_its_form():
    for form in forms():
        covered = {c.path[0] for c in form.columns} | {g.field for g in form.groups}
        assert covered == set(form.type.model_fields) | {"id"}, form.label
        labels = [_plain(c.label) for c in form.columns]
        assert len(labels) == len(set(labels)), form.label
        for group in form.groups:
            inner = [_plain(c.label) for c in group.columns]
            assert len(inner) == len(set(inner)), (form.label, group.label)
    practice = form_for(Practice)
    stage = next(c for g in practice.groups if g.field == "steps" for c in g.columns if c.path == ("stage",))
    assert stage.label == "协商环节" and stage.required and stage.choices == tuple(s.value for s in Stage)
    organization = practice.column("政协组织")
    assert organization.kind is Kind.REF and organization.target == "organization" and organization.required
    evidence = [c.label for g in practice.groups if g.field == "steps" for c in g.columns if c.path[0] == "evidence"]
    assert evidence == ["依据·来源文献", "依据·原文摘录", "依据·出处位置", "依据·说明"]


def test_a_new_model_field_appears_in_both_templates_and_is_imported(tmp_path, capsys):
    """No template code names a field: a field added to the model is in the forms at once."""
    from generator.office_docx import template_docx
    from generator.office_xlsx import template_xlsx

    class Extended(Practice):
        contact: str | None = Field(default=None, title="联系人", description="填报单位的联系人")

    form = form_for(Extended)
    assert form.column("联系人") is not None
    (tmp_path / "x.docx").write_bytes(template_docx([form], [], {}, "2026-12-01"))
    (tmp_path / "x.xlsx").write_bytes(template_xlsx([form], [], {}, "2026-12-01"))
    assert any(_plain(_text(tr.findall(qn("w:tc"))[0])) == "联系人"
               for tr in Document(str(tmp_path / "x.docx")).tables[0]._tbl.findall(qn("w:tr")) if len(tr.findall(qn("w:tc"))) == 3)
    assert "联系人" in [c.value for c in openpyxl.load_workbook(tmp_path / "x.xlsx")["实践"][1]]


def test_blank_templates_show_labels_hints_vocabularies_and_names(tmp_path):
    kb = make_kb(tmp_path)
    docx = kb_template(kb, "practice", "-o", str(tmp_path / "实践.docx"))
    doc = Document(str(docx))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "填写说明" in text and "另存为" in text and "kb import" in text
    assert "甲市政协" in text and "测试文献" in text  # the names references may use, at the end
    table = doc.tables[0]._tbl
    rows = [[_text(tc) for tc in tr.findall(qn("w:tc"))] for tr in table.findall(qn("w:tr"))]
    assert rows[0][0].startswith("实践")
    fields = {r[0]: r for r in rows if len(r) == 3}
    assert "名称 *" in fields and "概要 *" in fields and "开始年份" in fields
    assert "简要、较完整、完整" in fields["完整程度 *"][2]
    assert "基层协商" in fields["主题 *"][2]  # few themes: listed in the hint
    stage_hint = next(r for r in rows if r and r[0].startswith("对应的协商环节"))[0]
    assert all(s.value in stage_hint for s in Stage)
    grey = {r.font.color.rgb for p in doc.tables[0].rows[2].cells[-1].paragraphs for r in p.runs}
    assert {str(c) for c in grey} == {"7F7F7F"}

    wb = openpyxl.load_workbook(kb_template(kb, "practice", "-o", str(tmp_path / "实践.xlsx")))
    assert wb.sheetnames[:2] == ["填写说明", "实践"] and "实践-运行步骤" in wb.sheetnames and wb.sheetnames[-1] == "可选名称"
    ws = wb["实践-运行步骤"]
    assert [c.value for c in ws[1]][:4] == ["所属实践 *", "协商环节 *", "步骤名称 *", "做法 *"]
    lists = {str(dv.sqref).split(":")[0][:1]: dv.formula1 for dv in ws.data_validations.dataValidation}
    assert lists["B"] == '"' + ",".join(s.value for s in Stage) + '"'
    assert lists["A"].startswith("'实践'!$A$3")  # the practices of the main sheet
    names = wb["可选名称"]
    columns = {c.value: [x.value for x in names[c.column_letter][1:] if x.value] for c in names[1]}
    assert columns["政协组织"] == ["甲市政协"] and columns["主题"] == ["基层协商"] and columns["协商环节"] == [s.value for s in Stage]
    assert wb["实践"].freeze_panes == "B3" and wb["实践"]["A2"].font.color.rgb == "FF7F7F7F"


# --- template -> fill -> import -> check ------------------------------------------------------------


def test_filled_word_template_imports_and_checks_clean(tmp_path, capsys):
    kb = make_kb(tmp_path)
    path, _ = filled_docx(kb, tmp_path)
    code, out = kb_import(kb, capsys, path)
    assert code == 0, out
    assert "已新增 data/practices/bing-xie-shang.yaml（实践“丙协商”，来自" in out
    text = written(kb, "practices/bing-xie-shang.yaml")
    assert text.startswith("# yaml-language-server: $schema=../../schema/practice.schema.json\nname: 丙协商\n")
    assert "themes: [基层协商]\n" in text and f"added: {TODAY}\n" in text
    assert "steps:\n  - stage: 选题\n    name: 群众出题\n" in text
    checked = kb.check(seeds=True)
    assert checked.problems.errors == []
    record = checked.kb.practices["bing-xie-shang"]
    assert [s.stage for s in record.steps] == [Stage.TOPIC, Stage.CONSULT, Stage.FEEDBACK]
    assert record.steps[1].evidence.source == "wen-xian" and record.organization == "jia-shi-zheng-xie"
    assert record.added == dt.date.today()


def test_filled_excel_template_imports_and_checks_clean(tmp_path, capsys):
    kb = make_kb(tmp_path)
    path, form = filled_xlsx(kb, tmp_path)
    form.row("实践", {**PRACTICE, "名称": "丁协商", "别名、简称": "丁法\n小丁", "标签": "试点；村级", "开始年份": "2020"})
    form.row("实践-出处", {"所属实践": "丁协商", **SOURCE})
    form.row("实践-相关实践", {"所属实践": "丁协商", "关系种类": "借鉴", "相关实践": "丙协商"})  # a record of the same file
    form.save(path)
    code, out = kb_import(kb, capsys, path)
    assert code == 0, out
    checked = kb.check(seeds=True)
    assert checked.problems.errors == []
    ding = checked.kb.practices["ding-xie-shang"]
    assert ding.aliases == ["丁法", "小丁"] and ding.tags == ["试点", "村级"] and ding.start_year == 2020
    assert ding.relations[0].target == "bing-xie-shang"
    assert len(checked.kb.practices["bing-xie-shang"].steps) == 3
    assert "start_year: 2020\n" in written(kb, "practices/ding-xie-shang.yaml")


def test_several_types_in_one_word_file_refer_to_each_other(tmp_path, capsys):
    """kb template all: a table per type; a new organization and a practice of it in one import."""
    kb = make_kb(tmp_path)
    form = DocxForm(kb_template(kb, "all", "-o", str(tmp_path / "全部.docx")))
    titles = [_text(t._tbl.findall(qn("w:tr"))[0].findall(qn("w:tc"))[0]).split("\n")[0] for t in form.doc.tables]
    assert titles[:5] == ["实践", "政协组织", "通用做法", "术语", "来源文献"]
    org = titles.index("政协组织")
    for label, text in {"名称": "乙县政协", "层级": "县区", "上级政协组织": "甲市政协"}.items():
        form.field(org, label, text)
    form.items(org, "出处", [{"来源文献": "测试文献", "原文摘录": "乙县政協推行乙協商"}])
    for label, text in {**PRACTICE, "政协组织": "乙县政协"}.items():
        form.field(0, label, text)
    form.items(0, "出处", [SOURCE])
    form.copy_table(0)  # a second practice in a copy of the table
    for label, text in {**PRACTICE, "名称": "戊协商", "所属实践": "丙协商"}.items():
        form.field(1, label, text)  # the copy, right below the first
    path = form.save(tmp_path / "多类.docx")
    code, out = kb_import(kb, capsys, path)
    assert code == 0, out
    checked = kb.check(seeds=True)
    assert checked.problems.errors == []
    assert checked.kb.practices["bing-xie-shang"].organization == "yi-xian-zheng-xie"
    assert checked.kb.practices["wu-xie-shang"].part_of == "bing-xie-shang"
    assert checked.kb.organizations["yi-xian-zheng-xie"].parent == "jia-shi-zheng-xie"


# --- what offices do --------------------------------------------------------------------------------


def test_wrong_vocabulary_value_is_placed_at_its_row(tmp_path, capsys):
    kb = make_kb(tmp_path)
    steps = [STEPS[0], {**STEPS[2], "协商环节": "筹划"}]
    path, form = filled_docx(kb, tmp_path, steps=steps)
    rows = form.items(0, "运行步骤", steps)
    before = snapshot(kb.root)
    code, out = kb_import(kb, capsys, path)
    assert code == 1
    assert f"模板.docx: 表 1 第 {rows[1]} 行 “协商环节”: “筹划”不是允许的值；可选：选题、调研" in out
    assert "没有写入任何文件" in out and snapshot(kb.root) == before

    xpath, xform = filled_xlsx(kb, tmp_path, steps=steps)
    code, out = kb_import(kb, capsys, xpath)
    assert code == 1 and f"汇总.xlsx: 实践-运行步骤!{xform.column('实践-运行步骤', '协商环节')}4 “协商环节”: “筹划”不是允许的值" in out
    assert snapshot(kb.root) == before


def test_unknown_organization_names_the_cell_and_suggests(tmp_path, capsys):
    kb = make_kb(tmp_path)
    path, form = filled_xlsx(kb, tmp_path, practice={**PRACTICE, "政协组织": "甲市政治协商会议"})
    code, out = kb_import(kb, capsys, path)
    assert code == 1
    cell = f"{form.column('实践', '政协组织')}3"
    assert f"汇总.xlsx: 实践!{cell} “政协组织”: 找不到政协组织“甲市政治协商会议”；相近的有：甲市政协" in out
    assert not (kb.root / "data/practices/bing-xie-shang.yaml").exists()


def test_missing_required_field_is_placed_at_its_row(tmp_path, capsys):
    kb = make_kb(tmp_path)
    practice = {k: v for k, v in PRACTICE.items() if k != "概要"}
    path, form = filled_docx(kb, tmp_path, practice=practice, sources=())
    row = form.field(0, "概要", "")
    before = snapshot(kb.root)
    code, out = kb_import(kb, capsys, path)
    assert code == 1
    assert f"模板.docx: 表 1 第 {row} 行 “概要”: 必须填写（概要：" in out
    assert "模板.docx: 表 1 第" in out and "“出处”: 必须填写（出处，至少一条）" in out  # the group's title row
    assert snapshot(kb.root) == before


def test_too_long_values_are_placed_and_written_nowhere(tmp_path, capsys):
    kb = make_kb(tmp_path)
    long_name = "长" * (MAX_NAME_CHARS + 1)
    path, form = filled_docx(kb, tmp_path, practice={**PRACTICE, "名称": long_name},
                             sources=({**SOURCE, "原文摘录": "摘" * 81},))
    name_row = form.field(0, "名称", long_name)
    before = snapshot(kb.root)
    code, out = kb_import(kb, capsys, path)
    assert code == 1
    assert f"表 1 第 {name_row} 行 “名称”: 过长：61 字，上限 60 字" in out
    assert "“原文摘录”: 过长：81 字，上限 80 字" in out
    assert snapshot(kb.root) == before


def test_existing_record_is_never_overwritten_without_update(tmp_path, capsys):
    kb = make_kb(tmp_path)
    path = kb_template(kb, "practice", "--from", "甲工作法", "-o", str(tmp_path / "甲.docx"))
    before = snapshot(kb.root)
    code, out = kb_import(kb, capsys, path)
    assert code == 1
    assert "甲.docx: 表 1 第" in out and "已有实践“甲工作法”：data/practices/jia-gong-zuo-fa.yaml；导入不会覆盖已有记录" in out
    assert "--update" in out and snapshot(kb.root) == before
    # Unchanged, --update leaves the file alone; changed, it shows the diff and dates the change.
    code, out = kb_import(kb, capsys, "--update", path)
    assert code == 0 and "未改动 data/practices/jia-gong-zuo-fa.yaml" in out and snapshot(kb.root) == before
    form = DocxForm(path)
    form.field(0, "概要", "甲市政协的协商工作法，在基层开展。")
    form.save(path)
    code, out = kb_import(kb, capsys, "--update", path)
    assert code == 0, out
    assert "-summary: 甲市政协的协商工作法，是专门协商机构在基层的实践。\n+summary: 甲市政协的协商工作法，在基层开展。" in out
    text = written(kb, "practices/jia-gong-zuo-fa.yaml")
    assert text.endswith(f"added: 2024-01-02\nupdated: {TODAY}\n") and kb.check().problems.errors == []
    assert "themes: [基层协商]" in text and "relations:\n  - kind: 相似\n    target: 乙协商\n" in text


def test_an_import_that_collides_by_name_with_the_same_import_is_reported(tmp_path, capsys):
    kb = make_kb(tmp_path)
    path, form = filled_xlsx(kb, tmp_path)
    form.row("实践", PRACTICE)  # the same practice twice
    form.save(path)
    code, out = kb_import(kb, capsys, path)
    assert code == 1 and "汇总.xlsx: 实践!A4 “名称”: 与 实践!A3 同名：一条记录只占一行" in out
    # In Word each table is a record: the check's duplicate-name error names the other table.
    docx, form = filled_docx(kb, tmp_path)
    form.copy_table(0)
    form.save(docx)
    code, out = kb_import(kb, capsys, docx)
    row = form.field(1, "名称", "丙协商")
    assert code == 1 and f"模板.docx: 表 2 第 {row} 行 “名称”: 实践名称“丙协商”与 {docx} 表 1 重复；名称在同类记录中须唯一" in out


def test_dry_run_shows_the_yaml_and_writes_nothing(tmp_path, capsys):
    kb = make_kb(tmp_path)
    path, _ = filled_docx(kb, tmp_path)
    before = snapshot(kb.root)
    code, out = kb_import(kb, capsys, "--dry-run", path)
    assert code == 0
    assert "将新增 data/practices/bing-xie-shang.yaml（实践“丙协商”，来自 " in out
    assert "name: 丙协商\norganization: 甲市政协\n" in out and "试运行：将新增 1 条、更新 0 条；没有写入任何文件" in out
    assert snapshot(kb.root) == before


def test_office_habits_are_tolerated(tmp_path, capsys):
    """Full-width punctuation and digits, trailing spaces, line breaks in cells, 繁体 (except in
    excerpts), hints left in place, empty rows, merged cells: the values an office meant."""
    kb = make_kb(tmp_path)
    practice = {"名称": "丙協商  ", "政协组织": "甲市政協 ", "主题": "1. 基層協商\n", "概要": "丙縣政協推行的協商，\n每月在村里開一次。",
                "完整程度": "簡要。", "层级": "县区，", "开始年份": "２０２０年", "别名、简称": "丙法\n\n小丙 ", "时间表述": "2020.10"}
    steps = [{"协商环节": "选题：", "步骤名称": "群众\n出题", "做法": "向村民征集议题。"},
             {"协商环节": "协 商", "步骤名称": "院里协商", "做法": "在院子里协商。", "依据·来源文献": "测试文献",
              "依据·原文摘录": "乙县政協推行乙協商"},
             {"协商环节": "反馈", "步骤名称": "张榜公布", "做法": "贴在村务公开栏。", "依据·原文摘录": "每年开展协商活动30多场次"}]
    sources = [{**SOURCE, "来源文献": "《测试文献》"}]
    path, form = filled_docx(kb, tmp_path, practice=practice, steps=steps + [{}, {}], sources=sources)  # empty rows too
    # A hint left in a cell, typed after; the last step's source merged down from the one above.
    hint = form_for(Practice).groups[1].columns[2].hint
    headings, data = form.section(0, "运行步骤")
    _set(data[0].findall(qn("w:tc"))[headings.index("做法")], hint + "向村民征集议题。")
    source = headings.index(_plain("依据·来源文献"))
    restart, merged = OxmlElement("w:vMerge"), OxmlElement("w:vMerge")
    restart.set(qn("w:val"), "restart")
    data[1].findall(qn("w:tc"))[source].find(qn("w:tcPr")).append(restart)
    data[2].findall(qn("w:tc"))[source].find(qn("w:tcPr")).append(merged)
    form.save(path)
    code, out = kb_import(kb, capsys, path)
    assert code == 0, out
    text = written(kb, "practices/bing-xie-shang.yaml")
    checked = kb.check(seeds=True)
    assert checked.problems.errors == [], [p.format() for p in checked.problems.errors]
    record = checked.kb.practices["bing-xie-shang"]
    assert record.name == "丙协商" and record.organization == "jia-shi-zheng-xie" and record.themes == ["ji-ceng"]
    assert record.summary == "丙县政协推行的协商，每月在村里开一次。"
    assert record.completeness.value == "简要" and record.level.value == "县区" and record.start_year == 2020
    assert record.aliases == ["丙法", "小丙"] and record.period == "2020.10" and 'period: "2020.10"' in text
    assert [s.stage.value for s in record.steps] == ["选题", "协商", "反馈"]
    assert record.steps[0].name == "群众出题" and record.steps[0].description == "向村民征集议题。"
    assert record.steps[1].evidence.excerpt == "乙县政協推行乙協商"  # verbatim: never converted
    assert record.steps[2].evidence.source == "wen-xian"  # merged from the row above
    assert record.sources[0].source == "wen-xian"  # 《》 around a name dropped
    assert "excerpt: 乙县政協推行乙協商\n" in text


def test_excel_merged_cells_empty_rows_and_line_breaks(tmp_path, capsys):
    kb = make_kb(tmp_path)
    path, form = filled_xlsx(kb, tmp_path)
    ws = form.wb["实践"]
    form.row("实践", {**PRACTICE, "名称": "丁协商", "政协组织": None}, r=6)  # rows 4 and 5 left empty
    org = form.column("实践", "政协组织")
    ws.merge_cells(f"{org}3:{org}6")  # one organization for both practices
    form.row("实践-出处", {"所属实践": "丁协商", **SOURCE})
    form.row("实践", {"名称": "丁协商"}, r=6)
    ws[f"{form.column('实践', '概要')}6"] = "丁县的协商，\r\n每季度一次。"
    form.save(path)
    code, out = kb_import(kb, capsys, path)
    assert code == 0, out
    checked = kb.check()
    assert checked.problems.errors == []
    assert checked.kb.practices["ding-xie-shang"].organization == "jia-shi-zheng-xie"
    assert checked.kb.practices["ding-xie-shang"].summary == "丁县的协商，每季度一次。"


def test_group_rows_must_name_their_record(tmp_path, capsys):
    kb = make_kb(tmp_path)
    path, form = filled_xlsx(kb, tmp_path)
    r = form.row("实践-运行步骤", {"所属实践": "丙协商法", **STEPS[0]})
    form.save(path)
    code, out = kb_import(kb, capsys, path)
    assert code == 1 and f"汇总.xlsx: 实践-运行步骤!A{r} “所属实践”: “实践”表中没有名为“丙协商法”的实践" in out


def test_untrusted_text_meets_the_same_checks(tmp_path, capsys):
    """Office text goes through the loader and the checks: unsafe links, direction overrides."""
    kb = make_kb(tmp_path)
    path, form = filled_xlsx(kb, tmp_path, practice={**PRACTICE, "概要": "见[这里](javascript:alert(1))。"})
    form.row("实践", {**PRACTICE, "名称": "丁\u202e协商"})
    form.save(path)
    code, out = kb_import(kb, capsys, path)
    assert code == 1
    assert f"汇总.xlsx: 实践!{form.column('实践', '概要')}3 “概要”: 含有不安全的链接" in out
    assert "汇总.xlsx: 实践!A4 “名称”: 含有改变文字方向的控制字符 U+202E" in out
    assert not list((kb.root / "data/practices").glob("bing*")) and not list((kb.root / "data/practices").glob("ding*"))


def test_files_that_are_not_templates_get_a_chinese_reason(tmp_path, capsys):
    kb = make_kb(tmp_path)
    (tmp_path / "旧.doc").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    (tmp_path / "假.docx").write_bytes(b"not a zip")
    (tmp_path / "表.xlsx").write_bytes(Path(kb_template(kb, "practice", "-o", str(tmp_path / "t.docx"))).read_bytes())
    code, out = kb_import(kb, capsys, tmp_path / "旧.doc", tmp_path / "假.docx", tmp_path / "表.xlsx", tmp_path / "无.docx")
    assert code == 1
    assert "旧.doc: 不能直接导入 .doc 文件；请在 Word/WPS/Excel 中打开，“另存为” .docx 后再导入" in out
    assert "假.docx: 不是 Word 文件，或已损坏" in out
    assert "表.xlsx: 不是 Excel 文件（扩展名是 .xlsx，内容却不是；也许是 Word 文件改了扩展名）" in out
    assert "无.docx: 找不到这个文件" in out
    result = run_kb("--project", str(kb.root), "import", str(tmp_path / "假.docx"))
    assert result.returncode == 1 and "Traceback" not in result.stderr + result.stdout


def test_a_document_type_declaration_is_refused(tmp_path, capsys):
    import zipfile

    kb = make_kb(tmp_path)
    path, _ = filled_docx(kb, tmp_path)
    hostile = tmp_path / "实体.docx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(hostile, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "word/document.xml":
                data = data.replace(b"?>", b'?><!DOCTYPE d [<!ENTITY a "aaaa">]>', 1)
            dst.writestr(item, data)
    code, out = kb_import(kb, capsys, hostile)
    assert code == 1 and "实体.docx: 含有 XML 文档类型声明" in out


# --- files saved by another office program ------------------------------------------------------------


def soffice_convert(files: list[Path], outdir: Path, target: str) -> list[Path]:
    """Open and save again with LibreOffice (as WPS or another office suite would)."""
    import os
    import tempfile

    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kb-lo-profile-") as profile:
        subprocess.run([shutil.which("soffice"), f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                        "--convert-to", target, "--outdir", str(outdir), *map(str, files)],
                       check=True, capture_output=True, timeout=300, env={**os.environ, "HOME": profile})
    return [outdir / f"{f.stem}.{target}" for f in files]


@pytest.mark.xdist_group("libreoffice")
def test_files_saved_again_by_libreoffice_import_the_same(tmp_path, capsys):
    kb = make_kb(tmp_path)
    docx, form = filled_docx(kb, tmp_path)
    xlsx, _ = filled_xlsx(kb, tmp_path, practice={**PRACTICE, "名称": "丁协商"})
    bad_docx, bad_form = filled_docx(kb, tmp_path, steps=[{**STEPS[0], "协商环节": "筹划"}], name="错.docx")
    bad_row = bad_form.items(0, "运行步骤", [{**STEPS[0], "协商环节": "筹划"}])[0]
    [docx2, bad2] = soffice_convert([docx, bad_docx], tmp_path / "lo", "docx")
    [xlsx2] = soffice_convert([xlsx], tmp_path / "lo", "xlsx")
    assert docx2.read_bytes() != docx.read_bytes()
    reports = {}
    for name, files in (("original", [docx, xlsx]), ("resaved", [docx2, xlsx2])):
        report = plan_import(kb.project, [str(f) for f in files])
        assert report.errors == [], report.errors
        reports[name] = [(p.path, p.text) for p in report.plans]
    assert reports["original"] == reports["resaved"] and len(reports["resaved"]) == 2
    code, out = kb_import(kb, capsys, bad2)
    assert code == 1 and f"错.docx: 表 1 第 {bad_row} 行 “协商环节”: “筹划”不是允许的值" in out


# --- the round trip: every shipped practice, both formats ----------------------------------------------


@pytest.fixture(scope="module")
def shipped():
    checked = check(Project(ROOT))
    assert checked.problems.errors == []
    return checked


@pytest.fixture(scope="module")
def without_practices(tmp_path_factory, shipped):
    """The shipped knowledge base without its practices (and the courses that name them)."""
    root = copy_project(tmp_path_factory.mktemp("roundtrip") / "kb")
    for folder in ("practices", "courses"):
        shutil.rmtree(root / "data" / folder)
    return Project(root)


def expected_yaml_values(shipped, practice):
    """The practice's file as parsed, references written as the names of their targets."""
    raw = parse_text((ROOT / practice.path).read_text(encoding="utf-8"), practice.path, Problems())
    for site in iter_refs(practice):
        target = shipped.kb.of(TYPES_BY_NAME[site.target])[site.value]
        owner = raw
        for part in site.loc[:-1]:
            owner = owner[part]
        owner[site.loc[-1]] = target.name
    return raw


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_every_shipped_practice_round_trips(fmt, shipped, without_practices, tmp_path):
    from generator.office_template import make

    started = time.perf_counter()
    practices = sorted(shipped.kb.practices.values(), key=lambda p: p.id)
    assert len(practices) >= 50
    path = tmp_path / f"全部实践.{fmt}"
    path.write_bytes(make(shipped.graph, ["practice"], fmt, practices))
    report = plan_import(without_practices, [str(path)])
    assert report.errors == [], report.errors[:10]
    assert sorted(p.record_id for p in report.plans) == [p.id for p in practices]
    for plan in report.plans:
        original = shipped.kb.practices[plan.record_id]
        imported = report.kb.practices[plan.record_id]
        assert imported.model_dump() == original.model_dump(), plan.record_id
        assert plan.path == original.path
        assert parse_text(plan.text, plan.path, Problems()) == expected_yaml_values(shipped, original), plan.record_id
    elapsed = time.perf_counter() - started
    assert elapsed < 60, f"{elapsed:.1f} s"


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_each_practice_alone_reads_back_as_in_the_batch(fmt, shipped, tmp_path):
    """`kb template practice --from ID` for each practice on its own gives the same values."""
    from generator.office_docx import read_docx
    from generator.office_import import Names, entry_values
    from generator.office_template import make
    from generator.office_xlsx import read_xlsx

    reader = read_docx if fmt == "docx" else read_xlsx
    names = Names(shipped.kb)
    for practice in shipped.kb.practices.values():
        names.add("practice", [practice.name])
    batch = tmp_path / f"all.{fmt}"
    batch.write_bytes(make(shipped.graph, ["practice"], fmt, list(shipped.kb.practices.values())))
    together = {}
    for entry in reader(batch, "all").entries:
        data, _, record_id = entry_values(entry, names)
        together[record_id] = data
    for practice in shipped.kb.practices.values():
        one = tmp_path / f"{practice.id}.{fmt}"
        one.write_bytes(make(shipped.graph, ["practice"], fmt, [practice]))
        read = reader(one, one.name)
        assert read.problems == [] and len(read.entries) == 1
        data, _, record_id = entry_values(read.entries[0], names)
        assert record_id == practice.id and data == together[practice.id], practice.id


def test_kb_template_from_writes_files_and_refuses_to_overwrite(tmp_path):
    kb = make_kb(tmp_path)
    out = tmp_path / "甲.xlsx"
    result = run_kb("--project", str(kb.root), "template", "practice", "--from", "甲法", "-o", str(out))
    assert result.returncode == 0 and "已写出实践填报模板（已填入 1 条：甲工作法）" in result.stdout
    assert openpyxl.load_workbook(out)["实践"]["A3"].value == "甲工作法"
    again = run_kb("--project", str(kb.root), "template", "practice", "--from", "甲法", "-o", str(out))
    assert again.returncode == 1 and "文件已存在" in again.stderr
    wrong = run_kb("--project", str(kb.root), "template", "practice", "--from", "丁法", "-o", str(tmp_path / "x.docx"))
    assert wrong.returncode == 1 and "找不到实践“丁法”" in wrong.stderr
    bad = run_kb("--project", str(kb.root), "template", "practice", "-o", str(tmp_path / "x.pdf"))
    assert bad.returncode == 1 and "输出文件须以 .docx（Word）或 .xlsx（Excel）结尾" in bad.stderr


# --- how the templates look in an office program ---------------------------------------------------------


@pytest.mark.xdist_group("libreoffice")
def test_templates_lay_out_in_libreoffice(tmp_path, shipped):
    """Blank and filled templates, laid out by LibreOffice: pages saved under review/office/ to
    look at; the Word pages are landscape with the how-to first and every table within the page."""
    from generator.office_template import make
    from generator.preview import to_pdf, to_png

    four = [shipped.kb.practices[i] for i in ("si-shuang", "ji-si-guang-yi")]
    files = {"blank.docx": make(shipped.graph, ["practice"], "docx"), "filled.docx": make(shipped.graph, ["practice"], "docx", four),
             "blank.xlsx": make(shipped.graph, ["practice"], "xlsx"), "filled.xlsx": make(shipped.graph, ["practice"], "xlsx", four)}
    paths = []
    for name, data in files.items():
        folder = tmp_path / name.split(".")[1]
        folder.mkdir(exist_ok=True)
        (folder / name).write_bytes(data)
        paths.append(folder / name)
    pdfs = to_pdf(paths[:2], tmp_path / "pdf-docx") + to_pdf(paths[2:], tmp_path / "pdf-xlsx")
    review = review_path("office")
    review.mkdir(exist_ok=True)
    for pdf, name in zip(pdfs, files):
        to_png(pdf, review / name.replace(".", "-"), dpi=60)
    blank = subprocess.run(["pdftotext", "-layout", str(pdfs[0]), "-"], capture_output=True, text=True, check=True).stdout
    assert "填写说明" in blank and "运行步骤" in blank and "协商环节 *" in blank
    info = subprocess.run(["pdfinfo", str(pdfs[0])], capture_output=True, text=True, check=True).stdout
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    assert width > height  # landscape
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert 3 <= pages <= 8
    filled = subprocess.run(["pdftotext", "-layout", str(pdfs[1]), "-"], capture_output=True, text=True, check=True).stdout
    assert "四双工作载体" in filled and "吉思广益" in filled


# --- the templates on the site ---------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("where", ["intranet", "file"])
def test_contributing_page_downloads_the_templates(where, page, built_site, site_url, requests_log, tmp_path):
    """A county office opens 如何贡献 on the intranet copy (under /kb/) or the copy opened from
    disk, and downloads the Word templates and the workbook; they open as templates."""
    base = f"{site_url}kb/" if where == "intranet" else built_site.resolve().as_uri() + "/"
    page.goto(base + "contributing.html")
    links = page.locator("article a[href*='downloads/']")
    assert links.count() == 6
    got = {}
    for i in range(links.count()):
        with page.expect_download() as info:
            links.nth(i).click()
        target = tmp_path / info.value.suggested_filename
        info.value.save_as(target)
        got[target.name] = target
    assert sorted(got) == sorted(p.name for p in (built_site / "downloads").iterdir())
    for name, path in got.items():
        assert path.read_bytes() == (built_site / "downloads" / name).read_bytes()
        if name.endswith(".docx"):
            label = name.removesuffix("填报模板.docx")
            first = Document(str(path)).tables[0].rows[0].cells[0].text
            assert first.startswith(label), name
        else:
            wb = openpyxl.load_workbook(path)
            assert {"填写说明", "实践", "实践-运行步骤", "政协组织", "来源文献", "地区", "可选名称"} <= set(wb.sheetnames)
            assert "四双" in [c.value for row in wb["可选名称"].iter_rows() for c in row]
    origin = "file://" if where == "file" else site_url.rstrip("/")
    assert requests_log.foreign(origin) == []
    assert page.js_errors == []


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_every_shipped_record_of_every_type_reads_back_from_its_template(fmt, shipped, tmp_path):
    """Organizations, terms, sources, regions, themes, methods, courses too: each type's records
    filled into one template read back as the values of their files (references as names)."""
    from generator.office_docx import read_docx
    from generator.office_import import Names, entry_values
    from generator.office_template import make
    from generator.model import RECORD_TYPES
    from generator.yaml_write import as_loaded

    reader = read_docx if fmt == "docx" else read_xlsx_reader()
    names = Names(shipped.kb)
    for record_type in RECORD_TYPES:
        records = sorted(shipped.kb.of(record_type).values(), key=lambda r: r.id)
        blank = tmp_path / f"blank-{record_type.type_name}.{fmt}"
        blank.write_bytes(make(shipped.graph, [record_type.type_name], fmt))
        assert reader(blank, blank.name).entries == []  # a blank template holds no record
        path = tmp_path / f"{record_type.type_name}.{fmt}"
        path.write_bytes(make(shipped.graph, [record_type.type_name], fmt, records))
        read = reader(path, path.name)
        assert read.problems == [] and len(read.entries) == len(records), record_type.type_name
        for entry, record in zip(read.entries, records):
            data, _, record_id = entry_values(entry, names)
            assert record_id == record.id
            assert as_loaded(data) == expected_yaml_values(shipped, record), record.path


def read_xlsx_reader():
    from generator.office_xlsx import read_xlsx

    return read_xlsx
