"""Excerpts against the original texts (``kb check --sources``): every quotation found verbatim
in its source, prose not copied from it, and sources that can be cited in full."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from . import text as textutil
from .model import RECORD_TYPES, Citation, KnowledgeBase
from .problems import Problems, field_path
from .walk import iter_models

if TYPE_CHECKING:
    from .context import Context


def source_seed(kb: KnowledgeBase, source_id: str) -> str | None:
    seen: set[str] = set()
    current = kb.sources.get(source_id)
    while current is not None and current.id not in seen:
        if current.seed:
            return current.seed
        seen.add(current.id)
        current = kb.sources.get(current.part_of or "")
    return None


def verify_excerpts(ctx: Context, seeds_dir: Path, problems: Problems) -> int:
    """Check every excerpt stands verbatim in its source text. Returns how many were checked."""
    kb = ctx.kb
    texts: dict[str, str | None] = {}

    def seed_text(name: str) -> str | None:
        if name not in texts:
            path = seeds_dir / name
            try:
                texts[name] = textutil.normalize_for_match(path.read_text(encoding="utf-8-sig"))
            except (OSError, UnicodeDecodeError):
                texts[name] = None
        return texts[name]

    for source in kb.sources.values():
        if source.seed and seed_text(source.seed) is None:
            problems.error(source.path, ctx.line(source, ("seed",)), "seed", f"在 {seeds_dir} 中找不到原文 {source.seed}")

    checked = 0
    for record_type in RECORD_TYPES:
        for record in kb.of(record_type).values():
            for loc, citation in iter_models(record, Citation):
                seed = source_seed(kb, citation.source)
                if seed is None:
                    problems.warning(record.path, ctx.line(record, loc + ("source",)), field_path(loc + ("source",)),
                                     "来源没有原文文件（seed），无法核对摘录")
                    continue
                original = seed_text(seed)
                if original is None:
                    continue
                checked += 1
                if textutil.normalize_for_match(citation.excerpt) not in original:
                    problems.error(record.path, ctx.line(record, loc + ("excerpt",)), field_path(loc + ("excerpt",)),
                                   f"摘录在原文 {seed} 中找不到（已做繁→简和去空白处理）；摘录须逐字照录")
    from .originality import check_originality  # prose copied from the same texts (warnings)

    check_originality(kb, texts, problems, ctx.line)
    check_citation_fields(ctx, problems)
    return checked


def check_citation_fields(ctx: Context, problems: Problems) -> None:
    """Warn about sources that lack what a full GB/T 7714 citation needs (see citation.py)."""
    from .citation import missing_fields

    for source in ctx.kb.sources.values():
        missing = missing_fields(source, ctx.kb)
        if missing:
            problems.warning(source.path, ctx.line(source, ("name",)), missing[0][0],
                             "参考文献著录不完整（GB/T 7714—2015）：缺少" + "、".join(label for _, label in missing))
