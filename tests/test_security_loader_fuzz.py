"""The loader cannot crash: whatever bytes a record file holds, load → validate → link returns
either valid records (which then render) or problems with a Chinese message, the file and a line
— never an exception — and ``kb check`` never prints a traceback.

Inputs are the valid fixture records, mutated by hypothesis: wrong types, deep nesting, huge
strings and numbers, impossible dates, odd Unicode (surrogates, right-to-left overrides,
zero-width characters, U+2028), control characters, NUL bytes, invalid UTF-8, BOMs, tabs,
anchor/alias bombs, explicit tags, duplicate keys, truncation. The size limits in
``generator/model.py`` are each exceeded once, and must be reported as such.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from kbfixture import FIXTURE, make_kb
from generator import load, model
from generator.pipeline import render_files

BASES = sorted((p.relative_to(FIXTURE / "data").as_posix(), p.read_text(encoding="utf-8"))
               for p in (FIXTURE / "data").rglob("*.yaml"))
CJK = re.compile(r"[\u4e00-\u9fff]")
# Problems about a file as a whole (its size, its kind) have no line to point at.
WHOLE_FILE = re.compile(r"文件过大|符号链接|普通文件|无法读取文件|文件名")

# Fixed examples in CI (fast, reproducible); KB_FUZZ_EXAMPLES=5000 explores new ones locally.
EXPLORE = int(os.environ.get("KB_FUZZ_EXAMPLES", "0"))
FUZZ = settings(max_examples=EXPLORE or 120, deadline=None, derandomize=not EXPLORE,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])

# Any character at all, surrogates and controls included.
ANY_CHAR = st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF)
ODD_CHARS = st.sampled_from(["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\x9f", "\ufeff",
                             "\u200b", "\u200d", "\u200e", "\u200f", "\u202a", "\u202e", "\u2066", "\u2069",
                             "\u2028", "\u2029", "\ud800", "\udfff", "\ufffe", "\uffff", "\U0001f600", "\t", "\r",
                             "\u3000", "\u00a0", "：", "＃", "—", "ā"])
ODD_TEXT = st.text(alphabet=st.one_of(ODD_CHARS, ANY_CHAR, st.sampled_from("协商议:#-[]{}&*!|>'\"%@`,? \n")),
                   max_size=40)
YAML_SNIPPETS = st.sampled_from([
    "", "~", "null", "yes", "no", "on", "off", "0x1F", "0o17", "0b101", "1_000", "1e999", ".nan", "-.inf",
    "1:20:30", "190:20:30", "2024-02-30", "2024-13-01", "2024-01-01T25:00:00", "9999-12-31", "0001-01-01",
    "2024-1-1", "[]", "{}", "[1, [2, [3, [4]]]]", "{a: {b: {c: {d: 1}}}}", "&a x", "*a", "&a [*a]",
    "!!binary aGk=", "!!set {a, b}", "!!omap [a: 1]", "!!python/object/apply:os.system [echo]", "!x y",
    "!!str 1", "!!int x", "!!float x", "!!timestamp x", "!!null x", "!!bool x", "<<: {a: 1}", "|", ">", "|-\n  x",
    "'", '"', "'unclosed", '"unclosed', "- x", "? x", "%YAML 1.1", "---", "...", "@x", "`x`", "#", "=",
    "{{ x }}", "{% raw %}", "a: b: c", "[a, b", "{a: 1", "\t", "x\ty", '"\\ud800"', '"\\x00"', '"\\u202e"',
    '"\\U0010ffff"', '"\\N"', '"\\_\\L\\P"', "<script>alert(1)</script>", "[x](javascript:alert(1))",
])


BAD_KEYS = ["name", "x", "1", "? [a]", "null", "<<", '"\\x01"', "[a, b]", "2024-01-01", "true", "名称"]


def yaml_value(draw) -> str:
    """A scalar or small structure in YAML syntax, chosen to be wrong somewhere."""
    kind = draw(st.sampled_from(["snippet", "quoted", "raw", "number", "long", "nested", "structure"]))
    if kind == "snippet":
        return draw(YAML_SNIPPETS)
    if kind == "quoted":  # every character reachable through YAML's escapes, surrogates included
        return json.dumps(draw(ODD_TEXT), ensure_ascii=True)
    if kind == "raw":
        return draw(ODD_TEXT)
    if kind == "number":
        return draw(st.sampled_from(["", "-", "0x", "1e"])) + "9" * draw(st.integers(1, 6000))
    if kind == "long":  # around the field and file limits
        size = draw(st.sampled_from([model.MAX_NAME_CHARS, model.MAX_TEXT_CHARS, model.MAX_EXCERPT_CHARS,
                                     model.MAX_FILE_BYTES // 3]))
        return draw(st.sampled_from(["协", "a", "&", "\\"])) * (size + draw(st.integers(-1, 2)))
    if kind == "nested":
        depth = draw(st.sampled_from([5, 12, 13, 200, 1500, 30_000]))
        opener = draw(st.sampled_from(["[", "{a: "]))
        closer = "]" if opener == "[" else "}"
        return opener * depth + "1" + closer * depth
    structure = st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=10), st.dates()),
        lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(st.text(max_size=5), children, max_size=3)),
        max_leaves=8,
    )
    return yaml.safe_dump(draw(structure), default_flow_style=True, allow_unicode=True, width=10**9).strip()


def mutate(draw, text: str) -> bytes:
    """The text of a valid record, broken in one to three ways, as the bytes of a file."""
    for _ in range(draw(st.integers(1, 3))):
        lines = text.split("\n")
        line = draw(st.integers(0, max(len(lines) - 1, 0)))
        kind = draw(st.sampled_from(["value", "value", "insert", "delete", "duplicate", "indent", "truncate",
                                     "key", "bomb", "nest_block", "replace_all"]))
        if kind == "value" and ":" in lines[line]:
            key = lines[line].split(":", 1)[0]
            lines[line] = f"{key}: {yaml_value(draw)}"
        elif kind == "insert":
            at = draw(st.integers(0, len(text)))
            text = text[:at] + draw(ODD_TEXT) + text[at:]
            continue
        elif kind == "delete":
            del lines[line]
        elif kind == "duplicate":
            lines.insert(line, lines[line])
        elif kind == "indent":
            lines[line] = draw(st.sampled_from([" ", "  ", "    ", "\t", " \t", "\u3000"])) + lines[line]
        elif kind == "truncate":
            text = text[: draw(st.integers(0, len(text)))]
            continue
        elif kind == "key":
            key = draw(st.sampled_from(BAD_KEYS))
            lines.insert(line, f"{key}: {yaml_value(draw)}")
        elif kind == "bomb":
            bomb = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
            bomb += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 10)]
            lines[line:line] = bomb
        elif kind == "nest_block":
            depth = draw(st.sampled_from([3, 13, 400]))
            lines[line:line] = [("  " * i) + f"k{i}:" for i in range(depth)] + [("  " * depth) + "v"]
        elif kind == "replace_all":
            text = yaml_value(draw)
            continue
        text = "\n".join(lines)
    data = text.encode("utf-8", "surrogatepass")  # a surrogate becomes invalid UTF-8, as from a bad editor
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "bom", "crlf", "utf-16", "gbk", "bytes"]))
    if encoding == "bom":
        data = b"\xef\xbb\xbf" + data
    elif encoding == "crlf":
        data = data.replace(b"\n", b"\r\n")
    elif encoding == "utf-16":
        data = text.encode("utf-16", "surrogatepass")
    elif encoding == "gbk":
        data = text.encode("gbk", "replace")
    elif encoding == "bytes":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(max_size=12)) + data[at:]
    return data


def assert_clear(problems, *, fuzzed: str) -> None:
    """Every problem says in Chinese what is wrong and where: the file, and for an error the
    line (unless it is about the file as a whole). A broken name may break references to it in
    other files: those are reported there, so errors need not all be in the fuzzed file."""
    for problem in problems.items:
        text = problem.format()
        text.encode("utf-8")  # printable: no lone surrogate from the input leaks into a message
        assert CJK.search(problem.message), text
        assert problem.path.startswith("data/"), text
    for problem in problems.errors:
        assert problem.line >= 1 or WHOLE_FILE.search(problem.message), problem.format()


@pytest.fixture(scope="module")
def fuzz_kb(tmp_path_factory):
    return make_kb(tmp_path_factory.mktemp("fuzz"))


def load_mutated(kb, rel: str, data: bytes):
    path = kb.root / "data" / rel
    original = path.read_bytes()
    path.write_bytes(data)
    try:
        return kb.check()
    finally:
        path.write_bytes(original)


@FUZZ
@given(st.data())
def test_mutated_records_give_records_or_chinese_problems(fuzz_kb, data):
    rel, text = data.draw(st.sampled_from(BASES))
    result = load_mutated(fuzz_kb, rel, mutate(data.draw, text))
    assert_clear(result.problems, fuzzed=f"data/{rel}")
    if not result.problems.errors:  # valid, however odd: it renders
        assert result.graph is not None
        files = render_files(result.graph)
        assert files and all(isinstance(b, bytes) for b in files.values())


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=300), st.text(alphabet=st.one_of(ODD_CHARS, ANY_CHAR), max_size=200)))
def test_random_files_give_chinese_problems(fuzz_kb, content):
    raw = content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass")
    result = load_mutated(fuzz_kb, "themes/ji-ceng.yaml", raw)
    assert_clear(result.problems, fuzzed="data/themes/ji-ceng.yaml")


@settings(max_examples=2, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_kb_check_never_prints_a_traceback(tmp_path_factory, data):
    kb = make_kb(tmp_path_factory.mktemp("fuzzcli"))
    for i in range(12):
        rel, text = data.draw(st.sampled_from(BASES))
        folder = rel.split("/")[0]
        (kb.root / "data" / folder / f"fuzz-{i}.yaml").write_bytes(mutate(data.draw, text))
    result = subprocess.run([sys.executable, "-m", "generator.cli", "--project", str(kb.root), "check"], cwd=ROOT,
                            capture_output=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, timeout=120)
    out, err = result.stdout.decode("utf-8"), result.stderr.decode("utf-8")
    assert "Traceback" not in out + err and "内部错误" not in out + err, out + err
    assert result.returncode in (0, 1), out + err
    assert "检查完成" in out
    for line in out.splitlines():
        if line.startswith(("错误 ", "警告 ")):
            assert re.match(r"(错误|警告) data/\S+\.ya?ml(:\d+)?: ", line) and CJK.search(line.split(": ", 1)[1]), line


# --- the size limits, each exceeded once --------------------------------------------------

PRACTICE = "practices/jia-gong-zuo-fa.yaml"


@pytest.fixture
def kb(tmp_path):
    return make_kb(tmp_path)


def only_error(kb):
    errors = kb.errors()
    assert len(errors) == 1, "\n".join(e.format() for e in errors)
    return errors[0]


def test_name_longer_than_the_limit(kb):
    kb.edit(PRACTICE, "name: 甲工作法", "name: " + "甲" * (model.MAX_NAME_CHARS + 1))
    error = only_error(kb)
    assert (error.field, error.line) == ("name", 1)
    assert f"过长：{model.MAX_NAME_CHARS + 1} 字，上限 {model.MAX_NAME_CHARS} 字" in error.message


def test_text_longer_than_the_limit(kb):
    kb.edit(PRACTICE, "summary: 甲市政协", "summary: " + "协" * model.MAX_TEXT_CHARS + "甲市政协")
    error = only_error(kb)
    assert error.field == "summary" and f"上限 {model.MAX_TEXT_CHARS} 字" in error.message


def test_excerpt_longer_than_the_limit(kb):
    kb.edit(PRACTICE, "excerpt: 甲市政协创立了甲工作法", "excerpt: 甲市政协创立了甲工作法" + "。" * model.MAX_EXCERPT_CHARS)
    error = only_error(kb)
    assert error.field == "sources[0].excerpt" and f"上限 {model.MAX_EXCERPT_CHARS} 字" in error.message


def test_url_longer_than_the_limit(kb):
    kb.write("sources/wen-xian.yaml", kb.read("sources/wen-xian.yaml") + "url: https://example.org/" + "a" * model.MAX_URL_CHARS + "\n")
    error = only_error(kb)
    assert error.field == "url" and f"上限 {model.MAX_URL_CHARS} 字" in error.message


def test_list_longer_than_the_limit(kb):
    aliases = ", ".join(f"别名{i}" for i in range(model.MAX_LIST_ITEMS + 1))
    kb.edit(PRACTICE, "aliases: [甲法]", f"aliases: [{aliases}]")
    error = only_error(kb)
    assert error.field == "aliases" and f"项数过多：上限 {model.MAX_LIST_ITEMS} 项" in error.message


def test_file_larger_than_the_limit(kb):
    kb.edit(PRACTICE, "added: 2024-01-02", "added: 2024-01-02\n" + "# 注释\n" * (model.MAX_FILE_BYTES // 8))
    error = only_error(kb)
    assert error.path == f"data/{PRACTICE}"
    assert "文件过大" in error.message and f"上限 {model.MAX_FILE_BYTES // 1024} KB" in error.message


def test_nesting_deeper_than_the_limit(kb):
    deep = "[" * model.MAX_NESTING_DEPTH + "x" + "]" * model.MAX_NESTING_DEPTH
    kb.edit(PRACTICE, "aliases: [甲法]", f"aliases: {deep}")
    error = only_error(kb)
    assert f"嵌套层次过深（记录最多 {model.MAX_NESTING_DEPTH} 层）" in error.message


def test_nesting_that_would_overflow_libyaml_is_refused_before_parsing(kb):
    # libyaml's composer recurses in C: ~25 000 levels crashed the process with a segfault.
    kb.edit(PRACTICE, "aliases: [甲法]", "aliases: " + "[" * 100_000 + "]" * 100_000)
    error = only_error(kb)
    assert error.line == 2 and "嵌套层次过深" in error.message


def test_id_longer_than_the_limit(kb):
    kb.write(f"themes/{'a' * (model.MAX_ID_CHARS + 1)}.yaml", "name: 长\ndescription: 长。\n")
    error = only_error(kb)
    assert f"文件名过长（{model.MAX_ID_CHARS + 1} 个字符，上限 {model.MAX_ID_CHARS}）" in error.message


def test_more_records_than_the_limit(kb, monkeypatch):
    monkeypatch.setattr(load, "MAX_RECORDS", 5)  # the real limit (100 000 files) is too slow to write in a test
    error = only_error(kb)
    assert error.path == "data" and "记录数 9 超过上限 5" in error.message


def test_limits_are_constants_in_one_place_and_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## 安全"):]
    section = section[: section.index("\n## ", 4)]
    for value in (f"{model.MAX_FILE_BYTES // 1024} KB", f"{model.MAX_RECORDS:,}".replace(",", " "), str(model.MAX_NAME_CHARS),
                  f"{model.MAX_TEXT_CHARS:,}".replace(",", " "), str(model.MAX_EXCERPT_CHARS), str(model.MAX_LIST_ITEMS),
                  str(model.MAX_NESTING_DEPTH), str(model.MAX_ID_CHARS), str(model.MAX_URL_CHARS)):
        assert value in section, f"README's security section does not give the limit {value}"


# --- a few inputs named outright, with the message each must give ---------------------------

@pytest.mark.parametrize("snippet, message", [
    ("added: 2024-02-30", "日期或时间不存在"),
    ("added: 2024-01-01 25:00:00", "日期或时间不存在"),
    ("start_year: " + "9" * 5000, "数字过大"),
    ("aliases: !!binary aGk=", "不支持 YAML 标签"),
    ("aliases: !!set {a, b}", "不支持 YAML 标签"),
    ("aliases: !!python/object/apply:os.system [echo]", "不支持 YAML 标签"),
    ('aliases: ["甲\\x00法"]', "控制字符 U+0000"),
    ('aliases: ["甲\\x1b[31m法"]', "控制字符 U+001B"),
    ('aliases: ["甲\\u202e法"]', "改变文字方向的控制字符 U+202E"),
    ('aliases: ["\\ud800"]', "无效的 Unicode 转义"),
    ("aliases: [甲\u2066法]", "改变文字方向的控制字符 U+2066"),
])
def test_named_bad_values(kb, snippet, message):
    text = kb.read(PRACTICE)
    key = snippet.split(":", 1)[0]
    lines = [snippet if line.startswith(f"{key}:") else line for line in text.split("\n")]
    if not any(line == snippet for line in lines):
        lines.insert(1, snippet)
    kb.write(PRACTICE, "\n".join(lines))
    error = only_error(kb)
    assert message in error.message and error.line >= 1 and error.path == f"data/{PRACTICE}", error.format()


@pytest.mark.parametrize("raw, line", [
    (b"name: \xe7\x94\xb2\nsummary: \xff\xfe\n", 2),  # invalid UTF-8 on line 2
    (b"\xef\xbb\xbfname: a\n\n\x00\n", 3),  # NUL byte on line 3
    ("name: 甲\n说明: 乙\n".encode("gbk"), 1),
])
def test_unreadable_bytes_point_at_their_line(kb, raw, line):
    kb.write(PRACTICE, raw)
    error = only_error(kb)
    assert error.line == line and CJK.search(error.message), error.format()


def test_times_stay_text_not_base_60_numbers(kb):
    """YAML 1.1 reads 1:30 as 90; in a record it is the text it looks like."""
    kb.edit(PRACTICE, "added: 2024-01-02", "added: 2024-01-02\nperiod: 1:30")
    result = kb.check()
    assert result.problems.errors == []
    assert result.kb.practices["jia-gong-zuo-fa"].period == "1:30"
