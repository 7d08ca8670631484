"""Data files the site's scripts read (browse facets, compare view), written beside the pages.

They are JavaScript files that assign to a global rather than JSON, because a page opened
from file:// may load a <script> but may not fetch() a file.
"""

from __future__ import annotations

import json

from . import paths
from .citation import gbt7714
from .link import Graph
from .markdown_text import join_lines
from .model import Practice, Stage
from .text import pinyin_key

DATA_FOLDER = "explore/data"


def as_script(variable: str, payload) -> bytes:
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    # "</script>" inside a string must never end a script element, wherever this is loaded.
    text = text.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f"window.{variable}={text};\n".encode("utf-8")


def site_url(docs_path: str) -> str:
    """Site-root-relative URL of a docs page (use_directory_urls is off)."""
    return docs_path[:-3] + ".html" if docs_path.endswith(".md") else docs_path


def practice_row(practice: Practice, g: Graph) -> dict:
    kb = g.kb
    org = kb.organizations.get(practice.organization)
    trail = [kb.regions[r].name for r in g.region_path.get(g.region.get(practice.id) or "", [])]
    sources = [kb.sources[c.source] for c in practice.sources if c.source in kb.sources]
    return {
        "id": practice.id,
        "name": practice.name,
        "aliases": practice.aliases,
        "url": site_url(paths.page_of(practice)),
        "org": org.name if org else "",
        "province": trail[0] if trail else "",
        "region": " › ".join(trail),
        "level": g.level[practice.id].value,
        "themes": [kb.themes[t].name for t in practice.themes if t in kb.themes],
        "methods": [kb.methods[m].name for m in practice.methods if m in kb.methods],
        "stages": [s.value for s in Stage if any(step.stage is s for step in practice.steps)],
        "year": practice.start_year,
        "completeness": practice.completeness.value,
        "summary": join_lines(practice.summary),
        "sources": [gbt7714(s, kb) for s in sources],
        "added": practice.added.isoformat(),
    }


def data_files(graph: Graph) -> dict[str, bytes]:
    practices = sorted(graph.kb.practices.values(), key=lambda p: pinyin_key(p.name))
    rows = [practice_row(p, graph) for p in practices]
    return {f"{DATA_FOLDER}/practices.js": as_script("KB_PRACTICES", {
        "stages": [s.value for s in Stage],
        "levels": ["全国", "省", "市", "县区", "乡镇街道"],
        "practices": rows,
    })}
