"""Stage 2 — validate: parsed YAML -> model records, with every reference resolved.

Checks run in order, each collecting problems rather than stopping:
1. each file against its record type (types, required and unknown fields, vocabularies) —
   messages from ``explain``;
2. names unique within a type, aliases unambiguous, no look-alikes (``names``);
3. references (written as an id or a unique name/alias) resolved to ids;
4. no cycles in part-of/parent chains, and the rules no type annotation can express (``rules``);
5. optionally, every excerpt found verbatim in its original text (``excerpts``, ``--sources``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from .context import Context
from .excerpts import verify_excerpts
from .explain import explain
from .load import RawRecord, locate
from .model import RECORD_TYPES, TYPES_BY_NAME, KnowledgeBase, Record
from .names import check_names
from .problems import Problems, field_path
from .rules import check_cycles, check_rules
from .walk import iter_refs


def build_record(raw: RawRecord, problems: Problems) -> Record | None:
    try:
        record = raw.type.model_validate(raw.data)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            loc, message, at_key = explain(error, raw.type)
            line = locate(raw.text, loc, key=at_key)
            problems.error(raw.path, line, field_path(loc), message)
        return None
    record._id = raw.id
    record._path = raw.path
    return record


def resolve_references(ctx: Context, problems: Problems) -> None:
    for record_type in RECORD_TYPES:
        for record in ctx.kb.of(record_type).values():
            for site in list(iter_refs(record)):
                index = ctx.indexes[site.target]
                target_type = TYPES_BY_NAME[site.target]
                found = index.resolve(site.value)
                if len(found) == 1:
                    site.set(found[0])
                    continue
                if not found and (site.value in ctx.broken.get(site.target, ()) or site.target in problems.unreadable_types):
                    continue
                where = (record.path, ctx.line(record, site.loc), field_path(site.loc))
                if found:
                    listed = "、".join(f"{index.ids[i].name}（id: {i}）" for i in found)
                    problems.error(*where, f"“{site.value}”有歧义，可能是：{listed}；请改写为其中一个的 id")
                    continue
                if site.target == "theme":
                    allowed = "、".join(index.names)
                    problems.error(*where, f"“{site.value}”不是已有的主题；可选：{allowed}（新主题须先在 data/themes/ 中建立）")
                    continue
                hint = ""
                elsewhere = [t.type_label for t in RECORD_TYPES if t.type_name != site.target and ctx.indexes[t.type_name].resolve(site.value)]
                if elsewhere:
                    hint = f"；“{site.value}”是{'、'.join(elsewhere)}，不是{target_type.type_label}"
                close = index.suggestions(site.value)
                if close:
                    hint += f"；相近的有：{'、'.join(close)}"
                problems.error(*where, f"找不到{target_type.type_label}“{site.value}”{hint}")


# --- entry point ------------------------------------------------------------------------------


@dataclass
class Validated:
    kb: KnowledgeBase
    problems: Problems
    excerpts_checked: int = 0


def validate(raws: list[RawRecord], root: Path, problems: Problems, seeds_dir: Path | None = None) -> Validated:
    kb = KnowledgeBase(root=root)
    by_key: dict[tuple[str, str], RawRecord] = {}
    broken: dict[str, set[str]] = defaultdict(set)
    for raw in raws:
        record = build_record(raw, problems)
        if record is not None:
            kb.of(raw.type)[raw.id] = record
            by_key[(raw.type.type_name, raw.id)] = raw
        else:
            names = [raw.data.get("name"), *(raw.data.get("aliases") or [] if isinstance(raw.data.get("aliases"), list) else [])]
            broken[raw.type.type_name].update([raw.id, *(n for n in names if isinstance(n, str))])
    ctx = Context(kb, by_key, broken)
    check_names(ctx, problems)
    resolve_references(ctx, problems)
    check_cycles(ctx, problems)
    check_rules(ctx, problems)
    checked = verify_excerpts(ctx, seeds_dir, problems) if seeds_dir is not None else 0
    return Validated(kb, problems, checked)
