"""`kb build` keeps the last build's session in .cache/kb/ (generator.buildcache): a build after an
edit must give exactly the site and docs/ a build from scratch gives, whatever happened to the
cache or to docs/ in between."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

import generator
from conftest import ROOT, run_kb
from kbfixture import KB, make_kb
from generator import buildcache
from generator.paths import GENERATED_FOLDERS
from generator.pipeline import generate
from generator.project import Project

pytestmark = pytest.mark.slow


def test_the_worktree_generator_is_tested():
    assert Path(buildcache.__file__).resolve().parent == ROOT / "generator"
    assert ROOT / "generator" in [Path(p).resolve() for p in generator.__path__]


def tree(folder: Path) -> dict[str, str]:
    """Every file (by content) and folder under ``folder``."""
    found = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        found[rel] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "folder"
    return found


def generated(docs: Path) -> dict[str, str]:
    return {rel: value for rel, value in tree(docs).items() if rel.split("/")[0] in GENERATED_FOLDERS}


def build(kb: KB, *args: str) -> str:
    result = run_kb("--project", str(kb.root), "build", *args)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return result.stdout


def same_as_from_scratch(kb: KB, tmp_path: Path, name: str) -> None:
    """``kb`` (built with the cache) holds the site and docs/ a --no-cache build of a copy of
    its data makes."""
    fresh = KB(tmp_path / name)
    top = {"site", ".cache", ".kb-build.lock"}

    def ignore(folder: str, names: list[str]) -> set[str]:
        here = Path(folder)
        return (top if here == kb.root else set(GENERATED_FOLDERS) if here == kb.root / "docs" else set()) & set(names)

    shutil.copytree(kb.root, fresh.root, ignore=ignore)
    build(fresh, "--no-cache")
    assert tree(kb.root / "site") == tree(fresh.root / "site")
    assert tree(kb.root / "docs") == tree(fresh.root / "docs")


@pytest.fixture
def built_kb(tmp_path):
    kb = make_kb(tmp_path)
    build(kb)
    assert buildcache.cache_path(kb.project).is_file()
    return kb


EDITS = {
    "edit": lambda kb: kb.edit("practices/yi-xie-shang.yaml", "借鉴了甲工作法。", "借鉴了甲工作法，并在三个村试行。"),
    "rename": lambda kb: kb.edit("practices/jia-gong-zuo-fa.yaml", "name: 甲工作法", "name: 甲新工作法"),
    "alias": lambda kb: kb.edit("practices/jia-gong-zuo-fa.yaml", "aliases: [甲法]", "aliases: [甲法, 议事会法]"),
    "add": lambda kb: kb.write("practices/bing-xie-shang.yaml", kb.read("practices/yi-xie-shang.yaml").replace(
        "name: 乙协商", "name: 丙协商").replace("借鉴了甲工作法。", "参照乙协商和议事会。")),
    "delete": lambda kb: (kb.edit("practices/jia-gong-zuo-fa.yaml", "relations:\n  - kind: 相似\n    target: 乙协商\n", ""),
                          (kb.root / "data" / "practices" / "yi-xie-shang.yaml").unlink()),
}


def test_builds_after_edits_equal_builds_from_scratch(built_kb, tmp_path):
    """One project built after each edit in turn, the cache carried from build to build."""
    for name, edit in EDITS.items():
        assert buildcache.load(built_kb.project) is not None, f"the cache is not usable before “{name}”"
        edit(built_kb)
        build(built_kb)
        same_as_from_scratch(built_kb, tmp_path, f"fresh-{name}")
    assert not (built_kb.root / "docs" / "practices" / "yi-xie-shang.md").exists()
    assert "甲新工作法" in (built_kb.root / "site" / "practices" / "jia-gong-zuo-fa.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty", "flipped"])
def test_a_damaged_cache_is_ignored(built_kb, tmp_path, damage):
    path = buildcache.cache_path(built_kb.project)
    data = path.read_bytes()
    path.write_bytes({"truncated": data[: len(data) // 2], "garbage": os.urandom(5000), "empty": b"",
                      "flipped": data[:-100] + bytes([data[-100] ^ 0xFF]) + data[-99:]}[damage])
    assert buildcache.load(built_kb.project) is None
    EDITS["edit"](built_kb)
    build(built_kb)
    same_as_from_scratch(built_kb, tmp_path, "fresh")
    assert buildcache.load(built_kb.project) is not None  # written again by the successful build


def test_generated_files_changed_behind_the_cache_are_made_again(built_kb, tmp_path):
    docs = built_kb.root / "docs"
    shutil.rmtree(docs / "practices")
    (docs / "explore" / "a-z.md").write_text("手改的页面\n", encoding="utf-8")
    (docs / "methods" / "stray.md").write_text("不是生成的\n", encoding="utf-8")
    (docs / "themes" / "empty" / "deeper").mkdir(parents=True)
    glossary = docs / "glossary" / "index.md"
    text = glossary.read_text(encoding="utf-8")
    glossary.write_text(text.replace("专门协商机构", "专门协商机关", 1), encoding="utf-8")
    build(built_kb)
    same_as_from_scratch(built_kb, tmp_path, "fresh")
    assert not (docs / "methods" / "stray.md").exists() and not (docs / "themes" / "empty").exists()


def test_kb_generate_between_builds(built_kb, tmp_path):
    """kb generate of other data rewrites docs/ behind the cache; the next build puts it right."""
    EDITS["rename"](built_kb)
    assert run_kb("--project", str(built_kb.root), "generate").returncode == 0
    built_kb.edit("practices/jia-gong-zuo-fa.yaml", "name: 甲新工作法", "name: 甲工作法")
    build(built_kb)
    same_as_from_scratch(built_kb, tmp_path, "fresh")


def test_a_failed_build_keeps_the_cache_and_the_site(built_kb):
    cache = buildcache.cache_path(built_kb.project)
    before_cache, before_site = cache.read_bytes(), tree(built_kb.root / "site")
    built_kb.edit("practices/jia-gong-zuo-fa.yaml", "stage: 选题", "stage: 筹划")
    result = run_kb("--project", str(built_kb.root), "build")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert cache.read_bytes() == before_cache
    assert tree(built_kb.root / "site") == before_site
    # An engine failure after docs/ was generated from new data keeps the old cache too …
    built_kb.edit("practices/jia-gong-zuo-fa.yaml", "stage: 筹划", "stage: 选题")
    EDITS["edit"](built_kb)
    (built_kb.root / "docs" / "broken.md").write_text("[坏链接](nowhere.md)\n", encoding="utf-8")
    result = run_kb("--project", str(built_kb.root), "build")
    assert result.returncode == 1 and "nowhere.md" in result.stderr
    assert cache.read_bytes() == before_cache
    assert [p.name for p in cache.parent.iterdir()] == [cache.name]  # the new session's file is gone
    assert tree(built_kb.root / "site") == before_site
    # … and the next build, from that cache and a docs/ that moved on, is still right.
    (built_kb.root / "docs" / "broken.md").unlink()
    build(built_kb)
    assert not list(cache.parent.glob(".build-*"))


def test_no_cache_neither_reads_nor_writes_the_cache(built_kb, tmp_path):
    cache = buildcache.cache_path(built_kb.project)
    kept = cache.read_bytes()
    EDITS["edit"](built_kb)
    build(built_kb, "--no-cache")
    assert cache.read_bytes() == kept and not list(cache.parent.glob(".build-*"))
    # The next build starts from the cache of the build before: docs/ and the data moved on
    # since, and it still makes what a build from scratch makes.
    EDITS["rename"](built_kb)
    build(built_kb)
    same_as_from_scratch(built_kb, tmp_path, "fresh")
    assert cache.read_bytes() != kept
    cache.write_bytes(b"not a cache")
    build(built_kb, "--no-cache")
    assert cache.read_bytes() == b"not a cache"
    help_text = run_kb("build", "--help").stdout
    assert "--no-cache" in help_text and "缓存" in help_text


def test_the_key_covers_the_generator_code_and_templates(tmp_path):
    package = tmp_path / "generator"
    shutil.copytree(ROOT / "generator", package, ignore=shutil.ignore_patterns("__pycache__"))
    project = Project(tmp_path / "kb")
    key = buildcache.cache_key(project, package)
    assert buildcache.cache_key(project, package) == key
    template = next((package / "templates" / "pages").glob("*.j2"))
    template.write_text(template.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    changed = buildcache.cache_key(project, package)
    assert changed != key
    (package / "render.py").write_text((package / "render.py").read_text(encoding="utf-8") + "# x\n", encoding="utf-8")
    assert buildcache.cache_key(project, package) not in (key, changed)
    (package / "__pycache__").mkdir(exist_ok=True)  # compiled files are not the code
    (package / "__pycache__" / "x.pyc").write_bytes(b"x")
    assert buildcache.cache_key(project, package) == buildcache.cache_key(project, package)


def test_a_cache_under_another_key_is_not_used(built_kb, monkeypatch):
    assert buildcache.load(built_kb.project) is not None
    monkeypatch.setattr(buildcache, "_own_code_digest", lambda: "another generator")
    assert buildcache.load(built_kb.project) is None
    assert buildcache.open_session(built_kb.project).graph is None


def test_the_session_survives_pickling_in_process(tmp_path):
    """The cached session (without the engine): generate, save, edit, read back, generate —
    docs/ as a fresh generate leaves it; the link memo is keyed by the read-back records."""
    kb = make_kb(tmp_path)
    session = buildcache.open_session(kb.project)
    session.write(*session.check())
    assert buildcache.commit(session)
    EDITS["alias"](kb)
    state = buildcache.load(kb.project)
    assert state is not None
    records = {id(r) for records in state.graph.kb.records.values() for r in records.values()}
    assert set(state.linking.prose_by_record) <= records and state.linking.prose_by_record
    session = buildcache.BuildSession(kb.project, state)
    result = session.write(*session.check())
    assert result.made_paths and len(result.made_paths) < 10
    fresh = make_kb(tmp_path / "fresh")
    EDITS["alias"](fresh)
    generate(fresh.project)
    assert generated(kb.root / "docs") == generated(fresh.root / "docs")
    assert buildcache.commit(session) and buildcache.load(kb.project) is not None


# --- random edits, and random damage to docs/, with the session read back from the file each time --

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from generator.incremental import regenerate_all  # noqa: E402
from generator.pipeline import check  # noqa: E402
from generator.problems import DataError  # noqa: E402
from test_incremental import EDITS as DATA_EDITS, make_project, restore, snapshot  # noqa: E402


def _generated_files(docs: Path) -> list[Path]:
    return sorted(p for name in GENERATED_FOLDERS if (docs / name).is_dir() for p in (docs / name).rglob("*") if p.is_file())


def delete_page(project: Project, index: int) -> None:
    files = _generated_files(project.docs_dir)
    files[index % len(files)].unlink()


def overwrite_page(project: Project, index: int) -> None:
    files = _generated_files(project.docs_dir)
    files[index % len(files)].write_text("被改动的生成页面\n" * (index + 2), encoding="utf-8")


def stray_page(project: Project, index: int) -> None:
    folder = project.docs_dir / GENERATED_FOLDERS[index % len(GENERATED_FOLDERS)] / "stray"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"page-{index}.md").write_text("多出来的页面\n", encoding="utf-8")


DAMAGE = st.tuples(st.sampled_from([delete_page, overwrite_page, stray_page]), st.integers(0, 200))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.one_of(DATA_EDITS, DAMAGE), min_size=1, max_size=6), trust_stat=st.booleans())
def test_cached_generation_equals_a_full_generation_after_any_edits(tmp_path_factory, monkeypatch, steps, trust_stat):
    """What kb build does before the engine, with the session written to and read back from the
    cache file between runs; ``trust_stat`` lets files written just now be trusted by their
    stat (as they are a moment after a build), so that path is exercised too."""
    monkeypatch.setattr(buildcache, "RACY_NS", -10**12 if trust_stat else buildcache.RACY_NS)
    project = make_project(tmp_path_factory.mktemp("cached") / "kb")

    def build_docs() -> None:
        session = buildcache.open_session(project)
        session.write(*session.check())
        assert buildcache.commit(session)

    build_docs()
    for step, *args in steps:
        before = snapshot(project)
        step(project, *args)
        if step not in (delete_page, overwrite_page, stray_page):
            try:
                buildcache.open_session(project, use_cache=False).check()
            except DataError:
                restore(project, before)  # e.g. two records with one name: not a state a build reaches
                continue
        build_docs()
        assert buildcache.load(project) is not None
        full = regenerate_all(check(project).graph)
        on_disk = {p.relative_to(project.docs_dir).as_posix(): p.read_bytes() for p in _generated_files(project.docs_dir)}
        different = sorted(path for path in full.keys() | on_disk.keys() if full.get(path) != on_disk.get(path))
        assert different == [], f"after {step.__name__}{tuple(args)}: docs/ differs in {different}"
        assert not any(p.name == "stray" for p in project.docs_dir.rglob("*"))
