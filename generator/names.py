"""Names: how records refer to each other (an id, or a unique name or alias), and the names a
reader cannot tell apart (duplicates, look-alikes, invisible characters, names without text)."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from . import text as textutil
from .explain import shown
from .model import RECORD_TYPES, Record
from .problems import Problems, field_path

if TYPE_CHECKING:
    from .context import Context



@dataclass
class NameIndex:
    """How the records of one type can be referred to."""

    ids: dict[str, Record]
    names: dict[str, list[str]]
    aliases: dict[str, list[str]]

    @classmethod
    def of(cls, records: dict[str, Record]) -> "NameIndex":
        names: dict[str, list[str]] = defaultdict(list)
        aliases: dict[str, list[str]] = defaultdict(list)
        for record_id, record in records.items():
            names[record.name].append(record_id)
            for alias in dict.fromkeys(record.aliases):
                if alias != record.name:
                    aliases[alias].append(record_id)
        return cls(records, dict(names), dict(aliases))

    def resolve(self, value: str) -> list[str]:
        """Ids a reference may mean: an id wins over a name, a name over an alias."""
        if value in self.ids:
            return [value]
        return self.names.get(value) or self.aliases.get(value) or []

    def suggestions(self, value: str) -> list[str]:
        labels = list(self.names) + list(self.aliases)
        close = difflib.get_close_matches(value, labels, n=5, cutoff=0.5)
        close += [n for n in labels if value in n or (len(n) > 1 and n in value)][:5]
        return list(dict.fromkeys(close))[:5]


# Characters that show as nothing (or as a blank) but make two names different strings: a name
# pasted from a web page with a zero-width space looks exactly like one without.
_INVISIBLE_IN_NAME = re.compile("[\u00ad\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
                                "\u2060-\u206f\u2800\u3164\ufe00-\ufe0f\ufeff\uffa0]")
_WORDLIKE = re.compile(r"[^\W_]")  # a letter, digit or CJK character


@lru_cache(maxsize=1 << 18)  # every name is folded on every check; 繁→简 is the slow part
def look_alike_key(name: str) -> str:
    """The form in which two names a reader cannot tell apart are equal: NFKC (full-width
    letters and digits), 繁→简, case, white space and invisible characters removed."""
    folded = _INVISIBLE_IN_NAME.sub("", unicodedata.normalize("NFKC", name))
    return textutil.fold_whitespace(textutil.to_simplified(folded)).casefold()


def check_name_text(ctx: Context, record: Record, problems: Problems) -> None:
    """A name or alias must be something a reader can see and tell apart."""
    for loc, value in [(("name",), record.name), *((("aliases", i), a) for i, a in enumerate(record.aliases))]:
        invisible = _INVISIBLE_IN_NAME.search(value)
        if not invisible and _WORDLIKE.search(value):
            continue  # the common case: no line number to look up
        where = (record.path, ctx.line(record, loc), field_path(loc))
        label = "名称" if loc == ("name",) else "别名"
        if invisible:
            problems.error(*where, f"{label}含有不可见字符 U+{ord(invisible.group()):04X}（常见于从网页或 Word 粘贴），"
                                   "读者看不出它与不含这个字符的名称有何不同；请删除")
        else:
            problems.error(*where, f"{label}“{shown(value)}”不含任何汉字、字母或数字；请写出真正的{label}")


def check_look_alikes(ctx: Context, record_type: type[Record], problems: Problems) -> None:
    """Names and aliases of one type that differ only in ways a reader cannot see."""
    seen: dict[str, tuple[Record, str, tuple]] = {}
    for record_id in sorted(ctx.kb.of(record_type)):
        record = ctx.kb.of(record_type)[record_id]
        own: set[str] = set()
        for loc, value in [(("name",), record.name), *((("aliases", i), a) for i, a in enumerate(record.aliases))]:
            key = look_alike_key(value)
            if not key or key in own:
                continue
            own.add(key)
            first = seen.get(key)
            if first is None:
                seen[key] = (record, value, loc)
                continue
            other, other_value, other_loc = first
            if other_value == value:
                continue  # the same string: check_names reports it
            if loc == ("name",) and other_loc != ("name",):
                # Reported on the alias: that is the one to change.
                record, value, loc, other, other_value, other_loc = other, other_value, other_loc, record, value, loc
            message = (f"“{shown(value)}”与 {other.path} 的“{shown(other_value)}”只差全角半角、繁简、大小写或不可见字符，"
                       "读者无法区分；请统一写法或改名")
            where = (record.path, ctx.line(record, loc), field_path(loc))
            if loc == ("name",) and other_loc == ("name",):
                problems.error(*where, message)
            else:
                problems.warning(*where, message)


def check_names(ctx: Context, problems: Problems) -> None:
    """Names across records: duplicates, ambiguous aliases and look-alikes (each record's own
    names are checked by ``check_name_text``, once per record)."""
    for record_type in RECORD_TYPES:
        index = ctx.indexes[record_type.type_name]
        records = ctx.kb.of(record_type)
        check_look_alikes(ctx, record_type, problems)
        for name, ids in index.names.items():
            for record_id in ids[1:]:
                first = records[ids[0]]
                record = records[record_id]
                problems.error(
                    record.path, ctx.line(record, ("name",)), "name",
                    f"{record_type.type_label}名称“{name}”与 {first.path} 重复；名称在同类记录中须唯一",
                )
        for alias, ids in index.aliases.items():
            owners = index.names.get(alias, []) + ids
            if len(owners) > 1:
                record = records[ids[-1]]
                others = "、".join(records[i].path for i in owners if i != record.id)
                problems.warning(
                    record.path, ctx.line(record, ("aliases",)), "aliases",
                    f"别名“{alias}”也属于 {others}；用它作引用时有歧义（名称优先于别名）",
                )
