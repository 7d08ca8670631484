"""Placeholder until the search index lands (issue 4)."""

from __future__ import annotations

from pathlib import Path


def write_search_index(graph, site_dir: Path, docs_dir: Path) -> None:
    return None
