"""Data files the site's scripts read (browse facets, compare view), written beside the pages.

They are JavaScript files that assign to a global rather than JSON, because a page opened
from file:// may load a <script> but may not fetch() a file.
"""

from __future__ import annotations

import json
from functools import partial
import math
import re
import zlib

from . import paths
from .citation import gbt7714
from .link import Graph
from .markdown_text import join_lines
from .model import Level, Practice, Stage

DATA_FOLDER = "explore/data"
# The compare view's details (steps, components, outcomes, sources) are in shards of about
# this many practices, loaded only for the practices a reader ticks: the browse page's data
# stays small, and a knowledge base of 20 000 practices does not ship one 30 MB file.
DETAIL_SHARD_SIZE = 100


def as_script(variable: str, payload) -> bytes:
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    # "</script>" inside a string must never end a script element, wherever this is loaded.
    text = text.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f"window.{variable}={text};\n".encode("utf-8")


def detail_shard(practice_id: str, shards: int) -> str:
    """Site-relative path of the data file holding a practice's compare details."""
    return f"{DATA_FOLDER}/detail/{zlib.crc32(practice_id.encode('utf-8')) % shards:03d}.js"


def shard_count(practices: int) -> int:
    return max(1, math.ceil(practices / DETAIL_SHARD_SIZE))


def practice_detail(practice: Practice, g: Graph) -> dict:
    """What the compare view and the browser's Word handout (docx.js) show for one practice
    beyond its browse row: the same rows as a course's comparison, the summary's paragraphs."""
    from .courses import column, fold

    col = column(g, practice)
    when = f"{practice.start_year} 年起" if practice.start_year else (practice.period or "")
    return {
        "id": practice.id,
        "place": col.place,
        "when": fold(when),
        "summary": [fold(p) for p in re.split(r"\n\s*\n", practice.summary.strip()) if p.strip()],
        "steps": [[step.stage.value, fold(step.name), fold(step.description)] for step in practice.steps],
        "components": [list(c) for c in col.components],
        "outcomes": [[text, figures] for text, figures in col.outcomes],
        "sources": [{"name": s.name, "url": paths.page_url(paths.page_of(s)), "cite": gbt7714(s, g.kb)} for s in col.sources],
    }


def practice_row(practice: Practice, g: Graph, shards: int = 1) -> dict:
    kb = g.kb
    place = g.place(practice)
    sources = [kb.sources[c.source] for c in practice.sources if c.source in kb.sources]
    return {
        "id": practice.id,
        "name": practice.name,
        "aliases": practice.aliases,
        "url": paths.page_url(paths.page_of(practice)),
        "org": place.organization_name,
        "province": place.province_name,
        "region": place.region_text,
        "level": place.level.value,
        "themes": [kb.themes[t].name for t in practice.themes if t in kb.themes],
        "methods": [kb.methods[m].name for m in practice.methods if m in kb.methods],
        "stages": [s.value for s in Stage if any(step.stage is s for step in practice.steps)],
        "year": practice.start_year,
        "completeness": practice.completeness.value,
        "summary": join_lines(practice.summary),
        "sources": [gbt7714(s, kb) for s in sources],
        "added": practice.added.isoformat(),
        "detail": detail_shard(practice.id, shards),
    }


def _practice_rows(shards: int, g: Graph) -> bytes:
    """The browse and compare views' list of every practice, from one cached row per practice."""
    practices = g.practices_sorted(g.kb.practices)
    rows = [g.piece(("row", p.id, shards), partial(_row, p.id, shards)) if hasattr(g, "piece") else practice_row(p, g, shards)
            for p in practices]
    return as_script("KB_PRACTICES", {
        "stages": [s.value for s in Stage],
        "levels": [level.value for level in Level],
        "practices": rows,
    })


def _row(practice_id: str, shards: int, g: Graph) -> dict:
    return practice_row(g.kb.practices[practice_id], g, shards)


def _detail_shard(ids: tuple[str, ...], g: Graph) -> bytes:
    return merge_script("KB_DETAIL", {pid: practice_detail(g.kb.practices[pid], g) for pid in ids})


def _docx_base(g: Graph) -> bytes:
    from .export_docx import base_script

    return base_script()  # the fixed parts of a Word handout, for docx.js


def data_jobs(graph: Graph) -> list:
    """The data files, as jobs: the practice list, one detail shard per hundred practices (each
    made from the practices it holds), the Word handout's fixed parts."""
    from .render import Job

    ids = sorted(graph.kb.practices)
    shards = shard_count(len(ids))
    members: dict[str, list[str]] = {}
    for pid in ids:
        members.setdefault(detail_shard(pid, shards), []).append(pid)
    jobs = [Job(f"{DATA_FOLDER}/practices.js", partial(_practice_rows, shards), (shards,))]
    jobs += [Job(path, partial(_detail_shard, tuple(members[path])), tuple(members[path])) for path in sorted(members)]
    jobs.append(Job(f"{DATA_FOLDER}/docx-base.js", _docx_base))
    return jobs


def data_files(graph: Graph) -> dict[str, bytes]:
    return {job.path: job.make(graph) for job in data_jobs(graph)}


def merge_script(variable: str, payload: dict) -> bytes:
    """Like ``as_script``, but adds to the global so several shards can be loaded."""
    text = as_script("_", payload).decode("utf-8")[len("window._="):-2]
    return f"window.{variable}=Object.assign(window.{variable}||{{}},{text});\n".encode("utf-8")
