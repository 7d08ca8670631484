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
from .rules import check_cycles, check_rules, record_rules
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


def resolve_references(ctx: Context, records: list[Record], problems: Problems) -> bool:
    """Rewrite each reference of ``records`` to the id it names; report those that name no
    record or several. Returns whether every reference resolved."""
    ok = True
    for record in records:
            for site in list(iter_refs(record)):
                index = ctx.indexes[site.target]
                target_type = TYPES_BY_NAME[site.target]
                found = index.resolve(site.value)
                if len(found) == 1:
                    site.set(found[0])
                    continue
                if not found and (site.value in ctx.broken.get(site.target, ()) or site.target in problems.unreadable_types):
                    continue
                ok = False
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
    return ok


# --- entry point ------------------------------------------------------------------------------


@dataclass
class Validated:
    kb: KnowledgeBase
    problems: Problems
    excerpts_checked: int = 0


@dataclass
class Checked:
    """One version of a record file, validated: what kb serve keeps between rebuilds."""

    raw: RawRecord
    record: Record | None  # None when the file does not fit the model
    problems: list  # the file against the model; once done, also its references and own rules
    refs: list[tuple[str, str]]  # (target type, value as written) of every reference
    done: bool = False  # references resolved and own rules checked
    resolved: bool = False  # every reference named exactly one record


class ValidationMemo:
    """Validated records between the runs of one session. A record file that was not read again
    (same ``RawRecord``, see ``load.LoadCache``) keeps its validated, resolved record and its
    own problems, unless a reference of it may now mean something else (a name, alias or id it
    uses was added, removed or moved to another record) or did not resolve (the message names
    what exists now). Checks across records (names, cycles, levels, courses) run every time."""

    def __init__(self):
        self.checked: dict[tuple[str, str], Checked] = {}
        self.meanings: dict[str, tuple] = {}  # type -> what resolving a written value depends on


def _meanings(ctx: Context) -> dict[str, tuple]:
    """What decides what a written reference means, per type: the ids, which ids a name and an
    alias stand for, and the names of records that failed validation."""
    return {t.type_name: (set(ctx.indexes[t.type_name].ids), ctx.indexes[t.type_name].names,
                          ctx.indexes[t.type_name].aliases, set(ctx.broken.get(t.type_name, ())))
            for t in RECORD_TYPES}


def _changed_meanings(old: dict[str, tuple], new: dict[str, tuple]) -> dict[str, set[str]]:
    """Per type, the written values whose meaning may differ between two runs: a value resolves
    by ``NameIndex.resolve`` from the id set, then the names, then the aliases, so a value none of
    those (nor the broken names) changed for still means the same."""
    changed: dict[str, set[str]] = {}
    for type_name, (ids, names, aliases, broken) in new.items():
        if type_name not in old:
            changed[type_name] = ids | set(names) | set(aliases) | broken
            continue
        old_ids, old_names, old_aliases, old_broken = old[type_name]
        values = ids ^ old_ids
        values |= {v for v in names.keys() | old_names.keys() if names.get(v) != old_names.get(v)}
        values |= {v for v in aliases.keys() | old_aliases.keys() if aliases.get(v) != old_aliases.get(v)}
        changed[type_name] = values | (broken ^ old_broken)
    return changed


def _fresh(raw: RawRecord) -> Checked:
    problems = Problems()
    record = build_record(raw, problems)
    refs = [(site.target, site.value) for site in iter_refs(record)] if record is not None else []
    return Checked(raw, record, problems.items, refs)


def _assemble(root: Path, current: dict[tuple[str, str], Checked]) -> Context:
    kb = KnowledgeBase(root=root)
    by_key: dict[tuple[str, str], RawRecord] = {}
    broken: dict[str, set[str]] = defaultdict(set)
    for key, checked in current.items():
        raw = checked.raw
        if checked.record is not None:
            kb.of(raw.type)[raw.id] = checked.record
            by_key[key] = raw
        else:
            names = [raw.data.get("name"), *(raw.data.get("aliases") or [] if isinstance(raw.data.get("aliases"), list) else [])]
            broken[key[0]].update([raw.id, *(n for n in names if isinstance(n, str))])
    return Context(kb, by_key, broken)


def validate(raws: list[RawRecord], root: Path, problems: Problems, seeds_dir: Path | None = None,
             memo: ValidationMemo | None = None) -> Validated:
    """Validate every record. ``memo`` keeps what did not change since the last run of a session;
    without one everything is checked afresh — by the same code, so both give the same result."""
    memo = memo if memo is not None else ValidationMemo()
    current: dict[tuple[str, str], Checked] = {}
    for raw in raws:
        key = (raw.type.type_name, raw.id)
        kept = memo.checked.get(key)
        current[key] = kept if kept is not None and kept.raw is raw else _fresh(raw)
    ctx = _assemble(root, current)
    meanings = _meanings(ctx)
    changed = _changed_meanings(memo.meanings, meanings)
    again = [key for key, checked in current.items() if checked.done and (
        not checked.resolved or any(value in changed.get(target, ()) for target, value in checked.refs))]
    for key in again:
        current[key] = _fresh(current[key].raw)  # references are rewritten in place: start from the file
    if again:
        ctx = _assemble(root, current)
    for checked in current.values():
        if checked.record is not None and not checked.done:
            own = Problems()
            own.unreadable_types = problems.unreadable_types
            checked.resolved = resolve_references(ctx, [checked.record], own)
            record_rules(ctx, checked.record, own)
            checked.problems = checked.problems + own.items
            checked.done = True
        problems.extend(checked.problems)
    check_names(ctx, problems)
    check_cycles(ctx, problems)
    check_rules(ctx, problems)
    memo.checked, memo.meanings = current, meanings
    excerpts = verify_excerpts(ctx, seeds_dir, problems) if seeds_dir is not None else 0
    return Validated(ctx.kb, problems, excerpts)
