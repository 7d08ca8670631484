"""Live blocks in hand-written pages: ``<!-- kb:NAME -->`` expands to Markdown from the data.

The home page says ``<!-- kb:counts -->`` rather than a number that would go stale. The
blocks are templates in ``templates/snippets``; an unknown name is left as it is (and shows
nowhere, being a comment).
"""

from __future__ import annotations

import re

from .link import Graph
from .render import ENV, Page, render_snippet_context

MARKER = re.compile(r"<!--\s*kb:([a-z-]+)\s*-->")


def expand(markdown: str, page_path: str, graph: Graph) -> str:
    def replace(match: re.Match) -> str:
        name = match.group(1)
        try:
            template = ENV.get_template(f"snippets/{name}.md.j2")
        except Exception:  # unknown block: leave the comment in place
            return match.group(0)
        page = Page(page_path, graph)
        return template.render(p=page, g=graph, kb=graph.kb, **render_snippet_context(graph))

    return MARKER.sub(replace, markdown)
