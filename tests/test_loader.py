"""Bad input gets a clear Chinese error naming file, line and field — one test per kind of mistake
a county-office maintainer makes, plus the Windows habits that must simply work."""

from __future__ import annotations

import pytest

from kbfixture import make_kb, only_error

PRACTICE = "practices/jia-gong-zuo-fa.yaml"


@pytest.fixture
def kb(tmp_path):
    return make_kb(tmp_path)


def test_fixture_is_clean(kb):
    result = kb.check(seeds=True)
    assert result.problems.errors == []
    assert result.excerpts_checked == 5


def test_malformed_yaml_names_its_line(kb):
    kb.write("practices/bad.yaml", "name: 坏记录\nsummary: [没有闭合\nthemes: x\n")
    error = only_error(kb)
    assert error.path == "data/practices/bad.yaml"
    assert error.line in (2, 3, 4)
    assert "YAML 语法错误" in error.message


def test_colon_inside_value_is_explained(kb):
    kb.write("practices/bad.yaml", "name: 坏记录\nsummary: 原文说: 这里有冒号\n")
    error = only_error(kb)
    assert error.line == 2
    assert "冒号" in error.message and "引号" in error.message


def test_tab_indentation(kb):
    kb.write(PRACTICE, kb.read(PRACTICE).replace("  - stage: 选题", "\t- stage: 选题"))
    error = only_error(kb)
    assert error.path.endswith(PRACTICE)
    assert "Tab" in error.message
    assert error.line == 8


def test_wrong_type_names_field_and_line(kb):
    kb.edit(PRACTICE, "themes: [基层协商]", "themes: 基层协商")
    error = only_error(kb)
    assert (error.field, error.line) == ("themes", 4)
    assert "应为列表" in error.message


def test_yes_no_and_numbers_stay_the_text_that_was_typed(kb):
    """YAML 1.1 would read yes as True and 007 as 7; in a text field they are what was typed."""
    kb.edit(PRACTICE, "aliases: [甲法]", "aliases: [yes, 007, off]")
    result = kb.check()
    assert result.problems.errors == []
    assert result.kb.practices["jia-gong-zuo-fa"].aliases == ["yes", "007", "off"]


def test_unknown_field_suggests_the_right_name(kb):
    kb.edit("organizations/jia-shi-zheng-xie.yaml", "region: 甲市", "reigon: 甲市")
    error = only_error(kb)
    assert error.field == "reigon"
    assert error.line == 3
    assert "未知字段" in error.message and "region" in error.message


def test_missing_required_field(kb):
    kb.edit(PRACTICE, "summary: 甲市政协的协商工作法，是专门协商机构在基层的实践。\n", "")
    error = only_error(kb)
    assert error.field == "summary"
    assert "缺少必填字段" in error.message


def test_value_outside_a_closed_vocabulary_lists_the_allowed_ones(kb):
    kb.edit(PRACTICE, "stage: 选题", "stage: 筹划")
    error = only_error(kb)
    assert error.field == "steps[0].stage"
    assert error.line == 8
    for allowed in ("选题", "调研", "反馈", "评价"):
        assert allowed in error.message


def test_unknown_theme_lists_the_themes(kb):
    kb.edit(PRACTICE, "themes: [基层协商]", "themes: [乡村振兴]")
    error = only_error(kb)
    assert error.field == "themes[0]"
    assert "基层协商" in error.message and "data/themes" in error.message


def test_duplicate_names(kb):
    kb.write("practices/jia-gong-zuo-fa-2.yaml", kb.read(PRACTICE))
    errors = [e for e in kb.errors() if e.field == "name"]
    assert len(errors) == 1
    assert "重复" in errors[0].message and "jia-gong-zuo-fa" in errors[0].message


def test_duplicate_ids_across_extensions(kb):
    kb.write("practices/jia-gong-zuo-fa.yml", kb.read(PRACTICE).replace("甲工作法", "丙工作法"))
    assert any("重复" in e.message and "id" in e.message for e in kb.errors())


def test_duplicate_keys_in_one_file(kb):
    kb.write(PRACTICE, kb.read(PRACTICE) + "name: 又一个名称\n")
    error = only_error(kb)
    assert "name" in error.message and "重复" in error.message
    assert error.line == kb.read(PRACTICE).count("\n")


def test_unknown_reference_suggests_candidates(kb):
    kb.edit(PRACTICE, "organization: 甲市政协", "organization: 甲市政协会")
    error = only_error(kb)
    assert (error.field, error.line) == ("organization", 3)
    assert "找不到政协组织" in error.message and "甲市政协" in error.message


def test_reference_to_a_record_of_another_type_says_so(kb):
    kb.edit(PRACTICE, "organization: 甲市政协", "organization: 甲市")
    error = only_error(kb)
    assert "地区" in error.message


def test_ambiguous_reference_lists_candidates(kb):
    kb.edit("practices/yi-xie-shang.yaml", "name: 乙协商", "name: 乙协商\naliases: [协商法]")
    kb.edit(PRACTICE, "aliases: [甲法]", "aliases: [甲法, 协商法]")
    kb.write("practices/bing.yaml", kb.read("practices/yi-xie-shang.yaml")
             .replace("name: 乙协商\naliases: [协商法]", "name: 丙协商").replace("summary: 乙县", "summary: 丙县")
             + "part_of: 协商法\n")
    errors = [e for e in kb.errors() if e.field == "part_of"]
    assert len(errors) == 1
    assert "歧义" in errors[0].message
    assert "jia-gong-zuo-fa" in errors[0].message and "yi-xie-shang" in errors[0].message


def test_references_by_id_and_by_alias_resolve(kb):
    kb.write("practices/bing.yaml", kb.read("practices/yi-xie-shang.yaml")
             .replace("name: 乙协商", "name: 丙协商") + "part_of: 甲法\n")
    kb.edit("practices/yi-xie-shang.yaml", "organization: 甲市政协", "organization: jia-shi-zheng-xie")
    result = kb.check()
    assert result.problems.errors == []
    assert result.kb.practices["bing"].part_of == "jia-gong-zuo-fa"


def test_cycle_in_part_of(kb):
    kb.write(PRACTICE, kb.read(PRACTICE) + "part_of: 乙协商\n")
    kb.write("practices/yi-xie-shang.yaml", kb.read("practices/yi-xie-shang.yaml") + "part_of: 甲工作法\n")
    error = only_error(kb)
    assert error.field == "part_of"
    assert "循环" in error.message and "甲工作法" in error.message and "乙协商" in error.message


def test_part_of_itself(kb):
    kb.write(PRACTICE, kb.read(PRACTICE) + "part_of: jia-gong-zuo-fa\n")
    assert "循环" in only_error(kb).message


@pytest.mark.parametrize("name", ["协商在基层.yaml", "Jia.yaml", "a b.yaml", "con.yaml", "-x.yaml", "x_y.yaml"])
def test_file_names_must_be_safe_ascii_slugs(kb, name):
    kb.write(f"practices/{name}", kb.read("practices/yi-xie-shang.yaml").replace("乙协商", "丁协商"))
    error = only_error(kb)
    assert error.path.endswith(name)
    assert "文件名" in error.message or "保留名" in error.message


def test_gbk_file_is_named_as_such(kb):
    kb.write("practices/gbk.yaml", "name: 丁协商\nsummary: 用记事本保存的文件\n".encode("gbk"))
    error = only_error(kb)
    assert error.path.endswith("gbk.yaml")
    assert "GBK" in error.message and "UTF-8" in error.message


def test_nul_bytes_are_refused(kb):
    kb.write("practices/zero.yaml", b"name: \x00\n")
    assert "NUL" in only_error(kb).message


def test_empty_file(kb):
    kb.write("practices/empty.yaml", "# 只有注释\n\n")
    error = only_error(kb)
    assert "为空" in error.message


def test_list_where_a_mapping_belongs(kb):
    kb.write("practices/list.yaml", "- name: 丁协商\n- summary: x\n")
    assert "顶层应是字段映射" in only_error(kb).message
    kb.write("practices/list.yaml", kb.read("practices/yi-xie-shang.yaml").replace("乙协商", "丁协商")
             .replace("completeness: 简要", "completeness: 简要\nsteps: [选题, 协商]"))
    errors = kb.errors()
    assert [e.field for e in errors] == ["steps[0]", "steps[1]"]
    assert all("字段映射" in e.message and "文本" in e.message for e in errors)


def test_yaml_aliases_are_refused_before_they_expand(kb):
    bomb = "name: 炸弹\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n" \
           "c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c]\n" \
           "e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
    kb.write("practices/bomb.yaml", bomb)
    error = only_error(kb)
    assert "锚点" in error.message and error.line == 2  # where the anchor is defined


def test_merge_keys_are_refused(kb):
    kb.write("practices/merge.yaml", "base: &base {name: x}\nother:\n  <<: *base\n")
    assert "锚点" in only_error(kb).message


def test_bom_and_crlf_are_accepted(kb):
    text = kb.read(PRACTICE)
    kb.write(PRACTICE, b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    assert kb.errors() == []


def test_line_numbers_survive_bom_and_crlf(kb):
    text = kb.read(PRACTICE).replace("stage: 选题", "stage: 筹划")
    kb.write(PRACTICE, b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    assert only_error(kb).line == 8


def test_every_problem_is_reported_in_one_run(kb):
    kb.edit(PRACTICE, "stage: 选题", "stage: 筹划")
    kb.edit("organizations/jia-shi-zheng-xie.yaml", "region: 甲市", "reigon: 甲市")
    kb.write("practices/bad.yaml", "name: [\n")
    kb.write("practices/gbk.yaml", "name: 丁\n".encode("gbk"))
    paths = {e.path.rsplit("/", 1)[-1] for e in kb.errors()}
    assert paths == {"jia-gong-zuo-fa.yaml", "jia-shi-zheng-xie.yaml", "bad.yaml", "gbk.yaml"}


def test_figures_must_stand_in_their_excerpt(kb):
    kb.edit(PRACTICE, "figures: [30多场次]", "figures: [40多场次]")
    error = only_error(kb)
    assert error.field == "outcomes[0].figures[0]"
    assert "40多场次" in error.message


def test_excerpts_are_verified_against_the_original_with_traditional_folding(kb):
    # The organization's excerpt is Simplified while the seed line is Traditional: accepted.
    assert kb.errors(seeds=True) == []
    kb.edit(PRACTICE, "excerpt: 甲市政协创立了甲工作法", "excerpt: 甲市政协发明了甲工作法")
    error = only_error(kb, seeds=True)
    assert error.field == "sources[0].excerpt"
    assert "找不到" in error.message and error.line > 0


def test_inferred_field_must_exist(kb):
    kb.write(PRACTICE, kb.read(PRACTICE) + "inferred:\n  - field: reigon\n    reason: 原文只说甲市\n")
    error = only_error(kb)
    assert error.field == "inferred[0].field"


def test_unsafe_links_are_errors_naming_the_field(kb):
    kb.edit("sources/wen-xian.yaml", "outlet: 测试网", "outlet: 测试网\nurl: javascript:alert(1)")
    error = only_error(kb)
    assert error.field == "url" and "http" in error.message
    kb.edit("sources/wen-xian.yaml", "url: javascript:alert(1)", "url: https://example.org/a")
    kb.edit(PRACTICE, "description: 向群众征集议题。", "description: 见[这里](javascript:alert(1))")
    error = only_error(kb)
    assert error.field == "steps[0].description"


def test_oversized_values_and_files_are_refused_with_the_limit(kb):
    kb.edit(PRACTICE, "name: 甲工作法", "name: " + "长" * 100)
    error = only_error(kb)
    assert error.field == "name" and "上限 60" in error.message
    kb.write("practices/huge.yaml", "name: x\nsummary: " + "字" * 100_000 + "\n")
    assert any("文件过大" in e.message for e in kb.errors())


def test_deep_nesting_is_refused(kb):
    kb.write("practices/deep.yaml", "name: x\nsummary: " + "[" * 5000 + "]" * 5000 + "\n")
    assert any("嵌套" in e.message or "YAML" in e.message for e in kb.errors())


def test_symlinked_record_is_refused(kb, tmp_path):
    outside = tmp_path / "outside.yaml"
    outside.write_text(kb.read("practices/yi-xie-shang.yaml").replace("乙协商", "戊协商"), encoding="utf-8")
    (kb.root / "data" / "practices" / "link.yaml").symlink_to(outside)
    assert "符号链接" in only_error(kb).message


def test_stray_yaml_outside_type_folders(kb):
    kb.write("stray.yaml", "name: x\n")
    assert "类型文件夹" in only_error(kb).message


def test_warnings_are_listed_apart(kb):
    kb.edit(PRACTICE, "relations:\n  - kind: 相似\n    target: 乙协商\n", "")
    warnings = kb.warnings()
    assert any("关联" in w.message for w in warnings)
    assert kb.errors() == []


def test_kb_serve_reparses_only_the_files_that_changed(kb):
    from generator.load import LoadCache, load_all

    cache = LoadCache()
    first, _ = load_all(kb.root, cache=cache)
    again, problems = load_all(kb.root, cache=cache)
    assert problems.errors == [] and all(a is b for a, b in zip(first, again))
    kb.edit(PRACTICE, "甲市政协", "甲市政协（已修改）")
    changed = {raw.path: raw for raw in load_all(kb.root, cache=cache)[0]}
    assert "已修改" in changed["data/" + PRACTICE].text
    assert changed["data/practices/yi-xie-shang.yaml"] is next(r for r in first if r.path == "data/practices/yi-xie-shang.yaml")
    # A broken file is reported on every rebuild, not remembered as it last parsed.
    kb.write(PRACTICE, "name: [没有闭合\n")
    for _ in range(2):
        _, problems = load_all(kb.root, cache=cache)
        assert [e.path for e in problems.errors] == ["data/" + PRACTICE]
    (kb.root / "data" / PRACTICE).unlink()
    assert "data/" + PRACTICE not in {raw.path for raw in load_all(kb.root, cache=cache)[0]}
