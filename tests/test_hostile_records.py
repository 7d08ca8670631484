"""Hostile records, second round: what kb check accepts, kb build builds — and shows as typed;
what it refuses, it refuses with file:line:field in Chinese.

One test (or a few) per class of issue 10: link titles, auto-links in table syntax, text that
looks like a number, impossible dates, clumsy messages, look-alike names and duplicate tag
anchors, and a pack that could mix two builds. The browser side (prototype names, hovering every
titled link under kb serve and --no-strict) is in test_security_xss.py.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import ROOT, run_kb
from generator.autolink import Linker, Target
from generator.paths import tag_slug
from kbfixture import make_kb, only_error

PRACTICE = "practices/jia-gong-zuo-fa.yaml"
KB_SCRIPT = Path(sys.executable).parent / "kb"


@pytest.fixture
def kb(tmp_path):
    return make_kb(tmp_path)


def build(kb, *args: str) -> subprocess.CompletedProcess:
    return run_kb("--project", str(kb.root), "build", *args)


class Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def elements(path: Path) -> list[tuple[str, dict]]:
    parser = Tags()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.found


# --- 1. link titles ------------------------------------------------------------------------------


@pytest.mark.slow
def test_quotes_and_parentheses_in_hover_texts_build_strictly_and_stay_text(kb):
    kb.edit("methods/yi-shi-hui.yaml", "name: 议事会", "name: 读书活动('甲')")
    kb.edit(PRACTICE, "methods: [议事会]", "methods: [\"读书活动('甲')\"]")
    kb.edit("terms/zhuan-men-xie-shang-ji-gou.yaml", "definition: 人民政协的定位。",
            "definition: \"丙('丁') ![](x){:onerror=alert(document.domain)}\"")
    assert kb.errors() == []
    result = build(kb)
    assert result.returncode == 0, result.stdout + result.stderr
    site = kb.root / "site"
    for page in ("explore/a-z.html", "practices/jia-gong-zuo-fa.html", "index.html"):
        for tag, attrs in elements(site / page):
            assert not [a for a in attrs if a.startswith("on")], (page, tag, attrs)
            assert not (tag == "img" and attrs.get("src") == "x"), page
    titles = [attrs.get("title", "") for page in site.rglob("*.html") for _, attrs in elements(page)]
    assert "通用做法：读书活动('甲')" in titles  # the method's hover text, whole
    assert any(t.startswith("专门协商机构：丙('丁') ![](x){:onerror=") for t in titles)  # the term's, as text


# --- 2. auto-links never change structure ---------------------------------------------------------


@pytest.mark.parametrize("alias", ["---", "|---|", "!!!", "***", "：：", "__"])
def test_an_alias_without_letters_or_chinese_is_an_error(kb, alias):
    kb.edit("terms/zhuan-men-xie-shang-ji-gou.yaml", "name: 专门协商机构", f"name: 专门协商机构\naliases: [{alias!r}]")
    error = only_error(kb)
    assert (error.field, error.line) == ("aliases[0]", 2)
    assert "不含任何汉字、字母或数字" in error.message


def target(key, page, title=""):
    return Target(key=key, page=page, anchor="", title=title, priority=0)


TABLE = "| 实践 | 组织 |\n|---|---|\n| 甲 | 乙 |\n"


def test_autolinks_touch_no_table_syntax_even_for_names_made_of_it():
    linker = Linker({"---": target(("term", "a"), "glossary/index.md"),
                     "实践 | 组织": target(("term", "b"), "glossary/index.md"),
                     "-|-": target(("term", "c"), "glossary/index.md")})
    assert linker.link(TABLE, "themes/x.md")[0] == TABLE


def test_autolinks_skip_rules_list_markers_and_character_references():
    linker = Linker({"1. 甲": target(("practice", "a"), "practices/a.md"), "35;乙": target(("practice", "b"), "practices/b.md")})
    text = "1. 甲方案\n\n---\n\n&#35;乙方\n"
    assert linker.link(text, "index.md")[0] == text


def test_an_escaped_name_is_linked_where_record_text_shows_it():
    linker = Linker({"甲|乙": target(("practice", "a"), "practices/a.md")})
    out, linked = linker.link("见甲&#124;乙。", "index.md")
    assert out == "见[甲&#124;乙](practices/a.md)。" and linked == {("practice", "a")}


def test_two_names_side_by_side_do_not_become_touching_links():
    linker = Linker({"协商在一线": target(("practice", "a"), "practices/a.md"),
                     "委员议事室": target(("practice", "b"), "practices/b.md")})
    out, _ = linker.link("推行协商在一线委员议事室。后来委员议事室普及。", "index.md")
    assert out == "推行[协商在一线](practices/a.md)委员议事室。后来[委员议事室](practices/b.md)普及。"


# --- 4. text that looks like a number, a boolean or a date ----------------------------------------

TYPED = ["2020.10", "007", "0x1F", "1_000", "12.50", "yes", "2020-10-01", "1:30", "1e3", ".inf", "0o17"]


def test_plain_scalars_keep_exactly_what_was_typed_from_file_to_page(kb):
    kb.edit(PRACTICE, "aliases: [甲法]", "aliases: [甲法, " + ", ".join(TYPED[1:]) + "]\nperiod: 2020.10")
    kb.edit(PRACTICE, "figures: [30多场次]", "figures: [30]")
    kb.edit(PRACTICE, "excerpt: 每年开展协商活动30多场次", "excerpt: 每年开展协商活动30多场次")
    result = kb.check()
    assert result.problems.errors == []
    practice = result.kb.practices["jia-gong-zuo-fa"]
    assert practice.period == "2020.10"
    assert practice.aliases == ["甲法", *TYPED[1:]]
    assert practice.outcomes[0].figures == ["30"]
    generated = run_kb("--project", str(kb.root), "generate")
    assert generated.returncode == 0, generated.stderr
    page = (kb.root / "docs" / "practices" / "jia-gong-zuo-fa.md").read_text(encoding="utf-8")
    assert "2020.10" in page
    for value in TYPED[1:]:
        assert value.replace("_", "&#95;") in page, value


def test_numbers_and_dates_still_read_as_numbers_and_dates_where_the_field_is_one(kb):
    kb.edit(PRACTICE, "added: 2024-01-02", "added: 2024-01-02\nstart_year: 2019")
    practice = kb.check().kb.practices["jia-gong-zuo-fa"]
    assert practice.start_year == 2019 and practice.added == dt.date(2024, 1, 2)


def test_a_number_that_is_not_a_year_says_so_in_chinese(kb):
    kb.edit(PRACTICE, "added: 2024-01-02", "added: 2024-01-02\nstart_year: 2019.5")
    error = only_error(kb)
    assert error.field == "start_year" and "应为整数" in error.message


# --- 5. impossible dates ----------------------------------------------------------------------------


@pytest.mark.parametrize("rel, old, new, field", [
    (PRACTICE, "added: 2024-01-02", "added: 2206-11-23", "added"),
    (PRACTICE, "added: 2024-01-02", "added: 1900-01-01", "added"),
    ("sources/wen-xian.yaml", "web_date: 2024-01-02", "web_date: 3024-01-02", "web_date"),
])
def test_dates_before_1949_or_in_the_future_are_errors(kb, rel, old, new, field):
    kb.edit(rel, old, new)
    error = only_error(kb)
    assert error.field == field and error.path == f"data/{rel}"
    assert "不可能" in error.message and "1949-01-01" in error.message


@pytest.mark.slow
def test_a_future_date_stops_the_build_with_a_message_and_keeps_the_site(kb):
    assert build(kb).returncode == 0
    before = (kb.root / "site" / "index.html").read_bytes()
    kb.edit(PRACTICE, "added: 2024-01-02", "added: 2206-11-23")
    result = build(kb)
    assert result.returncode == 1
    assert "data/practices/jia-gong-zuo-fa.yaml:" in result.stderr and "内部错误" not in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert (kb.root / "site" / "index.html").read_bytes() == before


# --- 8. messages a county office can act on -----------------------------------------------------------


def test_a_pasted_line_separator_or_nel_names_its_real_line_and_field(kb):
    text = kb.read(PRACTICE).replace("向群众征集议题。", "向群众\u2028征集议题。").replace("是专门协商机构", "是专门\x85协商机构")
    kb.write(PRACTICE, text)
    errors = kb.errors()
    assert [(e.line, e.field) for e in errors] == [(6, "summary"), (10, "steps[0].description")]
    assert "U+0085" in errors[0].message and "U+2028" in errors[1].message
    assert all("冒号" not in e.message for e in errors)


def test_keys_that_are_not_text_and_infinite_numbers_are_explained_in_chinese(kb):
    kb.edit(PRACTICE, "  - source: 测试文献\n    excerpt: 甲市政协创立了甲工作法",
            "  - source: 测试文献\n    ~: x\n    excerpt: 甲市政协创立了甲工作法")
    kb.edit(PRACTICE, "added: 2024-01-02", "added: 2024-01-02\nstart_year: !!float .inf")
    messages = [e.message for e in kb.errors()]
    assert len(messages) == 2, messages
    assert all(re.search(r"[\u4e00-\u9fff]", m) and not re.search(r"should|Input|Keys", m) for m in messages), messages


def test_a_huge_unknown_key_gives_a_short_message(kb):
    kb.write(PRACTICE, kb.read(PRACTICE) + "? " + "x" * 200_000 + "\n: 1\n")
    error = only_error(kb)
    assert len(error.format()) < 400 and "未知字段" in error.message


def test_warnings_name_their_line(kb):
    kb.edit(PRACTICE, "relations:\n  - kind: 相似\n    target: 乙协商\n", "")
    warnings = [w for w in kb.warnings() if w.field == "relations"]
    assert warnings and all(w.line >= 1 for w in warnings)
    unused = [w for w in kb.check().problems.warnings if "没有在任何记录" in w.message]
    assert all(w.line >= 1 for w in unused)


def test_a_symlinked_type_folder_is_reported_first_and_alone(kb, tmp_path):
    themes = kb.root / "data" / "themes"
    elsewhere = tmp_path / "themes-elsewhere"
    shutil.move(themes, elsewhere)
    themes.symlink_to(elsewhere, target_is_directory=True)
    errors = kb.errors()
    assert len(errors) == 1, "\n".join(e.format() for e in errors)
    assert errors[0].path == "data/themes" and "符号链接" in errors[0].message
    result = run_kb("--project", str(kb.root), "check")
    assert result.stdout.startswith("错误 data/themes:")


def test_kb_check_into_a_closed_pipe_ends_quietly(kb):
    for i in range(60):  # enough output to fill the pipe after head has gone
        kb.write(f"practices/bad-{i:02d}.yaml", "name: 坏\n")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    env.pop("KB_DEBUG", None)
    result = subprocess.run(f"'{sys.executable}' -m generator.cli --project '{kb.root}' check | head -n 1",
                            shell=True, cwd=ROOT, capture_output=True, text=True, env=env)
    assert result.stdout.startswith("错误 ")
    assert "内部错误" not in result.stderr and "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr


def test_ctrl_c_while_the_command_line_is_still_importing_gives_the_chinese_line(monkeypatch, capsys):
    import builtins

    from generator import console

    real_import = builtins.__import__

    def interrupted(name, *args, **kwargs):
        if name == "cli":  # "from .cli import main" in generator.console
            raise KeyboardInterrupt
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", interrupted)
    assert console.main() == 130
    assert capsys.readouterr().err.strip() == "已中断；网站（site/）保持原样"


def mapped(pid: int, needle: str) -> bool:
    try:
        return needle in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.0, 0.03, 0.1, 0.3])
def test_ctrl_c_in_the_first_moments_of_a_build_prints_no_traceback(kb, delay):
    """From the moment kb starts reading YAML (libyaml is loaded) through imports and generation.
    (A signal during Python's own start-up, before any of our code runs, is Python's business.)"""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    env.pop("KB_DEBUG", None)
    process = subprocess.Popen([str(KB_SCRIPT), "--project", str(kb.root), "build"], cwd=kb.root, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not mapped(process.pid, "_yaml") and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert "Traceback" not in out + err, err
    if process.returncode != 0:
        assert process.returncode == 130 and "已中断" in err, (process.returncode, err)


# --- 9. names a reader cannot tell apart ---------------------------------------------------------------


@pytest.mark.parametrize("first, second", [
    ("协商在基层", "協商在基層"),
    ("ABC协商", "ＡＢＣ协商"),
    ("甲乙协商", "甲乙 协商"),
])
def test_look_alike_names_are_duplicates(kb, first, second):
    kb.write("themes/a.yaml", f"name: {first}\ndescription: 一。\n")
    kb.write("themes/b.yaml", f"name: {second}\ndescription: 二。\n")
    error = only_error(kb)
    assert (error.path, error.field, error.line) == ("data/themes/b.yaml", "name", 1)
    assert "读者无法区分" in error.message


@pytest.mark.parametrize("name", ["\u200b\u200b", "\u3164", "专门\u200b协商", "\ufeff甲"])
def test_invisible_characters_in_a_name_are_errors(kb, name):
    kb.write("themes/a.yaml", f'name: "{name}"\ndescription: 一。\n')
    error = only_error(kb)
    assert (error.path, error.field) == ("data/themes/a.yaml", "name")
    assert "不可见字符" in error.message or "不含任何汉字" in error.message


def test_a_look_alike_alias_is_a_warning(kb):
    kb.edit(PRACTICE, "aliases: [甲法]", "aliases: [乙協商]")
    assert kb.errors() == []
    assert any(w.field == "aliases[0]" and "读者无法区分" in w.message for w in kb.warnings())


# --- 10. one anchor per tag -----------------------------------------------------------------------------


def test_tags_that_differ_only_by_case_or_punctuation_get_different_anchors():
    tags = ["Tag", "tag", "TAG", "!!!", "???", "委员 履职", "委员-履职", "委员履职", "a~b", "ab"]
    slugs = [tag_slug(t) for t in tags]
    assert len(set(slugs)) == len(tags), slugs
    assert tag_slug("委员履职") == "委员履职" and tag_slug("tag") == "tag"


@pytest.mark.slow
def test_the_tags_page_has_unique_anchors(kb):
    kb.edit(PRACTICE, "completeness: 较完整", "completeness: 较完整\ntags: [Tag, tag, '!!!', '???']")
    result = build(kb)
    assert result.returncode == 0, result.stdout + result.stderr
    ids = [attrs["id"] for _, attrs in elements(kb.root / "site" / "explore" / "tags.html") if "id" in attrs]
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1]
    assert sum(bool(re.match(r"tag[:-]", i)) for i in ids) == 4


# --- 7. an archive is always one whole build ---------------------------------------------------------------


def site_digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_pack_waits_for_a_build_and_packs_only_the_finished_site(kb, tmp_path):
    assert build(kb).returncode == 0
    with open(kb.root / ".kb-build.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # as a running build holds it
        lock.write(str(os.getpid()))
        lock.flush()
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
        packing = subprocess.Popen([sys.executable, "-m", "generator.cli", "--project", str(kb.root), "pack",
                                    "--out", str(tmp_path / "dist")], cwd=ROOT, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first = []
        reader = threading.Thread(target=lambda: first.append(packing.stdout.readline()))
        reader.start()
        reader.join(timeout=60)
        assert first and "等待它结束后再打包" in first[0], first
        time.sleep(0.5)
        assert packing.poll() is None and not list((tmp_path / "dist").glob("*.zip")), "pack did not wait"
        # The "build" finishes: a different site is swapped in while pack waits.
        fresh = tmp_path / "fresh-site"
        shutil.copytree(kb.root / "site", fresh)
        (fresh / "marker.txt").write_text("new build", encoding="utf-8")
        (fresh / "index.html").write_text("<p>new build</p>", encoding="utf-8")
        shutil.rmtree(kb.root / "site")
        fresh.rename(kb.root / "site")
        fcntl.flock(lock, fcntl.LOCK_UN)
    packing.communicate(timeout=120)
    assert packing.returncode == 0
    archive = next((tmp_path / "dist").glob("*.zip"))
    with zipfile.ZipFile(archive) as zf:
        packed = {name.split("/", 1)[1]: hashlib.sha256(zf.read(name)).hexdigest() for name in zf.namelist()}
    assert packed == site_digest(kb.root / "site")
