"""Data files the site's scripts read (browse facets, compare view), written beside the pages.

They are JavaScript files that assign to a global rather than JSON, because a page opened
from file:// may load a <script> but may not fetch() a file.
"""

from __future__ import annotations

import json

from .link import Graph

DATA_FOLDER = "explore/data"


def as_script(variable: str, payload) -> bytes:
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    # "</script>" inside a string must not end an inline script if this is ever inlined.
    text = text.replace("</", "<\\/")
    return f"window.{variable}={text};\n".encode("utf-8")


def data_files(graph: Graph) -> dict[str, bytes]:
    return {}
