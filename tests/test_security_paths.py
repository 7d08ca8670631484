"""No record, file name (id), tag or reference makes the generator read outside data/ or write
outside docs/' generated folders (and site/).

Decisions tested here (and stated in the README's security section):
- a record id is its file name, and must be a short lowercase ASCII slug that is not a Windows
  device name; anything else is an error naming the file;
- symbolic links in data/ (files, type folders) are refused with an error, wherever they point;
  record files are opened without following links, and only regular files are read;
- references are names or ids looked up in the loaded records, never paths;
- the writer refuses any path outside the generated folders, Windows-reserved names, and
  generated folders (or folders in them) that are symbolic links.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, run_kb
from kbfixture import make_kb, only_error
from generator.load import load_file
from generator.model import MAX_ID_CHARS, WINDOWS_RESERVED, Theme
from generator.paths import GENERATED_FOLDERS
from generator.problems import Problems, UserError
from generator.scaffold import new_record
from generator.write import UnsafePath, target_path

THEME = "name: 另一个主题\ndescription: 说明。\n"
OUTSIDE_RECORD = "name: 外部主题\ndescription: 不该被读到的记录。\n"


@pytest.fixture
def kb(tmp_path):
    return make_kb(tmp_path)


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every file under ``folder`` (links by their target), to see what a run changed."""
    out: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            out[rel] = "-> " + os.readlink(path)
        elif path.is_file():
            out[rel] = path.read_bytes()
    return out


# --- file names: the id ----------------------------------------------------------------------

@pytest.mark.parametrize("name, why", [
    ("Jia.yaml", "小写字母"),
    ("JIA-SHENG.yaml", "小写字母"),
    ("甲主题.yaml", "小写字母"),
    ("jia gong.yaml", "小写字母"),
    ("jia_gong.yaml", "小写字母"),
    ("jia..gong.yaml", "小写字母"),
    ("-jia.yaml", "小写字母"),
    ("jia-.yaml", "小写字母"),
    ("jia%2F..%2Fevil.yaml", "小写字母"),
    ("jia\\..\\evil.yaml", "小写字母"),
    ("jia:evil.yaml", "小写字母"),
    ("con.yaml", "Windows 保留名"),
    ("CON.yaml", "小写字母"),
    ("nul.yaml", "Windows 保留名"),
    ("aux.yaml", "Windows 保留名"),
    ("prn.yml", "Windows 保留名"),
    ("com1.yaml", "Windows 保留名"),
    ("lpt9.yaml", "Windows 保留名"),
    ("a" * (MAX_ID_CHARS + 1) + ".yaml", f"上限 {MAX_ID_CHARS}"),
])
def test_unsafe_file_names_are_refused(kb, name, why):
    kb.write(f"themes/{name}", THEME)
    error = only_error(kb)
    assert error.path == f"data/themes/{name}"
    assert why in error.message, error.format()
    assert "另一个主题" not in {t.name for t in kb.check().kb.themes.values()}


def test_the_longest_allowed_id_builds_a_page(kb):
    record_id = "a" * MAX_ID_CHARS
    kb.write(f"themes/{record_id}.yaml", THEME)
    result = run_kb("--project", str(kb.root), "generate")
    assert result.returncode == 0, result.stderr
    assert (kb.root / "docs" / "themes" / f"{record_id}.md").is_file()


def test_kb_new_refuses_an_unsafe_id(kb):
    for record_id in ("../../evil", "/tmp/evil", "con", "Evil", "evil/../x"):
        with pytest.raises(UserError):
            new_record(kb.project, "theme", "新主题", record_id=record_id)
    assert not list(kb.root.parent.glob("evil*")) and not Path("/tmp/evil.yaml").exists()


# --- symbolic links and special files in data/ ---------------------------------------------

def test_symlinked_record_file_is_refused(kb, tmp_path):
    outside = tmp_path / "outside.yaml"
    outside.write_text(OUTSIDE_RECORD, encoding="utf-8")
    (kb.root / "data" / "themes" / "wai-bu.yaml").symlink_to(outside)
    error = only_error(kb)
    assert error.path == "data/themes/wai-bu.yaml" and "不接受符号链接" in error.message
    assert "外部主题" not in {t.name for t in kb.check().kb.themes.values()}


def test_symlink_inside_data_is_refused_too(kb):
    (kb.root / "data" / "themes" / "bie-ming.yaml").symlink_to(kb.root / "data" / "themes" / "ji-ceng.yaml")
    error = only_error(kb)
    assert error.path == "data/themes/bie-ming.yaml" and "不接受符号链接" in error.message


def test_symlinked_type_folder_is_refused(kb, tmp_path):
    outside = tmp_path / "outside-methods"
    outside.mkdir()
    (outside / "wai-bu.yaml").write_text(OUTSIDE_RECORD, encoding="utf-8")
    methods = kb.root / "data" / "methods"
    for f in methods.iterdir():
        f.unlink()
    methods.rmdir()
    methods.symlink_to(outside, target_is_directory=True)
    errors = kb.errors()
    assert any(e.path == "data/methods" and "不接受符号链接" in e.message for e in errors), errors
    assert "外部主题" not in {m.name for m in kb.check().kb.methods.values()}


def test_symlinked_data_file_swapped_in_after_the_listing_is_not_followed(kb, tmp_path):
    """record_files checks for links first; the file is then opened with O_NOFOLLOW, so a link
    put in its place in between is refused rather than read."""
    outside = tmp_path / "outside.yaml"
    outside.write_text(OUTSIDE_RECORD, encoding="utf-8")
    link = kb.root / "data" / "themes" / "wai-bu.yaml"
    link.symlink_to(outside)
    problems = Problems()
    assert load_file(Theme, link, kb.root, problems) is None
    assert "不接受符号链接" in problems.errors[0].message


def test_subfolder_in_a_type_folder_is_refused(kb):
    (kb.root / "data" / "themes" / "sub").mkdir()
    (kb.root / "data" / "themes" / "sub" / "x.yaml").write_text(THEME, encoding="utf-8")
    error = only_error(kb)
    assert error.path == "data/themes/sub" and "子文件夹" in error.message


def test_a_fifo_named_like_a_record_does_not_hang_kb_check(kb):
    os.mkfifo(kb.root / "data" / "themes" / "guan-dao.yaml")
    result = run_kb("--project", str(kb.root), "check", timeout=60)
    assert result.returncode == 1
    assert "data/themes/guan-dao.yaml: 不是普通文件" in result.stdout, result.stdout + result.stderr


# --- references are looked up, never opened ------------------------------------------------

@pytest.mark.parametrize("field, old, new", [
    ("organization", "organization: 甲市政协", "organization: /etc/passwd"),
    ("organization", "organization: 甲市政协", "organization: ../organizations/jia-shi-zheng-xie"),
    ("organization", "organization: 甲市政协", "organization: ../../../data/organizations/jia-shi-zheng-xie.yaml"),
    ("themes[0]", "themes: [基层协商]", "themes: [../themes/ji-ceng]"),
    ("methods[0]", "methods: [议事会]", "methods: [C:\\Windows\\win.ini]"),
    ("sources[0].source", "  - source: 测试文献\n    excerpt: 甲市政协创立了甲工作法", "  - source: ~/.ssh/id_rsa\n    excerpt: 甲市政协创立了甲工作法"),
])
def test_path_like_references_are_names_that_do_not_exist(kb, field, old, new):
    kb.edit("practices/jia-gong-zuo-fa.yaml", old, new)
    error = only_error(kb)
    assert error.field == field and ("找不到" in error.message or "不是已有的" in error.message), error.format()


@pytest.mark.parametrize("seed", ["../../etc/passwd.txt", "/etc/passwd.txt", "..\\seed.txt", "seed.txt/../../x.txt"])
def test_seed_file_names_cannot_leave_the_sources_folder(kb, seed):
    kb.edit("sources/wen-xian.yaml", "seed: seed.txt", f"seed: '{seed}'")
    error = only_error(kb)
    assert error.field == "seed" and "格式不对" in error.message


# --- the writer -------------------------------------------------------------------------------

@pytest.mark.parametrize("rel", ["../evil.md", "practices/../../evil.md", "/etc/passwd", "index.md", "guide.md",
                                 "practices/con.md", "practices/NUL.md", "practices/com1.md", "explore/lpt1.js",
                                 "practices\\..\\..\\evil.md", "practices", "assets/evil.js", "", "."])
def test_writer_refuses_paths_outside_the_generated_folders(tmp_path, rel):
    with pytest.raises(UnsafePath):
        target_path(tmp_path / "docs", rel)


def test_writer_accepts_the_generated_folders(tmp_path):
    for folder in GENERATED_FOLDERS:
        assert target_path(tmp_path / "docs", f"{folder}/x.md") == tmp_path / "docs" / folder / "x.md"


def test_symlinked_generated_folder_is_refused_not_written_through(kb, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (kb.root / "docs" / "practices").symlink_to(outside, target_is_directory=True)
    result = run_kb("--project", str(kb.root), "generate")
    assert result.returncode == 1
    assert "拒绝写入 docs/practices：它是符号链接" in result.stderr and "Traceback" not in result.stderr
    assert list(outside.iterdir()) == []
    build = run_kb("--project", str(kb.root), "build")
    assert build.returncode == 1 and "拒绝写入 docs/practices" in build.stderr and "内部错误" not in build.stderr
    assert list(outside.iterdir()) == []


def test_links_inside_generated_folders_are_replaced_or_removed_never_followed(kb, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "keep.md").write_text("不能被改写或删除", encoding="utf-8")
    assert run_kb("--project", str(kb.root), "generate").returncode == 0
    practices = kb.root / "docs" / "practices"
    page = practices / "jia-gong-zuo-fa.md"
    page.unlink()
    page.symlink_to(outside / "keep.md")  # a page replaced by a link to a file elsewhere
    (practices / "stale-link.md").symlink_to(outside / "keep.md")  # a stale link
    (practices / "sub").symlink_to(outside, target_is_directory=True)  # a linked folder
    result = run_kb("--project", str(kb.root), "generate")
    assert result.returncode == 0, result.stderr
    assert (outside / "keep.md").read_text(encoding="utf-8") == "不能被改写或删除"
    assert page.is_file() and not page.is_symlink() and "甲工作法" in page.read_text(encoding="utf-8")
    assert not (practices / "stale-link.md").exists() and not (practices / "sub").is_symlink()
    assert (outside / "keep.md").exists()


# --- a whole build: ids and tags with hostile names -----------------------------------------

HOSTILE_TAGS = ["CON", "nul", "aux.yaml", "COM1", "lpt1.txt", "PRN", "..", "../../逃逸", "/etc/passwd", "a/b",
                "C:\\evil", "~", "标签 空格", "%2e%2e%2f"]


def test_build_with_hostile_tags_writes_only_inside_docs_and_site(tmp_path):
    kb = make_kb(tmp_path / "work")
    tags = ", ".join(f'"{t}"' if "\\" not in t else f"'{t}'" for t in HOSTILE_TAGS)
    kb.edit("practices/jia-gong-zuo-fa.yaml", "completeness: 较完整", f"tags: [{tags}]\ncompleteness: 较完整")
    before_parent = sorted(p.name for p in (tmp_path / "work").iterdir())
    before = snapshot(kb.root)
    result = run_kb("--project", str(kb.root), "build")
    assert result.returncode == 0, result.stdout + result.stderr
    after = snapshot(kb.root)

    assert sorted(p.name for p in (tmp_path / "work").iterdir()) == before_parent, "wrote beside the project"
    changed = {rel for rel in after if before.get(rel) != after[rel]} | (before.keys() - after.keys())
    allowed = tuple(f"docs/{f}/" for f in GENERATED_FOLDERS) + ("site/", ".cache/kb/")  # the build cache
    assert {rel for rel in changed if not rel.startswith(allowed) and rel != ".kb-build.lock"} == set()
    assert all(rel in after for rel in before if rel.startswith("data/") or not rel.startswith(allowed))

    for rel in after:
        for part in Path(rel).parts:
            assert part.split(".")[0].lower() not in WINDOWS_RESERVED, rel
    tags_page = (kb.root / "site" / "explore" / "tags.html").read_text(encoding="utf-8")
    for tag in ("CON", "aux.yaml", "../../逃逸", "/etc/passwd"):
        assert tag in tags_page, tag
    assert not (kb.root / "site" / "etc").exists() and not (tmp_path / "逃逸").exists()


def test_file_names_with_escape_sequences_or_undecodable_bytes_are_printed_escaped(kb):
    themes = os.fsencode(kb.root / "data" / "themes")
    for name in (b"\x1b[2J\x1b[31mred.yaml", b"\xff\xfe.yaml", "\u202eyaml.txt.yaml".encode()):
        with open(os.path.join(themes, name), "wb") as handle:
            handle.write(THEME.encode("utf-8"))
    result = subprocess.run([sys.executable, "-m", "generator.cli", "--project", str(kb.root), "check"], cwd=ROOT,
                            capture_output=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, timeout=60)
    out = result.stdout.decode("utf-8", "replace")
    assert result.returncode == 1 and b"\x1b" not in result.stdout and "\u202e" not in out, out
    assert "data/themes/\\x1b[2J\\x1b[31mred.yaml: " in out and "data/themes/\\xff\\xfe.yaml: " in out, out
    assert "data/themes/\\u202eyaml.txt.yaml: " in out and "内部错误" not in out + result.stderr.decode()
