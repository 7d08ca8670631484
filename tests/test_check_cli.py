"""`kb check` as a maintainer runs it: every problem as path:line: field: message, a summary,
exit status 1 on errors, 0 when clean; warnings apart, failing only under --strict."""

from __future__ import annotations

import re
import warnings

from conftest import ROOT, run_kb
from kbfixture import make_kb

SEEDS = ROOT.parent / "shared" / "seeds"


def test_clean_fixture_exits_zero_with_a_summary(tmp_path):
    kb = make_kb(tmp_path)
    result = run_kb("--project", str(kb.root), "check", "--sources", str(kb.root))
    assert result.returncode == 0, result.stdout + result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("检查完成：")
    assert "实践 2" in last and "政协组织 1" in last and "核对摘录 5 条" in last and "0 个错误" in last


def test_errors_are_listed_as_path_line_field_message_and_exit_one(tmp_path):
    kb = make_kb(tmp_path)
    kb.edit("practices/jia-gong-zuo-fa.yaml", "stage: 选题", "stage: 筹划")
    kb.edit("organizations/jia-shi-zheng-xie.yaml", "region: 甲市", "reigon: 甲市")
    result = run_kb("--project", str(kb.root), "check")
    assert result.returncode == 1
    lines = [l for l in result.stdout.splitlines() if l.startswith("错误 ")]
    assert lines == [
        "错误 data/organizations/jia-shi-zheng-xie.yaml:3: reigon: 未知字段“reigon”；是否想写 region？"
        "（可用字段：name、aliases、added、updated、level、region、parent、description、sources、inferred）",
        "错误 data/practices/jia-gong-zuo-fa.yaml:8: steps[0].stage: “筹划”不是允许的值；"
        "可选：选题、调研、筹备、协商、成果、交办、办理、督办、反馈、评价",
    ]
    assert "2 个错误" in result.stdout.splitlines()[-1]
    assert "Traceback" not in result.stdout + result.stderr


def test_warnings_fail_only_under_strict(tmp_path):
    kb = make_kb(tmp_path)
    kb.edit("practices/jia-gong-zuo-fa.yaml", "relations:\n  - kind: 相似\n    target: 乙协商\n", "")
    result = run_kb("--project", str(kb.root), "check")
    assert result.returncode == 0
    assert re.search(r"警告 data/practices/\S+\.yaml:\d+: relations: 没有任何关联实践", result.stdout)
    assert run_kb("--project", str(kb.root), "check", "--strict").returncode == 1


def test_outside_a_project_says_where_it_looked(tmp_path):
    result = run_kb("check", cwd=tmp_path)
    assert result.returncode == 1
    assert "找不到知识库项目" in result.stderr and "Traceback" not in result.stderr


def test_missing_sources_folder_is_an_error(tmp_path):
    kb = make_kb(tmp_path)
    result = run_kb("--project", str(kb.root), "check", "--sources", str(tmp_path / "nope"))
    assert result.returncode == 1 and "找不到原文文件夹" in result.stderr


def test_shipped_data_is_clean():
    result = run_kb("check", "--strict")
    assert result.returncode == 0, result.stdout[-3000:]


def test_shipped_excerpts_stand_in_the_original_texts():
    """Runs against ../shared/seeds where the team keeps the source texts (CI has them)."""
    if not SEEDS.is_dir():
        message = f"未找到原文文件夹 {SEEDS}：本测试只检查了数据格式，没有逐条核对摘录（用户的克隆不含原文）"
        warnings.warn(message)  # shown in pytest's summary, not swallowed like a print
        result = run_kb("check")
        assert result.returncode == 0, result.stdout[-3000:]
        return
    # Strict: every excerpt stands in its original, no prose copies it, and every source either
    # has what a full GB/T 7714 citation needs or says which parts cannot be found (unknown).
    result = run_kb("check", "--sources", str(SEEDS), "--strict")
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 个错误，0 个警告" in result.stdout
    checked = int(re.search(r"核对摘录 (\d+) 条", result.stdout).group(1))
    assert checked >= 100


def test_command_line_mistakes_are_explained_in_chinese():
    result = run_kb("chek")
    assert result.returncode == 2
    assert "kb：错误：参数 命令：无效的选择 'chek'" in result.stderr and "'check'" in result.stderr
    assert "usage:" not in result.stderr and "error:" not in result.stderr
    result = run_kb("new", "practice")
    assert result.returncode == 2 and "缺少参数：name" in result.stderr


def test_sources_lacking_citation_parts_are_warned_unless_said_to_be_unknown(tmp_path):
    """kb check --sources asks for what a full GB/T 7714 citation needs; a source record that
    says a part cannot be found (unknown) is not asked again."""
    kb = make_kb(tmp_path)
    result = run_kb("--project", str(kb.root), "check", "--sources", str(kb.root))
    warned = [line for line in result.stdout.splitlines() if "参考文献著录不完整" in line]
    assert warned and all(line.startswith("警告 data/sources/wen-xian.yaml:") for line in warned), result.stdout
    assert "讲话人或署名的组织" in warned[0] and "网址" in warned[0]
    kb.write("sources/wen-xian.yaml", kb.read("sources/wen-xian.yaml") + "unknown: [speaker, url]\n")
    again = run_kb("--project", str(kb.root), "check", "--sources", str(kb.root))
    assert "参考文献著录不完整" not in again.stdout, again.stdout
    kb.write("sources/wen-xian.yaml", kb.read("sources/wen-xian.yaml").replace("unknown: [speaker, url]", "unknown: [网址]"))
    wrong = run_kb("--project", str(kb.root), "check")
    assert wrong.returncode == 1 and "unknown[0]" in wrong.stdout and "不是允许的值" in wrong.stdout
