"""`kb check --sources` warns about prose copied from a source: a run of 30 or more characters
that a summary, description, definition or note shares with the source texts its record cites.
Lists of short items and document titles (《…》) may keep the source's words; excerpts are
quotations and are never reported."""

from __future__ import annotations

import re

import pytest

from conftest import run_kb
from kbfixture import make_kb

from generator import originality
from generator.text import normalize_for_match

PRACTICE = "practices/jia-gong-zuo-fa.yaml"

# Added to the fixture's seed text, in Traditional characters as 001 is: every comparison is made
# after 繁→简, NFKC and removing white space, as excerpts are.
PASSAGE = (
    "甲市政協堅持把協商議事會議開到村組院壩,讓群眾在家門口說事議事,推動解決了一批群眾急難愁盼的民生問題。"
    "議事按照開門選題、規範籌備、互動協商、集中交辦、跟蹤問效、評議反饋、公開通報七個環節進行。"
    "市委印發《關於新時代加強和改進市縣政協協商議事和民主監督工作的實施意見》,作出部署。"
)
SENTENCE = normalize_for_match("把協商議事會議開到村組院壩,讓群眾在家門口說事議事,推動解決了一批群眾急難愁盼的民生問題")
LIST = normalize_for_match("開門選題、規範籌備、互動協商、集中交辦、跟蹤問效、評議反饋、公開通報")
TITLE = normalize_for_match("《關於新時代加強和改進市縣政協協商議事和民主監督工作的實施意見》")


@pytest.fixture
def kb(tmp_path):
    kb = make_kb(tmp_path)
    seed = kb.root / "seed.txt"
    seed.write_text(seed.read_text(encoding="utf-8") + PASSAGE + "\n", encoding="utf-8")
    return kb


def copied(kb) -> list:
    return [w for w in kb.check(seeds=True).problems.warnings if "连续相同" in w.message]


def set_summary(kb, text: str) -> None:
    kb.write(PRACTICE, re.sub(r"(?m)^summary: .*$", lambda _: f"summary: {text}", kb.read(PRACTICE), count=1))


def test_fixture_and_its_longer_seed_are_clean(kb):
    result = kb.check(seeds=True)
    assert result.problems.errors == [] and copied(kb) == []


def test_a_copied_run_of_30_is_warned_with_file_line_and_field(kb):
    run = SENTENCE[:30]
    assert len(run) == 30 and "," in run
    set_summary(kb, f"本法的做法是{run}，各方都说好。")
    [warning] = copied(kb)
    assert (warning.path, warning.line, warning.field) == ("data/practices/jia-gong-zuo-fa.yaml", 6, "summary")
    assert warning.format() == (
        f"data/practices/jia-gong-zuo-fa.yaml:6: summary: 有 30 字与原文 seed.txt 连续相同（“{run}”）；"
        "请用自己的话改写（名单、文件标题可保留原文）"
    )
    # Under --strict the warning fails the check, as the command line shows it.
    result = run_kb("--project", str(kb.root), "check", "--strict", "--sources", str(kb.root))
    assert result.returncode == 1
    assert re.search(r"^警告 data/practices/jia-gong-zuo-fa\.yaml:6: summary: 有 30 字与原文 seed\.txt 连续相同", result.stdout, re.M)


def test_the_longest_run_is_reported_in_full_length(kb):
    set_summary(kb, f"按原文，{SENTENCE}；各方都说好。")
    [warning] = copied(kb)
    assert f"有 {len(SENTENCE)} 字" in warning.message


def test_a_run_of_29_is_not_warned(kb):
    run = SENTENCE[:29]
    # Neither neighbour continues the source text (it has 持 before and 决 after), so the run
    # stays at 29 characters.
    assert normalize_for_match("是") not in PASSAGE and SENTENCE[29] != normalize_for_match("，")
    set_summary(kb, f"本法的做法是{run}，各方都说好。")
    assert copied(kb) == []


def test_nested_fields_are_checked_and_named(kb):
    kb.edit(PRACTICE, "description: 在议事会上协商。", f"description: 甲市政协{SENTENCE[:40]}。")
    [warning] = copied(kb)
    assert warning.field == "steps[1].description"
    assert warning.line == 13


def test_a_list_of_short_items_is_not_warned(kb):
    assert len(LIST) >= 30
    set_summary(kb, f"议事分为{LIST}七个环节。")
    assert copied(kb) == []


def test_a_short_list_with_copied_prose_around_it_is_warned(kb):
    lead = normalize_for_match("議事按照")
    set_summary(kb, f"本法{lead}{LIST}七个环节进行。")
    assert copied(kb) == []  # a few of the source's words around the list may stay
    set_summary(kb, f"本法{SENTENCE[-25:]}。{lead}{LIST}七个环节进行。")
    assert [w.field for w in copied(kb)] == ["summary"]


def test_a_document_title_is_not_warned(kb):
    assert len(TITLE) - 2 >= 30
    set_summary(kb, f"市委印发了{TITLE}，对协商议事作出部署。")
    assert copied(kb) == []


def test_excerpts_are_never_warned(kb):
    excerpt = SENTENCE[:45]
    kb.edit(PRACTICE, "    excerpt: 甲市政协创立了甲工作法\nadded", f"    excerpt: {excerpt}\nadded")
    result = kb.check(seeds=True)
    assert result.problems.errors == []
    assert [w for w in result.problems.warnings if "连续相同" in w.message] == []


def test_notes_and_inference_reasons_are_prose(kb):
    kb.edit(PRACTICE, "added: 2024-01-02", f"inferred:\n  - field: summary\n    reason: 原文说{SENTENCE[:35]}。\nadded: 2024-01-02")
    assert [w.field for w in copied(kb)] == ["inferred[0].reason"]


def test_a_source_record_is_compared_with_its_own_text(kb):
    kb.edit("sources/wen-xian.yaml", "outlet: 测试网", f"outlet: 测试网\nsummary: 讲甲市政协{SENTENCE[:32]}。")
    [warning] = copied(kb)
    assert (warning.path, warning.field) == ("data/sources/wen-xian.yaml", "summary")


def test_nothing_is_compared_without_the_sources_folder(kb):
    set_summary(kb, f"按原文，{SENTENCE}。")
    assert [w for w in kb.check(seeds=False).problems.warnings if "连续相同" in w.message] == []


def test_is_short_list():
    assert originality.is_short_list("开门式选题、规范式筹备、互动式协商、集中式交办、提案式办理、跟踪式问效")
    # 八个一: one item is longer than eight characters
    assert originality.is_short_list("开展一次集中调研、起草一份调研报告、形成一本发言材料、制作一部电视专题片或PPT、开好一次座谈会")
    # parallel clauses of prose are not a list
    assert not originality.is_short_list("给党委搭建统一思想、凝聚共识的平台,给政府搭建破解难题、推动落实的平台,给社会各界搭建沟通交流")
    assert not originality.is_short_list("把常态化走访、看望、联系委员,当面听取委员意见建议作为政协工作的刚性要求")


def test_runs_are_found_from_window_hashes_and_confirmed():
    seed = originality.SeedIndex.of("s.txt", "甲" * 5 + SENTENCE + "乙" * 5)
    field = "丙丙" + SENTENCE[3:40] + "丁丁" + SENTENCE[:31]
    assert originality.common_runs(field, seed) == [(2, 39), (41, 72)]
    assert originality.common_runs("丙" * 100, seed) == []
