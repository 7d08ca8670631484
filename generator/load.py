"""Stage 1 — load: find the YAML files under ``data/`` and parse them safely.

Nothing here trusts the input. Every file-level problem (name, encoding, size, YAML syntax,
anchors, duplicate keys) becomes a ``Problem`` with the file and line, and the file is skipped;
the rest still loads so that ``kb check`` can report everything in one run.

YAML is parsed with libyaml's C parser. Line numbers are only needed when something is wrong,
so they are looked up afterwards (``locate``) instead of being tracked for every value.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .model import (
    ID_PATTERN,
    MAX_FILE_BYTES,
    MAX_ID_CHARS,
    MAX_NESTING_DEPTH,
    MAX_RECORDS,
    TYPES_BY_FOLDER,
    WINDOWS_RESERVED,
    Record,
)
from .problems import Problems, field_path

YAML_SUFFIXES = (".yaml", ".yml")
# Files editors and operating systems leave behind; never records.
IGNORED_NAMES = re.compile(r"^(\..*|~\$.*|.*~|.*\.swp|Thumbs\.db|desktop\.ini|README(\.md)?)$", re.I)

try:  # libyaml is part of the PyYAML wheels; the pure-Python parser is a slow fallback
    _BaseLoader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _BaseLoader = yaml.SafeLoader


class AnchorError(yaml.MarkedYAMLError):
    pass


class DuplicateKeyError(yaml.MarkedYAMLError):
    pass


class TagError(yaml.MarkedYAMLError):
    pass


class BadValueError(yaml.MarkedYAMLError):
    """A scalar YAML reads as a date or number that cannot exist (2024-02-30, 25:00, 10**5000)."""


# The only kinds of value a record is made of. Explicit tags such as !!binary, !!set, !!omap
# or !!python/… are refused rather than turned into bytes, sets or tuples.
_ALLOWED_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")
)
_VALUE_TAG = "tag:yaml.org,2002:value"  # a bare "=" (YAML 1.1's value key): plain text to us


class _RecordLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """SafeLoader that refuses anchors, aliases and merge keys, duplicate keys and explicit tags,
    and reports impossible dates and numbers as YAML errors with their line.

    Aliases let a 1 kB file expand to gigabytes once anything walks it ("billion laughs");
    records never need them. A repeated key would silently drop the first value.
    """

    def construct_object(self, node, deep=False):
        if node in self.constructed_objects:
            raise AnchorError(
                None, None, "uses an anchor/alias", node.start_mark
            )
        if node.tag == _VALUE_TAG:
            node.tag = "tag:yaml.org,2002:str"
        elif node.tag not in _ALLOWED_TAGS:
            raise TagError(None, None, f"tag {node.tag}", node.start_mark)
        try:
            return super().construct_object(node, deep=deep)
        except yaml.YAMLError:
            raise
        except Exception as exc:  # datetime(2024, 2, 30), int("9" * 5000), "!!timestamp x", "!!bool x"
            raise BadValueError(None, None, f"{node.tag.rsplit(':', 1)[-1]}: {exc!r}", node.start_mark) from None

    def flatten_mapping(self, node):
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise AnchorError(None, None, "uses a merge key", key_node.start_mark)
        return super().flatten_mapping(node)

    def construct_mapping(self, node, deep=False):
        seen: set = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                if key_node.value in seen:
                    raise DuplicateKeyError(
                        None, None, f"duplicate key {key_node.value!r}", key_node.start_mark
                    )
                seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)


# Every plain scalar stays the text that was typed; only an empty value or ~/null means "none".
# YAML 1.1 would read 2020.10 as the number 2020.1, 007 as 7, 0x1F as 31, 1_000 as 1000, 1:30
# as 90, yes as True and 2020-10-01 as a date: in a text field (a period, an alias, a figure)
# the page would silently show something other than the file. The model converts text to a
# number or a date where a field is one (start_year, added), and says so when it cannot.
_NULL = "tag:yaml.org,2002:null"
_RecordLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag == _NULL]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}


@dataclass
class RawRecord:
    """A parsed YAML file that has not been validated against the model yet."""

    type: type[Record]
    id: str
    path: str  # relative to the project root, forward slashes
    text: str
    data: dict[str, Any]


def relpath(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def check_id(stem: str) -> str | None:
    """Why a file stem is not a usable record id, or None when it is."""
    if len(stem) > MAX_ID_CHARS:
        return f"文件名过长（{len(stem)} 个字符，上限 {MAX_ID_CHARS}）"
    if not ID_PATTERN.match(stem):
        return (
            "文件名须是安全的 ASCII 标识：小写字母、数字和连字符，如 xie-shang-zai-ji-ceng.yaml；"
            "可用 `kb new` 由中文名称生成"
        )
    if stem in WINDOWS_RESERVED:
        return f"“{stem}”是 Windows 保留名，不能作文件名"
    return None


def decode_error_line(raw: bytes) -> int:
    """1-based line of the first byte that keeps a file from being UTF-8 text."""
    bad = raw.find(b"\x00")
    if bad < 0:
        try:
            raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
            return 1
        except UnicodeDecodeError as exc:
            bad = exc.start + (3 if raw.startswith(b"\xef\xbb\xbf") else 0)
    return raw[:bad].count(b"\n") + 1


def decode(raw: bytes) -> tuple[str | None, str | None]:
    """Text of a record file, or why it cannot be read. Accepts a UTF-8 BOM and CRLF."""
    if b"\x00" in raw:
        return None, "文件含有 NUL 字节，不是文本文件（或是 UTF-16 编码），请另存为 UTF-8"
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        try:
            raw.decode("gb18030")
        except UnicodeDecodeError:
            return None, f"第 {line} 行起不是 UTF-8 编码，请用 UTF-8 保存"
        return None, (
            f"文件不是 UTF-8 编码，看起来是 GBK/GB18030（Windows 记事本、WPS 的常见默认）；"
            f"请用“另存为 → 编码：UTF-8”重新保存（第 {line} 行起出错）"
        )
    return text.replace("\r\n", "\n").replace("\r", "\n"), None


# libyaml/PyYAML messages -> what a maintainer should do about them.
_YAML_MESSAGES = [
    (re.compile(r"found character '\\t'|found a tab character"),
     "使用了制表符（Tab）缩进或分隔；YAML 只能用空格缩进，请把 Tab 换成空格"),
    (re.compile(r"mapping values are not allowed"),
     "此处不能出现“键: 值”：可能是缩进不对，或值里含有英文冒号加空格（请给整个值加引号）"),
    (re.compile(r"could not find expected ':'"), "缺少英文冒号“:”，或上一行的引号没有闭合"),
    (re.compile(r"did not find expected key"), "缩进不一致：这一行的缩进与同级字段不同"),
    (re.compile(r"did not find expected '-' indicator"), "列表项的缩进不一致"),
    (re.compile(r"expected <block end>, but found '-'"), "列表项“- ”的缩进与上下文不一致"),
    (re.compile(r"expected <block end>"), "缩进不一致：请检查这一行与上一行的缩进"),
    (re.compile(r"unexpected end of stream|end of stream while scanning a quoted"),
     "引号或括号没有闭合"),
    (re.compile(r"found undefined alias|found unknown escape"), "含有 YAML 不认识的 * 别名或转义字符，请给值加引号"),
    (re.compile(r"while scanning an anchor|while scanning an alias"), "“&”“*”开头的值会被当作锚点/别名，请给值加引号"),
    (re.compile(r"could not determine a constructor for the tag"), "不支持 YAML 标签（! 或 !! 开头），请删去"),
    (re.compile(r"found character .* that cannot start any token"), "这一行以 YAML 保留字符开头（如 @ ` | > %），请给值加引号"),
    (re.compile(r"control characters are not allowed|special characters are not allowed"),
     "含有控制字符（常见于从网页或 Word 粘贴），请删除"),
    (re.compile(r"expected a single document"), "一个文件只能有一条记录（发现了 --- 分隔的多个文档）"),
    (re.compile(r"invalid Unicode character escape"), "含有无效的 Unicode 转义（如 \\ud800 这样的半个代理字符），请删除"),
]


def explain_yaml_error(exc: yaml.YAMLError) -> tuple[int, str]:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else 0
    if isinstance(exc, AnchorError):
        return line, "使用了 YAML 锚点、别名或合并键（& * <<）；为防止展开攻击，记录中不接受，请直接写出内容"
    if isinstance(exc, DuplicateKeyError):
        key = str(exc.problem).removeprefix("duplicate key ")
        return line, f"字段 {key} 重复出现，后一个会覆盖前一个；请合并为一个"
    if isinstance(exc, TagError):
        return line, "不支持 YAML 标签（! 或 !! 开头，如 !!binary、!!set）；请删去，直接写出内容"
    if isinstance(exc, BadValueError):
        kind = str(exc.problem).split(":", 1)[0]
        if kind == "timestamp":
            return line, "日期或时间不存在（如 2 月 30 日、25 点）；日期写作 2026-11-23，若是文本请加引号"
        if kind in ("int", "float"):
            return line, "数字过大或无法读取；若是文本（如编号）请加引号"
        return line, "无法读取这个值；若是文本请加引号"
    text = f"{getattr(exc, 'problem', '') or ''} {getattr(exc, 'context', '') or ''} {exc}"
    for pattern, message in _YAML_MESSAGES:
        if pattern.search(text):
            return line, f"YAML 语法错误：{message}"
    return line, "YAML 语法错误：无法解析这一行（请检查缩进、冒号和引号）"


def depth_of(value: Any, limit: int) -> int:
    """Nesting depth of a parsed value, stopping early past ``limit`` (iterative: no recursion)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return depth
        deepest = max(deepest, depth)
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return deepest


# Characters no record needs, which could garble a page or a terminal: C0 and C1 control
# characters other than tab and line feed, lone surrogates, the non-characters U+FFFE/U+FFFF,
# and the bidirectional overrides and isolates that reorder how the rest of a line is shown.
# YAML refuses most of them typed as they are; its escapes ("\x01", "\u202e") let them through.
FORBIDDEN_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]")
_MAY_HOLD_FORBIDDEN = re.compile(r"\\|[\u202a-\u202e\u2066-\u2069]")


def forbidden_chars(data: Any) -> list[tuple[tuple, str]]:
    """(location, character) of the first forbidden character in each string or key."""
    found: list[tuple[tuple, str]] = []
    stack: list[tuple[tuple, Any]] = [((), data)]
    while stack:
        loc, value = stack.pop()
        if isinstance(value, str):
            match = FORBIDDEN_CHARS.search(value)
            if match:
                found.append((loc, match.group()))
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and FORBIDDEN_CHARS.search(key):
                    found.append((loc, FORBIDDEN_CHARS.search(key).group()))
                    continue
                stack.append((loc + (key,), item))
        elif isinstance(value, list):
            stack.extend((loc + (i,), item) for i, item in enumerate(value))
    return sorted(found, key=lambda f: [str(p) for p in f[0]])


def describe_char(char: str) -> str:
    code = f"U+{ord(char):04X}"
    if "\u202a" <= char <= "\u202e" or "\u2066" <= char <= "\u2069":
        return f"含有改变文字方向的控制字符 {code}，它会打乱页面上这一行的显示顺序；请删除"
    if "\ud800" <= char <= "\udfff":
        return f"含有无效的 Unicode 字符 {code}（半个代理对）；请删除"
    return f"含有不可见的控制字符 {code}（常见于从网页或 Word 粘贴）；请删除"


def first_tab_indent(text: str) -> int:
    """1-based number of the first line indented with a tab (libyaml does not say "tab")."""
    for number, line in enumerate(text.split("\n"), start=1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            return number
    return 0


# libyaml's composer recurses in C once per nesting level: some 25 000 levels of "[" (a 50 kB
# file) overflow the stack and kill the process, before Python's recursion limit can act. Each
# level needs one of these characters, so a text with fewer of them cannot get near that.
_NESTING_CHARS = "[{-:?"
_CHEAP_NESTING_BOUND = 1000


def nesting_beyond(text: str, limit: int) -> int:
    """The 1-based line where ``text`` nests deeper than ``limit``, or 0. Walks libyaml's event
    stream (no recursion) and only when the text could possibly nest deeply."""
    if sum(text.count(c) for c in _NESTING_CHARS) < _CHEAP_NESTING_BOUND:
        return 0
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_BaseLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > limit:
                    return event.start_mark.line + 1
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.MarkedYAMLError as exc:
        # libyaml 0.2.6 (PyYAML 6.0.4) has a nesting limit of its own (1000) and stops there with
        # "exceeded maximum nesting depth" before our count reaches ours: the same problem.
        if "nesting depth" in (exc.problem or "") and exc.problem_mark is not None:
            return exc.problem_mark.line + 1
        return 0  # any other syntax error is reported, with its line, by the real parse
    except yaml.YAMLError:
        return 0
    return 0


# Line breaks only YAML knows: Word and web pages paste U+2028 (line separator), U+2029
# (paragraph separator) and U+0085 (NEL) into text. YAML 1.1 ends a line at each of them, so a
# value would be cut in two and the error reported on a line no editor shows.
_YAML_ONLY_BREAKS = re.compile("[\x85\u2028\u2029]")
_BREAK_NAMES = {"\x85": "U+0085（NEL 换行）", "\u2028": "U+2028（行分隔符）", "\u2029": "U+2029（段分隔符）"}


def field_at_line(text: str, line: int) -> str:
    """The field path of the value on a 1-based line (for messages), or ""."""
    try:
        node = yaml.compose(text, Loader=_BaseLoader)
    except yaml.YAMLError:
        return ""
    loc: tuple = ()
    while node is not None:
        children = (node.value if isinstance(node, yaml.MappingNode) else
                    list(enumerate(node.value)) if isinstance(node, yaml.SequenceNode) else [])
        found = None
        for key, child in children:
            name = key if isinstance(key, int) else getattr(key, "value", None)
            first = (child.start_mark.line if isinstance(key, int) else key.start_mark.line) + 1
            last = child.end_mark.line + (0 if child.end_mark.column == 0 and child.end_mark.line > child.start_mark.line else 1)
            if first <= line <= max(first, last):
                found = (name, child)
        if found is None:
            break
        loc += (found[0],)
        node = found[1]
    return field_path(loc)


def yaml_only_breaks(text: str, path: str, problems: Problems) -> bool:
    """Report every line holding one of the breaks above (with its field); True if any."""
    reported: set[int] = set()
    for match in _YAML_ONLY_BREAKS.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        if line in reported:
            continue
        reported.add(line)
        field = field_at_line(_YAML_ONLY_BREAKS.sub(" ", text), line)
        problems.error(path, line, field, f"含有 {_BREAK_NAMES[match.group()]}，常见于从 Word 或网页粘贴；"
                                          "YAML 把它当作换行，会把这一项截断。请删除它（需要换行就直接回车）")
    return bool(reported)


def parse_text(text: str, path: str, problems: Problems) -> dict | None:
    """Parse one record's YAML text; report and return None when it is not a usable mapping."""
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.split("\n")):
        problems.error(path, 1, "", "文件为空：没有任何字段（至少需要 name）")
        return None
    if _YAML_ONLY_BREAKS.search(text) and yaml_only_breaks(text, path, problems):
        return None
    too_deep = nesting_beyond(text, MAX_NESTING_DEPTH)
    if too_deep:
        problems.error(path, too_deep, "", f"嵌套层次过深（记录最多 {MAX_NESTING_DEPTH} 层）")
        return None
    try:
        data = yaml.load(text, Loader=_RecordLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        line, message = explain_yaml_error(exc)
        tab_line = first_tab_indent(text)
        if tab_line and (not line or tab_line <= line + 1):
            line, message = tab_line, "YAML 语法错误：这一行用了制表符（Tab）缩进；YAML 只能用空格缩进，请把 Tab 换成空格"
        problems.error(path, max(line, 1), "", message)
        return None
    except RecursionError:
        problems.error(path, 1, "", f"嵌套层次过深（记录最多 {MAX_NESTING_DEPTH} 层）")
        return None
    if not isinstance(data, dict):
        kind = {list: "列表", str: "一段文本", int: "数字", float: "数字", bool: "布尔值"}.get(type(data), "其他值")
        problems.error(path, 1, "", f"文件顶层应是字段映射（如 name: …），而不是{kind}")
        return None
    if depth_of(data, MAX_NESTING_DEPTH) > MAX_NESTING_DEPTH:
        problems.error(path, 1, "", f"嵌套层次过深（记录最多 {MAX_NESTING_DEPTH} 层）")
        return None
    bad_keys = [k for k in data if not isinstance(k, str)]
    if bad_keys:
        problems.error(path, locate(text, ()) or 1, "", f"字段名须是文本，发现 {bad_keys[0]!r}；请给它加引号或改名")
        return None
    if _MAY_HOLD_FORBIDDEN.search(text):
        bad = forbidden_chars(data)
        for loc, char in bad:
            problems.error(path, locate(text, loc) or 1, field_path(loc), describe_char(char))
        if bad:
            return None
    return data


def record_files(data_dir: Path, root: Path, problems: Problems) -> list[tuple[type[Record], str]]:
    """Every record file under data/ (as a path string: a pathlib.Path per file costs more than
    finding out that a file is unchanged), in a stable order, with folder-level problems reported."""
    found: list[tuple[type[Record], str]] = []
    if not data_dir.is_dir():
        problems.error(relpath(data_dir, root), 0, "", "找不到数据文件夹 data/；请在项目根目录运行，或用 --project 指定")
        return found
    for entry in sorted(data_dir.iterdir(), key=lambda p: p.name):
        if IGNORED_NAMES.match(entry.name):
            continue
        if entry.is_symlink():
            refused = TYPES_BY_FOLDER.get(entry.name)
            if refused is not None:
                problems.unreadable_types.add(refused.type_name)
                problems.cause(relpath(entry, root), f"不接受符号链接：{refused.type_label}文件夹必须是 data/ 中的普通文件夹；"
                                                     f"其中的记录全部未读取，引用这些{refused.type_label}的错误不再逐条列出")
            else:
                problems.error(relpath(entry, root), 0, "", "不接受符号链接：记录必须是 data/ 中的普通文件")
            continue
        if entry.is_file():
            if entry.suffix in YAML_SUFFIXES:
                problems.error(relpath(entry, root), 0, "", f"记录须放在类型文件夹中，如 data/practices/；可用的文件夹：{'、'.join(TYPES_BY_FOLDER)}")
            continue
        record_type = TYPES_BY_FOLDER.get(entry.name)
        if record_type is None:
            if entry.name not in EXTRA_FOLDERS:
                problems.warning(relpath(entry, root), 0, "", f"未知的文件夹，已忽略；记录类型文件夹有：{'、'.join(TYPES_BY_FOLDER)}")
            continue
        # scandir: the kind of each entry comes with the listing, no stat() per file (at 20,000
        # records, three stats a file were most of a one-edit reload under kb serve).
        with os.scandir(entry) as listing:
            files = sorted(listing, key=lambda e: e.name)
        folder_rel = relpath(entry, root)
        for file in files:
            if IGNORED_NAMES.match(file.name):
                continue
            rel = f"{folder_rel}/{file.name}"
            if file.is_symlink():
                problems.error(rel, 0, "", "不接受符号链接：记录必须是 data/ 中的普通文件")
                continue
            if file.is_dir():
                problems.error(rel, 0, "", "类型文件夹中不能再有子文件夹")
                continue
            if not file.name.endswith(YAML_SUFFIXES):
                problems.error(rel, 0, "", "只接受 .yaml 或 .yml 文件")
                continue
            found.append((record_type, file.path))
    if len(found) > MAX_RECORDS:
        problems.error(relpath(data_dir, root), 0, "", f"记录数 {len(found)} 超过上限 {MAX_RECORDS}")
        return []
    return found


# Folders under data/ that hold something other than records (reserved for later types).
EXTRA_FOLDERS: set[str] = set()


class RecordFileError(Exception):
    """A record path that is not a readable regular file of acceptable size (message in Chinese)."""


def read_record_bytes(file: Path) -> bytes:
    """The bytes of a record file, read without following a symbolic link (the check in
    ``record_files`` could be raced), refusing anything but a regular file (a FIFO or device
    would block or never end) and never reading more than ``MAX_FILE_BYTES`` + 1 bytes."""
    try:
        fd = os.open(file, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise RecordFileError("不接受符号链接：记录必须是 data/ 中的普通文件") from None
        raise
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise RecordFileError("不是普通文件（可能是管道或设备文件），已跳过")
        if info.st_size > MAX_FILE_BYTES:
            raise RecordFileError(f"文件过大（{info.st_size // 1024} KB，上限 {MAX_FILE_BYTES // 1024} KB）")
        raw = handle.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:  # grew while being read
        raise RecordFileError(f"文件过大（上限 {MAX_FILE_BYTES // 1024} KB）")
    return raw


def load_file(record_type: type[Record], file: Path, root: Path, problems: Problems) -> RawRecord | None:
    return load_file_bytes(record_type, file, root, problems)[0]


def load_file_bytes(record_type: type[Record], file: Path, root: Path,
                    problems: Problems) -> tuple[RawRecord | None, bytes | None]:
    """The record in a file, and the bytes it was parsed from."""
    rel = relpath(file, root)
    stem = file.stem
    why = check_id(stem)
    if why:
        problems.error(rel, 0, "", why)
        return None, None
    try:
        raw = read_record_bytes(file)
    except RecordFileError as exc:
        problems.error(rel, 0, "", str(exc))
        return None, None
    except OSError as exc:
        problems.error(rel, 0, "", f"无法读取文件：{exc.strerror or exc}")
        return None, None
    text, why = decode(raw)
    if text is None:
        problems.error(rel, decode_error_line(raw), "", why or "无法读取")
        return None, raw
    data = parse_text(text, rel, problems)
    if data is None:
        return None, raw
    return RawRecord(record_type, stem, rel, text, data), raw


def _content_digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


class LoadCache:
    """Parsed records of one ``kb serve`` session, by file. A file whose size, modification
    and change times and inode are unchanged is not read and parsed again: at 5,000 practices, parsing
    was a fifth of every rebuild after a one-record edit. Files with problems are not kept,
    so their problems are found (and reported) again each time.

    A file written within a moment of when it was read could change again without its times
    moving (file systems count time in ticks of a few milliseconds): such a "racily clean" file
    is read again and compared by content (a digest of its bytes is kept, not the bytes: kb build
    writes this cache to disk), as git does with its index."""

    RACY_NS = 2_000_000_000  # a file changed this close to being read is compared by content

    def __init__(self):
        self._records: dict[str, tuple[tuple[int, ...], RawRecord, bytes, int]] = {}  # … digest of the bytes …

    @staticmethod
    def _key(file: str) -> tuple[int, ...] | None:
        try:
            info = os.stat(file, follow_symlinks=False)
        except OSError:
            return None
        return info.st_mtime_ns, info.st_ctime_ns, info.st_size, info.st_ino

    def load(self, record_type: type[Record], file: str, root: Path, problems: Problems) -> RawRecord | None:
        key = self._key(file)
        kept = self._records.get(file)
        if kept is not None and key is not None and kept[0] == key and kept[1].type is record_type:
            if max(key[0], key[1]) < kept[3] - self.RACY_NS:
                return kept[1]
            try:
                if _content_digest(read_record_bytes(file)) == kept[2]:
                    return kept[1]
            except (OSError, RecordFileError):
                pass
        read_at = time.time_ns()
        raw, data = load_file_bytes(record_type, Path(file), root, problems)
        if raw is None or key is None or data is None:
            self._records.pop(file, None)
        else:
            self._records[file] = (key, raw, _content_digest(data), read_at)
        return raw

    def forget_others(self, files: set[str]) -> None:
        for gone in self._records.keys() - files:
            del self._records[gone]


def load_all(root: Path, data_dir: Path | None = None, cache: LoadCache | None = None) -> tuple[list[RawRecord], Problems]:
    """Parse every record file. Returns the parsed records and the problems found."""
    problems = Problems()
    data_dir = data_dir or root / "data"
    raws: list[RawRecord] = []
    seen: dict[tuple[str, str], str] = {}
    files = record_files(data_dir, root, problems)
    if cache is not None:
        cache.forget_others({file for _, file in files})
    for record_type, file in files:
        raw = cache.load(record_type, file, root, problems) if cache is not None else load_file(record_type, Path(file), root, problems)
        if raw is None:
            continue
        key = (record_type.type_name, raw.id)
        if key in seen:
            problems.error(raw.path, 0, "", f"id “{raw.id}”与 {seen[key]} 重复（.yaml 与 .yml 同名？）")
            continue
        seen[key] = raw.path
        raws.append(raw)
    return raws, problems


# --- line numbers on demand -----------------------------------------------------------------


def locate(text: str, loc: tuple, *, key: bool = False) -> int:
    """1-based line of the value at ``loc`` (a pydantic-style path) in a record's YAML text.

    When the path does not exist (a missing field), the line of the deepest existing parent is
    returned. With ``key=True`` the line of the mapping key itself is returned.
    """
    try:
        node = yaml.compose(text, Loader=_BaseLoader)
    except yaml.YAMLError:
        return 0
    if node is None:
        return 1
    line = node.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            for key_node, value_node in node.value:
                if getattr(key_node, "value", None) == part:
                    line = (key_node if key else value_node).start_mark.line + 1
                    node = value_node
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line

