"""Incremental generation gives exactly the files a full generation gives, after any sequence of
edits (issue 13) — and an edit makes again only the files it touches.

A small knowledge base (the minimal fixture with a course, references written as ids so that
renames keep it valid) is edited at random by hypothesis: summaries that mention other
records' names, renames to names that occur in other records' text, aliases added and removed,
practices added and deleted, an organization's level, a term's definition (hover text), themes,
tags and years. After every edit the incremental generator's files must equal a fresh
generation's, byte for byte.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.incremental import Incremental, regenerate_all
from generator.link import LinkMemo
from generator.load import LoadCache
from generator.model import RECORD_TYPES
from generator.validate import ValidationMemo
from generator.pipeline import check
from generator.project import Project

FIXTURES = Path(__file__).parent / "fixtures"
# Words the edits write into text and names: existing names, names the edits may create, plain words.
WORDS = ["甲工作法", "乙协商", "议事会", "专门协商机构", "丙方案", "协商议事", "新做法", "基层", "群众", "甲法"]
NEW_NAMES = ["丙方案", "协商议事", "新做法", "丁计划", "议事"]
IDS = {"practice": ["jia-gong-zuo-fa", "yi-xie-shang"], "method": ["yi-shi-hui"], "term": ["zhuan-men-xie-shang-ji-gou"]}
FOLDER = {"practice": "practices", "method": "methods", "term": "terms"}


def make_project(root: Path) -> Project:
    shutil.copytree(FIXTURES / "minimal", root)
    (root / "data" / "courses").mkdir(exist_ok=True)
    course = (FIXTURES / "courses" / "jia-ke-cheng.yaml").read_text(encoding="utf-8")
    course = course.replace("[甲工作法, 乙协商]", "[jia-gong-zuo-fa, yi-xie-shang]").replace("[乙协商]", "[yi-xie-shang]")
    course = course.replace("[议事会]", "[yi-shi-hui]").replace("[专门协商机构]", "[zhuan-men-xie-shang-ji-gou]")
    (root / "data" / "courses" / "jia-ke-cheng.yaml").write_text(course, encoding="utf-8")
    for path in (root / "data").rglob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        for old, new in (("organization: 甲市政协", "organization: jia-shi-zheng-xie"), ("themes: [基层协商]", "themes: [ji-ceng]"),
                         ("methods: [议事会]", "methods: [yi-shi-hui]"), ("target: 乙协商", "target: yi-xie-shang"),
                         ("source: 测试文献", "source: wen-xian"), ("region: 甲市", "region: jia-shi"), ("parent: 甲省", "parent: jia-sheng")):
            text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")
    return Project(root)


def record_file(project: Project, kind: str, record_id: str) -> Path:
    return project.data_dir / FOLDER[kind] / f"{record_id}.yaml"


def set_field(text: str, key: str, value: str) -> str:
    pattern = re.compile(rf"^{key}:.*$", re.M)
    line = f"{key}: {value}"
    return pattern.sub(line, text, count=1) if pattern.search(text) else text.rstrip("\n") + f"\n{line}\n"


# --- edits: each returns nothing; an edit that makes the data invalid is undone by the test ------

def edit_summary(project, kind, index, word):
    field = {"practice": "summary", "method": "description", "term": "definition"}[kind]
    ids = IDS[kind]
    path = record_file(project, kind, ids[index % len(ids)])
    text = path.read_text(encoding="utf-8")
    match = re.search(rf"^{field}: (.*)$", text, re.M)
    path.write_text(set_field(text, field, match.group(1) + f"又提到{word}。"), encoding="utf-8")


def rename(project, kind, index, name):
    ids = IDS[kind]
    path = record_file(project, kind, ids[index % len(ids)])
    path.write_text(set_field(path.read_text(encoding="utf-8"), "name", name), encoding="utf-8")


def set_aliases(project, kind, index, words):
    ids = IDS[kind]
    path = record_file(project, kind, ids[index % len(ids)])
    path.write_text(set_field(path.read_text(encoding="utf-8"), "aliases", "[" + ", ".join(words) + "]"), encoding="utf-8")


def add_practice(project, number, name, word):
    path = project.data_dir / "practices" / f"new-{number}.yaml"
    path.write_text(
        f"name: {name}\norganization: jia-shi-zheng-xie\nthemes: [ji-ceng]\nsummary: 新的做法，借鉴{word}。\n"
        "completeness: 简要\nsources:\n  - source: wen-xian\n    excerpt: 甲市政协创立了甲工作法\n"
        f"relations:\n  - kind: 借鉴\n    target: jia-gong-zuo-fa\nadded: 2024-03-0{number % 9 + 1}\n", encoding="utf-8")


def delete_added(project, number):
    path = project.data_dir / "practices" / f"new-{number}.yaml"
    if path.exists():
        path.unlink()


def set_level(project, level):
    path = project.data_dir / "organizations" / "jia-shi-zheng-xie.yaml"
    path.write_text(set_field(path.read_text(encoding="utf-8"), "level", level), encoding="utf-8")


def set_year(project, index, year):
    path = record_file(project, "practice", IDS["practice"][index % 2])
    path.write_text(set_field(path.read_text(encoding="utf-8"), "start_year", str(year)), encoding="utf-8")


def set_tags(project, index, tags):
    path = record_file(project, "practice", IDS["practice"][index % 2])
    path.write_text(set_field(path.read_text(encoding="utf-8"), "tags", "[" + ", ".join(tags) + "]"), encoding="utf-8")


def set_updated(project, index, day):
    path = record_file(project, "practice", IDS["practice"][index % 2])
    path.write_text(set_field(path.read_text(encoding="utf-8"), "updated", f"2024-05-{day:02d}"), encoding="utf-8")


kinds = st.sampled_from(["practice", "method", "term"])
EDITS = st.one_of(
    st.tuples(st.just(edit_summary), kinds, st.integers(0, 1), st.sampled_from(WORDS)),
    st.tuples(st.just(rename), kinds, st.integers(0, 1), st.sampled_from(NEW_NAMES + WORDS)),
    st.tuples(st.just(set_aliases), kinds, st.integers(0, 1), st.lists(st.sampled_from(NEW_NAMES + ["甲法", "乙法"]),
                                                                        max_size=2, unique=True)),
    st.tuples(st.just(add_practice), st.integers(1, 3), st.sampled_from(NEW_NAMES), st.sampled_from(WORDS)),
    st.tuples(st.just(delete_added), st.integers(1, 3)),
    st.tuples(st.just(set_level), st.sampled_from(["市", "县区", "省"])),
    st.tuples(st.just(set_year), st.integers(0, 1), st.sampled_from([2019, 2020, 2021])),
    st.tuples(st.just(set_tags), st.integers(0, 1), st.lists(st.sampled_from(["试点", "乡镇", "Tag"]), max_size=2, unique=True)),
    st.tuples(st.just(set_updated), st.integers(0, 1), st.integers(1, 9)),
)


def snapshot(project: Project) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in project.data_dir.rglob("*.yaml")}


def restore(project: Project, files: dict[Path, bytes]) -> None:
    for path in project.data_dir.rglob("*.yaml"):
        if path not in files:
            path.unlink()
    for path, data in files.items():
        path.write_bytes(data)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(EDITS, min_size=1, max_size=7))
def test_incremental_files_equal_a_full_generation_after_any_edits(tmp_path_factory, edits):
    project = make_project(tmp_path_factory.mktemp("incremental") / "kb")
    written: dict[str, bytes] = {}
    generator = Incremental(written.get)
    session = dict(cache=LoadCache(), memo=ValidationMemo(), link_memo=LinkMemo())  # as kb serve keeps them
    first = check(project, **session)
    assert first.graph is not None and not first.problems.errors
    apply(written, generator.run(first.graph, written.__setitem__))
    assert written == regenerate_all(first.graph)
    for edit, *args in edits:
        before = snapshot(project)
        edit(project, *args)
        checked = check(project, **session)
        if checked.problems.errors or checked.graph is None:
            restore(project, before)  # e.g. two records with one name: not a state a build reaches
            continue
        apply(written, generator.run(checked.graph, written.__setitem__))
        full = regenerate_all(check(project).graph)  # from scratch: no session state at all
        different = sorted(path for path in full.keys() | written.keys() if full.get(path) != written.get(path))
        assert different == [], f"after {edit.__name__}{tuple(args)}: incremental output differs in {different}"


def apply(written: dict[str, bytes], outcome) -> None:
    """What the caller does with an outcome after the files were written: remove what is gone."""
    for path in outcome.removed:
        written.pop(path, None)


def test_a_summary_edit_makes_only_the_files_that_show_it(tmp_path):
    project = make_project(tmp_path / "kb")
    written: dict[str, bytes] = {}
    generator = Incremental(written.get)
    apply(written, generator.run(check(project).graph, written.__setitem__))
    edit_summary(project, "practice", 1, "群众")  # 乙协商's summary: a word no record is named
    outcome = generator.run(check(project).graph, written.__setitem__)
    assert "practices/yi-xie-shang.md" in outcome.changed
    # What shows the summary (its page, lists that give its first line, the browse and compare
    # data) changes; what does not read the practice at all is not even made again.
    assert outcome.changed <= {"practices/yi-xie-shang.md", "practices/index.md", "themes/ji-ceng.md",
                               "regions/jia-shi.md", "regions/jia-sheng.md", "organizations/jia-shi-zheng-xie.md",
                               "explore/data/practices.js", "explore/timeline.md", "courses/jia-ke-cheng.md"} | {
        p for p in outcome.changed if p.startswith("explore/data/detail/")}, sorted(outcome.changed)
    untouched = {"glossary/index.md", "methods/index.md", "themes/index.md", "sources/index.md", "organizations/index.md",
                 "regions/index.md", "courses/index.md", "explore/tags.md", "explore/data/docx-base.js"}
    assert not outcome.remade & untouched, sorted(outcome.remade & untouched)


def test_a_new_name_links_where_other_records_already_say_it(tmp_path):
    project = make_project(tmp_path / "kb")
    edit_summary(project, "practice", 1, "丙方案")  # 乙协商 mentions a name nothing has yet
    written: dict[str, bytes] = {}
    generator = Incremental(written.get)
    apply(written, generator.run(check(project).graph, written.__setitem__))
    rename(project, "method", 0, "丙方案")  # now the method is called that
    outcome = generator.run(check(project).graph, written.__setitem__)
    assert "practices/yi-xie-shang.md" in outcome.changed
    assert "[丙方案](../methods/yi-shi-hui.md" in written["practices/yi-xie-shang.md"].decode("utf-8")
    # Pages that neither read the method nor show its old or new name are not made again.
    assert "glossary/index.md" not in outcome.remade and "themes/index.md" not in outcome.remade


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(EDITS, min_size=1, max_size=7))
def test_validation_kept_between_runs_equals_a_fresh_check(tmp_path_factory, edits):
    """kb serve keeps parsed files and validated records between rebuilds; after any edits —
    including ones that break the data — it must report exactly what a fresh kb check reports
    and hold the same records."""
    project = make_project(tmp_path_factory.mktemp("validation") / "kb")
    cache, memo = LoadCache(), ValidationMemo()
    check(project, cache=cache, memo=memo)
    for edit, *args in edits:
        edit(project, *args)
        kept = check(project, cache=cache, memo=memo)
        fresh = check(project)
        assert [p.format() for p in kept.problems.errors] == [p.format() for p in fresh.problems.errors]
        assert [p.format() for p in kept.problems.warnings] == [p.format() for p in fresh.problems.warnings]
        for record_type in RECORD_TYPES:
            assert {i: r.model_dump() for i, r in kept.kb.of(record_type).items()} == \
                   {i: r.model_dump() for i, r in fresh.kb.of(record_type).items()}, record_type.type_name
